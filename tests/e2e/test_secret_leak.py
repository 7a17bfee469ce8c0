"""A recognisable Hugging Face token, used through every flow that touches the Hub, appears
nowhere but its encrypted column: not in websocket frames, HTTP responses, the app's log, the
database or the built packages."""

import contextlib
import re
import uuid

import sqlalchemy as sa
from conftest import new_account
from playwright.sync_api import expect
from wizard_steps import complete, header, open_new_package, pick_searched_model, publish

from tests.fakehub.server import FakeHub


def _everything_in_the_database(app_db) -> str:
    """Every column of every row, as text, except the encrypted token itself."""
    dump = []
    with app_db.connect() as connection:
        for table in sa.inspect(app_db).get_table_names():
            for row in connection.execute(sa.text(f"SELECT * FROM {table}")).mappings():
                dump += [f"{table}.{k}={v}" for k, v in row.items() if k != "token_encrypted"]
    return "\n".join(dump)


def _files_under(folder) -> str:
    return "\n".join(
        path.read_bytes().decode(errors="replace")
        for path in folder.rglob("*")
        if path.is_file() and path.stat().st_size < 50_000_000
    )


def test_the_token_never_leaves_its_encrypted_column(
    signed_in_context, app_db, e2e_hub: FakeHub, data_dir
):
    canary = f"hf_CANARY{uuid.uuid4().hex}"
    e2e_hub.accepted_tokens.add(canary)
    user = new_account(app_db, f"leak-{uuid.uuid4().hex[:6]}@example.com", "a long passphrase!")
    page = signed_in_context(user).new_page()
    received, sent, responses = [], [], []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: received.append(str(data))))
    page.on("websocket", lambda ws: ws.on("framesent", lambda data: sent.append(str(data))))
    page.on("response", lambda response: responses.append(response))

    open_new_package(page)
    pick_searched_model(page)
    complete(page, "config")
    complete(page, "dataset")
    page.get_by_role("radio", name=re.compile("^Hugging Face Job")).click()
    page.get_by_role("button", name="Set token").click()
    dialog = page.get_by_role("dialog", name="Hugging Face token")
    dialog.get_by_label("Token").fill(canary)
    dialog.get_by_role("button", name="Check and save").click()
    expect(dialog).to_be_hidden()
    typed = len(sent)  # the frames that carried what the user typed
    header(page, "model").click()
    page.get_by_label("Search the Hub").fill("llama")  # now searched with the user's token
    expect(page.get_by_role("list", name="Search results")).to_contain_text("Llama")
    header(page, "deploy").click()
    complete(page, "deploy")
    publish(page, "leak check")
    page.get_by_role("button", name="Deploy latest version").click()
    expect(page.locator("#deploy-run-status")).to_have_text("pending")
    page.get_by_role("button", name="Compare v1").click()
    compare = page.get_by_role("region", name="Compare")
    compare.get_by_role("button", name="Close").click()
    expect(compare).to_be_hidden()
    page.get_by_role("tab", name="Runs").click()
    expect(page.get_by_role("region", name="Runs")).to_contain_text("hf_job")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("/login/?$"))

    sent_to_hub = [job["spec"]["secrets"].get("HF_TOKEN") for job in e2e_hub.jobs.values()]
    assert canary in sent_to_hub, "the flow did not use the token: the check would be vacuous"
    assert any(canary in frame for frame in sent[:typed])  # the capture works
    assert received and not [frame for frame in received if canary in frame]
    assert not [frame for frame in sent[typed:] if canary in frame]
    bodies = []
    for response in responses:
        with contextlib.suppress(Exception):  # redirects and aborted requests have no body
            bodies.append(response.body().decode(errors="replace"))
    assert bodies and not [body for body in bodies if canary in body]
    assert canary not in _everything_in_the_database(app_db)
    assert canary not in _files_under(data_dir)  # the log, the database file, run folders
