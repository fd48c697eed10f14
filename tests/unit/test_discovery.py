"""Listing detection and link harvesting: each format, dates, ordering, age and garbage."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.extraction.links import is_story_url
from scraper.extraction.listings import (
    MAX_DECOMPRESSED,
    Link,
    Listing,
    newest_first,
    parse_listing,
    too_old,
)

SITE = "https://news.example.com"

RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>World</title><link>https://news.example.com/</link>
<item><title>Putin wants a solution</title>
  <link>https://news.example.com/2024/05/17/putin-wants-solution.html?utm_source=rss</link>
  <pubDate>Fri, 17 May 2024 10:30:00 +0200</pubDate></item>
<item><title>Relative link story</title><link>/2024/05/16/relative-story.html</link>
  <pubDate>Thu, 16 May 2024 08:00:00 GMT</pubDate></item>
<item><title>No date here</title><link>https://news.example.com/2024/05/15/undated.html</link></item>
</channel></rss>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.example.com/"><title>Old school</title>
 <link>https://news.example.com/</link><description>d</description></channel>
<item rdf:about="https://news.example.com/2023/01/02/rdf-story.html"><title>RDF story</title>
 <link>https://news.example.com/2023/01/02/rdf-story.html</link><dc:date>2023-01-02T09:00:00Z</dc:date></item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><id>urn:x</id>
<updated>2024-05-17T12:00:00Z</updated>
<entry><title>Published wins</title><id>urn:1</id>
  <link rel="alternate" href="https://news.example.com/2024/05/17/published-wins.html"/>
  <link rel="enclosure" href="https://news.example.com/media/a.mp3"/>
  <published>2024-05-17T09:00:00-04:00</published><updated>2024-05-18T00:00:00Z</updated></entry>
<entry><title>Only updated</title><id>urn:2</id>
  <link href="https://news.example.com/2024/05/10/only-updated.html"/>
  <updated>2024-05-10T00:00:00Z</updated></entry>
</feed>"""

JSONFEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON",
    "items": [
        {"id": "1", "url": "https://news.example.com/2024/05/17/json-one.html",
         "title": "JSON one", "date_published": "2024-05-17T10:00:00+02:00"},
        {"id": "https://news.example.com/2024/05/16/json-id-only.html", "title": "Id only",
         "date_modified": "2024-05-16T10:00:00Z"},
        {"id": "3", "content_text": "no url at all"},
        "not an item",
    ],
}).encode()

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://news.example.com/2024/05/17/sitemap-one.html</loc><lastmod>2024-05-17T08:00:00+00:00</lastmod></url>
<url><loc> https://news.example.com/2024/05/16/sitemap-two.html </loc><lastmod>2024-05-16</lastmod></url>
<url><loc>https://news.example.com/about-the-site.html</loc></url>
<url><lastmod>2024-05-16</lastmod></url>
</urlset>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example.com/2024/05/17/news-one.html</loc>
  <lastmod>2024-05-20T00:00:00Z</lastmod>
  <news:news><news:publication><news:name>Gazette</news:name><news:language>en</news:language></news:publication>
  <news:publication_date>2024-05-17T06:15:00+01:00</news:publication_date>
  <news:title>News one headline</news:title></news:news></url>
</urlset>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example.com/sitemap-news.xml</loc><lastmod>2024-05-17</lastmod></sitemap>
<sitemap><loc>https://news.example.com/sitemap-articles.xml.gz</loc></sitemap>
</sitemapindex>"""

SECTION = b"""<!DOCTYPE html><html><head><title>World | Gazette</title>
<link rel="alternate" type="application/rss+xml" href="/world/rss.xml">
<link rel="alternate" type="application/atom+xml" href="https://news.example.com/atom.xml">
<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
<link rel="stylesheet" href="/s.css"></head><body>
<nav><a href="/">Home</a> <a href="/2024/05/01/nav-pinned-story.html">Pinned in menu</a></nav>
<main>
 <article><h2><a href="/2024/05/17/first-story.html?utm_source=home">First   story</a></h2></article>
 <article><a href="/2024/05/17/first-story.html"><img src="/a.jpg"></a></article>
 <article><h2><a href="https://www.news.example.com/news/second-long-story-slug">Second story</a></h2></article>
 <article><h2><a href="https://other.example.org/2024/05/17/offsite-story.html">Offsite</a></h2></article>
 <a href="/tag/nato">NATO</a> <a href="/author/jane-doe">Jane Doe</a> <a href="/category/world">World</a>
 <a href="/world/page/2">Next page</a> <a href="/images/photo.jpg">Photo</a> <a href="#top">Top</a>
 <a href="mailto:desk@example.com">Mail</a> <a href="javascript:void(0)">JS</a>
