"""The database edge of dedup and stories: indexes, word frequencies and story centroids in PostgreSQL.

`link_articles` runs inside the store transaction with a fixed number of round
trips per batch (about fifteen, whatever the batch size): the batch's own stored
state; the document frequencies of its words, updated with the words of the
articles new to linking; one index lookup for all candidates of the batch (copy
candidates through the body band keys, story candidates through the key-term
index within the window, each key read with a LIMIT, so a key that every page
shares costs no more than any other); the candidates' signatures and the
candidate stories' centroids; then batched writes. Every read is by key or a
bounded index range, so the cost per article does not grow with the archive.
The decisions are made by the pure `scraper.policy.stories`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from scraper.policy import dedup, stories, terms
from scraper.policy.stories import Linked, Story, Thresholds, Vector
from scraper.storage.db import execute_rows, query, transaction
from scraper.storage.linking_rows import (
    AdoptionRow,
    BandRow,
    CentroidRow,
    FingerprintRow,
    KeyRef,
    KeyRow,
    LinkRow,
    MergeRow,
    SourceRow,
    SourceTermRow,
    StoryRow,
    TermRow,
)

# Linking reads the index, decides, then writes it: two crawls linking at once
# could each miss the other's copy. One transaction-scoped lock serialises
# that step (a batch holds it for milliseconds). Arbitrary constant: "scraper link".
LINK_LOCK_KEY = 0x5C12A9E0004


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
    merged: int = 0  # stories merged into an older one

    def add(self, other: LinkCounts) -> None:
        """Add `other`'s counts to these (returns None)."""
        self.articles += other.articles
        self.duplicates += other.duplicates
        self.new_stories += other.new_stories
        self.joined += other.joined
        self.merged += other.merged


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
    """One article being linked: its fingerprint, event terms, and (once weighed) vector and key terms."""

    item: ToLink
    linked: Linked
    terms: terms.Terms
    body_keys: list[int]
    shingle_count: int
    vector: Vector = stories.EMPTY
    keys: list[int] = field(default_factory=list)


def _fresh(item: ToLink) -> _Fresh:
    """Return the fingerprint and event terms of an article to link."""
    fp = dedup.fingerprint(item.body)
    linked = Linked(item.article_id, item.source, item.title, item.first_seen_at,
                    stories.event_time(item.published_at, item.first_seen_at), fp.signature)
    return _Fresh(item, linked, terms.event_terms(item.title, item.body), fp.band_keys, fp.shingle_count)


@dataclass
class _Batch:
    """The batch's state while deciding: candidates, stories, decisions."""

    known: dict[int, Linked]  # article id -> what the database says (fingerprint, links)
    before: dict[int, tuple[list[int], Vector]]  # batch article linked before -> its body keys, vector
    by_key: dict[int, set[int]] = field(default_factory=dict)  # body band key -> article ids
    by_term: dict[int, set[int]] = field(default_factory=dict)  # key term -> story ids
    stories: dict[int, Story] = field(default_factory=dict)  # live stories (placeholders < 0 are new)
    touched: set[int] = field(default_factory=set)  # stories whose centroid changed
    merged: dict[int, int] = field(default_factory=dict)  # story merged in this batch -> the one kept
    new_stories: dict[int, tuple[str, int]] = field(default_factory=dict)  # placeholder -> (title, first article)
    decided: list[Linked] = field(default_factory=list)
    emptied: set[int] = field(default_factory=set)  # stories an article left
    adoptions: list[tuple[int, int, int]] = field(default_factory=list)  # (old original, new original, story)

    def live(self, story_id: int) -> int:
        """Return the story a story id stands for now (following this batch's merges)."""
        while story_id in self.merged:
            story_id = self.merged[story_id]
        return story_id


def link_articles(cur: Any, items: Sequence[ToLink], seen_ids: Iterable[int] = (),
                  thresholds: Thresholds | None = None, *, relinking: bool = False) -> LinkCounts:
    """Fingerprint `items`, record copies, stories and merges, refresh the stories of `seen_ids` too; return counts."""
    thresholds = thresholds or configured_thresholds()
    fresh = sorted((_fresh(i) for i in items), key=lambda f: (f.item.first_seen_at, f.item.article_id))
    counts = LinkCounts(articles=len(fresh))
    touched: list[int] = []  # stories an article moved out of, or that absorbed another
    if fresh:
        cur.execute(query("link_lock"), {"key": LINK_LOCK_KEY})
        batch = _load_own(cur, fresh)
        _weigh(cur, fresh, batch)
        _load_candidates(cur, fresh, batch, thresholds)
        for f in fresh:
            _decide(f, batch, thresholds, counts)
        story_ids = _create_stories(cur, batch, relinking)
        touched = _write(cur, fresh, batch, story_ids)
    ids = sorted({*seen_ids, *(f.item.article_id for f in fresh)})
    if ids:
        cur.execute(query("refresh_stories"), {"ids": ids, "story_ids": touched})
    return counts


