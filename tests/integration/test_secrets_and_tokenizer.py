"""Secrets at rest and the cached tokenizer used for dataset statistics."""

import stat

import pytest
from huggingface_hub import constants

from trainpkg_app import secrets_store
from trainpkg_app.settings import get_settings


@pytest.fixture
def fresh_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINPKG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRAINPKG_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    secrets_store._fernet.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    secrets_store._fernet.cache_clear()


def test_the_key_is_generated_once_with_mode_0600_and_secrets_round_trip(fresh_data_dir):
    sealed = secrets_store.encrypt("hf_secret_value")
    assert "hf_secret_value" not in sealed
    key_file = fresh_data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secrets_store._fernet.cache_clear()
    assert secrets_store.decrypt(sealed) == "hf_secret_value"


def test_a_cached_tokenizer_counts_real_tokens(tmp_path, monkeypatch):
    from tokenizers import Tokenizer, models, pre_tokenizers

    from trainpkg_app.hub.tokenizer import cached_token_counter

    tokenizer = Tokenizer(models.WordLevel({"hello": 0, "world": 1, "[UNK]": 2}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    snapshot = tmp_path / "models--org--tiny" / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    tokenizer.save(str(snapshot / "tokenizer.json"))
    (tmp_path / "models--org--tiny" / "refs").mkdir()
    (tmp_path / "models--org--tiny" / "refs" / "main").write_text("a" * 40)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    count, description = cached_token_counter("org/tiny")
    assert count("hello world again") == 3
    assert description == "org/tiny's tokenizer"
    assert cached_token_counter("org/absent") is None
