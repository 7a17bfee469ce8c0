"""The HfApi the app uses: the configured endpoint and the token it is given."""

from __future__ import annotations

from huggingface_hub import HfApi, hf_hub_url
from huggingface_hub.errors import EntryNotFoundError, RemoteEntryNotFoundError
from huggingface_hub.utils import get_session, hf_raise_for_status

from trainpkg_app.hub.errors import explain
from trainpkg_app.settings import get_settings


def server_token() -> str | None:
    """HF_TOKEN / TRAINPKG_HF_TOKEN from the server's environment, if set."""
    token = get_settings().hf_token
    return token.get_secret_value() if token else None


def hub_api(token: str | None = None) -> HfApi:
    """A client with exactly this token; anonymous without one (never a fallback: which token
    a user may use is db.hub_tokens.hub_credentials's call)."""
    return HfApi(endpoint=get_settings().hf_endpoint, token=token or False)


def read_repo_file(api: HfApi, repo_id: str, path: str, repo_type: str = "model") -> bytes | None:
    """One file of a repo, or None when the repo has no such file; other refusals raise (the
    caller explains them)."""
    url = hf_hub_url(repo_id, path, repo_type=repo_type, endpoint=api.endpoint)
    response = get_session().get(url, headers=api._build_hf_headers())
    try:
        hf_raise_for_status(response)
    except (EntryNotFoundError, RemoteEntryNotFoundError):
        return None
    return response.content


def hub_username(api: HfApi) -> str:
    """Who the token belongs to (whoami); HubProblem when the Hub refuses it."""
    try:
        return api.whoami()["name"]
    except Exception as error:
        raise explain(error) from error