</main>
<footer><a href="/privacy">Privacy</a> <a href="/terms-of-service">Terms</a> <a href="/contact-us">Contact</a></footer>
</body></html>"""


def utc(*args: int) -> datetime:
    """Return an aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def test_rss2_links_dates_and_titles():
    listing = parse_listing(RSS2, f"{SITE}/world/rss.xml")
    assert listing.kind == "rss"
    assert [link.url for link in listing.links] == [
        f"{SITE}/2024/05/17/putin-wants-solution.html",  # tracking parameter dropped
        f"{SITE}/2024/05/16/relative-story.html",  # resolved against the feed address
        f"{SITE}/2024/05/15/undated.html",
    ]
    first, second, third = listing.links
    assert first.published_at == utc(2024, 5, 17, 8, 30)
    assert first.published_at.tzinfo is not None
    assert second.published_at == utc(2024, 5, 16, 8, 0)
    assert third.published_at is None
    assert first.title == "Putin wants a solution"


def test_rss1_rdf_uses_dc_date():
    listing = parse_listing(RSS1, f"{SITE}/index.rdf")
    assert listing.kind == "rss"
    assert listing.links == (Link(f"{SITE}/2023/01/02/rdf-story.html", utc(2023, 1, 2, 9), "RDF story"),)


def test_atom_prefers_published_over_updated_and_skips_enclosures():
    listing = parse_listing(ATOM, f"{SITE}/atom.xml", "application/atom+xml")
    assert listing.kind == "atom"
    assert listing.links == (
        Link(f"{SITE}/2024/05/17/published-wins.html", utc(2024, 5, 17, 13), "Published wins"),
        Link(f"{SITE}/2024/05/10/only-updated.html", utc(2024, 5, 10), "Only updated"),
    )


def test_jsonfeed_items_with_url_or_url_shaped_id():
    listing = parse_listing(JSONFEED, f"{SITE}/feed.json", "application/feed+json")
    assert listing.kind == "jsonfeed"
    assert listing.links == (
        Link(f"{SITE}/2024/05/17/json-one.html", utc(2024, 5, 17, 8), "JSON one"),
        Link(f"{SITE}/2024/05/16/json-id-only.html", utc(2024, 5, 16, 10), "Id only"),
    )


def test_json_that_is_not_a_jsonfeed_is_unknown():
    assert parse_listing(b'{"version": 2, "items": []}', SITE) == Listing("unknown", ())
    assert parse_listing(b"[1, 2, 3]", SITE) == Listing("unknown", ())


def test_sitemap_lastmod_dates_and_bare_dates_are_utc():
    listing = parse_listing(SITEMAP, f"{SITE}/sitemap.xml", "text/xml")
    assert listing.kind == "sitemap"
    assert listing.links == (
        Link(f"{SITE}/2024/05/17/sitemap-one.html", utc(2024, 5, 17, 8)),
        Link(f"{SITE}/2024/05/16/sitemap-two.html", utc(2024, 5, 16)),
        Link(f"{SITE}/about-the-site.html", None),
    )


def test_google_news_sitemap_publication_date_beats_lastmod():
    listing = parse_listing(NEWS_SITEMAP, f"{SITE}/sitemap-news.xml")
    assert listing.kind == "sitemap"
    (link,) = listing.links
    assert link.published_at == utc(2024, 5, 17, 5, 15)
    assert link.title == "News one headline"


def test_sitemap_index_lists_child_sitemaps():
    listing = parse_listing(SITEMAP_INDEX, f"{SITE}/sitemap_index.xml")
    assert listing.kind == "sitemapindex"
    assert [link.url for link in listing.links] == [
        f"{SITE}/sitemap-news.xml",
        f"{SITE}/sitemap-articles.xml.gz",
    ]
    assert listing.links[0].published_at == utc(2024, 5, 17)


def test_gzipped_sitemap_is_detected_by_magic_not_by_url():
    listing = parse_listing(gzip.compress(SITEMAP), f"{SITE}/whatever", "application/octet-stream")
    assert listing == parse_listing(SITEMAP, f"{SITE}/whatever")
    assert listing.kind == "sitemap" and len(listing.links) == 3


def test_gzip_bomb_and_corrupt_gzip_are_unknown():
    bomb = gzip.compress(b"<urlset>" + b" " * (MAX_DECOMPRESSED + 10), compresslevel=9)
    assert len(bomb) < 1_000_000
    assert parse_listing(bomb, SITE).kind == "unknown"
    assert parse_listing(gzip.compress(SITEMAP)[:40], SITE).kind == "unknown"


def test_html_section_harvests_article_links_only():
    listing = parse_listing(SECTION, f"{SITE}/world/", "text/html; charset=utf-8")
    assert listing.kind == "html"
    assert listing.links == (
        Link(f"{SITE}/2024/05/17/first-story.html", None, "First story"),
        Link("https://www.news.example.com/news/second-long-story-slug", None, "Second story"),
    )
    assert listing.feeds == (f"{SITE}/world/rss.xml", f"{SITE}/atom.xml")


def test_html_without_content_type_and_base_href():
    page = b"<html><head><base href='https://news.example.com/en/'></head><body>" \
           b"<a href='2024/05/17/based-story.html'>Based</a></body></html>"
    listing = parse_listing(page, f"{SITE}/somewhere/")
    assert listing.links == (Link(f"{SITE}/en/2024/05/17/based-story.html", None, "Based"),)


