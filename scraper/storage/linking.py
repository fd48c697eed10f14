"""The database edge of dedup and stories: LSH indexes in PostgreSQL, links written per batch.

`link_articles` runs inside the store transaction with a fixed number of round
trips per batch (about ten, whatever the batch size): one index lookup for all
candidates of the batch (each band key read with a LIMIT, so a key that every
page shares costs no more than any other), one read of the candidates'
signatures, then batched writes. The decisions are
made by the pure `scraper.policy.stories.decide`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from scraper.policy import dedup, stories
from scraper.policy.stories import Linked, Thresholds
from scraper.storage.db import execute_rows, query, transaction

# Linking reads the index, decides, then writes it: two crawls linking at once
# could each miss the other's copy. One transaction-scoped lock serialises
# that step (a batch holds it for milliseconds). Arbitrary constant: "scraper link".
LINK_LOCK_KEY = 0x5C12A9E0004


class StoryRow(NamedTuple):
    """A new story (insert_stories)."""

    id: int
    title: str


class BandRow(NamedTuple):
    """One LSH band key of an article (dedup_bands; story_bands rows are StoryBandRow)."""

    band_key: int
    article_id: int


class StoryBandRow(NamedTuple):
    """One story band key of an article at its event time (story_bands)."""

    band_key: int
    event_at: datetime
    article_id: int


class FingerprintRow(NamedTuple):
    """What linking keeps of an article (article_fingerprints)."""

    article_id: int
    body_signature: bytes | None
    story_terms: bytes | None
    shingle_count: int
    event_at: datetime


class LinkRow(NamedTuple):
    """An article's story and original (set_article_links)."""

    id: int
    story_id: int | None
    duplicate_of: int | None


class AdoptionRow(NamedTuple):
    """An original that became the copy of an earlier one, with its copies (adopt_copies)."""

    old: int
    original: int
    story_id: int


@dataclass(frozen=True)
class ToLink:
    """An article whose content is new to linking (new, revised, or re-processed by relink)."""

    article_id: int
    source: str
    title: str
    body: str
    published_at: datetime | None
    first_seen_at: datetime


@dataclass
class LinkCounts:
    """What linking did to a batch."""

    articles: int = 0
    duplicates: int = 0  # articles recorded as copies of an earlier one
    new_stories: int = 0
    joined: int = 0  # articles (not copies) that joined an existing story

    def add(self, other: LinkCounts) -> None:
        """Add `other`'s counts to these (returns None)."""
        self.articles += other.articles
        self.duplicates += other.duplicates
        self.new_stories += other.new_stories
        self.joined += other.joined


@cache
def configured_thresholds() -> Thresholds:
    """Return the thresholds from the settings (environment, .env, defaults), read once per process."""
    from scraper.settings import load_settings

    return thresholds_from(load_settings())


def thresholds_from(settings: Any) -> Thresholds:
    """Return the linking thresholds of a Settings object."""
    return Thresholds(duplicate=settings.dedup_threshold, story=settings.story_threshold,
                      window=timedelta(hours=settings.story_window_hours))


@dataclass
class _Fresh:
    """One article being linked: its fingerprints and band keys."""

    item: ToLink
    linked: Linked
    body_keys: list[int]
    story_keys: list[int]
    shingle_count: int


def _fresh(item: ToLink) -> _Fresh:
    """Return the fingerprints and band keys of an article to link."""
    fp = dedup.fingerprint(item.body)
    terms = stories.story_hashes(item.title, item.body, use_body=fp.signature is not None)
    linked = Linked(item.article_id, item.source, item.title, item.first_seen_at,
                    stories.event_time(item.published_at, item.first_seen_at), fp.signature, terms)
    return _Fresh(item, linked, fp.band_keys, stories.story_band_keys(terms), fp.shingle_count)


@dataclass
class _Batch:
    """The batch's state while deciding: candidates known, new stories, decisions."""

    known: dict[int, Linked]  # article id -> what the database says (fingerprints, links)
    old_keys: dict[int, tuple[list[int], list[int]]]  # batch article -> band keys stored before
    by_key: dict[int, set[int]] = field(default_factory=dict)  # band key -> article ids (usable keys)
    new_stories: dict[int, str] = field(default_factory=dict)  # placeholder id (< 0) -> title
    decided: list[Linked] = field(default_factory=list)
    emptied: set[int] = field(default_factory=set)  # stories an article left
    adoptions: list[tuple[int, int, int]] = field(default_factory=list)  # (old original, new original, story)


