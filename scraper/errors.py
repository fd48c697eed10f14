"""The project's own exceptions, every one with a message fit for one line, and that line."""

from __future__ import annotations


class ScraperError(Exception):
    """Something the user can act on; the CLI prints it on one line and exits `exit_code`."""

    exit_code = 1


class ConfigError(ScraperError):
    """A bad sources file, setting or command-line argument."""

    exit_code = 2


class DatabaseError(ScraperError):
    """The database could not be reached or refused a statement."""

    exit_code = 1


class DatabaseUnavailable(DatabaseError):
    """The server could not be reached, or the connection broke: worth retrying later (not bad data)."""


class MigrationError(DatabaseError):
    """A migration could not be applied, or an applied one was edited."""


class CrawlLocked(ScraperError):
    """A crawl of this source is already running."""

    exit_code = 3


class RefusedURL(ScraperError):
    """A URL that the configuration does not allow to fetch."""

    exit_code = 2


class NotFound(ConfigError):
    """A source or crawl run that does not exist (the API answers 404)."""


def one_line(exc: BaseException, causes: bool = True) -> str:
    """Return the exception's text squeezed onto one line, followed by its causes' (`a: b: c`)."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = " ".join(str(current).split()) or type(current).__name__
        if not parts or text not in parts[-1]:  # a wrapper often repeats its cause's text
            parts.append(text)
        current = current.__cause__ if causes else None
    return ": ".join(parts)
