"""The item pipeline: extraction, then PostgreSQL, in batches. The Scrapy/database edge."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from scraper.crawling.items import PageFailure, PageFetched
from scraper.errors import DatabaseUnavailable, ScraperError
from scraper.extraction import extract_article
from scraper.extraction.pagetype import is_listing
from scraper.policy.revisit import DEFAULT_POLICY, policy_for
from scraper.storage import db, runs
from scraper.storage.spool import Spool, Spooled
from scraper.storage.store import FetchedPage, StoreCounts, stop_revisits, store_pages

log = logging.getLogger(__name__)


class StoragePipeline:
    """Extract each fetched page, spool it durably, store articles `SCRAPER_BATCH_SIZE` at a time; record failures.

    Extraction is CPU-bound and the reactor is single-threaded, so it runs in a
    pool of `SCRAPER_EXTRACT_WORKERS` processes (0: in the crawl process) while
    the reactor goes on downloading. A page that is not an article, or fails,
    is counted and logged against the run; it never stops the crawl.

    Every extracted article goes to the spool in `SCRAPER_DATA_DIR`/spool first
    and leaves it only once PostgreSQL committed it (see scraper.storage.spool). When
    the database is unreachable the crawl goes on spooling; storing is retried
    with backoff while the crawl runs, for up to `SCRAPER_SPOOL_WAIT` seconds at
    its end, and else by the next crawl, which stores leftovers before anything else.
    """

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.database_url: str = settings.get("SCRAPER_DATABASE_URL")
        self.run_id: int = settings.getint("SCRAPER_RUN_ID")
        self.source: str = settings.get("SCRAPER_SOURCE")
        self.batch_size = settings.getint("SCRAPER_BATCH_SIZE", 50)
        self.workers = settings.getint("SCRAPER_EXTRACT_WORKERS", 2)
        self.spool_dir = Path(settings.get("SCRAPER_DATA_DIR") or ".").expanduser() / "spool"
        self.spool_wait = settings.getfloat("SCRAPER_SPOOL_WAIT")  # default in crawl.scrapy_settings
        self.pool: Executor | None = None
        self.spool: Spool | None = None
        self.unstored = 0  # pages spooled by this process since the last store
        self.failures: list[tuple[str | None, str]] = []
        self.gone: list[str] = []  # article addresses that answered 404/410: no more revisits
        self.counts = StoreCounts()
        self.conn: Any = None
        self.revisit = DEFAULT_POLICY
        self.down_since: float | None = None  # monotonic time the database became unreachable
        self.retry_at = 0.0
        self.backoff = 0.5
        self.waited = 0  # pages stored after waiting in the spool during the current outage
        self.notes: list[tuple[int, str]] = []  # (run id, text) for crawl_errors of earlier runs

    @classmethod
    def from_crawler(cls, crawler: Any) -> StoragePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.spool = Spool(self.spool_dir)
        self.conn = db.connect(self.database_url)
        self.revisit = policy_for(self.crawler.spider.source.revisit_max_age_days)
        self.pool = self.new_pool()
        leftovers = self.spool.claim_orphans()
        if leftovers:  # pages of crawls that ended while the database was down, or crashed: first
            log.warning("storing %d pages left in the spool by earlier crawls", leftovers)
            self.stats.set_value("scraper/spool_leftovers", leftovers)
            self.flush()

    def new_pool(self) -> Executor | None:
        # forkserver: forking a process that runs a reactor and threads is unsafe
        context = multiprocessing.get_context("forkserver")
        return ProcessPoolExecutor(self.workers, mp_context=context) if self.workers > 0 else None

    def close_spider(self) -> None:
        try:
            self.flush()
            deadline = time.monotonic() + self.spool_wait
            while self.down_since is not None and time.monotonic() < deadline:
                time.sleep(max(0.0, min(self.retry_at, deadline) - time.monotonic()))
                self.flush()
            if self.down_since is not None:
                self.give_up()
        finally:
            if self.conn is not None:
                self.conn.close()
            if self.spool is not None:
                self.spool.close()
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
        for key in ("new", "updated", "unchanged"):
            self.stats.set_value(f"scraper/articles_{key}", getattr(self.counts, key))

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, PageFailure):
            self.fail(item.url, item.message)
            if item.gone:
                self.gone.append(item.url)
        elif isinstance(item, PageFetched):
            await self.extract(item)
        if self.unstored >= self.batch_size or len(self.failures) >= self.batch_size:
            self.flush()
        return item

    async def extract(self, item: PageFetched) -> None:
        rules = self.crawler.spider.source.extraction
        if self.pool is None:
            article = extract_article(item.html, item.final_url, rules)
        else:
            try:
                article = await asyncio.get_running_loop().run_in_executor(
                    self.pool, extract_article, item.html, item.final_url, rules)
            except BrokenProcessPool:  # a worker died (e.g. killed for memory): replace the pool
                self.pool = self.new_pool()
                self.fail(item.final_url, "extraction worker died on this page")
                return
        if not article.is_article:
            self.stats.inc_value("scraper/not_articles")
            if not is_listing(article.reason):
                self.fail(item.final_url, f"not an article: {article.reason}")
            else:
                log.info("skipped %s: not an article (%s)", item.final_url, article.reason)
            return
        assert self.spool is not None
        self.spool.append(self.run_id, FetchedPage(
            source=self.source, requested_url=item.requested_url, final_url=item.final_url,
            article=article, fetched_at=item.fetched_at, aliases=item.aliases,
        ))
        self.unstored += 1

    def fail(self, url: str | None, message: str) -> None:
        log.warning("page failed: %s: %s", url, message)
        self.stats.inc_value("scraper/errors")
        self.first_error(f"{url}: {message}" if url else message)
        self.failures.append((url, message))

    def first_error(self, text: str) -> None:
        if self.stats.get_value("scraper/first_error") is None:
            self.stats.set_value("scraper/first_error", text)

    def flush(self) -> None:
        """Store every page this process holds in the spool, then the failures; back off if the database is down."""
        if not self.database_ready():
            return
        try:
            self.store_spooled()
            if self.down_since is not None:
                self.database_back()
            if self.failures:
                runs.add_run_errors(self.conn, self.run_id, self.failures)
                self.failures = []
            if self.gone:
                stop_revisits(self.conn, self.gone)
                self.gone = []
            while self.notes:
                run_id, note = self.notes[0]
                runs.add_run_errors(self.conn, run_id, [(None, note)])
                self.notes.pop(0)
        except DatabaseUnavailable as exc:
            self.database_down(exc)

    def store_spooled(self) -> None:
        """Store the spool's rows of this process a batch at a time, each removed after its commit."""
        assert self.spool is not None
        while batch := self.spool.batch(self.batch_size):
            try:
                counts = store_pages(self.conn, [s.page for s in batch], revisit=self.revisit)
            except DatabaseUnavailable:
                raise
            except ScraperError:
                counts = self.store_one_by_one(batch)  # a page the database refuses must not block the rest
            self.spool.remove([s.id for s in batch])
            self.count(batch, counts)
            if self.down_since is not None:
                self.waited += len(batch)
        self.unstored = 0

    def store_one_by_one(self, batch: list[Spooled]) -> StoreCounts:
        counts = StoreCounts()
        for s in batch:
            try:
                counts.add(store_pages(self.conn, [s.page], revisit=self.revisit))
            except DatabaseUnavailable:
                raise
            except ScraperError as exc:
                self.fail(s.page.final_url, f"could not store: {exc}")
        return counts

    def count(self, batch: list[Spooled], counts: StoreCounts) -> None:
        """Add stored pages to this run's counts; pages left by other runs are noted against those runs."""
        others: dict[int, int] = {}
        for s in batch:
            if s.run_id != self.run_id:
                others[s.run_id] = others.get(s.run_id, 0) + 1
        if not others:
            self.counts.add(counts)
        else:
            self.stats.inc_value("scraper/spool_drained", sum(others.values()))
        self.notes.extend(
            (run_id, f"database unavailable: {n} fetched pages were kept in the spool "
                     f"and stored later by crawl run {self.run_id}")
            for run_id, n in sorted(others.items()))

    def database_ready(self) -> bool:
        """Return True if there is a connection; reconnect when the backoff allows it."""
        if self.conn is not None and not self.conn.closed:
            return True
        if time.monotonic() < self.retry_at:
            return False
        try:
            self.conn = db.connect(self.database_url)
        except ScraperError as exc:
            self.database_down(exc)
            return False
        return True

    def database_down(self, exc: Exception) -> None:
        assert self.spool is not None
        if self.down_since is None:
            self.down_since = time.monotonic()
            self.backoff = 0.5
            self.stats.inc_value("scraper/database_outages")
            log.error("database unavailable, keeping fetched pages in the spool %s: %s", self.spool.path, exc)
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.retry_at = time.monotonic() + self.backoff
        self.backoff = min(self.backoff * 2, 10.0)

    def database_back(self) -> None:
        assert self.down_since is not None
        seconds = time.monotonic() - self.down_since
        note = (f"database unavailable for {seconds:.0f}s: {self.waited} fetched pages "
                "waited in the spool, all stored when it was back")
        log.warning("%s", note)
        self.stats.inc_value("scraper/errors")
        self.stats.inc_value("scraper/spooled", self.waited)
        self.first_error(note)
        self.failures.append((None, note))
        self.down_since, self.waited = None, 0

    def give_up(self) -> None:
        assert self.spool is not None
        left = self.spool.count()
        if left:
            note = (f"database unavailable at the end of the crawl: {left} fetched pages "
                    f"left in the spool {self.spool.path}, to be stored by the next crawl")
        else:
            note = (f"database unavailable at the end of the crawl: every fetched page was stored, "
                    f"but {len(self.failures)} page errors could not be recorded in crawl_errors")
        log.error("%s", note)
        self.stats.inc_value("scraper/errors")
        self.stats.set_value("scraper/spooled", left)
        self.stats.set_value("scraper/first_error", note)

