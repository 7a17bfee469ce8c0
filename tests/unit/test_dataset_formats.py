import pytest

from trainpkg_app.core.dataset_formats import (
    Detected,
    Format,
    detect_format,
    first_bad_row,
    missing_columns,
    trl_row,
)
from trainpkg_app.core.dataset_stats import token_stats

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
SHAREGPT = {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Yo"}]}
ALPACA = {"instruction": "Add", "input": "1+1", "output": "2"}


def detect(*rows):
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return detect_format(columns, rows)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (CHAT, Format.CHAT),
        (SHAREGPT, Format.SHAREGPT),
        (ALPACA, Format.ALPACA),
        ({"instruction": "Say hi", "output": "hi"}, Format.ALPACA),
        ({"prompt": "2+2=", "completion": "4"}, Format.PROMPT_COMPLETION),
        ({"text": "Once upon a time"}, Format.TEXT),
    ],
)
def test_each_format_is_detected(row, expected):
    assert detect(row).format == expected


@pytest.mark.parametrize(
    "row",
    [
        {"messages": [{"speaker": "user", "content": "Hi"}]},  # turns without role
        {"messages": "Hi"},  # not a list of turns
        {"messages": []},  # empty conversation
        {"instruction": "Add"},  # no output
        {"prompt": "2+2="},  # no completion
        {"question": "Why?", "answer": "Because."},  # other names
    ],
)
def test_near_misses_are_not_guessed(row):
    assert detect(row).format == Format.UNKNOWN


def test_one_bad_row_in_the_sample_spoils_chat_detection():
    assert detect(CHAT, {"messages": [{"role": "user"}]}).format == Format.UNKNOWN


def test_rows_reach_trl_in_its_own_formats():
    assert trl_row(CHAT, detect(CHAT), True) == {"messages": CHAT["messages"]}
    assert trl_row(SHAREGPT, detect(SHAREGPT), True) == {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]
    }
    assert trl_row(ALPACA, detect(ALPACA), True) == {
        "prompt": [{"role": "user", "content": "Add\n\n1+1"}],
        "completion": [{"role": "assistant", "content": "2"}],
    }
    assert trl_row(ALPACA, detect(ALPACA), False) == {
        "prompt": "### Instruction:\nAdd\n\n1+1\n\n### Response:\n",
        "completion": "2",
    }
    assert trl_row({"text": "Once"}, detect({"text": "Once"}), True) == {"text": "Once"}


def test_a_user_mapping_reads_other_column_names():
    mapped = Detected(
        format=Format.PROMPT_COMPLETION, mapping={"prompt": "question", "completion": "answer"}
    )
    row = {"question": "Why? ", "answer": "Because."}
    assert trl_row(row, mapped, False) == {"prompt": "Why? ", "completion": "Because."}
    assert missing_columns(mapped, ["question", "answer"]) == []
    assert missing_columns(mapped, ["question"]) == ["completion → answer"]


@pytest.mark.parametrize(
    ("turns", "problem"),
    [
        (
            [{"role": "wizard", "content": "Hi"}, {"role": "assistant", "content": "Yo"}],
            "turn 1 has the unknown role 'wizard'; use one of system, user, assistant, tool.",
        ),
        (
            [{"role": "user", "content": " "}, {"role": "assistant", "content": "Yo"}],
            "turn 1 (user) has no content; write its text or drop the turn.",
        ),
        (
            [{"role": "user", "content": "Hi"}],
            "it has no assistant turn, so there is no answer to learn; add one.",
        ),
    ],
)
def test_a_conversation_that_cannot_train_is_refused_with_its_row(turns, problem):
    rows = [CHAT, {"messages": turns}]
    assert first_bad_row(rows, detect(CHAT)) == f"row 2: {problem}"


def test_token_stats_with_the_approximation():
    stats = token_stats(["a" * 4, "a" * 8, "a" * 40], max_seq_length=5)
    assert (stats.rows, stats.min, stats.max, stats.over_max) == (3, 1, 10, 1)
    assert stats.mean == pytest.approx(13 / 3, abs=0.05)
    assert stats.p95 == 10
    assert stats.method.startswith("approximate")


def test_token_stats_with_a_tokenizer():
    stats = token_stats(
        ["one two", "three"], max_seq_length=10, count=lambda t: len(t.split()), method="words"
    )
    assert (stats.min, stats.max, stats.method) == (1, 2, "words")


def test_every_row_is_checked_against_the_format():
    rows = [ALPACA, {"instruction": "Only half"}]
    assert first_bad_row(rows, detect(*rows)) == (
        "row 2: no value in column 'output', which Instruction / input / output (Alpaca) needs."
    )
    chat = [CHAT, {"messages": [{"role": "user"}]}]
    assert first_bad_row(chat, detect(CHAT)) == (
        "row 2: 'messages' must be a list of turns with 'role' and 'content'."
    )
    assert first_bad_row([ALPACA, ALPACA], detect(ALPACA)) is None
