"""Scrapy downloader middlewares of the service."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from scraper.crawling.addresses import non_public_address


class RefusedAddress(IgnoreRequest):
    """The request would reach a private, loopback or link-local address."""


class PrivateAddressGuard:
    """Refuse requests (redirects included) to non-public addresses when `SCRAPER_REFUSE_PRIVATE` is set."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def from_crawler(cls, crawler: Any) -> PrivateAddressGuard:
        return cls(crawler.settings.getbool("SCRAPER_REFUSE_PRIVATE"))

    def process_request(self, request: Any, spider: Any = None) -> None:
        if not self.enabled:
            return None
        host = urlparse_cached(request).hostname or ""
        address = non_public_address(host)
        if address:
            raise RefusedAddress(f"refused {request.url}: {host} resolves to non-public address {address}")
        return None


def retry_after_seconds(value: str | bytes | None, now: datetime) -> float | None:
    """Return the wait a Retry-After header asks for (delta-seconds or an HTTP date), None if absent or unreadable."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, which first waits what a 429 or 503 asks for in Retry-After.

    A wait up to `SCRAPER_RETRY_AFTER_MAX` seconds is honoured before the retry (other
    downloads go on meanwhile); a longer one is not retried in this crawl.
    Retry-After is not handled by Scrapy itself; this replaces its RetryMiddleware.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("SCRAPER_RETRY_AFTER_MAX")  # default: scraper.settings

    async def process_response(  # type: ignore[override]  # Scrapy awaits coroutine middleware methods
            self, request: Any, response: Any, spider: Any = None) -> Any:
        if response.status in (429, 503) and response.status in self.retry_http_codes \
                and not request.meta.get("dont_retry", False):
            wait = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC))
            if wait is not None and wait > self.max_wait:
                return response  # come back in an hour: not within this crawl
            max_times = request.meta.get("max_retry_times", self.max_retry_times)
            if wait and request.meta.get("retry_times", 0) < max_times:
                await asyncio.sleep(wait)
        return super().process_response(request, response)
