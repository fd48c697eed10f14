"""The guard of `crawl --url`: non-public addresses are refused, on the first request and on redirects."""

from __future__ import annotations

import pytest
from scrapy import Request

from scraper.crawling.addresses import non_public_address
from scraper.crawling.middlewares import PrivateAddressGuard, RefusedAddress


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.1", "169.254.169.254",
                                  "::1", "0.0.0.0", "fe80::1"])
def test_non_public_hosts_are_named(host):
    assert non_public_address(host) is not None


def test_public_and_unresolvable_hosts_pass():
    assert non_public_address("93.184.215.14") is None  # a literal public address: no lookup needed
    assert non_public_address("no-such-host.invalid") is None  # the fetch itself will fail with a DNS error


def test_guard_refuses_every_request_it_sees_when_enabled():
    # Scrapy sends redirects through downloader middlewares again, so this also covers redirects.
    guard = PrivateAddressGuard(enabled=True)
    with pytest.raises(RefusedAddress, match="169.254.169.254"):
        guard.process_request(Request("http://169.254.169.254/latest/meta-data/"))
    assert guard.process_request(Request("http://93.184.215.14/news/story.html")) is None
    assert PrivateAddressGuard(enabled=False).process_request(Request("http://127.0.0.1/")) is None


def test_retry_after_in_seconds_or_as_an_http_date():
    from datetime import UTC, datetime

    from scraper.crawling.middlewares import retry_after_seconds

    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120", now) == 120
    assert retry_after_seconds("Sun, 01 Mar 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Sun, 01 Mar 2026 11:00:00 GMT", now) == 0  # in the past: at once
    assert retry_after_seconds(None, now) is None
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds("-5", now) is None
