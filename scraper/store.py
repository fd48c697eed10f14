"""Storing fetched pages: articles, their versions and addresses, headlines and sightings.

One call to store_pages() is one transaction and a fixed number of round
trips (about ten) whatever the number of pages: the planning happens in
Python, the writes are batched with execute_values.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg2.extras import execute_values

from scraper.db import query, transaction
from scraper.extraction.model import Article
from scraper.extraction.urls import canonical_url
from scraper.linking import ToLink, link_articles

log = logging.getLogger(__name__)
PAGE_SIZE = 5000  # rows per execute_values statement: one statement for any realistic batch


@dataclass(frozen=True)
class FetchedPage:
    """One article page as fetched and extracted."""

    source: str
    requested_url: str  # the address the crawler asked for (raw)
    final_url: str  # after redirects (raw)
    article: Article  # extraction result; article.url is the canonical URL
    fetched_at: datetime  # tz-aware


@dataclass
class StoreCounts:
    """Pages stored, by what they did to the database."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # pages that were not articles (Article.is_article False): nothing stored

    def add(self, other: StoreCounts) -> None:
        """Add `other`'s counts to these (returns None)."""
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped += other.skipped


def clean(text: str | None) -> str | None:
    """Return `text` without NUL bytes, which PostgreSQL text cannot hold."""
    return text.replace("\x00", "") if text else text


