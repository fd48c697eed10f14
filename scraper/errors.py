"""The project's own exceptions: every one carries a message fit for one line."""

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
