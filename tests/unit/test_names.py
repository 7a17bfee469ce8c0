from datetime import UTC, datetime, timedelta, timezone

import pytest

from trainpkg_app.core.names import generate_draft_name, generate_version_name, slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("My Package", "my-package"),
        ("  Qwen 0.5B / chat!  ", "qwen-0-5b-chat"),
        ("already-a-slug", "already-a-slug"),
        ("!!!", "package"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_draft_name_is_in_utc():
    moment = datetime(2026, 11, 26, 12, 30, 5, tzinfo=timezone(timedelta(hours=2)))
    assert generate_draft_name("My Package", moment) == "my-package-draft-20261126-103005"
    same_instant = moment.astimezone(timezone(timedelta(hours=-5)))
    assert generate_draft_name("My Package", same_instant) == "my-package-draft-20261126-103005"


def test_draft_name_with_naive_time_uses_it_as_given():
    assert generate_draft_name("x", datetime(2026, 1, 2, 3, 4, 5)) == "x-draft-20260102-030405"


def test_version_names():
    assert generate_version_name("My Package", 1) == "my-package-v1"
    assert generate_version_name("My Package", 12) == "my-package-v12"


def test_version_numbers_start_at_one():
    with pytest.raises(ValueError, match="start at 1"):
        generate_version_name("x", 0)


def test_draft_names_differ_by_second():
    base = datetime(2026, 1, 1, tzinfo=UTC)
    assert generate_draft_name("x", base) != generate_draft_name("x", base + timedelta(seconds=1))