def link_articles(cur: Any, items: Sequence[ToLink], seen_ids: Iterable[int] = (),
                  thresholds: Thresholds | None = None) -> LinkCounts:
    """Fingerprint `items`, record copies and stories, refresh the stories of `seen_ids` too; return counts."""
    thresholds = thresholds or configured_thresholds()
    fresh = sorted((_fresh(i) for i in items), key=lambda f: (f.item.first_seen_at, f.item.article_id))
    counts = LinkCounts(articles=len(fresh))
    left: list[int] = []  # stories an article moved out of
    if fresh:
        cur.execute(query("link_lock"), {"key": LINK_LOCK_KEY})
        batch = _load(cur, fresh, thresholds)
        for f in fresh:
            _decide(f, batch, thresholds, counts)
        story_ids = _create_stories(cur, batch)
        _write(cur, fresh, batch, story_ids)
        left = sorted(batch.emptied)
    ids = sorted({*seen_ids, *(f.item.article_id for f in fresh)})
    if ids:
        cur.execute(query("refresh_stories"), {"ids": ids, "story_ids": left})
    return counts


def _load(cur: Any, fresh: list[_Fresh], thresholds: Thresholds) -> _Batch:
    """Read every candidate of the batch through the LSH indexes, and the batch's own stored state."""
    body_keys = sorted({k for f in fresh for k in f.body_keys})
    windows = sorted({(k, f.linked.event_at - thresholds.window, f.linked.event_at + thresholds.window)
                      for f in fresh for k in f.story_keys})
    cur.execute(query("link_candidates"), {
        "body_keys": body_keys, "story_keys": [w[0] for w in windows], "los": [w[1] for w in windows],
        "his": [w[2] for w in windows], "limit": thresholds.crowded + 1})
    hits: dict[tuple[str, int, Any], set[int]] = {}
    for kind, key, lo, article_id in cur.fetchall():
        hits.setdefault((kind, key, lo), set()).add(article_id)
    by_key: dict[int, set[int]] = {}
    for (kind, key, _), ids in hits.items():
        # A story key shared by that many articles is a common word: useless, ignored. A body key
        # shared by that many is a widely syndicated text: its newest holders are copies that
        # lead to the original through duplicate_of, so the truncated list still finds it.
        if kind == "body" or len(ids) <= thresholds.crowded:
            by_key.setdefault(key, set()).update(ids)
    own = [f.item.article_id for f in fresh]
    cur.execute(query("linked_articles"), {"ids": sorted({*own, *(i for s in by_key.values() for i in s)})})
    known: dict[int, Linked] = {}
    for row in cur.fetchall():
        known[row[0]] = _linked(row)
    for f in fresh:  # a revised article was first seen when it was stored, not now
        if f.item.article_id in known:
            first = known[f.item.article_id].first_seen_at
            f.linked = replace(f.linked, first_seen_at=first,
                               event_at=stories.event_time(f.item.published_at, first))
    old_keys = {aid: (dedup.Fingerprint(known[aid].body_signature, 0).band_keys,
                      stories.story_band_keys(known[aid].story_terms))
                for aid in own if aid in known and (known[aid].body_signature is not None
                                                    or known[aid].story_terms is not None)}
    return _Batch(known, old_keys, by_key)


def _linked(row: tuple[Any, ...]) -> Linked:
    """Return a Linked from a linked_articles row."""
    aid, source, title, first_seen, event_at, body_sig, terms, story_id, duplicate_of = row
    return Linked(aid, source, title, first_seen, event_at or first_seen,
                  dedup.signature_from_bytes(body_sig), dedup.signature_from_bytes(terms),
                  story_id, duplicate_of)


def _decide(f: _Fresh, batch: _Batch, thresholds: Thresholds, counts: LinkCounts) -> None:
    """Decide where `f` belongs, record it in the batch so later articles of the batch can match it."""
    aid = f.item.article_id
    ids = {i for k in (*f.body_keys, *f.story_keys) for i in batch.by_key.get(k, ())} - {aid}
    candidates = [batch.known[i] for i in sorted(ids) if i in batch.known]
    decision = stories.decide(f.linked, candidates, thresholds)
    before = batch.known.get(aid)
    story_id = decision.story_id
    if decision.duplicate_of is None and before is not None and before.story_id is not None:
        story_id = before.story_id  # a revised article keeps its story unless it became a copy
    if story_id is None:
        story_id = -(len(batch.new_stories) + 1)
        batch.new_stories[story_id] = f.item.title
        counts.new_stories += 1
    elif decision.duplicate_of is None and (before is None or before.story_id != story_id):
        counts.joined += 1
    if decision.duplicate_of is not None:
        counts.duplicates += 1
    if before is not None and before.story_id is not None and before.story_id != story_id:
        batch.emptied.add(before.story_id)
    linked = replace(f.linked, story_id=story_id, duplicate_of=decision.duplicate_of)
    batch.known[aid] = linked
    _adopt(batch, decision.adopted, aid, story_id, counts)
    batch.decided.append(linked)
    for k in (*f.body_keys, *f.story_keys):
        batch.by_key.setdefault(k, set()).add(aid)


