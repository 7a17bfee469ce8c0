"""The labels train.py trains on, through TRL's own SFTTrainer: the tokens of
``tokenizer.apply_chat_template`` of the same rows, -100 exactly on what is not an answer."""

from __future__ import annotations

import pytest
from datasets import Dataset

from tests.trainkit.runner_module import runner_module
from tests.trainkit.tiny_llama import tiny_chat_tokenizer, tiny_llama_model
from trainpkg_app.core.chat_format import TEMPLATES, has_generation_markers
from trainpkg_app.core.dataset_formats import Detected, Format, trl_row

CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is two plus two?"},
    {"role": "assistant", "content": "four."},
    {"role": "user", "content": "And the fox?"},
    {"role": "assistant", "content": "It jumps."},
]
ALPACA = {"instruction": "What is two plus two?", "input": "", "output": "four."}
END_OF_TURN = {"chatml": "<|im_end|>", "qwen": "<|im_end|>", "llama3": "<|eot_id|>"}
END_OF_TURN |= {"gemma": "<end_of_turn>\n", "mistral": "<|endoftext|>", "phi": "<|end|>\n"}


@pytest.fixture(scope="module")
def train(tmp_path_factory):
    return runner_module(tmp_path_factory.mktemp("runner"))


def trained_labels(train, tokenizer, rows: list[dict], answers_only: bool, tmp_path) -> list:
    from trl import SFTConfig, SFTTrainer

    switches, dataset = train.answers_only_rows(Dataset.from_list(rows), tokenizer, answers_only)
    model = tiny_llama_model(
        len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1
    )
    args = SFTConfig(output_dir=str(tmp_path), report_to="none", bf16=False, **switches)
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)
    return [row["labels"] for row in trainer.train_dataset]


def expected_labels(tokenizer, ids: list[int], answers: list[str]) -> list[int]:
    """-100 everywhere but on each answer's tokens (found in order in ``ids``)."""
    labels, position = [-100] * len(ids), 0
    for answer in answers:
        piece = tokenizer(answer, add_special_tokens=False)["input_ids"]
        while ids[position : position + len(piece)] != piece:
            position += 1
        labels[position : position + len(piece)] = piece
        position += len(piece)
    return labels


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_a_conversation_trains_on_the_answers_only(key, train, tmp_path):
    tokenizer = tiny_chat_tokenizer(TEMPLATES[key][1])
    messages = CHAT if key not in ("gemma", "mistral") else CHAT[1:]  # no system role there
    ids = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"]
    answers = [f"four.{END_OF_TURN[key]}", f"It jumps.{END_OF_TURN[key]}"]
    if key == "phi":  # its template ends the conversation with the EOS token
        answers[1] += "<|endoftext|>"
    (labels,) = trained_labels(train, tokenizer, [{"messages": messages}], True, tmp_path)
    assert labels == expected_labels(tokenizer, list(ids), answers)


def test_both_kinds_of_template_are_covered():
    kinds = {has_generation_markers(template) for _, template in TEMPLATES.values()}
    assert kinds == {True, False}


def test_whole_text_trains_on_every_token(train, tmp_path):
    tokenizer = tiny_chat_tokenizer(TEMPLATES["gemma"][1])
    ids = tokenizer.apply_chat_template(CHAT[1:], tokenize=True, return_dict=True)["input_ids"]
    (labels,) = trained_labels(train, tokenizer, [{"messages": CHAT[1:]}], False, tmp_path)
    assert labels == list(ids)


@pytest.mark.parametrize("key", ["chatml", "llama3", "mistral"])
def test_an_alpaca_row_trains_on_its_completion(key, train, tmp_path):
    tokenizer = tiny_chat_tokenizer(TEMPLATES[key][1])
    mapping = {"instruction": "instruction", "input": "input", "output": "output"}
    row = trl_row(ALPACA, Detected(format=Format.ALPACA, mapping=mapping), conversational=True)
    messages = row["prompt"] + row["completion"]
    ids = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"]
    (labels,) = trained_labels(train, tokenizer, [row], True, tmp_path)
    # a completion is all that follows the prompt: ChatML's newline after its end of turn too
    end = END_OF_TURN[key] + ("\n" if key == "chatml" else "")
    assert labels == expected_labels(tokenizer, list(ids), [f"four.{end}"])


def test_a_plain_prompt_completion_row_without_a_template(train, tmp_path):
    tokenizer = tiny_chat_tokenizer(None)
    row = {"prompt": "Question: what is two plus two? Answer:", "completion": " four."}
    ids = tokenizer(row["prompt"] + row["completion"] + "<|endoftext|>")["input_ids"]
    (labels,) = trained_labels(train, tokenizer, [row], True, tmp_path)
    assert labels == expected_labels(tokenizer, list(ids), [" four.<|endoftext|>"])
