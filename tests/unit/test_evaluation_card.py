"""The evaluation card's rules: SQuAD's exact match and token-F1, the choice of sample prompts,
the card checked before it is stored, and what the views show of it."""

import math

import pytest

from trainpkg_app.core.answer_scores import (
    exact_match,
    mean_scores,
    normalize_answer,
    pick_samples,
    prompt_and_reference,
    relative_improvement,
    sample_key,
    token_f1,
)
from trainpkg_app.core.evaluation import (
    FAILED,
    NO_CARD,
    NOT_ENDED,
    PREVIEW_CHARS,
    UNREADABLE,
    card_from_summary,
    compact_line,
    evaluation_view,
    improvement_text,
)


def test_normalisation_is_squads():
    assert normalize_answer("The  Cat, sat on a MAT!") == "cat sat on mat"
    assert normalize_answer("An apple.") == "apple"


@pytest.mark.parametrize(
    ("answer", "reference", "em", "f1"),
    [
        ("It is 4.", "it is 4", 1.0, 1.0),
        ("the answer is 4", "4", 0.0, 2 * (1 / 3) * 1 / (1 / 3 + 1)),
        ("five", "4", 0.0, 0.0),
        ("", "", 1.0, 1.0),
        ("", "4", 0.0, 0.0),
        ("4 4 4", "4", 0.0, 2 * (1 / 3) / (1 / 3 + 1)),  # repeats count once per reference token
    ],
)
def test_exact_match_and_token_f1(answer, reference, em, f1):
    assert exact_match(answer, reference) == em
    assert token_f1(answer, reference) == pytest.approx(f1)


def test_mean_scores():
    assert mean_scores([]) is None
    assert mean_scores([("4", "4"), ("five", "4")]) == {"exact_match": 0.5, "f1": 0.5}


def test_prompt_and_reference_of_each_row_shape():
    assert prompt_and_reference({"prompt": "Q? ", "completion": "A."}) == ("Q? ", "Q? ", "A.")
    chat = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi?"},
            {"role": "assistant", "content": "Hello."},
        ]
    }
    given, text, reference = prompt_and_reference(chat)
    assert given == chat["messages"][:2] and text == "Be brief.\nHi?" and reference == "Hello."
    conversational = {
        "prompt": [{"role": "user", "content": "Hi?"}],
        "completion": [{"role": "assistant", "content": "Hello."}],
    }
    assert prompt_and_reference(conversational)[1:] == ("Hi?", "Hello.")
    text = prompt_and_reference({"text": "one two three four"})
    assert text == ("one two", "one two", "three four")
    assert prompt_and_reference({"text": "alone"}) is None
    assert prompt_and_reference({"messages": [{"role": "user", "content": "no answer"}]}) is None


def test_samples_are_chosen_by_hash_not_position():
    rows = [{"prompt": f"Q{n}", "completion": f"A{n}"} for n in range(20)]
    chosen = [text for _, text, _ in pick_samples(rows)]
    assert len(chosen) == 8 and len(set(chosen)) == 8
    assert [text for _, text, _ in pick_samples(list(reversed(rows)))] == chosen
    assert chosen == sorted(chosen, key=sample_key)
    assert chosen != [f"Q{n}" for n in range(8)]  # not simply the first rows
    # a held-out split that keeps most rows keeps most of the prompts
    fewer = [text for _, text, _ in pick_samples(rows[2:])]
    assert len(set(fewer) & set(chosen)) >= 6


def test_relative_improvement():
    assert relative_improvement(2.0, 1.5) == 0.25
    assert relative_improvement(2.0, None) is None
    assert relative_improvement(0.0, 1.0) is None
    assert improvement_text(0.25) == "−25.0 %" and improvement_text(-0.03) == "+3.0 %"


def _card(**changes):
    card = {
        "base": {"eval_loss": 2.0, "perplexity": 999},  # a wrong perplexity is computed again
        "tuned": {"eval_loss": 1.0, "perplexity": None},
        "improvement": 0.9,
        "eval_rows": 10,
        "samples": [
            {"prompt": "Q", "reference": "A", "base": "x", "tuned": "A"},
            {"prompt": "long " * 100, "reference": "A", "base": "y" * 5000, "tuned": "A"},
        ],
        "scores": {"base": {"exact_match": 0, "f1": 0.1}, "tuned": {"exact_match": 1, "f1": 1}},
    }
    return card | changes


def test_a_card_is_checked_and_made_consistent_before_it_is_stored():
    stored = card_from_summary({"evaluation": _card()})
    assert stored["base"]["perplexity"] == pytest.approx(math.exp(2.0))
    assert stored["tuned"]["perplexity"] == pytest.approx(math.exp(1.0))
    assert stored["improvement"] == 0.5
    assert len(stored["samples"][1]["base"]) == 2000  # bounded
    nan = card_from_summary({"evaluation": _card(base={"eval_loss": float("nan")})})
    assert nan["base"] == {"eval_loss": None, "perplexity": None} and nan["improvement"] is None
    many = card_from_summary({"evaluation": _card(samples=_card()["samples"] * 10)})
    assert len(many["samples"]) == 8
    bad = _card(scores={"base": {"exact_match": 7, "f1": 0}, "tuned": {"exact_match": 0, "f1": 0}})
    assert card_from_summary({"evaluation": bad}) == {"missing": UNREADABLE}
    assert card_from_summary({"evaluation": {"missing": "No split."}}) == {"missing": "No split."}
    assert card_from_summary({"status": "completed"}) is None
    assert card_from_summary(None) is None


def test_the_view_of_a_card():
    stored = card_from_summary({"evaluation": _card()})
    view = evaluation_view(stored, "completed", "tiny · v1")
    assert view.available and view.title == "tiny · v1"
    assert [(r.label, r.base, r.tuned, r.change) for r in view.rows] == [
        ("Eval loss", "2.0000", "1.0000", "−50.0 %"),
        ("Perplexity", "7.39", "2.72", ""),
        ("Exact match", "0.0 %", "100.0 %", "+100.0 pts"),
        ("Token F1", "10.0 %", "100.0 %", "+90.0 pts"),
    ]
    short, long = view.samples
    assert short.number == "1" and short.tuned_preview == "A"
    assert not (short.prompt_long or short.reference_long or short.base_long or short.tuned_long)
    assert long.base_long and long.prompt_long and not long.tuned_long
    assert len(long.base_preview) == PREVIEW_CHARS and long.base_preview[-1] == "…"
    assert long.base == "y" * 2000  # the whole text stays for "Show all"
    assert compact_line(stored) == "eval loss 2.0000 → 1.0000 (−50.0 %)"
    no_scores = evaluation_view(card_from_summary({"evaluation": _card(scores=None)}), "completed")
    assert [r.label for r in no_scores.rows] == ["Eval loss", "Perplexity"]


@pytest.mark.parametrize(
    ("card", "status", "reason"),
    [
        (None, "running", NOT_ENDED),
        (None, "completed", NO_CARD),
        (None, "failed", FAILED),
        ({"missing": "No held-out split."}, "completed", "No held-out split."),
    ],
)
def test_a_run_without_a_card_says_why(card, status, reason):
    view = evaluation_view(card, status)
    assert not view.available and view.reason == reason and view.rows == []
    assert compact_line(card) == ""
