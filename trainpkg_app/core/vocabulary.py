"""The closed sets of values that the schema and the rules share."""

from enum import StrEnum


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class DeploymentTarget(StrEnum):
    LOCAL = "local"
    HF_SPACE = "hf_space"
    HF_JOB = "hf_job"


class TrainingStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


def sql_in_list(values: type[StrEnum]) -> str:
    """``'a', 'b'`` for a CHECK ... IN (...) clause."""
    return ", ".join(f"'{member.value}'" for member in values)
