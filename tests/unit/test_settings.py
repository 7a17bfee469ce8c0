from pathlib import Path

import pytest

from trainpkg_app.settings import Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("PORT", "HF_ENDPOINT", "HF_TOKEN", "REFLEX_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in list(__import__("os").environ):
        if name.startswith("TRAINPKG_"):
            monkeypatch.delenv(name)


def test_defaults_put_sqlite_under_data_dir():
    settings = Settings()
    assert settings.port == 3000
    assert settings.data_dir == Path("./data")
    assert settings.resolved_database_url == f"sqlite:///{Path('data/trainpkg.db').resolve()}"
    assert settings.hf_endpoint == "https://huggingface.co"
    assert settings.hf_token is None


def test_prefixed_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("TRAINPKG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRAINPKG_DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.resolved_database_url == "postgresql+psycopg://u@h/db"


def test_standard_hf_and_port_variables_work(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9999/")
    monkeypatch.setenv("HF_TOKEN", "hf_secret_value")
    settings = Settings()
    assert settings.port == 8123
    assert settings.hf_endpoint == "http://127.0.0.1:9999"
    assert settings.hf_token is not None
    assert settings.hf_token.get_secret_value() == "hf_secret_value"


def test_prefixed_variable_wins_over_standard_one(monkeypatch):
    monkeypatch.setenv("TRAINPKG_HF_ENDPOINT", "http://prefixed")
    monkeypatch.setenv("HF_ENDPOINT", "http://standard")
    assert Settings().hf_endpoint == "http://prefixed"


def test_token_never_appears_in_repr_or_dump(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_do_not_leak_me")
    settings = Settings()
    assert "hf_do_not_leak_me" not in repr(settings)
    assert "hf_do_not_leak_me" not in settings.model_dump_json()


def test_invalid_port_is_refused(monkeypatch):
    monkeypatch.setenv("PORT", "70000")
    with pytest.raises(ValueError, match="less than or equal to 65535"):
        Settings()
