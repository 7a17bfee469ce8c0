"""The shipped model's card (core/ship_card.py) and Ship it's pure rules (core/shipping.py):
the card's Hub metadata for an adapter, a merge and a full model, the evaluation card when the
run has one; the memory a merge needs against what is free; the repo names a push accepts."""

from pathlib import Path

import pytest
import yaml

from tests.trainkit.packages import published_snapshot, write_rows
from trainpkg_app.core.ship_card import ship_card
from trainpkg_app.core.shipping import GB, merge_memory_gb, merge_refusal, push_name_problem
from trainpkg_app.package.builder import package_spec

EVALUATION = {
    "base": {"eval_loss": 2.5},
    "eval_loss": 1.25,
    "perplexity": 3.49,
    "samples": [
        {"prompt": "2 + 2?", "reference": "4", "base": "fish", "fine_tuned": "4 | four"},
    ],
}


def _spec(tmp_path: Path) -> dict:
    return package_spec("bot-v2", published_snapshot(write_rows(tmp_path / "qa.jsonl")))


def _metadata(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n")[1])


def _card(tmp_path, **kwargs) -> str:
    options = {"adapter": True, "merged": False, "version_label": "v2", "losses": {}} | kwargs
    return ship_card(_spec(tmp_path), **options)


def test_an_adapters_card_links_it_to_its_base_as_peft(tmp_path):
    card = _card(tmp_path, losses={"train": 0.5, "eval": 0.75})
    metadata = _metadata(card)
    assert metadata["base_model"] == "trainpkg-tests/tiny-gpt2"
    assert metadata["library_name"] == "peft" and metadata["metrics"] == ["loss"]
    assert "datasets" not in metadata  # an uploaded file is not a Hub dataset
    assert "**bot-v2**, version v2" in card
    assert "final train loss: 0.5" in card and "final eval loss: 0.75" in card
    assert "PeftModel.from_pretrained" in card and "## Evaluation" not in card


def test_a_merged_card_is_a_transformers_model_tagged_merged(tmp_path):
    metadata = _metadata(_card(tmp_path, adapter=False, merged=True))
    assert metadata["library_name"] == "transformers" and "merged" in metadata["tags"]


def test_the_evaluation_card_is_in_the_model_card_when_the_run_has_one(tmp_path):
    card = _card(tmp_path, evaluation=EVALUATION)
    assert _metadata(card)["metrics"] == ["loss", "perplexity"]
    assert "- base eval loss: 2.5" in card and "- perplexity: 3.49" in card
    assert "| prompt | reference | base | fine_tuned |" in card
    assert "| 2 + 2? | 4 | fish | 4 \\| four |" in card  # a pipe in a cell is escaped


def test_a_merge_is_refused_with_both_figures_when_memory_is_short():
    weights = 2 * GB
    assert merge_memory_gb(weights) == pytest.approx(3.5)
    assert merge_refusal(weights, free_gb=4.0) == ""
    refusal = merge_refusal(weights, free_gb=3.0)
    assert "needs about 3.5 GB" in refusal and "has 3.0 GB free" in refusal
    assert "download the adapter" in refusal
    assert merge_refusal(None, free_gb=0.0) == ""  # size unknown: it is tried


@pytest.mark.parametrize(
    ("repo_id", "problem"),
    [
        ("ada/bot", ""),
        ("bot", "Name the repo as owner/name, such as ada/my-model."),
        ("ada/bot/x", "Name the repo as owner/name"),
        ("ada/bad--name", "Not a valid Hub repo name"),
        ("ada/" + "x" * 97, "Not a valid Hub repo name"),
        ("grace/bot", "Push into your own account: ada/bot."),
    ],
)
def test_a_push_goes_into_a_valid_repo_of_the_users_account(repo_id, problem):
    found = push_name_problem(repo_id, "ada")
    assert found.startswith(problem) if problem else found == ""
