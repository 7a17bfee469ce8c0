"""The model a finished run trained, as a folder on this machine, for what comes after the run
(the evaluation card, Try it, Ship it): the owner's completed run, its package spec, and its
final weights (the run folder, or its results repo on the Hub)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from trainpkg_app.core.vocabulary import TrainingStatus
from trainpkg_app.db.models import Deployment
from trainpkg_app.deploy.backends import backend_for
from trainpkg_app.deploy.continuation import trained_spec
from trainpkg_app.deploy.records import CannotResume, owned

NOT_FINISHED = "Only a completed run has a trained model: wait for it to finish, or Resume it."
NO_WEIGHTS = (
    "This run's trained model is gone from its folder (deleted or moved): deploy the version "
    "again to train it anew."
)


class NoTrainedModel(CannotResume):
    """The run has no trained model to use; says why."""


@dataclass(frozen=True)
class TrainedModel:
    deployment: Deployment
    spec: dict  # the package.yaml it trained with
    folder: Path  # adapter (LoRA/QLoRA) or full model, with the tokenizer and model card

    @property
    def is_adapter(self) -> bool:
        return "lora" in self.spec["training_arguments"]

    @property
    def base_model(self) -> str:
        return self.spec["model"]["model_id"]

    @property
    def base_revision(self) -> str | None:
        return self.spec["model"].get("revision") or None


def trained_model(session: Session, owner_id: uuid.UUID, deployment_id: uuid.UUID) -> TrainedModel:
    """The owner's completed run and its final model on this machine; NoTrainedModel (or
    NotFound, HubProblem) says why not."""
    deployment = owned(session, owner_id, deployment_id)
    if deployment.status != TrainingStatus.COMPLETED.value:
        raise NoTrainedModel(NOT_FINISHED)
    spec = trained_spec(deployment)
    backend = backend_for(deployment.target)
    folder = backend.fetch_trained_model(session, deployment, spec.get("results_repo"))
    if not any(folder.glob("*.safetensors")) and not any(folder.glob("*.bin")):
        raise NoTrainedModel(NO_WEIGHTS)
    return TrainedModel(deployment=deployment, spec=spec, folder=folder)
