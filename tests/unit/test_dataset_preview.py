"""The Dataset step's preview: the template the model gets, the rows as train.py tokenizes them
with the loss-carrying tokens marked, and the rows a template refuses."""

from __future__ import annotations

from tests.trainkit.tiny_llama import tiny_chat_tokenizer
from trainpkg_app.core.chat_format import TEMPLATES, resolve_template
from trainpkg_app.core.dataset_formats import Detected, Format
from trainpkg_app.core.dataset_preview import (
    MODEL_TEMPLATE,
    PreviewSettings,
    approximate_row,
    first_rows,
    model_rows,
    refusal,
    with_template,
)
from trainpkg_app.core.diff import diff_snapshots, only_differences
from trainpkg_app.core.drafts import DraftContent

CHAT = Detected(format=Format.CHAT, mapping={"messages": "messages"})
TURNS = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]


def test_the_models_own_template_wins_and_a_base_model_gets_the_chosen_one():
    own = tiny_chat_tokenizer(TEMPLATES["chatml"][1])
    assert with_template(own, "gemma", None) == (own, MODEL_TEMPLATE)
    base = tiny_chat_tokenizer(None)
    chosen, described = with_template(base, "family", "LlamaForCausalLM")
    assert chosen.chat_template == TEMPLATES["llama3"][1] and "Llama 3 is applied" in described
    assert base.chat_template is None  # the cached tokenizer is left as the model ships it
    assert resolve_template("family", "GPT2LMHeadModel") == "chatml"
    assert resolve_template("none", "LlamaForCausalLM") is None


def test_a_base_model_keeps_prompt_completion_plain_unless_a_template_is_chosen():
    """TRL's prompt-completion format: conversational only when the model has a template or
    the user chose one; the family default applies to chats."""
    assert resolve_template("family", "GPT2LMHeadModel", chats=False) is None
    assert resolve_template("chatml", "GPT2LMHeadModel", chats=False) == "chatml"
    plain, described = with_template(tiny_chat_tokenizer(None), "family", None, chats=False)
    assert plain.chat_template is None and "plain prompt and completion" in described


def test_the_first_rows_mark_the_answer_tokens():
    tokenizer = tiny_chat_tokenizer(TEMPLATES["chatml"][1])
    _, _, rows = model_rows(tokenizer, [{"messages": TURNS}], CHAT, PreviewSettings())
    (row,) = first_rows(tokenizer, rows, answers_only=True)
    assert row["segments"] == [
        {"text": "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", "loss": ""},
        {"text": "Hello.<|im_end|>", "loss": "yes"},
        {"text": "\n", "loss": ""},
    ]
    assert row["loss"] == len(tokenizer("Hello.<|im_end|>", add_special_tokens=False).input_ids)
    (whole,) = first_rows(tokenizer, rows, answers_only=False)
    assert [s["loss"] for s in whole["segments"]] == ["yes"] and whole["tokens"] == row["tokens"]


def test_a_row_the_template_rejects_is_named():
    tokenizer, _ = with_template(tiny_chat_tokenizer(None), "gemma", None)
    rows = [{"messages": TURNS}, {"messages": [TURNS[1], TURNS[0], TURNS[1]]}]
    problem = refusal(tokenizer, rows)
    assert problem.startswith("row 2: the chat template refuses it (Conversation roles must")
    assert "user first" in problem
    plain, _ = with_template(tiny_chat_tokenizer(None), "none", None)
    assert refusal(plain, [{"messages": TURNS}]).startswith("a chat file needs a chat template")


def test_without_a_tokenizer_the_preview_is_a_labelled_approximation():
    row = approximate_row({"messages": TURNS})
    assert row["segments"][2:] == [
        {"text": "assistant: ", "loss": ""},
        {"text": "Hello.\n", "loss": "yes"},
    ]
    assert row["tokens"] > row["loss"] > 0


def test_the_chosen_template_and_train_on_are_draft_fields_in_the_diff():
    draft = DraftContent()
    assert draft.forms["dataset"]["chat_template"] == "family"
    assert draft.forms["config"]["train_on"] == "answers"
    left = {"dataset": {"chat_template": "family"}, "config": {"train_on": "answers"}}
    right = {"dataset": {"chat_template": "llama3"}, "config": {"train_on": "all"}}
    changed = {
        row.path: (row.left, row.right) for row in only_differences(diff_snapshots(left, right))
    }
    assert changed["chat_template"] == ('"family"', '"llama3"')
    assert changed["train_on"] == ('"answers"', '"all"')
