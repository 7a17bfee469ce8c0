"""The unsaved-edits journal the browser keeps until the server has saved."""

import json

from trainpkg_app.core.edit_journal import EditJournal


def test_edits_accumulate_for_one_draft_revision():
    journal = EditJournal().record("p1", 3, "model", {"model_id": "a/b"})
    journal = EditJournal.parse(journal.dump()).record("p1", 3, "config", {"num_epochs": "5"})
    journal = journal.record("p1", 3, "model", {"revision": "main"})
    assert journal.forms == {
        "model": {"model_id": "a/b", "revision": "main"},
        "config": {"num_epochs": "5"},
    }
    assert journal.applies_to("p1", 3)
    assert not journal.applies_to("p1", 4)  # saved elsewhere since: the newer draft wins
    assert not journal.applies_to("p2", 3)


def test_another_draft_or_revision_starts_afresh():
    journal = EditJournal().record("p1", 3, "model", {"model_id": "a/b"})
    assert journal.record("p2", 0, "config", {"seed": "1"}).forms == {"config": {"seed": "1"}}
    assert journal.record("p1", 4, "config", {"seed": "1"}).forms == {"config": {"seed": "1"}}


def test_a_partial_save_rebases_what_is_newer():
    journal = EditJournal().record("p1", 3, "model", {"model_id": "a/b"}).rebased(4)
    assert journal.applies_to("p1", 4)
    assert journal.record("p1", 4, "config", {"seed": "1"}).forms["model"] == {"model_id": "a/b"}


def test_apply_puts_edits_on_top_and_ignores_unknown_fields():
    journal = EditJournal(package_id="p", forms={"model": {"model_id": "x", "injected": "y"}})
    forms = {"model": {"model_id": "", "source": "hub"}, "config": {"seed": "42"}}
    assert journal.apply(forms) == {
        "model": {"model_id": "x", "source": "hub"},
        "config": {"seed": "42"},
    }


def test_a_journal_the_browser_forged_reads_as_empty():
    """Local storage is the client's: unknown steps, non-text or oversized values are dropped
    whole rather than applied."""
    for forms in (
        {"gone": {"a": "b"}},
        {"config": {"seed": 42}},
        {"config": {"seed": "9" * 5000}},
        {"config": {"../x": "1"}},
    ):
        text = json.dumps({"package_id": "p", "revision": 1, "forms": forms})
        assert EditJournal.parse(text) == EditJournal()


def test_nothing_or_garbage_reads_as_an_empty_journal():
    for text in ("", "not json", '{"forms": 3}'):
        assert EditJournal.parse(text) == EditJournal()
    assert EditJournal().dump() == ""
    assert not EditJournal().applies_to("", 0)


def test_the_key_names_the_draft_revision():
    assert EditJournal().record("p1", 3, "model", {"model_id": "x"}).key == ("p1", 3)
