"""One settings object shared by rxconfig.py, alembic/env.py and the app.

Read from environment variables prefixed ``TRAINPKG_``; the standard
``HF_ENDPOINT``/``HF_TOKEN`` and ``PORT`` work too. No reflex import here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from trainpkg_app.core.hub_account import ServerTokenPolicy

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
DEFAULT_DATASET_VIEWER_URL = "https://datasets-server.huggingface.co"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRAINPKG_", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite under data_dir."
    )
    port: int = Field(
        default=3000, ge=1, le=65535, validation_alias=AliasChoices("TRAINPKG_PORT", "PORT")
    )
    hf_endpoint: str = Field(
        default=DEFAULT_HF_ENDPOINT,
        validation_alias=AliasChoices("TRAINPKG_HF_ENDPOINT", "HF_ENDPOINT"),
    )
    hf_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TRAINPKG_HF_TOKEN", "HF_TOKEN")
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Fernet key for secrets at rest; default: <data_dir>/secret.key"
    )
    autosave_interval_s: float = Field(default=30.0, gt=0)
    signup: Literal["open", "invite", "closed"] = Field(
        default="invite",
        description="who may create an account after the first (the admin): anyone (open), "
        "the admin (invite), or nobody (closed)",
    )
    session_hours: float = Field(default=168.0, gt=0, description="how long a sign-in lasts")
    hub_poll_s: float = Field(default=15.0, gt=0, description="how often a Hub run is asked")
    max_upload_mb: float = Field(default=200.0, gt=0)
    upload_quota_mb: float = Field(default=5000.0, gt=0, description="all of a user's uploads")
    local_usd_per_hour: float = Field(
        default=0.0, ge=0, description="what a local GPU hour costs you"
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TRAINPKG_REDIS_URL", "REFLEX_REDIS_URL")
    )
    # The server's HF_TOKEN for members (core/hub_account.py): off unless the admin opts in.
    hub_token_for_members: bool = False
    hub_member_prefix: str = Field(default="tp-", pattern=r"^[a-z0-9-]{0,16}$")
    hub_member_max_usd_per_hour: float = Field(default=1.0, ge=0)
    hub_member_max_hours: float = Field(default=4.0, gt=0)
    # Hub images: a CUDA image that already holds torch, so that a GPU Space or Job
    # installs only the small remainder of the lock (default: the Jobs docs' example image).
    cuda_image: str = Field(
        default="pytorch/pytorch:2.6.0-cuda12.4-cudnn9-devel",
        description="base image of GPU Spaces and Jobs; it must hold torch with CUDA",
    )

    # The run queue (deploy/run_queue.py): how many runs each target takes at a time; this
    # machine's runs are everyone's, a Hub target's are counted per user (their account).
    queue_local_runs: int = Field(default=1, ge=1, le=16, description="local runs at a time")
    queue_hub_runs: int = Field(
        default=2, ge=1, le=64, description="runs at a time per user on each Hub target"
    )

    @field_validator("hf_endpoint")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or an SQLite file under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'trainpkg.db').resolve()}"

    @property
    def server_token_policy(self) -> ServerTokenPolicy:
        return ServerTokenPolicy(
            for_members=self.hub_token_for_members,
            name_prefix=self.hub_member_prefix,
            max_usd_per_hour=self.hub_member_max_usd_per_hour,
            max_hours=self.hub_member_max_hours,
        )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1e6)

    @property
    def upload_quota_bytes(self) -> int:
        return int(self.upload_quota_mb * 1e6)

    def uploads_dir(self, owner_id: object, package_id: object) -> Path:
        """Uploaded datasets of one package: under the data dir, outside the web root."""
        return self.data_dir / "uploads" / str(owner_id) / str(package_id)

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    # The run-end webhook (core/webhook.py): private, loopback and other non-public addresses
    # are refused unless this is on (a webhook receiver on your own network; the tests).
    webhook_allow_private: bool = False
    app_url: str = Field(
        default="", description="the app's public address, for the run links in webhooks"
    )

    # The Hub's dataset viewer API: Hub datasets are checked with it before a run is billed.
    dataset_viewer_url: str = Field(
        default=DEFAULT_DATASET_VIEWER_URL,
        description="base URL of the dataset viewer API (TRAINPKG_DATASET_VIEWER_URL)",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return Settings()
