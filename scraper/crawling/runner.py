"""One crawl of one source, in this process: lock, run row, Scrapy, counts, outcome.

Twisted's reactor cannot restart inside one process, so a process runs one
crawl; the daemon starts each crawl as a child process (`python -m scraper crawl`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scraper.crawling.addresses import non_public_address
from scraper.errors import ConfigError, RefusedURL
from scraper.logs import configure_logging
from scraper.settings import Settings
from scraper.sources import Source, SourcesConfig
from scraper.storage import db, runs, store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrawlSummary:
    """What one crawl did, as stored in its crawl_runs row."""

    run_id: int
    source: str
    status: str
    pages_fetched: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    errors: int
    error: str | None
    refused: int = 0  # requests refused for reaching a non-public address

    def line(self) -> str:
        """Return the one-line summary the CLI prints."""
        text = (f"crawl {self.run_id} of {self.source}: {self.status}; {self.pages_fetched} pages fetched, "
                f"{self.articles_new} new, {self.articles_updated} updated, "
                f"{self.articles_unchanged} unchanged, {self.errors} errors")
        return text + (f" (first: {self.error})" if self.error else "")


def scrapy_settings(settings: Settings, source: Source, database_url: str, run_id: int,
                    refuse_private: bool = False) -> dict[str, Any]:
    """Return the Scrapy settings of a crawl: polite defaults, then the source's own settings."""
    values: dict[str, Any] = {
        "BOT_NAME": "news-scraper",
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_TIMEOUT": 30,
        "DOWNLOAD_MAXSIZE": 20 * 1024 * 1024,  # also caps a gzip body once inflated (gzip bombs)
        "DOWNLOAD_WARNSIZE": 5 * 1024 * 1024,
        "RETRY_TIMES": 1,
        # a hung crawl must not hold the source's lock (and block its schedule) for ever
        "CLOSESPIDER_TIMEOUT": 3600,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": settings.log_level,
        "LOG_INSTALL_ROOT_HANDLER": False,  # scraper.logs' one-line handler is in place
        "ITEM_PIPELINES": {"scraper.crawling.pipeline.StoragePipeline": 300},
        "DOWNLOADER_MIDDLEWARES": {"scraper.crawling.middlewares.PrivateAddressGuard": 50,
                                   "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
                                   "scraper.crawling.middlewares.RetryAfterMiddleware": 550},
        "RETRY_AFTER_MAX": 60,  # seconds a 429/503 Retry-After may make a retry wait
        "EXTENSIONS": {"scraper.crawling.progress.RunProgress": 500},
        "SCRAPER_DATABASE_URL": database_url,
        "SCRAPER_RUN_ID": run_id,
        "SCRAPER_SOURCE": source.name,
        "SCRAPER_DATA_DIR": str(settings.data_dir),
        "SCRAPER_SPOOL_WAIT": 60,  # seconds the end of a crawl waits for an unreachable database
        "SCRAPER_REFUSE_PRIVATE": refuse_private,
    }
    values.update(source.settings)
    return values


