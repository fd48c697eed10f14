"""Service settings: each declared once, on `Settings`, with its variable, default, help and parser.

Precedence: command-line flag, then the environment, then `.env` (python-dotenv
never overrides what the environment already has), then the default.

Settings of scope "source" are crawl knobs: the environment (or `.env`) gives
every source its default, and a source's `[sources.settings]` table may set its
own value under the same name (checked by the same parser when the sources file
is read). The README's configuration table, `scraper --help` and the crawl's
Scrapy settings are all read off this one declaration.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

from scraper import __version__
from scraper.errors import ConfigError
from scraper.policy.stories import Thresholds

DEFAULT_USER_AGENT = f"news-scraper/{__version__} (news aggregation bot; set SCRAPER_USER_AGENT to add your contact)"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def parse_text(raw: Any) -> str:
    """Return `raw` as text."""
    return str(raw)


def parse_path(raw: Any) -> Path:
    """Return `raw` as a path, `~` expanded."""
    return Path(str(raw)).expanduser()


def _whole(raw: Any) -> int | None:
    """Return `raw` as an int if it is one (or its digits), else None; booleans are not numbers."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    return None


def parse_count(raw: Any) -> int:
    """Return `raw` as a whole number of at least 0; ValueError saying so otherwise."""
    value = _whole(raw)
    if value is None or value < 0:
        raise ValueError("a whole number of at least 0")
    return value


def parse_positive(raw: Any) -> int:
    """Return `raw` as a whole number of at least 1."""
    value = _whole(raw)
    if value is None or value < 1:
        raise ValueError("a whole number of at least 1")
    return value


def parse_port(raw: Any) -> int:
    """Return `raw` as a TCP port number (0: any free port)."""
    value = _whole(raw)
    if value is None or value > 65535:
        raise ValueError("a port number from 0 to 65535")
    return value


def parse_seconds(raw: Any) -> float:
    """Return `raw` as a number of seconds, at least 0."""
    if isinstance(raw, bool):
        raise ValueError("a number of seconds, at least 0")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError("a number of seconds, at least 0") from None
    if not value >= 0:
        raise ValueError("a number of seconds, at least 0")
    return value


def parse_similarity(raw: Any) -> float:
    """Return `raw` as a similarity in (0, 1]."""
    try:
        value = float(raw) if not isinstance(raw, bool) else -1.0
    except (TypeError, ValueError):
        value = -1.0
    if not 0.0 < value <= 1.0:
        raise ValueError("a similarity between 0 and 1")
    return value


def parse_log_level(raw: Any) -> str:
    """Return `raw` as an upper-case log level name."""
    level = str(raw).upper()
    if level not in LOG_LEVELS:
        raise ValueError("a log level: DEBUG, INFO, WARNING or ERROR")
    return level


def setting(env: str, default: Any, help: str, parse: Callable[[Any], Any] = parse_text,
            scope: str = "service") -> Any:
    """Return a dataclass field declaring one setting (its metadata is the registry entry)."""
    return field(default=default, metadata={"env": env, "help": help, "parse": parse, "scope": scope})


