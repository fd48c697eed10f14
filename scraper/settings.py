"""Service settings: declared once with name, default and help; built once into a frozen object.

Precedence: command-line flag, then the environment, then `.env` (python-dotenv
never overrides what the environment already has), then the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

from scraper import __version__
from scraper.errors import ConfigError

DEFAULT_USER_AGENT = f"news-scraper/{__version__} (news aggregation bot; set SCRAPER_USER_AGENT to add your contact)"


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, default and help line (the README table is this list)."""

    env: str
    default: Any
    help: str


SETTINGS: dict[str, Setting] = {
    "database_url": Setting("DATABASE_URL", None, "PostgreSQL URL; unset: an embedded PostgreSQL in the data folder"),
    "data_dir": Setting("SCRAPER_DATA_DIR", "~/.local/share/scraper", "embedded database and spool folder"),
    "config": Setting("SCRAPER_CONFIG", "sources.toml", "the sources file"),
    "host": Setting("SCRAPER_HOST", "127.0.0.1", "address the daemon's ops page and API listen on"),
    "port": Setting("SCRAPER_PORT", 8080, "port of the ops page and API"),
    "api_token": Setting("SCRAPER_API_TOKEN", None, "bearer token for the ops page and API; unset: loopback only"),
    "user_agent": Setting("SCRAPER_USER_AGENT", DEFAULT_USER_AGENT, "User-Agent header of every request"),
    "log_level": Setting("SCRAPER_LOG_LEVEL", "WARNING", "log level of crawls (DEBUG, INFO, WARNING, ERROR)"),
    "run_timeout": Setting("SCRAPER_RUN_TIMEOUT", 7200,
                           "seconds after which the daemon kills a crawl process and records the run as failed"),
    "dedup_threshold": Setting("SCRAPER_DEDUP_THRESHOLD", 0.5,
                               "estimated Jaccard of body shingles from which an article is a near-duplicate copy"),
    "story_threshold": Setting("SCRAPER_STORY_THRESHOLD", 0.08,
                               "score (cosine with the story's centroid less a time penalty) from which an "
                               "article joins a story"),
    "story_window_hours": Setting("SCRAPER_STORY_WINDOW_HOURS", 4320,
                                  "how far apart in time two articles of one story may be (180 days)"),
    "reader_password": Setting("SCRAPER_READER_PASSWORD", None,
                               "password of the read-only role scraper_reader, set by `scraper db upgrade`"),
}


@dataclass(frozen=True)
class Settings:
    """The settings in force for one process."""

    database_url: str | None
    data_dir: Path
    config: Path
    host: str
    port: int
    api_token: str | None
    user_agent: str
    log_level: str
    run_timeout: int
    dedup_threshold: float
    story_threshold: float
    story_window_hours: int
    reader_password: str | None


def load_settings(overrides: dict[str, Any] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Return the settings from flags (`overrides`), the environment, `.env` and defaults."""
    if env_file and Path(env_file).is_file():
        load_dotenv(env_file, override=False)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    values: dict[str, Any] = {}
    for name, setting in SETTINGS.items():
        raw = overrides.get(name, os.environ.get(setting.env) or setting.default)
        values[name] = _convert(name, setting, raw)
    return Settings(**values)


def _convert(name: str, setting: Setting, raw: Any) -> Any:
    target = {f.name: f.type for f in fields(Settings)}[name]
    if raw is None or raw == "":
        return None
    if target == "int":
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{setting.env}={raw!r} is not a whole number; set it to e.g. {setting.default}") from None
    if target == "float":
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0.0 < value <= 1.0:
            raise ConfigError(f"{setting.env}={raw!r} is not a similarity between 0 and 1; e.g. {setting.default}")
        return value
    if target == "Path":
        return Path(str(raw)).expanduser()
    if name == "log_level":
        level = str(raw).upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(f"{setting.env}={raw!r} is not a log level; use DEBUG, INFO, WARNING or ERROR")
        return level
    return str(raw)
