from trainpkg_app.core.drafts import (
    DraftContent,
    comparable_view,
    content_from_snapshot,
    flagged,
    snapshot_of,
)
from trainpkg_app.core.forms import DEFAULT_FORMS, default_forms


def valid_draft() -> DraftContent:
    draft = DraftContent()
    draft.forms["model"] |= {"model_id": "Qwen/Qwen2.5-0.5B", "size_gb": "0.99"}
    draft.forms["config"] |= {"method": "lora", "learning_rate": "0.0001"}
    draft.forms["deploy"] |= {
        "target": "hf_job",
        "job_flavor": "a10g-small",
        "timeout_minutes": "60",
    }
    draft.datasets = [{"source": "hub", "dataset_id": "tatsu-lab/alpaca"}]
    return draft


def test_fingerprint_is_stable_and_ignores_key_order():
    one = DraftContent(forms={"b": {"y": "1", "x": "2"}, "a": {}})
    two = DraftContent(forms={"a": {}, "b": {"x": "2", "y": "1"}})
    assert one.fingerprint() == two.fingerprint()


def test_any_edit_changes_the_fingerprint():
    draft = DraftContent()
    before = draft.fingerprint()
    draft.forms["model"]["model_id"] = "a/b"
    assert draft.fingerprint() != before


def test_moving_between_steps_is_a_change_too():
    draft = DraftContent()
    before = draft.fingerprint()
    draft.workflow["current_step"] = "config"
    assert draft.fingerprint() != before


def test_a_new_draft_starts_from_the_defaults():
    assert DraftContent().forms == DEFAULT_FORMS


def test_snapshot_of_a_valid_draft_is_typed():
    results = valid_draft().validate_all()
    snapshot = snapshot_of(results)
    assert snapshot["model"]["model_id"] == "Qwen/Qwen2.5-0.5B"
    assert snapshot["config"]["learning_rate"] == 0.0001
    assert snapshot["deploy"] == {
        "target": "hf_job",
        "job_flavor": "a10g-small",
        "timeout_minutes": 60,
        "budget_usd": None,  # no cap
    }
    assert snapshot["dataset"]["datasets"][0]["dataset_id"] == "tatsu-lab/alpaca"


def test_restore_round_trips_a_snapshot_into_the_forms():
    snapshot = snapshot_of(valid_draft().validate_all())
    restored = content_from_snapshot(snapshot)
    assert restored.forms["config"]["learning_rate"] == "0.0001"
    assert restored.forms["model"]["size_gb"] == "0.99"
    assert restored.forms["deploy"]["timeout_minutes"] == "60"
    assert restored.datasets == [
        {"source": "hub", "dataset_id": "tatsu-lab/alpaca", "split": "train"}
    ]
    assert snapshot_of(restored.validate_all()) == snapshot


def test_comparable_view_keeps_invalid_steps_as_typed_text():
    draft = valid_draft()
    draft.forms["config"]["learning_rate"] = "zero"
    view = comparable_view(draft)
    assert view["config"]["learning_rate"] == "zero"
    assert view["model"]["size_gb"] == 0.99


def test_a_draft_stored_with_bad_values_opens_with_those_fields_marked():
    """Stored before numbers were bounded: a non-finite rate, a huge parameter count, a
    9,000-character id and a field the wizard never had. It opens; the bad fields are marked,
    the empty ones are not."""
    forms = default_forms()
    forms["config"] |= {"method": "lora", "learning_rate": "inf"}
    forms["model"] |= {"model_id": "x" * 9000, "parameters": "1" + "0" * 400, "injected": "y"}
    content = DraftContent.model_validate({"forms": forms})
    marked = flagged(content, content.validate_all())
    assert marked["config"] == {"learning_rate": "Enter a finite number."}
    assert set(marked["model"]) == {"model_id", "parameters"}
    assert "injected" not in content.forms["model"]
    assert len(content.forms["model"]["model_id"]) == 4096
    assert marked["deploy"] == {}  # "choose a target" waits until the user gets there