def content_hash(title: str, body: str) -> str:
    """Return the sha256 hex of title and body with whitespace normalised, so reflowed text is not a revision."""
    normalised = " ".join(title.split()) + "\n\n" + " ".join(body.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@dataclass
class _Page:
    """A FetchedPage cleaned for storage."""

    page: FetchedPage
    url: str
    urls: list[str]  # article.url first: it decides which article an ambiguous page belongs to
    title: str
    body: str
    hash: str
    authors: list[str]


@dataclass
class _Plan:
    """What one article of the batch needs written."""

    key: str  # articles.url of a new article, or "#<id>" for an existing one
    pages: list[_Page] = field(default_factory=list)
    article_id: int | None = None
    stored_hash: str | None = None


def _prepare(page: FetchedPage) -> _Page:
    """Return the page with NUL bytes removed, its address set and its content hash."""
    art = page.article
    url = clean(art.url) or canonical_url(clean(page.final_url) or "")
    urls: list[str] = []
    for raw in (url, page.final_url, page.requested_url):
        raw = clean(raw) or ""
        for candidate in (canonical_url(raw), raw) if raw else ():
            if candidate and candidate not in urls:
                urls.append(candidate)
    title, body = clean(art.title) or "", clean(art.body) or ""
    authors = [a for a in (clean(x) for x in art.authors) if a]
    return _Page(page, url, urls, title, body, content_hash(title, body), authors)


def _group(pages: list[_Page], known: dict[str, tuple[int, str]]) -> list[_Plan]:
    """Return one plan per distinct article: pages sharing an address, or a stored article's alias, go together."""
    plans: dict[str, _Plan] = {}
    owner: dict[str, str] = {}  # address -> plan key, for addresses first seen in this batch
    for p in pages:
        key = None
        for url in p.urls:
            if url in known:
                key = f"#{known[url][0]}"
                plans.setdefault(key, _Plan(key, article_id=known[url][0], stored_hash=known[url][1]))
                break
            if url in owner:
                key = owner[url]
                break
        if key is None:
            key = p.url
            plans[key] = _Plan(key)
        plans[key].pages.append(p)
        for url in p.urls:
            owner.setdefault(url, key)
    return list(plans.values())


def _walk(plan: _Plan, counts: StoreCounts) -> list[_Page]:
    """Count the plan's pages as new/updated/unchanged in fetch order; return those that are new versions."""
    versions: list[_Page] = []
    current = plan.stored_hash
    for p in plan.pages:
        if current is None:
            counts.new += 1
        elif p.hash != current:
            counts.updated += 1
        else:
            counts.unchanged += 1
        if p.hash != current:
            versions.append(p)
            current = p.hash
    return versions


def store_pages(conn: Any, pages: Sequence[FetchedPage], *, link: bool = True) -> StoreCounts:
    """Store a batch of fetched pages in one transaction; return how many were new, updated, unchanged.

    With `link` (the default) new and changed articles are also fingerprinted and
    placed in stories in the same transaction (scraper.linking); False is for
    measuring the cost of that step.
    """
    counts = StoreCounts()
    prepared = [_prepare(p) for p in pages if p.article.is_article]
    counts.skipped = len(pages) - len(prepared)
    if not prepared:
        return counts
    # Fetch order decides version order, also for duplicates within the batch.
    prepared.sort(key=lambda p: p.page.fetched_at)
    with transaction(conn, f"storing {len(prepared)} pages") as cur:
        all_urls = sorted({u for p in prepared for u in p.urls})
        cur.execute(query("find_articles_by_url"), {"urls": all_urls})
        known = {url: (article_id, digest) for url, article_id, digest in cur.fetchall()}
        plans = _group(prepared, known)
        _insert_new_articles(cur, [pl for pl in plans if pl.article_id is None])
        versions = _update_articles(cur, plans, counts)
        _insert_versions(cur, versions)
        _insert_urls(cur, plans)
        cur.execute(query("link_headlines"), {"urls": all_urls})
        _store_headlines(cur, plans)
        if link:
            _link(cur, versions, plans)
    return counts


def _link(cur: Any, versions: list[tuple[int, _Page]], plans: list[_Plan]) -> None:
    """Link the batch's new content to copies and stories; a failure there loses the links, never the articles.

    `scraper relink` restores links that were skipped.
    """
    cur.execute("SAVEPOINT linking")
    try:
        link_articles(cur, _to_link(versions), [pl.article_id for pl in plans if pl.article_id])
    except Exception:
        log.exception("linking %d articles failed; they are stored unlinked (scraper relink links them)",
                      len(versions))
        cur.execute("ROLLBACK TO SAVEPOINT linking")
    else:
        cur.execute("RELEASE SAVEPOINT linking")


def _to_link(versions: list[tuple[int, _Page]]) -> list[ToLink]:
    """Return the latest new content of each article, for dedup and story linking."""
    latest = {aid: p for aid, p in versions}
    return [ToLink(aid, clean(p.page.source) or "", p.title, p.body, p.page.article.published_at,
                   p.page.fetched_at) for aid, p in sorted(latest.items())]


def _insert_new_articles(cur: Any, plans: list[_Plan]) -> None:
    """Insert the batch's new articles with their latest content; set plan.article_id (and stored_hash on a race)."""
    if not plans:
        return
    rows = []
    for pl in sorted(plans, key=lambda pl: pl.key):  # one lock order for concurrent crawls
        first, last = pl.pages[0], pl.pages[-1]
        art = last.page.article
        rows.append((pl.key, clean(last.page.source), last.title, last.body, last.hash,
                     art.published_at, last.authors, clean(art.language), clean(art.image_url),
                     art.paywalled, first.page.fetched_at, last.page.fetched_at, _changed_at(pl)))
    by_key = {pl.key: pl for pl in plans}
    for article_id, url, digest, inserted in execute_values(
        cur, query("insert_articles"), rows, page_size=PAGE_SIZE, fetch=True
    ):
        by_key[url].article_id = article_id
        if not inserted:  # another crawl stored it first: compare against its content
            by_key[url].stored_hash = digest
        else:
            by_key[url].stored_hash = None


def _changed_at(plan: _Plan) -> datetime:
    """Return the fetch time of the first page showing the plan's final content."""
    pages = plan.pages
    i = len(pages) - 1
    while i > 0 and pages[i - 1].hash == pages[-1].hash:
        i -= 1
    return pages[i].page.fetched_at


def _update_articles(cur: Any, plans: list[_Plan], counts: StoreCounts) -> list[tuple[int, _Page]]:
    """Update changed articles, bump last_seen_at of the others; return (article_id, page) per new version."""
    changed: list[tuple[Any, ...]] = []
    touched: list[tuple[int, datetime]] = []
    versions: list[tuple[int, _Page]] = []
    for pl in plans:
        assert pl.article_id is not None
        pages = _walk(pl, counts)
        versions.extend((pl.article_id, p) for p in pages)
        last_seen = pl.pages[-1].page.fetched_at
        if pl.stored_hash is not None and pages:
            p = pages[-1]
            art = p.page.article
            changed.append((pl.article_id, p.title, p.body, p.hash, art.published_at, p.authors,
                            clean(art.language), clean(art.image_url), art.paywalled,
                            p.page.fetched_at, last_seen))
        elif pl.stored_hash is not None:
            touched.append((pl.article_id, last_seen))
    template = "(%s::bigint, %s, %s, %s, %s::timestamptz, %s::text[], %s, %s, %s::boolean, %s::timestamptz, %s::timestamptz)"
    _values(cur, "update_changed_articles", sorted(changed), template)
    _values(cur, "touch_articles", sorted(touched), "(%s::bigint, %s::timestamptz)")
    return versions


def _insert_versions(cur: Any, versions: list[tuple[int, _Page]]) -> None:
    """Insert one article_versions row per new content, numbered in fetch order."""
    rows = [(aid, p.title, p.body, p.hash, p.page.fetched_at, i) for i, (aid, p) in enumerate(versions)]
    _values(cur, "insert_article_versions", rows, "(%s::bigint, %s, %s, %s, %s::timestamptz, %s::int)")


def _insert_urls(cur: Any, plans: list[_Plan]) -> None:
    """Record every address of every page as an alias of its article (first article wins)."""
    rows: dict[str, tuple[str, int, datetime]] = {}
    for pl in plans:
        for p in pl.pages:
            for url in p.urls:
                rows.setdefault(url, (url, pl.article_id, p.page.fetched_at))  # type: ignore[arg-type]
    _values(cur, "insert_article_urls", [rows[u] for u in sorted(rows)])


def _store_headlines(cur: Any, plans: list[_Plan]) -> None:
    """Upsert the sidebar headlines of every page and record each sighting."""
    latest: dict[str, tuple[str, str, datetime]] = {}
    slots: list[tuple[str, int, datetime, int, str]] = []
    for pl in plans:
        for p in pl.pages:
            for title, url, position in _headlines(p):
                seen = p.page.fetched_at
                if url not in latest or latest[url][2] <= seen:
                    latest[url] = (title, url, seen)
                slots.append((url, pl.article_id, seen, position, title))  # type: ignore[arg-type]
    if not latest:
        return
    rows = [latest[u] for u in sorted(latest)]
    ids = dict((url, hid) for hid, url in execute_values(
        cur, query("upsert_headlines"), rows, template="(%s, %s, %s::timestamptz)",
        page_size=PAGE_SIZE, fetch=True))
    sightings = {(aid, seen, pos): (ids[url], aid, seen, pos, title) for url, aid, seen, pos, title in slots}
    _values(cur, "insert_headline_sightings", [sightings[k] for k in sorted(sightings)])


def _headlines(p: _Page) -> Iterable[tuple[str, str, int]]:
    """Yield (title, canonical url, position) for the page's headlines that have an address."""
    position = 0
    for h in p.page.article.headlines:
        url = canonical_url(clean(h.url) or "")
        if not url:
            continue
        yield clean(h.title) or "", url, position
        position += 1


def _values(cur: Any, name: str, rows: list[tuple[Any, ...]], template: str | None = None) -> None:
    """Run the named execute_values statement over `rows`, if there are any."""
    if rows:
        execute_values(cur, query(name), rows, template=template, page_size=PAGE_SIZE)