def source_for_url(config: SourcesConfig, url: str) -> tuple[Source, bool]:
    """Return the source `url` belongs to and whether non-public addresses must be refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{url!r} is not an http(s) URL")
    source = config.source_for_url(url)
    if source is None and not config.allow_unlisted_domains:
        raise RefusedURL(f"{url} is outside every source's allowed_domains in {config.path}; "
                         "add its host to a source or set allow_unlisted_domains = true")
    if not config.allow_private_addresses:
        address = non_public_address(parts.hostname)
        if address:
            raise RefusedURL(f"{url}: {parts.hostname} resolves to non-public address {address}; "
                             f"set allow_private_addresses = true in {config.path} to allow it")
    if source is None:
        source = Source(name="manual", start_urls=(url,), allowed_domains=(parts.hostname,),
                        interval_minutes=60)
    return source, not config.allow_private_addresses


def run_crawl(settings: Settings, source: Source, trigger: str = "manual",
              only_urls: Sequence[str] = (), refuse_private: bool = False,
              lock_name: str | None = None) -> CrawlSummary:
    """Crawl `source` (or just `only_urls`) now and return the summary stored in crawl_runs.

    Raises CrawlLocked, before writing anything, when a crawl holding the same
    lock (by default the source's name) is already running.
    """
    database_url = db.resolve_database_url(settings.database_url, settings.data_dir)
    conn = db.connect(database_url)
    try:
        db.migrate(conn)
        # crawls killed hard, or ended with the database down, are over; before taking the lock,
        # which would make this source's stale run look alive
        runs.fail_stale_runs(conn)
        with runs.source_lock(conn, lock_name or source.name):
            run_id = runs.start_run(conn, source.name, trigger, lock_name=lock_name)
            configure_logging(settings.log_level, secrets=(settings.api_token,), source=source.name, run=run_id)
            log.info("crawl started (trigger %s, pid %d)", trigger, os.getpid())
            try:
                revisits = [] if only_urls else due_articles(conn, source)
                values = scrapy_settings(settings, source, database_url, run_id, refuse_private)
                stats = _run_spider(values, source, only_urls, revisits)
            except BaseException as exc:
                conn = runs.usable(conn, database_url)
                runs.finish_run(conn, run_id, status="failed", pages_fetched=0, articles_new=0,
                                articles_updated=0, articles_unchanged=0, errors=1,
                                error=f"{type(exc).__name__}: {exc}")
                raise
            summary = _summary(run_id, source.name, stats)
            # the database may have restarted during the crawl; wait for it as long as the pipeline did
            conn = runs.usable(conn, database_url, float(values["SCRAPER_SPOOL_WAIT"]))
            runs.finish_run(conn, run_id, status=summary.status, pages_fetched=summary.pages_fetched,
                            articles_new=summary.articles_new, articles_updated=summary.articles_updated,
                            articles_unchanged=summary.articles_unchanged, errors=summary.errors,
                            error=summary.error)
            log.info("%s", summary.line())
            return summary
    finally:
        conn.close()


def due_articles(conn: Any, source: Source, now: datetime | None = None) -> list[str]:
    """Return the canonical URLs of `source`'s known articles due for a revisit, most overdue first.

    At most max_pages: the spider requests those its listings did not list, within the same budget.
    """
    if source.revisit_max_age_days == 0:
        return []
    return store.due_articles(conn, source.name, source.revisit_max_age_days, source.max_pages,
                              now or datetime.now(UTC))


def _run_spider(values: dict[str, Any], source: Source, only_urls: Sequence[str],
                revisits: Sequence[str] = ()) -> dict[str, Any]:
    from scrapy.crawler import CrawlerProcess

    from scraper.spiders.news import NewsSpider

    process = CrawlerProcess(values)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, source=source, only_urls=list(only_urls), revisit_urls=list(revisits))
    process.start()
    return crawler.stats.get_stats() if crawler.stats else {}


def _summary(run_id: int, source: str, stats: dict[str, Any]) -> CrawlSummary:
    reason = stats.get("finish_reason", "finished")
    errors = int(stats.get("scraper/errors", 0))
    error = stats.get("scraper/first_error")
    pages = int(stats.get("scraper/pages_fetched", 0))
    status = "succeeded"
    if pages == 0 and errors:
        # nothing at all could be fetched (host down, DNS, every start URL broken): the crawl did not run
        status, error = "failed", f"nothing could be fetched; first error: {error}"
    if reason.startswith("closespider_"):
        # a limit the configuration set (CLOSESPIDER_TIMEOUT, ...): what was fetched is stored
        error = error or f"stopped at a configured limit ({reason})"
    elif reason != "finished":
        # SIGTERM/SIGINT (Scrapy's "shutdown") or a crash: the run did not complete.
        status, error, errors = "failed", f"stopped before finishing ({reason})", errors + 1
    return CrawlSummary(
        run_id=run_id, source=source, status=status,
        pages_fetched=pages,
        articles_new=int(stats.get("scraper/articles_new", 0)),
        articles_updated=int(stats.get("scraper/articles_updated", 0)),
        articles_unchanged=int(stats.get("scraper/articles_unchanged", 0)),
        errors=errors, error=error, refused=int(stats.get("scraper/refused", 0)),
    )
