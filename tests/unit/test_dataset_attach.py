import json

from trainpkg_app.core.dataset_attach import (
    attach_refusal,
    chosen_split,
    default_split,
    hub_row,
    pickers,
    removed,
    replaced,
    unique_name,
)
from trainpkg_app.core.dataset_preview import PreviewSettings
from trainpkg_app.core.forms import default_forms

CHOICES = json.dumps({"default": ["train", "test"], "extra": ["validation"]})
HUB = {"source": "hub", "dataset_id": "org/data", "config": "default", "choices": CHOICES}
UPLOAD = {"source": "upload", "dataset_id": "org/data (upload)", "upload_id": "u1"}


def test_a_bad_or_attached_id_is_refused_with_its_reason():
    assert attach_refusal([], "org/new") == ""
    assert attach_refusal([HUB], "org/data") == "org/data is already attached."
    assert attach_refusal([], "not a repo id!") != ""


def test_unique_names_count_up():
    assert unique_name("a.jsonl", set()) == "a.jsonl"
    assert unique_name("a.jsonl", {"a.jsonl", "a.jsonl (2)"}) == "a.jsonl (3)"


def test_replace_and_remove_touch_only_the_named_row():
    new = HUB | {"split": "test"}
    assert replaced([HUB, UPLOAD], "org/data", new) == [new, UPLOAD]
    assert removed([HUB, UPLOAD], "org/data") == [UPLOAD]
    assert hub_row([UPLOAD], "org/data (upload)") is None
    assert hub_row([HUB, UPLOAD], "org/data") == HUB


def test_a_new_config_starts_at_its_default_split_and_unlisted_choices_are_refused():
    assert chosen_split(HUB, "config", "extra") == ("extra", "validation")
    assert chosen_split(HUB, "split", "test") == ("default", "test")
    assert chosen_split(HUB, "split", "validation") is None  # not a split of "default"
    assert chosen_split(HUB, "config", "missing") is None
    assert chosen_split(None, "config", "default") is None
    assert default_split(["test", "train"]) == "train"
    assert default_split(["b", "a"]) == "b"


def test_pickers_list_the_splits_of_the_chosen_config_only():
    assert pickers([HUB, UPLOAD]) == {
        "org/data": {"configs": ["default", "extra"], "splits": ["train", "test"]}
    }


def test_preview_settings_fall_back_to_defaults_for_what_does_not_parse():
    forms = default_forms()
    forms["config"] |= {"max_seq_length": "abc", "train_on": "all"}
    settings = PreviewSettings.of_forms(forms)
    assert (settings.max_seq_length, settings.answers_only) == (1024, False)
