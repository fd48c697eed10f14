"""Revisions of an article: when is a re-fetched page new content, and what changed.

Pure functions over text: no Scrapy, no database. `content_fingerprint` is
what scraper.storage.store compares to decide whether a fetch is a new version;
`describe_change` is what it records about a new version.

The fingerprint ignores what changes between two renderings of the *same*
article without anyone editing it:

- white space (reflowed text, NBSP and other Unicode spaces);
- invisible characters (zero-width spaces and joiners, word joiners, BOMs,
  direction marks, soft hyphens: every Unicode "format" character) and
  compatibility forms (NFKC: ligatures, full-width letters);
- typographic quotes and dashes against their ASCII forms;
- click-tracking parameters in addresses written out in the text;
- relative times ("Updated 2 minutes ago", "3 hours ago", "just now"),
  wherever they appear;
- short lines made only of a date/time stamp ("Updated 27 Nov 2026, 14:03
  UTC") or of counters ("1.2K shares", "Comments (34)").

These rules are general (no site names): a line is dropped only when every
word on it is a date, time, counter or "updated"-style word and it has a
number, so a sentence of the article is never dropped.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from scraper.extraction.urls import canonical_url

_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-",
                         "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-"}
_QUOTE = re.compile("[" + "".join(_QUOTES) + "]")
# The Unicode "format" characters (category Cf, Unicode 14: zero-width spaces and joiners, BOM,
# direction marks, soft hyphen, ...) as one class: ~20x faster than testing each character.
_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
_RELATIVE = re.compile(
    r"\b(?:(?:last\s+)?(?:updated|modified|edited|posted|published)\s*:?\s*)?"
    r"(?:(?:about|over|almost|nearly|less\s+than)\s+)?"
    r"(?:\d+|an?|one|a\s+few|few)\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?"
    r"|s|m|h|d|w)\s+ago\b|\b(?:updated\s+)?(?:just\s+now|moments?\s+ago)\b",
    re.IGNORECASE,
)
_TOKENS = re.compile(r"\d+(?:[.,:]\d+)*[km]?|[^\W\d_]+", re.IGNORECASE)
_STAMP_WORDS = frozenset("""
    updated update published posted modified edited last first on at by am pm a p m utc gmt z t et est edt
    ct cst cdt mt mst mdt pt pst pdt bst cet cest eet eest ist jst aest aedt hkt sgt msk
    jan january feb february mar march apr april may jun june jul july aug august sep sept september
    oct october nov november dec december mon monday tue tues tuesday wed wednesday thu thur thurs
    thursday fri friday sat saturday sun sunday today yesterday ago just now min mins minute minutes
    h hr hrs hour hours d day days w wk wks week weeks s sec secs second seconds
    comments comment shares share shared likes like views view reactions replies reply retweets
    tweets responses reads read reading time join the conversation discussion see show all
    k of and
""".split())
_STAMP_MAX = 80  # a counter or time stamp line is short; longer lines are prose


@dataclass(frozen=True)
class Change:
    """What changed between two consecutive versions of an article."""

    title_changed: bool
    body_changed: bool
    words_added: int
    words_removed: int
    summary: str  # one short line for people, e.g. 'body: +24 -3 words; added "Correction: ..."'


def normalise_text(text: str) -> str:
    """Return `text` without invisible characters, with NFKC forms, ASCII quotes/dashes and tidy addresses."""
    text = text or ""
    if not text.isascii():
        text = _QUOTE.sub(lambda m: _QUOTES[m.group()], _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)))
    return _URL.sub(lambda m: canonical_url(m.group()), text)


def is_volatile_line(line: str) -> bool:
    """Return True when `line` is only a time stamp, a relative time or a counter (no words of prose)."""
    line = line.strip()
    if not line or len(line) > _STAMP_MAX:
        return False
    rest = _drop_relative(line)
    if rest != line and not rest.strip(" \t.,;:|·-•()[]"):
        return True
    tokens = _TOKENS.findall(line)
    has_number = any(t[0].isdigit() for t in tokens)
    return has_number and all(t[0].isdigit() or t.lower() in _STAMP_WORDS for t in tokens)


def _drop_relative(text: str) -> str:
    """Return `text` without relative times; the substring test skips the costly regex on most lines."""
    low = text.lower()
    return _RELATIVE.sub(" ", text) if "ago" in low or "now" in low else text


def fingerprint_text(title: str, body: str) -> tuple[str, str]:
    """Return (title, body) as the fingerprint sees them: normalised, volatile lines dropped, spaces collapsed."""
    title = " ".join(_drop_relative(normalise_text(title)).split())
    lines = []
    for line in normalise_text(body).splitlines():
        if is_volatile_line(line):
            continue
        line = " ".join(_drop_relative(line).split())
        if line:
            lines.append(line)
    return title, " ".join(lines)


def content_fingerprint(title: str, body: str) -> str:
    """Return the sha256 hex of the article's text with cosmetic differences removed (module docstring)."""
    return fingerprint_digest(*fingerprint_text(title, body))


def fingerprint_digest(title_text: str, body_text: str) -> str:
    """Return the fingerprint of texts fingerprint_text() already returned (for callers that need them too)."""
    return hashlib.sha256(f"{title_text}\n\n{body_text}".encode()).hexdigest()


def describe_change(old_title: str, old_body: str, new_title: str, new_body: str) -> Change:
    """Return what changed from the old to the new version, compared as the fingerprint sees the text."""
    ot, ob = fingerprint_text(old_title, old_body)
    nt, nb = fingerprint_text(new_title, new_body)
    added, removed, snippet = _word_diff(ob.split(), nb.split())
    parts = []
    if ot != nt:
        parts.append(f"title: {_short(ot, 60)!r} -> {_short(nt, 60)!r}")
    if ob != nb:
        parts.append(f"body: +{added} -{removed} words" + (f"; {snippet}" if snippet else ""))
    return Change(ot != nt, ob != nb, added, removed, "; ".join(parts) or "no visible change")


def _word_diff(old: list[str], new: list[str]) -> tuple[int, int, str]:
    """Return (words added, words removed, a short quote of the first insertion or deletion)."""
    if len(old) * len(new) > 25_000_000:  # very long texts: count by multiset, skip the alignment
        a, b = Counter(old), Counter(new)
        return sum((b - a).values()), sum((a - b).values()), ""
    added = removed = 0
    snippet = ""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        removed += i2 - i1
        added += j2 - j1
        if not snippet:
            snippet = (f"added {_short(' '.join(new[j1:j2]), 80)!r}" if j2 > j1
                       else f"removed {_short(' '.join(old[i1:i2]), 80)!r}")
    return added, removed, snippet


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
