"""Syndicated copies and follow-ups for dedup tests and the dedup benchmark.

`edited_copy` makes what an outlet does to a wire story it republishes: drops
a sentence or two, swaps two paragraphs, changes a few words, and frames it
with its own boilerplate. `follow_up` writes a later article about the same
event: the headline's key words and a sentence recalling what happened, then
new text. `WireSite` serves a handful of such stories as a small real site
(an RSS feed and article pages) on 127.0.0.1, so two instances make two
sources that republish one another.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from tests.newssite import pages
from tests.newssite.content import Story, slugify
from tests.newssite.server import Resource, SiteServer, start

_SWAPS = {"said": "says", "told": "informed", "would": "will", "about": "around", "more": "over",
          "also": "too", "after": "following", "before": "ahead of", "but": "yet", "large": "big"}
_FRAMES = [
    ("({outlet}) \u2014 ", "Additional reporting by the {outlet} newsroom."),
    ("", "This story was first published by a news agency and edited by {outlet}."),
    ("{outlet} staff and agencies. ", "Copyright {outlet}. All rights reserved."),
]
DATA = Path(__file__).resolve().parent.parent / "data"
_SENTENCE = re.compile(r"(?<=[.!?\u201d])\s+(?=[A-Z\u201c])")


def real_articles() -> list[tuple[str, list[str]]]:
    """Return (title, paragraphs) of the real articles in tests/data: the golden pages and the seed story."""
    expected = json.loads((DATA / "pages" / "expected.json").read_text(encoding="utf-8"))
    out = [(e["title"], [p.strip() for p in e["true_body"].split("\n\n") if p.strip()])
           for _, e in sorted(expected.items())]
    body = (DATA / "seed.txt").read_text(encoding="utf-8").partition("\n\n\n")[0]
    out.append(("Putin Says He Wants the Question of Ukraine's NATO Ties Resolved Now",
                [line.strip() for line in body.splitlines() if line.strip()]))
    return out


def sentences(paragraph: str) -> list[str]:
    """Return the sentences of a paragraph (a plain split at end punctuation before a capital)."""
    return [s for s in _SENTENCE.split(paragraph.strip()) if s]


def edited_copy(paras: Sequence[str], rng: random.Random, outlet: str = "Daily Courier") -> list[str]:
    """Return the paragraphs of a lightly edited republication of `paras`."""
    out = [list(sentences(p)) for p in paras if p.strip()]
    for _ in range(rng.randint(1, 2)):  # drop a sentence or two from the longer paragraphs
        longest = max(range(len(out)), key=lambda i: len(out[i]))
        if len(out[longest]) > 1:
            out[longest].pop(rng.randrange(len(out[longest])))
    if len(out) > 3:  # swap two paragraphs after the lead
        i = rng.randrange(1, len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    text = ["\n".join(s) for s in out]
    edited = []
    for para in text:
        words = para.split(" ")
        for k, w in enumerate(words):
            if w.lower() in _SWAPS and rng.random() < 0.5:
                words[k] = _SWAPS[w.lower()]
        edited.append(" ".join(words).replace("\n", " "))
    head, tail = rng.choice(_FRAMES)
    edited[0] = head.format(outlet=outlet) + edited[0]
    return edited + [tail.format(outlet=outlet)]


_FOLLOW_TITLES = ["what happens next", "the reaction", "new details emerge", "the fallout", "a week on",
                  "questions remain", "the latest"]
_FOLLOW_LEADS = ["Days after the news that {event}, questions remain.",
                 "It is now clear that {event} was only the beginning.",
                 "Reaction kept coming in after {event}.",
                 "Officials were still assessing the situation after {event}."]


def follow_up(title: str, paras: Sequence[str], later: Sequence[str], rng: random.Random) -> tuple[str, list[str]]:
    """Return (title, paragraphs) of a later article about the event of `title`/`paras`, continued with `later`."""
    words = [w for w in title.split() if len(w) > 3]
    keep = words[: max(2, (len(words) * 2 + 2) // 3)]
    new_title = f"{' '.join(keep)}: {rng.choice(_FOLLOW_TITLES)}"
    first = sentences(paras[0])[0] if paras else title
    event = title[:1].lower() + title[1:].rstrip(".")
    lead = f"{rng.choice(_FOLLOW_LEADS).format(event=event)} Earlier reports said: {first}"
    return new_title, [lead, *later]


class WireSite:
    """A small real news site on 127.0.0.1 whose stories a test sets: an RSS feed and article pages."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._stories: dict[str, Story] = {}
        self._server = SiteServer(("127.0.0.1", 0), self._resolve, lambda target: None)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def __enter__(self) -> WireSite:
        self._thread = start(self._server)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)
        self._server.server_close()

    def publish(self, title: str, paras: Sequence[str], published_at: datetime,
                author: str = "Staff Reporter") -> str:
        """Publish (or replace) an article and list it in the feed; return its URL."""
        path = f"/{published_at:%Y/%m/%d}/{slugify(title, 60)}.html"
        with self._lock:
            old = self._stories.get(path)
            modified = datetime.now(UTC).replace(microsecond=0) if old else None
            self._stories[path] = Story(path, title, author, published_at, tuple(paras), modified_at=modified)
        return self.url + path

    def _resolve(self, path: str) -> Resource | None:
        with self._lock:
            if path == "/rss.xml":
                entries = [pages.Entry(self.url + s.path, s.title, s.published_at, s.paragraphs[0][:160])
                           for s in sorted(self._stories.values(), key=lambda s: s.published_at, reverse=True)]
                return Resource(200, "application/rss+xml; charset=utf-8", pages.rss_xml(entries, self.url))
            story = self._stories.get(path)
        if story is None:
            return None
        return Resource(200, "text/html; charset=utf-8", pages.article_html(story, self.url + path),
                        story.modified_at or story.published_at)


def recent(hours: float) -> datetime:
    """Return the time `hours` ago, whole seconds, UTC."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours)
