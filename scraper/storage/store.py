"""Storing fetched pages: articles, their versions and addresses, headlines and sightings.

One call to store_pages() is one transaction and a fixed number of round
trips (about ten) whatever the number of pages: the planning happens in
Python, each kind of write is one statement over arrays (db.execute_rows).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from scraper.extraction.model import Article
from scraper.extraction.urls import canonical_url, url_forms, url_key
from scraper.policy.revisions import (
    Change,
    content_fingerprint,
    describe_change,
    fingerprint_digest,
    fingerprint_text,
)
from scraper.policy.revisit import DEFAULT_POLICY, RevisitPolicy, next_visit
from scraper.storage.db import execute_rows, query, storable, transaction
from scraper.storage.linking import ToLink, link_articles

log = logging.getLogger(__name__)
# Longer addresses are not kept: a page may claim any rel=canonical or link any href, and a
# 10 KB address exceeds PostgreSQL's index row size, failing the whole batch. Scrapy does not
# fetch addresses longer than 2083 characters (URLLENGTH_LIMIT) either.
MAX_URL_LENGTH = 2083
# A page naming no other canonical address joins a stored article of its source with the same
# fingerprint only when its text is at least this long: short or boilerplate-only pages stay apart.
CONTENT_MATCH_MIN_WORDS = 80


@dataclass(frozen=True)
class FetchedPage:
    """One article page as fetched and extracted."""

    source: str
    requested_url: str  # the address the crawler asked for (raw)
    final_url: str  # after redirects (raw)
    article: Article  # extraction result; article.url is the canonical URL
    fetched_at: datetime  # tz-aware
    aliases: tuple[str, ...] = ()  # other addresses the page was listed under (raw), e.g. with ?utm_


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




class ArticleRow(NamedTuple):
    """One new article (insert_articles); authors as a JSON array, since arrays of arrays do not unnest."""

    url: str
    source: str | None
    title: str
    body: str
    published_at: datetime | None
    authors: str
    language: str | None
    image_url: str | None
    paywalled: bool
    first_seen_at: datetime
    last_seen_at: datetime
    changed_at: datetime
    fingerprint: str
    next_visit_at: datetime | None


class ChangedRow(NamedTuple):
    """New content of a stored article (update_changed_articles)."""

    id: int
    title: str
    body: str
    published_at: datetime | None
    authors: str
    language: str | None
    image_url: str | None
    paywalled: bool
    changed_at: datetime
    last_seen_at: datetime
    fingerprint: str
    next_visit_at: datetime | None


class TouchRow(NamedTuple):
    """A stored article seen again unchanged (touch_articles)."""

    id: int
    seen_at: datetime
    fingerprint: str
    next_visit_at: datetime | None


class VersionRow(NamedTuple):
    """One article_versions row, numbered by the statement in the order given."""

    article_id: int
    title: str
    body: str
    fetched_at: datetime
    fingerprint: str
    title_changed: bool | None
    body_changed: bool | None
    words_added: int | None
    words_removed: int | None
    change_summary: str | None


class UrlRow(NamedTuple):
    """One address of an article (insert_article_urls)."""

    url: str
    article_id: int
    first_seen_at: datetime


class HeadlineRow(NamedTuple):
    """A headline's latest title in this batch (upsert_headlines)."""

    title: str
    url: str
    seen_at: datetime


class SightingRow(NamedTuple):
    """One headline in one slot of one fetched page (insert_headline_sightings)."""

    headline_id: int
    article_id: int
    seen_at: datetime
    position: int
    title: str


@dataclass
class _Page:
    """A FetchedPage cleaned for storage."""

    page: FetchedPage
    url: str
    urls: list[str]  # article.url first: it decides which article an ambiguous page belongs to
    title: str
    body: str
    fingerprint: str  # content_fingerprint: equal means "not a new version"
    content_key: tuple[str, str] | None  # (source, fingerprint) when the page may join an article by content
    authors: list[str]


@dataclass(frozen=True)
class _Stored:
    """What the database holds for an article a page matched."""

    article_id: int
    fingerprint: str
    title: str
    body: str
    first_seen_at: datetime
    changed_at: datetime

    @classmethod
    def from_row(cls, article_id: int, fingerprint: str | None, title: str, body: str,
                 first_seen_at: datetime, changed_at: datetime) -> _Stored:
        """Return the stored state; rows from before migration 0005 get their fingerprint computed."""
        return cls(article_id, fingerprint or content_fingerprint(title, body), title, body,
                   first_seen_at, changed_at)


