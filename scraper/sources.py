"""The sources file (`sources.toml`): read with tomllib into `Source` dataclasses, checked whole.

A bad file is refused with one message naming the file, the source and the
key, so that nothing starts half-configured.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger

from scraper.errors import ConfigError
from scraper.extraction.rules import SiteRules, selector_error
from scraper.policy.revisit import DEFAULT_MAX_AGE_DAYS
from scraper.settings import source_settings

SOURCE_KEYS = {
    "name", "start_urls", "allowed_domains", "schedule", "interval_minutes",
    "max_pages", "max_age_days", "settings", "extraction", "revisit_max_age_days",
}
EXTRACTION_KEYS = ("body", "headlines", "exclude")
TOP_KEYS = {"sources", "allow_private_addresses", "allow_unlisted_domains"}


@dataclass(frozen=True)
class Source:
    """One news source: where its crawl starts, where it may go, and when it runs."""

    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    schedule: str | None = None
    interval_minutes: int | None = None
    max_pages: int = 1000
    max_age_days: int | None = None
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    extraction: SiteRules = field(default_factory=SiteRules)  # the site's own CSS selectors, if any
    revisit_max_age_days: int = DEFAULT_MAX_AGE_DAYS  # revisit known articles up to this age (0: never)

    def allows(self, url: str) -> bool:
        """Return True when `url`'s host is one of `allowed_domains` or below one."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)


@dataclass(frozen=True)
class SourcesConfig:
    """The whole sources file."""

    path: Path
    sources: tuple[Source, ...]
    allow_private_addresses: bool = False  # `crawl --url` may fetch loopback/private addresses
    allow_unlisted_domains: bool = False  # `crawl --url` may fetch hosts outside every source

    def get(self, name: str) -> Source:
        """Return the source called `name`, or raise a ConfigError listing the known names."""
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"{self.path}: no source named {name!r} (known: {known})")

    def source_for_url(self, url: str) -> Source | None:
        """Return the first source whose allowed_domains cover `url`, else None."""
        return next((s for s in self.sources if s.allows(url)), None)


def load_sources(path: str | Path) -> SourcesConfig:
    """Return the parsed, checked sources file at `path`; raise ConfigError naming file, source and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: sources file not found; pass --config FILE or set SCRAPER_CONFIG") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the sources file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {unknown[0]!r}; allowed: {', '.join(sorted(TOP_KEYS))}")
    entries = data.get("sources", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[sources]] entries; add at least one source")
    sources = tuple(_source(path, i, entry) for i, entry in enumerate(entries))
    _check_unique(path, sources)
    return SourcesConfig(
        path=path,
        sources=sources,
        allow_private_addresses=_flag(path, data, "allow_private_addresses"),
        allow_unlisted_domains=_flag(path, data, "allow_unlisted_domains"),
    )


def _source(path: Path, index: int, entry: Any) -> Source:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: sources[{index}] is not a table; write it as [[sources]]")
    name = entry.get("name")
    where = f"{path}: source {name!r}" if isinstance(name, str) and name else f"{path}: sources[{index}]"
    if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name):
        raise ConfigError(f"{where}: key 'name' must be a non-empty string without spaces")
    unknown = sorted(set(entry) - SOURCE_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(SOURCE_KEYS))}")
    start_urls = _urls(where, entry.get("start_urls"))
    domains = entry.get("allowed_domains")
    if domains is None:
        domains = sorted({urlsplit(u).hostname or "" for u in start_urls})
    elif not isinstance(domains, list) or not all(isinstance(d, str) and d and "/" not in d for d in domains):
        raise ConfigError(f"{where}: key 'allowed_domains' must be a list of host names like \"example.com\"")
    schedule, interval = _timing(where, entry)
    settings = _settings(where, entry.get("settings", {}))
    return Source(
        name=name,
        start_urls=tuple(start_urls),
        allowed_domains=tuple(d.lower() for d in domains),
        schedule=schedule,
        interval_minutes=interval,
        max_pages=_positive(where, entry, "max_pages", 1000) or 1000,
        max_age_days=_positive(where, entry, "max_age_days", None),
        settings=MappingProxyType(dict(settings)),
        extraction=_rules(where, entry.get("extraction", {})),
        revisit_max_age_days=_days(where, entry, "revisit_max_age_days", DEFAULT_MAX_AGE_DAYS),
    )


def _settings(where: str, table: Any) -> dict[str, Any]:
    """Return a source's [sources.settings], every name known and every value of the type it takes."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: key 'settings' must be a table of Scrapy settings")
    knobs = source_settings()
    checked: dict[str, Any] = {}
    for key, value in table.items():
        if key in knobs:
            try:
                checked[key] = knobs[key].parse(value)
            except ValueError as exc:
                raise ConfigError(f"{where}: key 'settings.{key}': {value!r} is not {exc}") from None
        else:
            checked[key] = _scrapy_setting(where, key, value, knobs)
    return checked


