"""Bounded fuzzing (hypothesis) of what reads untrusted input: URL canonicalisation, feeds and sitemaps, the spool.

Random bytes into extract_article and parse_listing are in test_extraction_robustness.py and
test_discovery.py; here the inputs are structure-aware: URL-shaped strings, and real
feeds and sitemaps of the test site with mutations. Each test is capped by max_examples.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.extraction.listings import Link, Listing, newest_first, parse_listing, too_old
from scraper.extraction.model import Article, Headline
from scraper.extraction.urls import canonical_url
from scraper.storage.pages import FetchedPage
from scraper.storage.spool import decode_page, encode_page
from tests.newssite.pages import Entry, atom_xml, json_feed, rss_xml, sitemap_index_xml, sitemap_xml

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SITE = "https://news.example"
NOW = datetime(2026, 3, 1, tzinfo=UTC)

URL_PARTS = st.sampled_from(["http://", "https://", "http://[", "http", "https", "HTTP", "ftp", "javascript", "", ":", "//", "/", "?", "#", "&", "=",
                             "@", "[", "]", "::1", "%", "%zz", "%00", "..", ".", "www.", "Example.COM", ":80",
                             ":443", ":99999", ":-1", "utm_source=x", "fbclid=1", "a=1", "\u00e9", "\u2603",
                             "xn--", " ", "\t", "\n", "\x00", "\\", "\u202e", "'", '"', "<", ">"])
URLISH = st.lists(URL_PARTS | st.text(max_size=5), max_size=14).map("".join)


@FUZZ
@given(URLISH, st.none() | URLISH)
def test_canonical_url_never_raises_and_is_stable(url: str, base: str | None) -> None:
    once = canonical_url(url, base)
    assert isinstance(once, str)
    canonical_url(url)
    if once.startswith(("http://", "https://")):
        assert canonical_url(once) == canonical_url(canonical_url(once))


def _entries(draw: st.DrawFn) -> list[Entry]:
    n = draw(st.integers(0, 5))
    return [Entry(href=draw(st.sampled_from([f"{SITE}/2026/02/{i}/story.html", f"/p/{i}?utm_source=rss",
                                             "", "javascript:alert(1)", f"{SITE}/a b<{i}>"])),
                  title=draw(st.text(max_size=20)),
                  date=draw(st.none() | st.just(NOW - timedelta(days=i))))
            for i in range(n)]


@st.composite
def mutated_listing(draw: st.DrawFn) -> bytes:
    entries = _entries(draw)
    doc = draw(st.sampled_from(["rss", "atom", "json", "sitemap", "news", "index"]))
    body = {"rss": lambda: rss_xml(entries, SITE), "atom": lambda: atom_xml(entries, SITE, NOW),
            "json": lambda: json_feed(entries, SITE), "sitemap": lambda: sitemap_xml(entries),
            "news": lambda: sitemap_xml(entries, news=True),
            "index": lambda: sitemap_index_xml([e.href for e in entries], NOW)}[doc]()
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(body)))
        op = draw(st.sampled_from(["cut", "insert", "delete", "repeat"]))
        if op == "cut":
            body = body[:at]
        elif op == "insert":
            body = body[:at] + draw(st.sampled_from([b"<", b">", b"&", b"]]>", b"<![CDATA[", b"\x00", b"\xff",
                                                     b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b"&a;", b"{", b"\""]))
            body += b""
        elif op == "delete":
            body = body[:at] + body[at + draw(st.integers(1, 40)):]
        else:
            body = body[:at] + body[at:at + 60] * draw(st.integers(2, 30)) + body[at + 60:]
    return body


@FUZZ
@given(mutated_listing(), st.sampled_from([None, "application/rss+xml", "application/xml", "application/json",
                                           "text/html", "text/plain; charset=utf-16"]))
def test_mutated_feeds_and_sitemaps_never_raise_and_give_only_web_links(body: bytes, ctype: str | None) -> None:
    listing = parse_listing(body, SITE + "/feed", ctype)
    assert isinstance(listing, Listing)
    assert all(link.url.startswith(("http://", "https://")) for link in listing.links)
    ordered = newest_first(listing.links)
    assert sorted(map(id, ordered)) == sorted(map(id, listing.links))
    for link in listing.links:
        assert isinstance(link, Link)
        too_old(link, 7, NOW)


TEXT = st.text(max_size=40)


@st.composite
def fetched_pages(draw: st.DrawFn) -> FetchedPage:
    zone = draw(st.sampled_from([UTC, None]))
    when = draw(st.datetimes(timezones=st.just(zone or UTC)))
    article = Article(url=draw(TEXT), title=draw(TEXT), body=draw(TEXT),
                      published_at=draw(st.none() | st.datetimes(timezones=st.just(UTC))),
                      authors=tuple(draw(st.lists(TEXT, max_size=3))), language=draw(st.none() | TEXT),
                      image_url=draw(st.none() | TEXT), paywalled=draw(st.booleans()),
                      headlines=tuple(Headline(draw(TEXT), draw(TEXT)) for _ in range(draw(st.integers(0, 3)))))
    return FetchedPage(source=draw(TEXT), requested_url=draw(TEXT), final_url=draw(TEXT), article=article,
                       fetched_at=when, aliases=tuple(draw(st.lists(TEXT, max_size=2))))


@FUZZ
@given(fetched_pages())
def test_any_page_survives_the_spool_format_unchanged(page: FetchedPage) -> None:
    text = encode_page(page)
    json.loads(text)
    assert decode_page(text) == page