def _load_own(cur: Any, fresh: list[_Fresh]) -> _Batch:
    """Read what the database holds of the batch's own articles (revised ones were linked before)."""
    cur.execute(query("linked_articles"), {"ids": [f.item.article_id for f in fresh]})
    known: dict[int, Linked] = {}
    before: dict[int, tuple[list[int], Vector]] = {}
    for row in cur.fetchall():
        linked, vector = _linked(row)
        known[linked.article_id] = linked
        if vector is not None:
            before[linked.article_id] = (dedup.Fingerprint(linked.body_signature, 0).band_keys, vector)
    for f in fresh:  # a revised article was first seen when it was stored, not now
        if f.item.article_id in known:
            first = known[f.item.article_id].first_seen_at
            f.linked = replace(f.linked, first_seen_at=first,
                               event_at=stories.event_time(f.item.published_at, first))
    return _Batch(known, before)


def _linked(row: tuple[Any, ...]) -> tuple[Linked, Vector | None]:
    """Return a Linked from a linked_articles row, and its stored vector (None: never linked)."""
    aid, source, title, first_seen, event_at, body_sig, vector, story_id, duplicate_of = row
    linked = Linked(aid, source, title, first_seen, event_at or first_seen,
                    dedup.signature_from_bytes(body_sig), story_id, duplicate_of)
    return linked, (stories.vector_from_bytes(vector) if event_at is not None else None)


def _weigh(cur: Any, fresh: list[_Fresh], batch: _Batch) -> None:
    """Count the words of the articles new to linking (overall and per source), then weigh every article's terms.

    The counting statements return the frequencies they leave; only the words
    of revised articles that no new article holds are read apart.
    """
    new = [f for f in fresh if f.item.article_id not in batch.before]
    words = terms.document_words(f.terms for f in new)
    df = dict(execute_rows(cur, "count_terms", [TermRow(w, n) for w, n in sorted(words.items())], fetch=True))
    cur.execute(query("count_articles_linked"), {"n": len(new)})
    total = cur.fetchone()[0]
    missing = sorted({int(w) for f in fresh for w in f.terms.words.tolist()} - df.keys())
    if missing:
        cur.execute(query("term_frequencies"), {"terms": missing})
        df.update(cur.fetchall())
    rarity = terms.Rarity(df, total)
    own = _source_rarities(cur, fresh, new)
    for f in fresh:
        f.vector = stories.weigh(f.terms, rarity, own.get(f.item.source))
        f.keys = stories.key_terms(f.vector)


def _source_rarities(cur: Any, fresh: list[_Fresh], new: list[_Fresh]) -> dict[str, terms.Rarity]:
    """Count the new articles' words per source; return each batch source's word frequencies among its articles."""
    by_source: dict[str, list[terms.Terms]] = {}
    for f in new:
        by_source.setdefault(f.item.source, []).append(f.terms)
    got = execute_rows(cur, "count_source_terms", sorted(
        SourceTermRow(src, w, n) for src, ts in by_source.items() for w, n in terms.document_words(ts).items()),
        fetch=True)
    got += execute_rows(cur, "count_source_articles", sorted(SourceRow(s, len(ts)) for s, ts in by_source.items()),
                        fetch=True)
    pairs = {(f.item.source, int(w)) for f in fresh for w in f.terms.words.tolist()}
    missing = sorted(pairs - {(s, t) for s, t, _ in got if t is not None})
    if missing:
        cur.execute(query("source_frequencies"), {"source": [p[0] for p in missing], "term": [p[1] for p in missing]})
        got += cur.fetchall()
    df: dict[str, dict[int, int]] = {}
    totals: dict[str, int] = {}
    for source, term, n in got:
        if term is None:
            totals[source] = n
        else:
            df.setdefault(source, {})[term] = n
    return {source: terms.Rarity(df.get(source, {}), n) for source, n in totals.items()}


