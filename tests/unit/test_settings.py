"""Settings precedence: flag, then environment, then .env, then default."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.errors import ConfigError
from scraper.settings import declared, load_settings


@pytest.fixture
def clean_env(monkeypatch):
    for setting in declared():
        # setenv first so that monkeypatch also undoes what load_dotenv() writes into os.environ
        monkeypatch.setenv(setting.env, "")
        monkeypatch.delenv(setting.env)
    return monkeypatch


def test_defaults(clean_env, tmp_path):
    settings = load_settings(env_file=tmp_path / "missing.env")
    assert settings.database_url is None
    assert settings.data_dir == Path("~/.local/share/scraper").expanduser()
    assert settings.port == 8080 and settings.host == "127.0.0.1"
    assert "news-scraper" in settings.user_agent


def test_flag_beats_environment_beats_dotenv(clean_env, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SCRAPER_PORT=7000\nSCRAPER_HOST=0.0.0.0\nDATABASE_URL=postgresql://from-dotenv/db\n")
    clean_env.setenv("SCRAPER_HOST", "10.0.0.1")
    settings = load_settings({"port": None}, env_file=env_file)
    assert settings.port == 7000  # .env fills what nothing else set
    assert settings.host == "10.0.0.1"  # the environment beats .env
    assert settings.database_url == "postgresql://from-dotenv/db"
    assert load_settings({"port": 9000}, env_file=env_file).port == 9000  # a flag beats both


def test_bad_values_are_refused_with_the_variable_named(clean_env, tmp_path):
    clean_env.setenv("SCRAPER_PORT", "eighty")
    with pytest.raises(ConfigError, match="SCRAPER_PORT='eighty' is not a port number"):
        load_settings(env_file=None)
    clean_env.setenv("SCRAPER_PORT", "80")
    clean_env.setenv("SCRAPER_LOG_LEVEL", "loud")
    with pytest.raises(ConfigError, match="SCRAPER_LOG_LEVEL"):
        load_settings(env_file=None)
