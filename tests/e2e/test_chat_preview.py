"""A chat file for a chat model: the preview shows the model's own template tokens with the
answers highlighted; a file with a wrong role is refused with its row number."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from wizard_steps import complete, open_new_package

from tests.trainkit.tiny_llama import build_tiny_llama
from trainpkg_app.core.chat_format import TEMPLATES

ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"What is {n} plus {n}?"},
            {"role": "assistant", "content": f"It is {2 * n}."},
        ]
    }
    for n in range(40)
]


@pytest.fixture(scope="module")
def chat_model(data_dir) -> Path:
    return build_tiny_llama(data_dir / "models" / "tiny-llama-chatml", TEMPLATES["chatml"][1])


def to_dataset_step(page: Page, model: Path) -> None:
    open_new_package(page)
    page.get_by_label("Model id").fill(str(model))
    page.get_by_role("button", name="Look up model details").click()
    expect(page.get_by_label("Model facts")).to_contain_text("a folder on this machine")
    page.get_by_role("button", name="Next", exact=True).click()
    complete(page, "config")


def upload(page: Page, path: Path, rows: list[dict]) -> None:
    path.write_text("\n".join(json.dumps(row) for row in rows))
    page.get_by_label("Dataset file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and inspect").click()


def test_the_preview_shows_the_models_template_and_the_answers(
    page: Page, tmp_path, chat_model, screenshot
):
    to_dataset_step(page, chat_model)
    upload(page, tmp_path / "chat.jsonl", ROWS)
    expect(page.locator("#template-line")).to_have_text(
        "Chat template: uses the model's chat template", timeout=30_000
    )
    first = page.get_by_role("list", name="Preview").get_by_role("listitem").first
    expect(first.locator("pre")).to_have_text(
        "<|im_start|>user What is 0 plus 0?<|im_end|> <|im_start|>assistant It is 0.<|im_end|>"
    )
    expect(first.locator("mark")).to_have_text("It is 0.<|im_end|>")  # only the answer
    expect(first).to_contain_text(re.compile(r"\d+ tokens, \d+ carry the loss"))
    expect(page.get_by_label("Legend")).to_contain_text("carries the loss")
    stats = page.get_by_role("table", name="Dataset statistics")
    expect(stats).to_contain_text(re.compile(r"Rows\s*40"))
    expect(stats).to_contain_text(re.compile(r"Over max length \(truncated\)\s*0"))
    expect(
        page.get_by_text(re.compile("Token counts: .*tiny-llama-chatml's tokenizer"))
    ).to_be_visible()
    expect(page.get_by_label("Chat template")).to_have_count(0)  # the model's own is used
    screenshot("dataset-chat-preview-light")


def test_a_wrong_role_is_refused_with_its_row_and_nothing_is_lost(page: Page, tmp_path, chat_model):
    to_dataset_step(page, chat_model)
    upload(page, tmp_path / "chat.jsonl", ROWS[:3])
    attached = page.get_by_role("list", name="Attached datasets")
    expect(attached).to_contain_text("chat.jsonl")
    wizard = [*ROWS[:2], {"messages": [{"role": "wizard", "content": "Abracadabra"}]}]
    upload(page, tmp_path / "wizard.jsonl", wizard)
    expect(page.locator("#dataset-problem")).to_have_text(
        "wizard.jsonl was not added: row 3: turn 1 has the unknown role 'wizard'; "
        "use one of system, user, assistant, tool."
    )
    expect(attached.get_by_role("listitem")).to_have_count(1)
    expect(attached).to_contain_text("chat.jsonl")


def test_a_base_model_gets_the_template_the_user_picks(page: Page, tmp_path, data_dir):
    base = build_tiny_llama(data_dir / "models" / "tiny-llama-base")  # no chat template
    to_dataset_step(page, base)
    upload(page, tmp_path / "chat.jsonl", ROWS[:5])
    line = page.locator("#template-line")
    expect(line).to_have_text(
        "Chat template: the model has no chat template: Llama 3 is applied", timeout=30_000
    )  # the family's own: a Llama
    page.get_by_label("Chat template").select_option(label="ChatML")
    expect(line).to_have_text("Chat template: the model has no chat template: ChatML is applied")
    first = page.get_by_role("list", name="Preview").get_by_role("listitem").first
    expect(first.locator("mark")).to_have_text("It is 0.<|im_end|>")
