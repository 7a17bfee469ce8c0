"""train.py's evaluation card (runner/evaluation.py) on a tiny Llama with ChatML: the batched,
left-padded greedy answers are the ones each prompt gets alone, the same on every call; a
failure costs the card (with its reason, also in the model card), never the run."""

from __future__ import annotations

import pytest
from datasets import Dataset

from tests.trainkit.runner_module import runner_module
from tests.trainkit.tiny_llama import tiny_chat_tokenizer, tiny_llama_model
from trainpkg_app.core.chat_format import TEMPLATES

ROWS = [
    {
        "messages": [
            {"role": "user", "content": "What is " + "very " * n + f"{n} plus {n}?"},
            {"role": "assistant", "content": f"It is {2 * n}."},
        ]
    }
    for n in range(10)
]


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    import sys

    runner_module(tmp_path_factory.mktemp("runner"))
    return sys.modules["evaluation"], sys.modules["hub_results"]


@pytest.fixture(scope="module")
def chat_model():
    import torch

    torch.manual_seed(0)
    tokenizer = tiny_chat_tokenizer(TEMPLATES["chatml"][1])
    model = tiny_llama_model(len(tokenizer), hidden_size=16, intermediate_size=32)
    return tokenizer, model


def test_batched_answers_are_each_prompts_own(runner, chat_model):
    evaluation, _ = runner
    tokenizer, model = chat_model
    card = evaluation.EvaluationCard(Dataset.from_list(ROWS), tokenizer)
    assert len(card.samples) == 8 and card.scored
    batched = card._answers(model)
    assert batched == card._answers(model)  # greedy and seeded: the same every time
    alone = []
    for sample in list(card.samples):
        card.samples = [sample]
        alone += card._answers(model)
    assert batched == alone
    assert any(batched)  # a random model still says something


class FailingTrainer:
    model = None

    def evaluate(self, **_):
        raise RuntimeError("CUDA out of memory")

    def is_world_process_zero(self):
        return True


def test_a_failure_costs_the_card_not_the_run(runner, chat_model):
    evaluation, hub_results = runner
    card = evaluation.EvaluationCard(Dataset.from_list(ROWS), chat_model[0])
    card.before(FailingTrainer())  # does not raise
    made = card.after(FailingTrainer(), 1.0)
    assert made == {
        "missing": "The evaluation card could not be made: RuntimeError: CUDA out of memory"
    }
    assert hub_results.evaluation_section(made) == ["## Evaluation", "", made["missing"], ""]


def test_the_model_card_section_of_a_card(runner):
    _, hub_results = runner
    card = {
        "base": {"eval_loss": 2.0, "perplexity": 7.389},
        "tuned": {"eval_loss": 1.5, "perplexity": 4.4817},
        "improvement": 0.25,
        "eval_rows": 10,
        "decoding": {"seed": 0},
        "samples": [{"prompt": "Q | x", "reference": "A", "base": "b\nc", "tuned": "A"}],
        "scores": {"base": {"exact_match": 0, "f1": 0.5}, "tuned": {"exact_match": 1, "f1": 1}},
    }
    text = "\n".join(hub_results.evaluation_section(card))
    assert "| eval loss | 2.0000 | 1.5000 |" in text
    assert "| perplexity | 7.39 | 4.48 |" in text
    assert "| token F1 | 0.500 | 1.000 |" in text
    assert "Eval loss improvement: 25.0 %." in text
    assert "| Q \\| x | A | b c | A |" in text  # one line a row, pipes escaped