@dataclass
class _Plan:
    """What one article of the batch needs written."""

    key: str  # articles.url of a new article, or "#<id>" for an existing one
    pages: list[_Page] = field(default_factory=list)
    article_id: int | None = None
    stored: _Stored | None = None


def _prepare(page: FetchedPage) -> _Page:
    """Return the page with NUL bytes removed, its addresses (raw, canonical, match key) and its fingerprints."""
    art = page.article
    final = storable(page.final_url) or ""
    url = storable(art.url) or ""
    if not url or len(url) > MAX_URL_LENGTH:
        url = canonical_url(final)
    urls: list[str] = []
    for raw in (url, final, page.requested_url, *page.aliases):
        for candidate in url_forms(storable(raw) or ""):
            if candidate not in urls and len(candidate) <= MAX_URL_LENGTH:
                urls.append(candidate)
    title, body = storable(art.title) or "", storable(art.body) or ""
    authors = [a for a in (storable(x) for x in art.authors) if a]
    title_text, body_text = fingerprint_text(title, body)
    fingerprint = fingerprint_digest(title_text, body_text)
    # The page names no other canonical than its own address, and has enough text to be told apart.
    own = url_key(url) == url_key(final)
    eligible = own and len(body_text.split()) >= CONTENT_MATCH_MIN_WORDS
    return _Page(page, url, urls, title, body, fingerprint,
                 (page.source, fingerprint) if eligible else None, authors)


def _group(pages: list[_Page], known: dict[str, _Stored],
           by_content: dict[tuple[str, str], _Stored]) -> list[_Plan]:
    """Return one plan per distinct article.

    Pages go together when they share an address or a stored article's
    alias; failing that, a page naming no other canonical joins the
    source's article (stored or in this batch) with the same fingerprint.
    """
    plans: dict[str, _Plan] = {}
    owner: dict[str, str] = {}  # address -> plan key, for addresses first seen in this batch
    content_owner: dict[tuple[str, str], str] = {}
    for p in pages:
        key = None
        for url in p.urls:
            if url in known:
                key = _plan_for(plans, known[url])
                break
            if url in owner:
                key = owner[url]
                break
        if key is None and p.content_key is not None:
            if p.content_key in content_owner:
                key = content_owner[p.content_key]
            elif p.content_key in by_content:
                key = _plan_for(plans, by_content[p.content_key])
        if key is None:
            key = p.url
            plans[key] = _Plan(key)
        plans[key].pages.append(p)
        for url in p.urls:
            owner.setdefault(url, key)
        if p.content_key is not None:
            content_owner.setdefault(p.content_key, key)
    return list(plans.values())


def _plan_for(plans: dict[str, _Plan], stored: _Stored) -> str:
    """Return the key of the plan for a stored article, creating it."""
    key = f"#{stored.article_id}"
    plans.setdefault(key, _Plan(key, article_id=stored.article_id, stored=stored))
    return key


_Version = tuple[_Page, Change | None]  # a page showing new content, and how it differs (None: version 1)


def _walk(plan: _Plan, counts: StoreCounts) -> list[_Version]:
    """Count the plan's pages as new/updated/unchanged in fetch order; return those that are new versions."""
    versions: list[_Version] = []
    st = plan.stored
    current = (st.fingerprint, st.title, st.body) if st else None
    for p in plan.pages:
        if st is not None and p.page.fetched_at < st.changed_at:
            # fetched before the stored content (a spool replay after a crash, a slower concurrent
            # crawl): it must not come back as the newest version, nor be stored twice
            counts.unchanged += 1
            continue
        if current is None:
            counts.new += 1
            versions.append((p, None))
        elif p.fingerprint == current[0]:
            counts.unchanged += 1
            continue
        else:
            counts.updated += 1
            versions.append((p, describe_change(current[1], current[2], p.title, p.body)))
        current = (p.fingerprint, p.title, p.body)
    return versions


