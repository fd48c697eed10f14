"""The item pipeline: extraction, then PostgreSQL, in batches. The Scrapy/database edge."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scraper import db, runs
from scraper.errors import ScraperError
from scraper.extraction import extract_article
from scraper.extraction.pagetype import is_listing
from scraper.items import PageFailure, PageFetched
from scraper.revisit import DEFAULT_POLICY, policy_for
from scraper.store import FetchedPage, StoreCounts, store_pages

log = logging.getLogger(__name__)


class StoragePipeline:
    """Extract each fetched page and store articles `SCRAPER_BATCH_SIZE` at a time; record failures.

    Extraction is CPU-bound and the reactor is single-threaded, so it runs in a
    pool of `SCRAPER_EXTRACT_WORKERS` processes (0: in the crawl process) while
    the reactor goes on downloading. A page that is not an article, or fails,
    is counted and logged against the run; it never stops the crawl.
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
        self.pool: Executor | None = None
        self.pending: list[FetchedPage] = []
        self.failures: list[tuple[str, str]] = []
        self.gone: list[str] = []  # article addresses that answered 404/410: no more revisits
        self.counts = StoreCounts()
        self.conn: Any = None
        self.revisit = DEFAULT_POLICY

    @classmethod
    def from_crawler(cls, crawler: Any) -> StoragePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.conn = db.connect(self.database_url)
        self.revisit = policy_for(self.crawler.spider.source.revisit_max_age_days)
        self.pool = self.new_pool()

    def new_pool(self) -> Executor | None:
        # forkserver: forking a process that runs a reactor and threads is unsafe
        context = multiprocessing.get_context("forkserver")
        return ProcessPoolExecutor(self.workers, mp_context=context) if self.workers > 0 else None

    def close_spider(self) -> None:
        try:
            self.flush()
        finally:
            self.conn.close()
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
        if len(self.pending) >= self.batch_size or len(self.failures) >= self.batch_size:
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
        self.pending.append(FetchedPage(
            source=self.source, requested_url=item.requested_url, final_url=item.final_url,
            article=article, fetched_at=item.fetched_at, aliases=item.aliases,
        ))

    def fail(self, url: str, message: str) -> None:
        log.warning("page failed: %s: %s", url, message)
        self.stats.inc_value("scraper/errors")
        if self.stats.get_value("scraper/first_error") is None:
            self.stats.set_value("scraper/first_error", f"{url}: {message}")
        self.failures.append((url, message))

    def flush(self) -> None:
        """Write pending articles and failures in one unit of work each."""
        pages, self.pending = self.pending, []
        failures, self.failures = self.failures, []
        gone, self.gone = self.gone, []
        try:
            if pages:
                counts = store_pages(self.conn, pages, revisit=self.revisit)
                self.counts.new += counts.new
                self.counts.updated += counts.updated
                self.counts.unchanged += counts.unchanged
            if failures:
                runs.add_run_errors(self.conn, self.run_id, failures)
            if gone:
                with db.transaction(self.conn, "stopping revisits of gone pages") as cur:
                    cur.execute(db.query("stop_revisits"), {"urls": gone})
        except ScraperError as exc:
            log.error("could not store %d pages: %s", len(pages), exc)
            self.stats.inc_value("scraper/errors", len(pages) or 1)
            if self.stats.get_value("scraper/first_error") is None:
                self.stats.set_value("scraper/first_error", f"database: {exc}")