@pytest.mark.parametrize("body", [
    b"", b"\x00\x01\x02\xff\xfe junk", b"<?xml version='1.0'?><unknownroot/>", b"{not json",
    b"<rss version='2.0'><channel><item><title>no link", b"<urlset><url><loc>", b"\x1f\x8b",
    "<rss>\u2603".encode("utf-16"),
])
def test_garbage_never_raises(body: bytes):
    listing = parse_listing(body, SITE)
    assert isinstance(listing, Listing)
    assert listing.kind in ("unknown", "rss", "sitemap", "html")
    assert all(link.url.startswith("http") for link in listing.links)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([None, "text/html", "application/xml"]))
def test_arbitrary_bytes_never_raise(body: bytes, content_type: str | None):
    assert isinstance(parse_listing(body, SITE, content_type), Listing)


def test_newest_first_puts_undated_last_in_document_order():
    a = Link("https://x.org/a", None)
    b = Link("https://x.org/b", utc(2024, 1, 1))
    c = Link("https://x.org/c", None)
    d = Link("https://x.org/d", utc(2024, 3, 1))
    e = Link("https://x.org/e", utc(2024, 2, 1))
    assert newest_first([a, b, c, d, e]) == [d, e, b, a, c]
    assert newest_first(iter([])) == []


def test_too_old():
    now = utc(2024, 5, 20, 12)
    fresh = Link("https://x.org/a", now - timedelta(days=2, hours=23))
    old = Link("https://x.org/b", now - timedelta(days=3, seconds=1))
    undated = Link("https://x.org/c", None)
    assert not too_old(fresh, 3, now)
    assert too_old(old, 3, now)
    assert not too_old(old, None, now)
    assert not too_old(undated, 0, now)
    assert too_old(old, 3, now.replace(tzinfo=None))  # a naive "now" is read as UTC


@pytest.mark.parametrize("url", [
    "https://x.com/2024/05/17/putin-wants-solution.html",
    "https://x.com/2024/05/putin",
    "https://x.com/news/20240517-putin",
    "https://x.com/news/putin-wants-a-solution",
    "https://x.com/news/world-europe-60412345",
    "https://x.com/article/123456",
    "https://x.com/politics/story.html",
    "https://x.com/dev/0a1b2c.html",
])
def test_article_shaped_urls(url: str):
    assert is_story_url(url)


@pytest.mark.parametrize("url", [
    "https://x.com/", "https://x.com/world/", "https://x.com/world/europe",
    "https://x.com/tag/putin-and-nato-talks", "https://x.com/category/world-news-today",
    "https://x.com/author/jane-doe-smith", "https://x.com/topic/war-in-ukraine",
    "https://x.com/section/world", "https://x.com/world/page/2", "https://x.com/world?page=3",
    "https://x.com/search?q=putin+nato+talks", "https://x.com/feed", "https://x.com/rss.xml",
    "https://x.com/media/2024/05/17/photo-of-tanks.jpg", "https://x.com/docs/annual-report-2024.pdf",
    "https://x.com/video/clip-of-the-day.mp4", "https://x.com/login", "https://x.com/subscribe",
    "https://x.com/privacy-policy", "https://x.com/terms-of-use", "https://x.com/contact-us",
    "https://x.com/about", "https://x.com/index.html", "https://x.com/elections-2024",
    "mailto:a@x.com", "ftp://x.com/2024/05/17/a.html",
])
def test_non_article_urls(url: str):
    assert not is_story_url(url)


def test_image_and_video_extensions_do_not_pose_as_news_fields():
    body = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
      xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">
    <url><loc>https://news.example.com/2024/05/17/pictured.html</loc><lastmod>2024-05-17</lastmod>
      <image:image><image:loc>https://news.example.com/img/1.jpg</image:loc><image:title>A photo</image:title></image:image>
      <video:video><video:title>A clip</video:title><video:publication_date>2020-01-01</video:publication_date></video:video>
    </url></urlset>"""
    assert parse_listing(body, SITE).links == (Link(f"{SITE}/2024/05/17/pictured.html", utc(2024, 5, 17)),)


def test_plain_text_sitemap():
    body = b"https://news.example.com/2024/05/17/one.html\r\n\r\nhttps://news.example.com/two-long-slug-here\n"
    listing = parse_listing(body, f"{SITE}/sitemap.txt", "text/plain")
    assert listing == Listing("sitemap", (Link(f"{SITE}/2024/05/17/one.html", None),
                                          Link(f"{SITE}/two-long-slug-here", None)))
    assert parse_listing(b"https://news.example.com/a\nnot a url\n", SITE, "text/plain").kind == "unknown"


def test_an_rss_guid_that_is_not_a_permalink_is_never_the_address():
    feed = b"""<rss version="2.0"><channel><title>x</title>
    <item><title>Opaque</title><guid isPermaLink="false">https://news.example.com/id/123456</guid></item>
    <item><title>Permalink</title><guid>https://news.example.com/2024/05/17/a-story-here</guid></item>
    </channel></rss>"""
    listing = parse_listing(feed, "https://news.example.com/rss.xml")
    assert [link.url for link in listing.links] == ["https://news.example.com/2024/05/17/a-story-here"]