def _load_candidates(cur: Any, fresh: list[_Fresh], batch: _Batch, thresholds: Thresholds) -> None:
    """Read copy candidates through the body bands, story candidates through the key terms, and their centroids."""
    body_keys = sorted({k for f in fresh for k in f.body_keys})
    windows = sorted({(k, f.linked.event_at - thresholds.window, f.linked.event_at + thresholds.window)
                      for f in fresh for k in f.keys})
    cur.execute(query("link_candidates"), {
        "body_keys": body_keys, "terms": [w[0] for w in windows], "los": [w[1] for w in windows],
        "his": [w[2] for w in windows], "limit": thresholds.crowded})
    for kind, key, article_id, story_id in cur.fetchall():
        if kind == "body":
            batch.by_key.setdefault(key, set()).add(article_id)
        elif story_id is not None:
            batch.by_term.setdefault(key, set()).add(story_id)
    own = {f.item.article_id for f in fresh}
    others = sorted({i for s in batch.by_key.values() for i in s} - own)
    cur.execute(query("linked_articles"), {"ids": others})
    batch.known.update((row[0], _linked(row)[0]) for row in cur.fetchall())
    wanted = {s for f in fresh for s in stories.shortlist(s for k in f.keys for s in batch.by_term.get(k, ()))}
    wanted |= {batch.known[i].story_id for i in batch.known if batch.known[i].story_id is not None}  # type: ignore[misc]
    cur.execute(query("story_centroids"), {"ids": sorted(wanted)})
    for sid, centroid, first, last, n in cur.fetchall():
        batch.stories[sid] = Story(sid, stories.vector_from_bytes(centroid), first, last, n)


def _decide(f: _Fresh, batch: _Batch, thresholds: Thresholds, counts: LinkCounts) -> None:
    """Decide where `f` belongs, record it in the batch so later articles of the batch can match it."""
    aid = f.item.article_id
    ids = {i for k in f.body_keys for i in batch.by_key.get(k, ())} - {aid}
    decision = stories.decide(f.linked, [batch.known[i] for i in sorted(ids) if i in batch.known], thresholds)
    before = batch.known.get(aid)
    story_id = batch.live(decision.story_id) if decision.story_id is not None else None
    if decision.duplicate_of is None and before is not None and before.story_id is not None:
        story_id = batch.live(before.story_id)  # a revised article keeps its story unless it became a copy
    if story_id is None and decision.duplicate_of is None:
        story_id = _place(f, batch, thresholds, counts)
    elif story_id is not None and decision.duplicate_of is None and (before is None or before.story_id != story_id):
        counts.joined += 1
    if story_id is None:
        story_id = _new_story(batch, f, counts)
    _join(batch, story_id, f, aid in batch.before and before is not None and before.story_id == story_id)
    if decision.duplicate_of is not None:
        counts.duplicates += 1
    if before is not None and before.story_id is not None and batch.live(before.story_id) != story_id:
        batch.emptied.add(before.story_id)
    linked = replace(f.linked, story_id=story_id, duplicate_of=decision.duplicate_of)
    batch.known[aid] = linked
    _adopt(batch, decision.adopted, aid, story_id, counts)
    batch.decided.append(linked)
    for k in f.body_keys:
        batch.by_key.setdefault(k, set()).add(aid)
    for k in f.keys:
        batch.by_term.setdefault(k, set()).add(story_id)


def _place(f: _Fresh, batch: _Batch, thresholds: Thresholds, counts: LinkCounts) -> int | None:
    """Return the story the article joins (merging the stories it bridges), None for a new one."""
    sids = stories.shortlist(s for k in f.keys for s in {batch.live(s) for s in batch.by_term.get(k, ())})
    candidates = [batch.stories[s] for s in sorted(sids) if s in batch.stories]
    placement = stories.place(f.vector, f.linked.event_at, candidates, thresholds)
    if placement.story_id is None:
        return None
    counts.joined += 1
    kept = placement.story_id
    for other in placement.merged:
        older, younger = sorted((batch.stories[kept], batch.stories[other]),
                                key=lambda s: (s.first_at, s.story_id < 0, abs(s.story_id)))
        batch.stories[older.story_id] = older.absorb(younger)
        del batch.stories[younger.story_id]
        batch.merged[younger.story_id] = older.story_id
        counts.merged += 1
        kept = older.story_id
    return kept


def _new_story(batch: _Batch, f: _Fresh, counts: LinkCounts) -> int:
    """Return the placeholder id of a new story started by `f`."""
    story_id = -(len(batch.new_stories) + 1)
    batch.new_stories[story_id] = (f.item.title, f.item.article_id)
    counts.new_stories += 1
    return story_id


def _join(batch: _Batch, story_id: int, f: _Fresh, revised: bool) -> None:
    """Add the article's vector to its story's centroid (replacing its old vector when it is a revision)."""
    at = f.linked.event_at
    batch.touched.add(story_id)
    story = batch.stories.get(story_id)
    if story is None:  # new, or linked before stories had centroids
        batch.stories[story_id] = stories.story_of(story_id, [(f.vector, at)])
    elif revised:
        batch.stories[story_id] = story.revise(batch.before[f.item.article_id][1], f.vector)
    else:
        batch.stories[story_id] = story.add(f.vector, at)


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


