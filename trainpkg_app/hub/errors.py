"""Hub failures as messages that name the cause and the fix."""

from __future__ import annotations

import httpx2
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)


class HubProblem(Exception):
    """kind: not_found, gated, rate_limited, server, offline, unauthorized."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def explain(error: Exception, repo_id: str = "") -> HubProblem:
    """Translate a huggingface_hub / network error into a HubProblem."""
    what = f"{repo_id} " if repo_id else ""
    if isinstance(error, GatedRepoError):
        return HubProblem(
            "gated",
            f"{what}is gated: request access on its Hub page, then add a token of the account "
            "that has access (HF_TOKEN on the server, or Settings → Hugging Face token).",
        )
    if isinstance(error, RevisionNotFoundError):
        return HubProblem("not_found", f"{what}has no such revision on the Hub.")
    if isinstance(error, RepositoryNotFoundError):
        return HubProblem(
            "not_found",
            f"{what}was not found on the Hub. Check the spelling (owner/name); a private model "
            "needs a token with access.",
        )
    if isinstance(error, OfflineModeIsEnabled | httpx2.TransportError | ConnectionError):
        return HubProblem(
            "offline",
            "The Hub cannot be reached (offline or HF_HUB_OFFLINE is set). Models already in the "
            "local cache can still be chosen; a local model folder works too.",
        )
    if isinstance(error, HfHubHTTPError) and error.response is not None:
        status = error.response.status_code
        if status == 429:
            return HubProblem(
                "rate_limited",
                "The Hub is rate-limiting requests. Try again in a minute; "
                "nothing you entered is lost.",
            )
        if status == 401:
            return HubProblem(
                "unauthorized",
                "The Hub refused the token: check it, or remove it to browse public models.",
            )
        if status >= 500:
            return HubProblem(
                "server",
                f"The Hub had a server error ({status}). Try again later; "
                "nothing you entered is lost.",
            )
    return HubProblem("server", f"The Hub request failed: {error}")