def _adopt(batch: _Batch, adopted: tuple[int, ...], original: int, story_id: int, counts: LinkCounts) -> None:
    """Make the `adopted` originals, and their copies, copies of `original` in its story."""
    for old in adopted:
        batch.adoptions.append((old, original, story_id))
        counts.duplicates += 1
        for aid, other in list(batch.known.items()):
            if aid == old or other.duplicate_of == old:
                if other.story_id is not None and other.story_id != story_id:
                    batch.emptied.add(other.story_id)
                batch.known[aid] = replace(other, duplicate_of=original, story_id=story_id)


def _create_stories(cur: Any, batch: _Batch) -> dict[int, int]:
    """Insert the batch's new stories; return placeholder id -> real id."""
    if not batch.new_stories:
        return {}
    placeholders = sorted(batch.new_stories, reverse=True)  # -1, -2, ...
    cur.execute(query("allocate_story_ids"), {"n": len(placeholders)})
    real = [row[0] for row in cur.fetchall()]
    mapping = dict(zip(placeholders, real, strict=True))
    execute_rows(cur, "insert_stories", [StoryRow(mapping[p], batch.new_stories[p]) for p in placeholders])
    return mapping


def _write(cur: Any, fresh: list[_Fresh], batch: _Batch, story_ids: dict[int, int]) -> None:
    """Write the batch's band keys, fingerprints and links (old keys of revised articles removed first)."""
    old_body = [BandRow(k, aid) for aid, (body, _) in batch.old_keys.items() for k in body]
    old_story = [BandRow(k, aid) for aid, (_, story) in batch.old_keys.items() for k in story]
    execute_rows(cur, "delete_dedup_bands", sorted(old_body))
    execute_rows(cur, "delete_story_bands", sorted(old_story))
    body_rows = sorted({BandRow(k, f.item.article_id) for f in fresh for k in f.body_keys})
    execute_rows(cur, "insert_dedup_bands", body_rows)
    story_rows = sorted(StoryBandRow(k, f.linked.event_at, f.item.article_id) for f in fresh for k in f.story_keys)
    execute_rows(cur, "insert_story_bands", story_rows)
    execute_rows(cur, "upsert_fingerprints", [
        FingerprintRow(f.item.article_id, dedup.signature_bytes(f.linked.body_signature),
                       dedup.signature_bytes(f.linked.story_terms), f.shingle_count, f.linked.event_at)
        for f in fresh])
    links = sorted(LinkRow(d.article_id, story_ids.get(d.story_id, d.story_id), d.duplicate_of)  # type: ignore[arg-type]
                   for d in batch.decided)
    execute_rows(cur, "set_article_links", links)
    adoptions = [AdoptionRow(old, new, story_ids.get(story, story)) for old, new, story in batch.adoptions]
    execute_rows(cur, "adopt_copies", adoptions)
    batch.emptied = {story_ids.get(story, story) for story in batch.emptied}
    if batch.emptied:
        cur.execute(query("delete_empty_stories"), {"ids": sorted(batch.emptied)})


def relink(conn: Any, thresholds: Thresholds, batch_size: int = 1000,
           progress: Callable[[int, int, LinkCounts], None] | None = None) -> LinkCounts:
    """Rebuild all fingerprints, copies and stories from the stored articles, oldest first; return the counts.

    The reset is one transaction, then each batch is one; an interrupted run
    is finished by running it again (it starts over). Story ids are new.
    """
    with transaction(conn, "resetting dedup and story links") as cur:
        cur.execute(query("link_lock"), {"key": LINK_LOCK_KEY})
        cur.execute(query("reset_links"))
        cur.execute(query("count_articles"))
        total = cur.fetchone()[0]
    counts = LinkCounts()
    after: tuple[Any, int] = ("-infinity", 0)
    while True:
        with transaction(conn, "relinking articles") as cur:
            cur.execute(query("articles_to_relink"), {"after_time": after[0], "after_id": after[1],
                                                      "limit": batch_size})
            items = [ToLink(*row) for row in cur.fetchall()]
            if not items:
                break
            counts.add(link_articles(cur, items, thresholds=thresholds))
        after = (items[-1].first_seen_at, items[-1].article_id)
        if progress:
            progress(counts.articles, total, counts)
    return counts
