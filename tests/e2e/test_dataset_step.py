"""The dataset step: uploads with detection, preview and stats; bad files; Hub datasets."""

import json
import re

from playwright.sync_api import Page, expect
from wizard_steps import complete_through, expect_status, open_new_package

CHAT_ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"Question {n}?"},
            {"role": "assistant", "content": "An answer " * (n + 1)},
        ]
    }
    for n in range(5)
]


def upload(page: Page, path) -> None:
    page.get_by_label("Dataset file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and inspect").click()


def attached(page: Page):
    return page.get_by_role("list", name="Attached datasets")


def to_dataset_step(page: Page) -> None:
    open_new_package(page)
    complete_through(page, "config")


def test_upload_a_jsonl_and_see_format_preview_and_stats(page: Page, tmp_path, screenshot):
    to_dataset_step(page)
    file = tmp_path / "chat.jsonl"
    file.write_text("\n".join(json.dumps(row) for row in CHAT_ROWS))
    upload(page, file)
    expect(attached(page)).to_contain_text("chat.jsonl")
    expect(attached(page)).to_contain_text("5 rows")
    expect(page.get_by_text("Chat messages (OpenAI style)")).to_be_visible()
    preview = page.get_by_role("list", name="Preview").get_by_role("listitem")
    expect(preview).to_have_count(3)
    # no tokenizer for this model here: the turns, the answer marked, lengths approximated
    expect(preview.first.locator("pre")).to_have_text("user: Question 0? assistant: An answer")
    expect(preview.first.locator("mark")).to_have_text("An answer")
    stats = page.get_by_role("table", name="Dataset statistics")
    expect(stats).to_contain_text(re.compile(r"Rows\s*5"))
    expect(stats).to_contain_text(re.compile(r"Over max length \(truncated\)\s*0"))
    expect(page.get_by_text(re.compile("Token counts: approximate"))).to_be_visible()
    screenshot("dataset-upload-light")
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "dataset", "Completed")


def test_a_broken_file_gets_a_line_precise_error_and_changes_nothing(page: Page, tmp_path):
    to_dataset_step(page)
    page.get_by_label("Train split (%)").fill("80")
    file = tmp_path / "broken.jsonl"
    file.write_text('{"text": "fine"}\n{"text": "fine"}\n{"text": broken}\n')
    upload(page, file)
    expect(page.locator("#dataset-problem")).to_have_text(
        "broken.jsonl was not added: line 3, column 10: invalid JSON (Expecting value); "
        "each line must be one JSON object."
    )
    expect(page.get_by_text("No dataset attached yet.")).to_be_visible()
    expect(page.get_by_label("Train split (%)")).to_have_value("80")


def test_unknown_columns_are_mapped_in_a_dialog(page: Page, tmp_path):
    to_dataset_step(page)
    file = tmp_path / "qa.csv"
    file.write_text("question,answer\nWhy?,Because.\nHow?,Like this.\n")
    upload(page, file)
    dialog = page.get_by_role("dialog", name="Map the columns")
    dialog.get_by_label("Format").select_option(label="Prompt / completion")
    dialog.get_by_label("Column for prompt").select_option("question")
    dialog.get_by_role("button", name="Use this mapping").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Choose a column for: completion")
    dialog.get_by_label("Column for completion").select_option("answer")
    dialog.get_by_role("button", name="Use this mapping").click()
    expect(dialog).to_be_hidden()
    expect(attached(page)).to_contain_text("qa.csv")
    first = page.get_by_role("list", name="Preview").get_by_role("listitem").first
    expect(first.locator("pre")).to_have_text("Why? Because.")


def test_a_hub_dataset_gets_config_and_split_pickers(page: Page):
    to_dataset_step(page)
    page.get_by_label("Hub dataset id").fill("HuggingFaceH4/ultrachat_200k")
    page.get_by_role("button", name="Add dataset").click()
    expect(attached(page)).to_contain_text("207865 rows")
    page.get_by_label("Split of HuggingFaceH4/ultrachat_200k").select_option("test_sft")
    expect(attached(page)).to_contain_text("23110 rows")
    page.get_by_label("Hub dataset id").fill("nobody/data")
    page.get_by_role("button", name="Add dataset").click()
    expect(page.locator("#dataset-new_dataset_id-error")).to_contain_text(
        "nobody/data was not found"
    )


def test_a_row_missing_a_needed_value_is_named(page: Page, tmp_path):
    to_dataset_step(page)
    file = tmp_path / "alpaca.jsonl"
    file.write_text('{"instruction": "a", "output": "b"}\n{"instruction": "c"}\n')
    upload(page, file)
    expect(page.locator("#dataset-problem")).to_have_text(
        "alpaca.jsonl was not added: row 2: no value in column 'output', which "
        "Instruction / input / output (Alpaca) needs."
    )
    expect(page.get_by_text("No dataset attached yet.")).to_be_visible()


def test_a_file_over_the_limit_is_refused_before_it_is_sent(page: Page, tmp_path):
    to_dataset_step(page)
    expect(page.get_by_text("JSONL, JSON, CSV or Parquet, up to 1 MB.")).to_be_visible()
    file = tmp_path / "big.jsonl"
    file.write_text('{"text": "' + "x" * 1_200_000 + '"}\n')
    page.get_by_label("Dataset file").set_input_files(str(file))
    expect(page.locator("#dataset-problem")).to_have_text(
        "big.jsonl was not added: it is over the 1 MB limit."
    )
    expect(page.get_by_text("No dataset attached yet.")).to_be_visible()


def test_the_upload_quota_refuses_clearly_and_keeps_no_partial_file(
    signed_in_context, app_db, data_dir, tmp_path
):
    from conftest import new_account

    user = new_account(app_db, f"quota-{tmp_path.name[-6:]}@example.com", "a long passphrase!")
    page = signed_in_context(user).new_page()
    to_dataset_step(page)
    big = [{"prompt": f"Q{n} " + "x" * 8000, "completion": "y" * 800} for n in range(100)]
    for name in ("first.jsonl", "second.jsonl"):  # 0.9 MB each: under the 1 MB file limit
        (tmp_path / name).write_text("\n".join(json.dumps(row) for row in big))
    with page.expect_response(lambda response: "_upload" in response.url) as first:
        upload(page, tmp_path / "first.jsonl")
    expect(attached(page)).to_contain_text("first.jsonl", timeout=60_000)  # 0.9 MB to inspect
    # Reflex refuses a second upload while the first request is open ("already in progress").
    assert first.value.finished() is None
    upload(page, tmp_path / "second.jsonl")
    expect(page.locator("#dataset-problem")).to_contain_text(
        "second.jsonl was not added: your uploads would use 1.8 MB of your 1.5 MB quota.",
        timeout=60_000,
    )
    expect(attached(page)).not_to_contain_text("second.jsonl")
    stored = [p.name for p in (data_dir / "uploads" / str(user)).rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].endswith(".jsonl"), stored
