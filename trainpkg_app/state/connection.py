"""Whether the browser tab behind a state is still connected (any worker, with Redis), so
that loops started for a tab end with it."""

from __future__ import annotations

import reflex as rx
from reflex_base.registry import RegistrationContext


async def tab_connected(state: rx.State) -> bool:
    namespace = RegistrationContext.get().app.event_namespace
    if namespace is None:  # no socket server (a test without one): nothing to follow
        return False
    return await namespace._token_manager.is_token_connected(state.router.session.client_token)
