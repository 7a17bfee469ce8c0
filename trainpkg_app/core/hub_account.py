"""Whose Hugging Face account a user's Hub calls use, and what a member may run on the server's.

A user's own token always wins. The server's token (HF_TOKEN) serves the admin; members get it
only where the admin opted in, and then only for Jobs (they stop by themselves at their
timeout; a Space bills until it is paused), under a per-user name prefix, within a price and a
time cap. Spaces made with it are private."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from trainpkg_app.core.names import slugify

Whose = Literal["own", "server", "none"]


class ServerTokenPolicy(BaseModel):
    for_members: bool = False
    name_prefix: str = "tp-"
    max_usd_per_hour: float = 1.0
    max_hours: float = 4.0


def whose_token(*, has_own: bool, is_admin: bool, server_token: bool, policy: ServerTokenPolicy):
    """Which token this user's Hub calls use."""
    if has_own:
        return "own"
    if server_token and (is_admin or policy.for_members):
        return "server"
    return "none"


def member_prefix(policy: ServerTokenPolicy, email: str) -> str:
    """The start of every repo name a member creates with the server's token."""
    return f"{policy.name_prefix}{slugify(email.split('@')[0])}-"


def member_run_problem(
    policy: ServerTokenPolicy,
    *,
    target: str,
    email: str,
    repo_name: str,
    usd_per_hour: float,
    hours: float,
) -> str:
    """Why a member may not start this run on the server's account ('' when they may)."""
    if target != "hf_job":
        return "A Space bills until it is paused: set your own Hugging Face token to use one."
    prefix = member_prefix(policy, email)
    if not repo_name.startswith(prefix):
        return f"On the server's account your repositories are named {prefix}…"
    if usd_per_hour > policy.max_usd_per_hour:
        return (
            f"This flavor costs ${usd_per_hour:.2f}/h; the admin allows up to "
            f"${policy.max_usd_per_hour:.2f}/h on the server's account. Choose a smaller one "
            "or set your own token."
        )
    if hours > policy.max_hours:
        return (
            f"The timeout is {hours:g} h; the admin allows up to {policy.max_hours:g} h on the "
            "server's account. Lower it or set your own token."
        )
    return ""


def billing_line(whose: Whose, hub_user: str = "") -> str:
    """What the deploy step says before a Hub run is launched ('' without a token: the token
    line already says that Spaces and Jobs need one)."""
    if whose == "own":
        return f"Hub runs are billed to your Hugging Face account ({hub_user})."
    if whose == "server":
        return "Hub runs are billed to the server's Hugging Face account (HF_TOKEN)."
    return ""
