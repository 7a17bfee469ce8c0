"""The playground's pure rules: the form's bounds, the messages each model is sent, the token
budget a model's context leaves, and the memory check made before a model is loaded."""

import pytest
from pydantic import ValidationError

from trainpkg_app.core.model_shape import ModelShape
from trainpkg_app.core.playground import (
    MAX_NEW_TOKENS,
    MAX_TURNS,
    SendForm,
    Settings,
    answer_stats,
    chat_messages,
    fit_refusal,
    memory_need_gb,
    new_token_budget,
    plain_prompt,
    sampling,
    settings_of,
)


@pytest.mark.parametrize(
    "field, value",
    [
        ("prompt", "x" * 4001),
        ("system_prompt", "x" * 2001),
        ("temperature", 0.5),  # strict: a crafted event's number is not a form's string
        ("max_new_tokens", "9" * 25),
    ],
)
def test_the_form_refuses_what_a_form_cannot_send(field, value):
    with pytest.raises(ValidationError):
        SendForm.model_validate({field: value})


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("temperature", "-0.1", "Temperature: input should be greater than or equal to 0."),
        ("temperature", "2.5", "Temperature: input should be less than or equal to 2."),
        ("temperature", "nan", "Temperature: input should be a finite number."),
        ("top_p", "0", "Top-p: input should be greater than 0."),
        ("top_p", "inf", "Top-p: input should be a finite number."),
        ("max_new_tokens", "0", "Max new tokens: input should be greater than or equal to 1."),
        ("max_new_tokens", str(MAX_NEW_TOKENS + 1), "Max new tokens: input should be less"),
        ("max_new_tokens", "1.5", "Max new tokens: input should be a valid integer"),
    ],
)
def test_out_of_bounds_settings_are_named_in_words(field, value, message):
    assert settings_of(SendForm.model_validate({field: value})).startswith(message)


def test_the_forms_numbers_become_settings():
    form = SendForm(temperature=" 0.3 ", top_p="0.8", max_new_tokens="64")
    assert settings_of(form) == Settings(temperature=0.3, top_p=0.8, max_new_tokens=64)


def test_temperature_zero_is_greedy_else_sampled():
    assert sampling(Settings(temperature=0, max_new_tokens=5)) == {
        "do_sample": False,
        "max_new_tokens": 5,
    }
    assert sampling(Settings(temperature=0.5, top_p=0.9, max_new_tokens=7)) == {
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


def test_an_answer_grows_in_place_and_each_model_keeps_its_own_history():
    from trainpkg_app.core.playground import (
        DONE,
        FAILED,
        Answer,
        Exchange,
        history_of,
        with_answer,
    )

    exchanges = [Exchange("hi", [Answer("base", "Base"), Answer("r1", "Run")])]
    exchanges = with_answer(exchanges, 0, 1, more="Hel", status="answering")
    exchanges = with_answer(exchanges, 0, 1, more="lo", status=DONE)
    exchanges = with_answer(exchanges, 0, 0, status=FAILED)
    assert exchanges[0].answers[1] == Answer("r1", "Run", "Hello", DONE)
    assert history_of(exchanges, "r1") == [("hi", "Hello")]
    assert history_of(exchanges, "base") == []  # a failed answer is not sent again


def test_an_answer_of_only_special_tokens_says_so_instead_of_staying_blank():
    done = {"tokens": 1, "ttft_s": 0.5, "seconds": 0.5}
    assert answer_stats(done | {"shown": 3}) == "1 tokens · first after 0.50 s · 2.0 tokens/s"
    assert answer_stats(done | {"shown": 0}).endswith(
        "no visible text: it wrote only special tokens (such as end-of-text)"
    )
