"""The HfApi the app uses: the configured endpoint, and the server-side token if there is one."""

from __future__ import annotations

from huggingface_hub import HfApi

from trainpkg_app.settings import get_settings


def hub_api() -> HfApi:
    settings = get_settings()
    token = settings.hf_token.get_secret_value() if settings.hf_token else False
    return HfApi(endpoint=settings.hf_endpoint, token=token)