def _create_stories(cur: Any, batch: _Batch, relinking: bool) -> dict[int, int]:
    """Insert the batch's new stories (not merged away); return placeholder id -> real id.

    During a relink a new story takes back the id its first article's story had.
    """
    placeholders = sorted((p for p in batch.new_stories if p not in batch.merged), reverse=True)
    if not placeholders:
        return {}
    previous: dict[int, int] = {}
    if relinking:
        cur.execute(query("previous_story_ids"), {"ids": [batch.new_stories[p][1] for p in placeholders]})
        previous = dict(cur.fetchall())
    mapping: dict[int, int] = {}
    taken: set[int] = set()
    for p in placeholders:
        old = previous.get(batch.new_stories[p][1])
        if old is not None and old not in taken and old not in batch.stories:
            mapping[p] = old
            taken.add(old)
    fresh = [p for p in placeholders if p not in mapping]
    if fresh:
        cur.execute(query("allocate_story_ids"), {"n": len(fresh)})
        mapping.update(zip(fresh, (row[0] for row in cur.fetchall()), strict=True))
    execute_rows(cur, "insert_stories", [StoryRow(mapping[p], batch.new_stories[p][0]) for p in placeholders])
    return mapping


def _write(cur: Any, fresh: list[_Fresh], batch: _Batch, story_ids: dict[int, int]) -> list[int]:
    """Write the batch's index rows, fingerprints, links, merges and centroids; return the stories to refresh."""
    def real(story_id: int) -> int:
        story_id = batch.live(story_id)
        return story_ids.get(story_id, story_id)

    old_body = [BandRow(k, aid) for aid, (body, _) in batch.before.items() for k in body]
    old_keys = [KeyRef(int(k), aid) for aid, (_, vec) in batch.before.items() for k in stories.key_terms(vec)]
    execute_rows(cur, "delete_dedup_bands", sorted(old_body))
    execute_rows(cur, "delete_story_keys", sorted(old_keys))
    execute_rows(cur, "insert_dedup_bands", sorted({BandRow(k, f.item.article_id) for f in fresh for k in f.body_keys}))
    execute_rows(cur, "insert_story_keys", sorted(KeyRow(k, f.linked.event_at, f.item.article_id)
                                                  for f in fresh for k in f.keys))
    execute_rows(cur, "upsert_fingerprints", [
        FingerprintRow(f.item.article_id, dedup.signature_bytes(f.linked.body_signature),
                       stories.vector_bytes(f.vector), f.shingle_count, f.linked.event_at) for f in fresh])
    links = sorted(LinkRow(d.article_id, real(d.story_id), d.duplicate_of)  # type: ignore[arg-type]
                   for d in batch.decided)
    execute_rows(cur, "set_article_links", links)
    execute_rows(cur, "adopt_copies", [AdoptionRow(old, new, real(story)) for old, new, story in batch.adoptions])
    merges = sorted(MergeRow(gone, real(gone)) for gone in batch.merged if gone > 0)
    execute_rows(cur, "merge_stories", merges)
    changed = sorted({real(s) for s in batch.touched}, key=abs)
    live = {real(s.story_id): s for s in batch.stories.values()}
    execute_rows(cur, "upsert_centroids", [
        CentroidRow(sid, stories.vector_bytes(live[sid].centroid), live[sid].first_at, live[sid].last_at,
                    live[sid].size) for sid in changed])
    emptied = sorted({real(s) for s in batch.emptied} | {s for s in batch.emptied if s > 0})
    if emptied:
        cur.execute(query("delete_empty_stories"), {"ids": emptied})
    return sorted({*emptied, *(m.kept for m in merges)})


def relink(conn: Any, thresholds: Thresholds, batch_size: int = 1000,
           progress: Callable[[int, int, LinkCounts], None] | None = None) -> LinkCounts:
    """Rebuild all fingerprints, copies and stories from the stored articles, oldest first; return the counts.

    The reset is one transaction, then each batch is one; an interrupted run
    is finished by running it again (it starts over). Story ids stay: a
    rebuilt story takes the id of its earliest article's story, and a story
    that is not rebuilt points (merged_into) to where its earliest article went.
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
            counts.add(link_articles(cur, items, thresholds=thresholds, relinking=True))
        after = (items[-1].first_seen_at, items[-1].article_id)
        if progress:
            progress(counts.articles, total, counts)
    with transaction(conn, "finishing the relink") as cur:
        cur.execute(query("link_lock"), {"key": LINK_LOCK_KEY})
        cur.execute(query("finish_relink"))
    return counts