def store_pages(conn: Any, pages: Sequence[FetchedPage], revisit: RevisitPolicy = DEFAULT_POLICY, *,
                link: bool = True) -> StoreCounts:
    """Store a batch of fetched pages in one transaction; return how many were new, updated, unchanged.

    `revisit` sets each stored article's next_visit_at (scraper.policy.revisit). With
    `link` (the default) new and changed articles are also fingerprinted and
    placed in stories in the same transaction (scraper.storage.linking); False is for
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
        known = {row[0]: _Stored.from_row(*row[1:]) for row in cur.fetchall()}
        by_content = _find_by_content(cur, [p for p in prepared if not any(u in known for u in p.urls)])
        plans = _group(prepared, known, by_content)
        _insert_new_articles(cur, [pl for pl in plans if pl.article_id is None], revisit)
        versions = _update_articles(cur, plans, counts, revisit)
        _insert_versions(cur, versions)
        _insert_urls(cur, plans)
        cur.execute(query("link_headlines"), {"urls": all_urls})
        _store_headlines(cur, plans)
        if link:
            _link(cur, versions, plans)
    return counts


def _link(cur: Any, versions: list[tuple[int, _Page, Change | None]], plans: list[_Plan]) -> None:
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


def _to_link(versions: list[tuple[int, _Page, Change | None]]) -> list[ToLink]:
    """Return the latest new content of each article, for dedup and story linking."""
    latest = {aid: p for aid, p, _ in versions}
    return [ToLink(aid, storable(p.page.source) or "", p.title, p.body, p.page.article.published_at,
                   p.page.fetched_at) for aid, p in sorted(latest.items())]


def _find_by_content(cur: Any, pages: list[_Page]) -> dict[tuple[str, str], _Stored]:
    """Return the stored article per (source, fingerprint) for pages no address found (one query, if any)."""
    keys = sorted({p.content_key for p in pages if p.content_key is not None})
    if not keys:
        return {}
    cur.execute(query("find_articles_by_content"),
                {"sources": [k[0] for k in keys], "fingerprints": [k[1] for k in keys]})
    return {(source, fp): _Stored.from_row(*row) for source, fp, *row in cur.fetchall()}


def _next_visit(plan: _Plan, changed_at: datetime, revisit: RevisitPolicy) -> datetime | None:
    """Return when the plan's article is due again, after its latest fetch in this batch."""
    first_seen = plan.stored.first_seen_at if plan.stored else plan.pages[0].page.fetched_at
    return next_visit(first_seen, changed_at, plan.pages[-1].page.fetched_at, revisit)


def _insert_new_articles(cur: Any, plans: list[_Plan], revisit: RevisitPolicy) -> None:
    """Insert the batch's new articles with their latest content; set plan.article_id (and stored on a race)."""
    if not plans:
        return
    rows = []
    for pl in sorted(plans, key=lambda pl: pl.key):  # one lock order for concurrent crawls
        first, last = pl.pages[0], pl.pages[-1]
        art = last.page.article
        changed = _changed_at(pl)
        rows.append(ArticleRow(
            pl.key, storable(last.page.source), last.title, last.body, art.published_at,
            json.dumps(last.authors), storable(art.language), storable(art.image_url), art.paywalled,
            first.page.fetched_at, last.page.fetched_at, changed, last.fingerprint,
            _next_visit(pl, changed, revisit)))
    by_key = {pl.key: pl for pl in plans}
    for article_id, url, fingerprint, title, body, first_seen, changed, inserted in execute_rows(
            cur, "insert_articles", rows, fetch=True):
        by_key[url].article_id = article_id
        if not inserted:  # another crawl stored it first: compare against its content
            by_key[url].stored = _Stored.from_row(article_id, fingerprint, title, body, first_seen, changed)
        else:
            by_key[url].stored = None


def _changed_at(plan: _Plan) -> datetime:
    """Return the fetch time of the first page showing the plan's final content."""
    pages = plan.pages
    i = len(pages) - 1
    while i > 0 and pages[i - 1].fingerprint == pages[-1].fingerprint:
        i -= 1
    return pages[i].page.fetched_at