def _scrapy_setting(where: str, key: str, value: Any, knobs: Mapping[str, Any]) -> Any:
    """Return `value` if `key` is one of Scrapy's settings and `value` has the type its default has."""
    defaults = _scrapy_defaults()
    if key not in defaults:
        close = difflib.get_close_matches(key, [*defaults, *knobs], n=1, cutoff=0.8)
        hint = (f"did you mean {close[0]!r}?" if close else
                f"it is neither a Scrapy setting nor one of the service's ({', '.join(sorted(knobs))})")
        raise ConfigError(f"{where}: unknown key 'settings.{key}'; {hint}")
    default = defaults[key]
    expected = _expected(default)
    if expected is not None and not expected[0](value):
        raise ConfigError(f"{where}: key 'settings.{key}': {value!r} is not {expected[1]} "
                          f"(Scrapy's default is {default!r})")
    return value


def _expected(default: Any) -> tuple[Any, str] | None:
    """Return (test, description) of the TOML values a Scrapy setting with this default takes; None: any."""
    if isinstance(default, bool):
        return (lambda v: isinstance(v, bool)), "true or false"
    if isinstance(default, int | float):  # DOWNLOAD_DELAY's default is 0, and 1.5 is fine
        return (lambda v: isinstance(v, int | float) and not isinstance(v, bool)), "a number"
    if isinstance(default, str):
        return (lambda v: isinstance(v, str)), "a string"
    if isinstance(default, dict):
        return (lambda v: isinstance(v, dict)), "a table"
    if isinstance(default, list | tuple):
        return (lambda v: isinstance(v, list)), "an array"
    return None


def _scrapy_defaults() -> dict[str, Any]:
    """Return Scrapy's own settings and their defaults (imported only when a source sets some)."""
    from scrapy.settings import default_settings

    return {name: getattr(default_settings, name) for name in dir(default_settings) if name.isupper()}


def _rules(where: str, table: Any) -> SiteRules:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: key 'extraction' must be a table of CSS selectors ({', '.join(EXTRACTION_KEYS)})")
    unknown = sorted(set(table) - set(EXTRACTION_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key 'extraction.{unknown[0]}'; allowed: {', '.join(EXTRACTION_KEYS)}")
    for key, selector in table.items():
        problem = "not a string" if not isinstance(selector, str) or not selector.strip() else selector_error(selector)
        if problem:
            raise ConfigError(f"{where}: key 'extraction.{key}': {selector!r} is not a CSS selector ({problem})")
    return SiteRules(**table)


def _urls(where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: key 'start_urls' must be a non-empty list of http(s) URLs")
    for url in value:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{where}: key 'start_urls': {url!r} is not an http(s) URL")
    return value


def _timing(where: str, entry: dict[str, Any]) -> tuple[str | None, int | None]:
    schedule, interval = entry.get("schedule"), entry.get("interval_minutes")
    if (schedule is None) == (interval is None):
        raise ConfigError(f"{where}: set exactly one of the keys 'schedule' (cron) or 'interval_minutes'")
    if schedule is not None:
        if not isinstance(schedule, str) or len(schedule.split()) != 5:
            raise ConfigError(f"{where}: key 'schedule': {schedule!r} is not a 5-field cron line like '*/30 * * * *'")
        try:
            CronTrigger.from_crontab(schedule, timezone="UTC")
        except ValueError as exc:
            raise ConfigError(f"{where}: key 'schedule': bad cron line {schedule!r}: {exc}") from None
        return schedule, None
    return None, _positive(where, entry, "interval_minutes", None)


def _positive(where: str, entry: dict[str, Any], key: str, default: int | None) -> int | None:
    value = entry.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: key {key!r} must be a whole number of at least 1, not {value!r}")
    return value


def _days(where: str, entry: dict[str, Any], key: str, default: int) -> int:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
        raise ConfigError(f"{where}: key {key!r} must be a whole number of days from 0 (never) to 3650, "
                          f"not {value!r}")
    return value


def _flag(path: Path, data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: key {key!r} must be true or false")
    return value


def _check_unique(path: Path, sources: tuple[Source, ...]) -> None:
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ConfigError(f"{path}: source {source.name!r}: key 'name' is used twice; names must be unique")
        seen.add(source.name)
