"""pytest fixtures that start the fake Hub (imported by the conftest files that need it)."""

from collections.abc import Iterator

import pytest

from tests.fakehub.server import FakeHub, default_datasets, default_models


def started_hub() -> FakeHub:
    hub = FakeHub()
    for record in default_models():
        hub.add_model(record)
    for record in default_datasets():
        hub.datasets[record["id"]] = record
    return hub.start()


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    hub = started_hub()
    yield hub
    hub.stop()
