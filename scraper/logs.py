"""Log lines: one line per event, with the source and run it concerns, and no secrets.

Every process (daemon, crawl) logs through the root handler set up here, so
`grep run=42` finds everything one crawl did, across the daemon and its child.
Tracebacks are folded onto the event's line, and passwords in URLs and the
API token are masked before anything is written.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s source=%(source)s run=%(run)s: %(message)s"
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@", re.IGNORECASE)
# key=value connection strings and URL query parameters: the value ends at white space or `&`
_PASSWORD_PARAM = re.compile(r"(?P<head>\bpassword\s*=\s*)('[^']*'|[^\s&]+)", re.IGNORECASE)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Return `text` with URL passwords, `password=...` parameters and the given secrets masked.

    The one masking rule of the service: log lines, error messages and the
    database URLs that commands print all go through it.
    """
    text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    text = _PASSWORD_PARAM.sub(r"\g<head>***", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class OneLineFormatter(logging.Formatter):
    """Formats a record on one line: context fields filled in, newlines folded, secrets masked."""

    def __init__(self, context: dict[str, Any], secrets: tuple[str, ...] = ()) -> None:
        super().__init__(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z")
        self.context = context
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        for key in ("source", "run"):
            if not hasattr(record, key):
                setattr(record, key, self.context.get(key) or "-")
        line = super().format(record)
        return redact(" | ".join(part for part in line.splitlines() if part.strip()), self.secrets)


class _LevelFilter(logging.Filter):
    """Passes the service's own events from INFO up, and other libraries' records from `level` up.

    Filtering in the handler, not on loggers: Scrapy sets its loggers' levels itself.
    """

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == "scraper" or record.name.startswith("scraper.")
        return record.levelno >= (min(self.level, logging.INFO) if own else self.level)


def configure_logging(level: str, secrets: tuple[str | None, ...] = (), **context: Any) -> None:
    """Send every logger's records to stderr, one line each, tagged with `context` (source=, run=).

    Calling it again (a crawl learning its run id) replaces the handler and context.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "scraper_handler", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(context, tuple(s for s in secrets if s)))
    handler.addFilter(_LevelFilter(logging.getLevelName(level)))
    handler.scraper_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(min(logging.getLevelName(level), logging.INFO))
