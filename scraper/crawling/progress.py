"""A Scrapy extension that writes a running crawl's counts to its crawl_runs row every few seconds.

The ops page and `scraper status` read crawl_runs, so they show how far a
running crawl has got (pages fetched, errors) without talking to the crawl
process. Uses its own connection: the pipeline's may be busy storing a batch.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from twisted.internet import task

from scraper.errors import DatabaseError
from scraper.storage import db, runs

log = logging.getLogger(__name__)


class RunProgress:
    """Every `SCRAPER_PROGRESS_SECONDS` (default 2), copy the crawl's stats into its crawl_runs row."""

    def __init__(self, crawler: Any) -> None:
        self.stats = crawler.stats
        self.database_url: str = crawler.settings.get("SCRAPER_DATABASE_URL")
        self.run_id: int = crawler.settings.getint("SCRAPER_RUN_ID")
        self.interval = crawler.settings.getfloat("SCRAPER_PROGRESS_SECONDS", 2.0)
        self.conn: Any = None
        self.loop = task.LoopingCall(self.report)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RunProgress:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        if self.database_url and self.run_id:
            self.loop.start(self.interval, now=False)

    def spider_closed(self, spider: Any) -> None:
        if self.loop.running:
            self.loop.stop()
        if self.conn is not None:
            self.conn.close()

    def report(self) -> None:
        """Write the counts so far; a database hiccup is logged, never fatal to the crawl."""
        try:
            if self.conn is None or self.conn.closed:
                self.conn = db.connect(self.database_url)
            runs.record_progress(self.conn, self.run_id, int(self.stats.get_value("scraper/pages_fetched", 0)),
                                 int(self.stats.get_value("scraper/errors", 0)))
        except DatabaseError as exc:
            log.warning("%s", exc)
            if self.conn is not None and not self.conn.closed:
                self.conn.close()
            self.conn = None

