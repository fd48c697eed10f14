"""Publication dates: parse the many ways pages write them into timezone-aware datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from scraper.extraction.vocabulary import MONTH_NAMES

_ISO = re.compile(
    r"(?P<y>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)"
    r"(?:[T ](?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d)(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-][01]\d:?[0-5]\d|[+-][01]\d)?)?",
    re.IGNORECASE,
)
# The one URL-date pattern: /2019/11/18/, /2019-11-18-, /2019/11/ (no day), /20191118 and -20191118.
URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d\d)[/-](?P<m>0?[1-9]|1[0-2])(?:[/-](?P<d>0?[1-9]|[12]\d|3[01]))?(?=[/-]|$)"
    r"|(?:^|[/-])(?P<cy>(?:19|20)\d\d)-?(?P<cm>0[1-9]|1[0-2])-?(?P<cd>0[1-9]|[12]\d|3[01])(?=[/._-]|$|\d{2,})")
_MONTH = "|".join(sorted((re.escape(m) for m in MONTH_NAMES), key=len, reverse=True))
_WORDY = re.compile(
    r"(?<![^\W\d_])(?P<mon>" + _MONTH + r")\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b"
    r"|\b(?P<d2>[0-3]?\d)(?:st|nd|rd|th|er|º)?\.?\s*(?:de\s+)?(?P<mon2>" + _MONTH + r")\.?,?\s*(?:de\s+)?"
    r"(?P<y2>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# 18.11.2019 (day first, as written in most of Europe).
_DOTTED = re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.\s?(?P<m>[01]?\d)\.\s?(?P<y>(?:19|20)\d\d)(?![\d.]\d)")


def _tz(text: str | None) -> timezone:
    if not text or text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_date(text: str | None) -> datetime | None:
    """Return the first date in `text` as an aware datetime (UTC when no zone is given), or None."""
    if not text or not isinstance(text, str):
        return None
    text = text.strip()[:200]
    try:
        return _parse_iso(text) or _parse_rfc(text) or _parse_wordy(text) or _parse_dotted(text) or _parse_epoch(text)
    except (ValueError, OverflowError):
        return None


def _parse_iso(text: str) -> datetime | None:
    m = _ISO.search(text)
    if not m:
        return None
    g = m.groupdict()
    return datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0), int(g["M"] or 0),
                    int(g["S"] or 0), tzinfo=_tz(g["tz"]))


def _parse_rfc(text: str) -> datetime | None:
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", text):
        return None
    try:
        dt = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _parse_wordy(text: str) -> datetime | None:
    m = _WORDY.search(text)
    if not m:
        return None
    mon, day, year = (m["mon"], m["d"], m["y"]) if m["mon"] else (m["mon2"], m["d2"], m["y2"])
    return datetime(int(year), MONTH_NAMES[mon.lower()], int(day), tzinfo=UTC)


def _parse_dotted(text: str) -> datetime | None:
    m = _DOTTED.search(text)
    if not m:
        return None
    return datetime(int(m["y"]), int(m["m"]), int(m["d"]), tzinfo=UTC)


def _parse_epoch(text: str) -> datetime | None:
    if not re.fullmatch(r"1\d{9}(?:\d{3})?", text):
        return None
    seconds = int(text[:10])
    return datetime.fromtimestamp(seconds, tz=UTC)


def url_date_match(path: str) -> re.Match[str] | None:
    """Return the first date written in a URL path (day optional), or None."""
    return URL_DATE.search(path or "")


def date_from_url(url: str) -> datetime | None:
    """Return the day written in a URL path (/2019/11/18/ or /20191118), or None (a month alone is no date)."""
    for m in URL_DATE.finditer(url or ""):
        year, month, day = (m["y"], m["m"], m["d"]) if m["y"] else (m["cy"], m["cm"], m["cd"])
        if day:
            try:
                return datetime(int(year), int(month), int(day), tzinfo=UTC)
            except ValueError:
                return None
    return None
