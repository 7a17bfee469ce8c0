"""The HfApi the app uses: the configured endpoint and the best token available."""

from __future__ import annotations

from huggingface_hub import HfApi

from trainpkg_app.hub.errors import explain
from trainpkg_app.settings import get_settings


def server_token() -> str | None:
    """HF_TOKEN / TRAINPKG_HF_TOKEN from the server's environment, if set."""
    token = get_settings().hf_token
    return token.get_secret_value() if token else None


def hub_api(user_token: str | None = None) -> HfApi:
    """A user's own token wins over the server's; without either, anonymous."""
    return HfApi(endpoint=get_settings().hf_endpoint, token=user_token or server_token() or False)


def hub_username(api: HfApi) -> str:
    """Who the token belongs to (whoami); HubProblem when the Hub refuses it."""
    try:
        return api.whoami()["name"]
    except Exception as error:
        raise explain(error) from error