def _update_articles(cur: Any, plans: list[_Plan], counts: StoreCounts,
                     revisit: RevisitPolicy) -> list[tuple[int, _Page, Change | None]]:
    """Update changed articles, bump last_seen_at of the others; return (article_id, page, change) per new version."""
    changed: list[ChangedRow] = []
    touched: list[TouchRow] = []
    versions: list[tuple[int, _Page, Change | None]] = []
    for pl in plans:
        assert pl.article_id is not None
        pages = _walk(pl, counts)
        versions.extend((pl.article_id, p, change) for p, change in pages)
        last_seen = pl.pages[-1].page.fetched_at
        if pl.stored is not None and pages:
            p = pages[-1][0]
            art = p.page.article
            changed.append(ChangedRow(
                pl.article_id, p.title, p.body, art.published_at, json.dumps(p.authors),
                storable(art.language), storable(art.image_url), art.paywalled, p.page.fetched_at, last_seen,
                p.fingerprint, _next_visit(pl, p.page.fetched_at, revisit)))
        elif pl.stored is not None:
            touched.append(TouchRow(pl.article_id, last_seen, pl.stored.fingerprint,
                                    _next_visit(pl, pl.stored.changed_at, revisit)))
    execute_rows(cur, "update_changed_articles", sorted(changed))
    execute_rows(cur, "touch_articles", sorted(touched))
    return versions


def _insert_versions(cur: Any, versions: list[tuple[int, _Page, Change | None]]) -> None:
    """Insert one article_versions row per new content, numbered in fetch order, with what changed."""
    rows = []
    for aid, p, ch in versions:
        what = (ch.title_changed, ch.body_changed, ch.words_added, ch.words_removed, ch.summary) if ch else (None,) * 5
        rows.append(VersionRow(aid, p.title, p.body, p.page.fetched_at, p.fingerprint, *what))
    execute_rows(cur, "insert_article_versions", rows)


def _insert_urls(cur: Any, plans: list[_Plan]) -> None:
    """Record every address of every page as an alias of its article (first article wins)."""
    rows: dict[str, UrlRow] = {}
    for pl in plans:
        for p in pl.pages:
            for url in p.urls:
                rows.setdefault(url, UrlRow(url, pl.article_id, p.page.fetched_at))  # type: ignore[arg-type]
    execute_rows(cur, "insert_article_urls", [rows[u] for u in sorted(rows)])


def _store_headlines(cur: Any, plans: list[_Plan]) -> None:
    """Upsert the sidebar headlines of every page and record each sighting."""
    latest: dict[str, HeadlineRow] = {}
    slots: list[tuple[str, int, datetime, int, str]] = []
    for pl in plans:
        for p in pl.pages:
            for title, url, position in _headlines(p):
                seen = p.page.fetched_at
                if url not in latest or latest[url].seen_at <= seen:
                    latest[url] = HeadlineRow(title, url, seen)
                slots.append((url, pl.article_id, seen, position, title))  # type: ignore[arg-type]
    if not latest:
        return
    rows = [latest[u] for u in sorted(latest)]
    ids = {url: hid for hid, url in execute_rows(cur, "upsert_headlines", rows, fetch=True)}
    sightings = {(aid, seen, pos): SightingRow(ids[url], aid, seen, pos, title)
                 for url, aid, seen, pos, title in slots}
    execute_rows(cur, "insert_headline_sightings", [sightings[k] for k in sorted(sightings)])


def _headlines(p: _Page) -> Iterable[tuple[str, str, int]]:
    """Yield (title, canonical url, position) for the page's headlines that have an address."""
    position = 0
    for h in p.page.article.headlines:
        url = canonical_url(storable(h.url) or "")
        if not url or len(url) > MAX_URL_LENGTH:
            continue
        yield storable(h.title) or "", url, position
        position += 1


def due_articles(conn: Any, source: str, max_age_days: int, limit: int, now: datetime) -> list[str]:
    """Return the canonical URLs of `source`'s known articles due for a revisit, most overdue first.

    Articles first seen more than `max_age_days` before `now` are retired.
    """
    params = {"source": source, "now": now, "limit": limit, "max_age_days": max_age_days}
    with transaction(conn, "reading articles due for a revisit") as cur:
        cur.execute(query("due_articles"), params)
        return [url for (url,) in cur.fetchall()]


def stop_revisits(conn: Any, urls: Sequence[str]) -> None:
    """Stop revisiting the articles at `urls` (they answered 404/410); a later listing still fetches them."""
    if urls:
        with transaction(conn, "stopping revisits of gone pages") as cur:
            cur.execute(query("stop_revisits"), {"urls": list(urls)})
