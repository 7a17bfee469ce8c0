"""The playground's pure rules: the form's bounds, the messages each model is sent, the token
budget a model's context leaves, and the memory check made before a model is loaded."""

import math

import pytest
from pydantic import ValidationError

from trainpkg_app.core.model_shape import ModelShape
from trainpkg_app.core.playground import (
    MAX_NEW_TOKENS,
    MAX_TURNS,
    SendForm,
    chat_messages,
    fit_refusal,
    memory_need_gb,
    new_token_budget,
    plain_prompt,
    sampling,
)


@pytest.mark.parametrize(
    "field, value",
    [
        ("temperature", -0.1),
        ("temperature", 2.5),
        ("temperature", math.nan),
        ("top_p", 0.0),
        ("top_p", math.inf),
        ("max_new_tokens", 0),
        ("max_new_tokens", MAX_NEW_TOKENS + 1),
        ("max_new_tokens", "64"),  # strict: no coercion from a crafted event
        ("prompt", "x" * 4001),
        ("system_prompt", "x" * 2001),
    ],
)
def test_the_form_refuses_what_is_out_of_bounds(field, value):
    with pytest.raises(ValidationError):
        SendForm.model_validate({field: value})


def test_temperature_zero_is_greedy_else_sampled():
    assert sampling(SendForm(temperature=0, max_new_tokens=5)) == {
        "do_sample": False,
        "max_new_tokens": 5,
    }
    assert sampling(SendForm(temperature=0.5, top_p=0.9, max_new_tokens=7)) == {
        "do_sample": True,
        "temperature": 0.5,
        "top_p": 0.9,
        "max_new_tokens": 7,
    }


def test_each_model_is_sent_its_own_answers_after_the_system_prompt():
    history = [("hi", "hello"), ("2+2?", "4")]
    assert chat_messages("Be brief.", history, "and 3+3?") == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "and 3+3?"},
    ]
    assert chat_messages("  ", [], "q") == [{"role": "user", "content": "q"}]


def test_only_the_last_turns_are_sent_again():
    history = [(f"q{n}", f"a{n}") for n in range(MAX_TURNS + 3)]
    messages = chat_messages("", history, "now")
    assert len(messages) == 2 * MAX_TURNS + 1
    assert messages[0]["content"] == "q3"


def test_a_model_without_a_chat_template_gets_a_plain_transcript():
    text = plain_prompt([{"role": "system", "content": "S"}, {"role": "user", "content": "U"}])
    assert text == "System: S\nUser: U\nAssistant:"


def test_the_token_budget_stops_at_the_model_context():
    assert new_token_budget(100, 40, 128) == 88
    assert new_token_budget(50, 40, 128) == 50
    assert new_token_budget(50, 200, 128) == 0
    assert new_token_budget(50, 200, None) == 50


def test_memory_need_adds_the_kv_cache_and_overhead():
    shape = ModelShape(layers=32, hidden=4096, heads=32, vocab=32000)
    need = memory_need_gb(14_000_000_000, shape, 4096)
    kv = 2 * 32 * 4096 * 4096 * 2 / 1e9  # about 2.1 GB
    assert need == pytest.approx(14 + kv + 1)
    assert memory_need_gb(2_000_000_000, None, 4096) == pytest.approx(3.0)


def test_a_model_that_does_not_fit_is_refused_with_numbers_and_a_fix():
    assert fit_refusal(3.0, 8.0, "this machine") is None
    message = fit_refusal(20.0, 8.0, "the GPU (H200)")
    assert "needs about 20.0 GB" in message and "the GPU (H200) has 8.0 GB free" in message
    assert "smaller" in message
