"""The generic news spider: one `Source` in, article pages out.

Start URLs are told apart by content (RSS/Atom/JSON Feed, sitemap, sitemap
index, HTML section page) by the pure `scraper.extraction.listings` module; this
spider only wires its results into requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from scraper.crawling.items import PageFailure, PageFetched
from scraper.crawling.middlewares import RefusedAddress
from scraper.extraction.listings import Link, newest_first, parse_listing, too_old
from scraper.extraction.parse import repair_mislabelled_utf8
from scraper.sources import Source

LISTING_KINDS = {"rss", "atom", "jsonfeed", "sitemap", "html"}
# IgnoreRequest messages that are policy, not failure (Scrapy's robots.txt and offsite middlewares)
BENIGN_IGNORES = ("Forbidden by robots.txt", "Filtered offsite request")
# What Scrapy's download errors that come without a message mean
SILENT_ERRORS = {
    "DownloadCancelledError": "body larger than DOWNLOAD_MAXSIZE (or the crawl was stopping)",
    "ResponseDataLossError": "connection closed before the body announced by Content-Length arrived",
}


class NewsSpider(scrapy.Spider):
    """Crawl one source: its listings, then up to `max_pages` article pages, newest first."""

    name = "news"

    def __init__(self, source: Source, only_urls: Sequence[str] = (), revisit_urls: Sequence[str] = (),
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.allowed_domains = list(source.allowed_domains)
        self.only_urls = list(only_urls)
        self.revisit_urls = list(revisit_urls)  # known articles due again (scraper.policy.revisit), most overdue first
        self.now = datetime.now(UTC)
        self.scheduled: set[str] = set()
        # canonical address -> the raw addresses listings wrote for it (e.g. with ?utm_), kept as aliases
        self.listed_as: dict[str, set[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_revisits, signal=signals.spider_idle)
        return spider

    def request_revisits(self) -> None:
        """Once the listings are done, fetch the due articles they did not list (within max_pages)."""
        due, self.revisit_urls = self.revisit_urls, []
        requests: list[scrapy.Request] = []
        for url in due:
            if url in self.scheduled or not self.source.allows(url):
                continue
            if len(self.scheduled) >= self.source.max_pages:
                self.crawler.stats.inc_value("scraper/skipped_max_pages")
                continue
            self.scheduled.add(url)
            requests.append(self.article_request(url, priority=-len(requests), revisit=True))
        self.crawler.stats.set_value("scraper/revisits", len(requests))
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    async def start(self) -> AsyncIterator[Any]:
        if self.only_urls:
            for url in self.only_urls:
                yield self.article_request(url, priority=0)
            return
        for url in self.source.start_urls:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error,
                                 dont_filter=True, priority=10**9)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Follow a start URL by what it turned out to be."""
        self.crawler.stats.inc_value("scraper/pages_fetched")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        listing = parse_listing(response.body, response.url, content_type)
        self.crawler.stats.inc_value(f"scraper/listings/{listing.kind}")
        if listing.kind == "sitemapindex":
            for link in self.fresh(listing.links):
                yield scrapy.Request(link.url, callback=self.parse_listing, errback=self.on_error,
                                     priority=10**9)
        elif listing.kind in LISTING_KINDS:
            yield from self.follow_articles(listing.links)
        else:
            yield PageFailure(response.url, f"not a feed, sitemap or HTML page ({content_type or 'no Content-Type'})")

    def follow_articles(self, links: Iterable[Link]) -> Iterator[scrapy.Request]:
        """Yield requests for new article links, newest first, within allowed_domains and max_pages."""
        for rank, link in enumerate(self.fresh(links)):
            if link.listed and self.source.allows(link.url):
                self.listed_as.setdefault(link.url, set()).add(link.listed)
            if len(self.scheduled) >= self.source.max_pages:
                self.crawler.stats.inc_value("scraper/skipped_max_pages")
                continue
            if not self.source.allows(link.url) or link.url in self.scheduled:
                continue
            self.scheduled.add(link.url)
            yield self.article_request(link.url, priority=self.priority(link, rank))

    def fresh(self, links: Iterable[Link]) -> list[Link]:
        """Return links newest first, without those older than the source's max_age_days."""
        kept = []
        for link in newest_first(links):
            if too_old(link, self.source.max_age_days, self.now):
                self.crawler.stats.inc_value("scraper/skipped_old")
            else:
                kept.append(link)
        return kept

    def priority(self, link: Link, rank: int) -> int:
        """Scheduler priority: dated links by age (newest highest), undated after them in listing order."""
        if link.published_at is None:
            return -rank
        age_minutes = max(0, int((self.now - link.published_at).total_seconds() // 60))
        return 10**8 - min(age_minutes, 10**8 - 1)

    def article_request(self, url: str, priority: int, revisit: bool = False) -> scrapy.Request:
        # dont_filter: `scheduled` already de-duplicates listed links; a redirect to an article
        # fetched before must still be followed, or its address would never reach article_urls.
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error, priority=priority,
                              dont_filter=True, meta={"link": url, "revisit": revisit})

    def parse_article(self, response: Response) -> Iterator[Any]:
        """Hand an article page to the pipeline, or say why it can't be used."""
        self.crawler.stats.inc_value("scraper/pages_fetched")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if not isinstance(response, TextResponse) or "xml" in content_type and "html" not in content_type:
            yield PageFailure(response.url, f"not an HTML page ({content_type or 'no Content-Type'})")
            return
        if not response.body.strip():
            yield PageFailure(response.url, "empty page")
            return
        redirects = response.meta.get("redirect_urls") or [response.url]
        yield PageFetched(
            requested_url=redirects[0], final_url=response.url,
            html=repair_mislabelled_utf8(response.body, response.text, response.encoding, content_type),
            fetched_at=datetime.now(UTC),
            # raw addresses listings wrote for it so far; one listed after this fetch waits for the next crawl
            aliases=tuple(sorted(self.listed_as.get(response.meta.get("link", ""), ()))),
        )

    def on_error(self, failure: Any) -> Iterator[Any]:
        """Turn a failed request into a PageFailure; robots.txt and offsite refusals are not errors."""
        url = failure.request.url
        if failure.check(HttpError):
            response = failure.value.response
            yield PageFailure(url, f"HTTP {response.status}", gone=response.status in (404, 410))
        elif failure.check(RefusedAddress):
            self.crawler.stats.inc_value("scraper/refused")
            yield PageFailure(url, str(failure.value))
        elif failure.check(IgnoreRequest) and str(failure.value).startswith(BENIGN_IGNORES):
            self.crawler.stats.inc_value("scraper/ignored")
        elif failure.check(IgnoreRequest):  # a redirect loop, a body over DOWNLOAD_MAXSIZE once inflated, ...
            yield PageFailure(url, f"ignored: {failure.getErrorMessage()}")
        else:
            name = failure.type.__name__
            yield PageFailure(url, f"{name}: {failure.getErrorMessage() or SILENT_ERRORS.get(name, 'no detail')}")