@dataclass(frozen=True)
class Settings:
    """The settings in force for one process; the class is the registry of every setting."""

    database_url: str | None = setting(
        "DATABASE_URL", None,
        "PostgreSQL URL, e.g. `postgresql://user:pass@host:5432/news`; unset: an embedded PostgreSQL "
        "in `$SCRAPER_DATA_DIR/pgdata`")
    data_dir: Path = setting("SCRAPER_DATA_DIR", Path("~/.local/share/scraper").expanduser(),
                             "the embedded database and the spool live here", parse_path)
    config: Path = setting("SCRAPER_CONFIG", Path("sources.toml"), "the sources file (`--config FILE`)",
                           parse_path)
    host: str = setting("SCRAPER_HOST", "127.0.0.1", "address of the daemon's ops page and API (`--host`)")
    port: int = setting("SCRAPER_PORT", 8080, "its port (`--port`; 0: any free port)", parse_port)
    api_token: str | None = setting(
        "SCRAPER_API_TOKEN", None, "bearer token for the ops page and API; unset: loopback only")
    user_agent: str = setting(
        "SCRAPER_USER_AGENT", DEFAULT_USER_AGENT,
        "User-Agent of every request: put your contact URL or e-mail in it")
    log_level: str = setting(
        "SCRAPER_LOG_LEVEL", "WARNING",
        "log level of library messages (Scrapy, ...); the service's own events are logged from INFO up",
        parse_log_level)
    run_timeout: int = setting(
        "SCRAPER_RUN_TIMEOUT", 7200,
        "seconds after which the daemon kills a crawl process and records the run as failed", parse_positive)
    dedup_threshold: float = setting(
        "SCRAPER_DEDUP_THRESHOLD", Thresholds.duplicate,
        "body similarity (estimated Jaccard of word 3-shingles) from which an article is a near-duplicate copy",
        parse_similarity)
    story_threshold: float = setting(
        "SCRAPER_STORY_THRESHOLD", Thresholds.story,
        "score (cosine with the story's centroid less a time penalty) from which an article joins a story",
        parse_similarity)
    story_window_hours: int = setting(
        "SCRAPER_STORY_WINDOW_HOURS", int(Thresholds.window.total_seconds() // 3600),
        "how far apart in time two articles of one story may be", parse_positive)
    reader_password: str | None = setting(
        "SCRAPER_READER_PASSWORD", None,
        "password `scraper db upgrade` and `scraper run` give the read-only role `scraper_reader`; "
        "unset: the role cannot log in")
    batch_size: int = setting("SCRAPER_BATCH_SIZE", 50, "articles per database write", parse_positive,
                              scope="source")
    extract_workers: int = setting(
        "SCRAPER_EXTRACT_WORKERS", 2,
        "processes extracting pages while the crawler downloads (0: in the crawl process)", parse_count,
        scope="source")
    spool_wait: float = setting(
        "SCRAPER_SPOOL_WAIT", 60.0, "seconds the end of a crawl waits for an unreachable database",
        parse_seconds, scope="source")
    retry_after_max: float = setting(
        "SCRAPER_RETRY_AFTER_MAX", 60.0,
        "a 429/503 `Retry-After` up to this many seconds is waited for before the retry; "
        "a longer one is not retried in this crawl", parse_seconds, scope="source")
    progress_seconds: float = setting(
        "SCRAPER_PROGRESS_SECONDS", 2.0,
        "how often a running crawl writes its counts to its `crawl_runs` row", parse_seconds, scope="source")


@dataclass(frozen=True)
class Declared:
    """One entry of the registry, as read off `Settings`."""

    name: str
    env: str
    default: Any
    help: str
    parse: Callable[[Any], Any]
    scope: str


def declared() -> list[Declared]:
    """Return every setting in declaration order."""
    return [Declared(f.name, f.metadata["env"], f.default, f.metadata["help"], f.metadata["parse"],
                     f.metadata["scope"]) for f in fields(Settings)]


def source_settings() -> dict[str, Declared]:
    """Return {variable: setting} of the crawl knobs a source's `[sources.settings]` may set."""
    return {d.env: d for d in declared() if d.scope == "source"}


def load_settings(overrides: dict[str, Any] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Return the settings from flags (`overrides`), the environment, `.env` and defaults."""
    if env_file and Path(env_file).is_file():
        load_dotenv(env_file, override=False)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    values: dict[str, Any] = {}
    for d in declared():
        raw = overrides.get(d.name, os.environ.get(d.env) or None)
        values[d.name] = d.default if raw is None else _parse(d, raw)
    return Settings(**values)


def _parse(d: Declared, raw: Any) -> Any:
    try:
        return d.parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{d.env}={raw!r} is not {exc}; e.g. {d.env}={d.default}") from None
