"""Scrapy downloader middlewares of the service."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from scraper.addresses import non_public_address


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
