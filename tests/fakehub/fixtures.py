"""pytest fixtures that start the fake Hub (imported by the conftest files that need it)."""

from collections.abc import Iterator

import pytest

from tests.fakehub.dataset_viewer import GATED, PRIVATE, SCRIPTED, default_viewer_data
from tests.fakehub.dataset_viewer import PREFIX as VIEWER_PREFIX
from tests.fakehub.server import FakeHub, dataset_record, default_datasets, default_models


def _add_viewer_datasets(hub: FakeHub) -> None:
    """The datasets the fake dataset viewer serves, and their Hub records."""
    for dataset_id, configs in default_viewer_data().items():
        hub.viewer.add(dataset_id, configs)
        if dataset_id not in hub.datasets:
            sizes = {
                c: {s: split.num_rows for s, split in named.items()} for c, named in configs.items()
            }
            hub.datasets[dataset_id] = dataset_record(dataset_id, sizes)
    hub.datasets[GATED] |= {"gated": "manual"}
    hub.datasets[PRIVATE] |= {"private": True}
    hub.datasets[SCRIPTED] = dataset_record(SCRIPTED, {"default": {"train": 100}})


def started_hub() -> FakeHub:
    hub = FakeHub()
    for record in default_models():
        hub.add_model(record)
    for record in default_datasets():
        hub.datasets[record["id"]] = record
    _add_viewer_datasets(hub)
    return hub.start()


def viewer_environment(hub: FakeHub) -> dict[str, str]:
    """The setting that points the app at the fake dataset viewer."""
    return {"TRAINPKG_DATASET_VIEWER_URL": hub.endpoint + VIEWER_PREFIX}


@pytest.fixture
def fake_hub(monkeypatch) -> Iterator[FakeHub]:
    from trainpkg_app.settings import get_settings

    hub = started_hub()
    for name, value in viewer_environment(hub).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield hub
    hub.stop()
    get_settings.cache_clear()
