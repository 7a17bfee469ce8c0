"""One backend a deployment target, found by the target's name. To add a target: its value in
core.vocabulary.DeploymentTarget, a module here with its Backend class, and its entry below."""

from __future__ import annotations

from trainpkg_app.deploy.backends.base import Backend, UnknownTarget
from trainpkg_app.deploy.backends.hf_job import JobBackend
from trainpkg_app.deploy.backends.hf_space import SpaceBackend
from trainpkg_app.deploy.backends.local import LocalBackend

BACKENDS: dict[str, Backend] = {
    backend.target: backend for backend in (LocalBackend(), SpaceBackend(), JobBackend())
}

__all__ = ["BACKENDS", "Backend", "UnknownTarget", "backend_for"]


def backend_for(target: str) -> Backend:
    """The backend that runs ``target``."""
    try:
        return BACKENDS[target]
    except KeyError:
        known = ", ".join(BACKENDS)
        raise UnknownTarget(f"No backend runs the target {target!r} (known: {known}).") from None
