"""The local test news site serves what it promises, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest

from scraper.extraction.listings import Listing, parse_listing, too_old
from scraper.extraction.urls import canonical_url
from tests.newssite import NewsSite

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2024, 5, 17, 12, 0, tzinfo=UTC)


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]
    url: str


def fetch(url: str, headers: dict[str, str] | None = None) -> Response:
    """Return the response to a GET of `url` (redirects followed), errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return Response(r.status, r.headers.get("Content-Type", ""), r.read(), dict(r.headers), r.url)
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers.get("Content-Type", ""), e.read(), dict(e.headers), url)


def listing(site: NewsSite, path: str) -> Listing:
    """Return the served listing at `path`, parsed by the discovery module."""
    r = fetch(site.url + path)
    assert r.status == 200
    return parse_listing(r.body, site.url + path, r.content_type)


def paths(links) -> list[str]:
    """Return the path?query of each link."""
    return [urlsplit(link.url).path + (f"?{urlsplit(link.url).query}" if urlsplit(link.url).query else "")
            for link in links]


@pytest.fixture(scope="module")
def dev_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a tiny extraction-dev look-alike: gzip'd pages whose links leave the site."""
    root = tmp_path_factory.mktemp("dev")
    (root / "html").mkdir()
    for key in ("aa11", "bb22", "cc33"):
        page = (f"<html><head><title>Dev {key}</title></head><body><p>Body of {key} with "
                f'<a href="https://www.example.org/news/{key}-story-elsewhere">a real site</a>.</p></body></html>')
        (root / "html" / f"{key}.html.gz").write_bytes(gzip.compress(page.encode()))
    return root


@pytest.fixture(scope="module")
def site(dev_set: Path) -> Iterator[NewsSite]:
    with NewsSite(n_generated=30, dev_set=dev_set, n_dev=2, now=NOW) as s:
        yield s


def test_layout_counts(site: NewsSite):
    e = site.expected
    assert (len(e.fresh), len(e.old), len(e.seed_related), len(e.unserved_headlines), len(e.dev)) == (25, 5, 6, 11, 2)
    assert len(e.articles) == 25 + 5 + 1 + 6 + 2
    assert e.dev == ("/dev/aa11.html", "/dev/bb22.html")
    assert all(NOW - e.articles[p] > timedelta(days=10) for p in e.old)
    assert all(NOW - e.articles[p] < timedelta(days=10) for p in e.fresh)
    assert site.article_urls() == [site.url + p for p in e.articles]


def test_robots_disallows_private_and_names_the_sitemap_index(site: NewsSite):
    r = fetch(site.url + "/robots.txt")
    assert (r.status, r.content_type.split(";")[0]) == (200, "text/plain")
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(r.body.decode().splitlines())
    assert not robots.can_fetch("news-scraper", site.url + "/private/secret-article.html")
    assert robots.can_fetch("news-scraper", site.url + site.expected.seed)
    assert robots.site_maps() == [site.url + "/sitemap_index.xml"]
    assert fetch(site.url + "/private/secret-article.html").status == 200  # a real trap if fetched


@pytest.mark.parametrize("path, kind, content_type", [
    ("/rss.xml", "rss", "application/rss+xml"),
    ("/atom.xml", "atom", "application/atom+xml"),
    ("/feed.json", "jsonfeed", "application/feed+json"),
    ("/sitemap-news.xml", "sitemap", "application/xml"),
    ("/sitemap-articles.xml.gz", "sitemap", "application/gzip"),
    ("/world/", "html", "text/html"),
    ("/politics/", "html", "text/html"),
])
def test_listings_parse_as_their_kind_and_match_expected(site: NewsSite, path: str, kind: str, content_type: str):
    r = fetch(site.url + path)
    assert r.status == 200 and r.content_type.split(";")[0] == content_type
    parsed = parse_listing(r.body, site.url + path, r.content_type)
    assert parsed.kind == kind
    # discovery drops tracking parameters; everything else must be exactly what expected says
    assert paths(parsed.links) == [canonical_url(h, base=site.url).removeprefix(site.url)
                                   for h in site.expected.listings[path] if not h.endswith(".pdf") or kind != "html"]
    if kind != "html":
        assert all(link.published_at is not None for link in parsed.links)


def test_sitemap_index_points_to_news_and_gzip_sitemaps(site: NewsSite):
    index = listing(site, "/sitemap_index.xml")
    assert index.kind == "sitemapindex"
    assert paths(index.links) == ["/sitemap-news.xml", "/sitemap-articles.xml.gz"]
    raw = fetch(site.url + "/sitemap-articles.xml.gz").body
    assert raw[:2] == b"\x1f\x8b" and b"<urlset" in gzip.decompress(raw)
    news = fetch(site.url + "/sitemap-news.xml").body
    assert news.count(b"<news:publication_date>") == 21


def test_old_articles_are_listed_only_with_old_dates(site: NewsSite):
    rss = {urlsplit(link.url).path: link for link in listing(site, "/rss.xml").links}
    for path in site.expected.old:
        assert too_old(rss[path], 10, NOW)
        assert path not in site.expected.listings["/world/"] + site.expected.listings["/politics/"]
    assert site.expected.stored(None) == frozenset(site.expected.articles)
    assert site.expected.stored(10) == frozenset(site.expected.articles) - set(site.expected.old)


def test_sections_are_index_pages_with_nav_tags_and_footer(site: NewsSite):
    page = fetch(site.url + "/world/").body.decode()
    assert 'og:type" content="website"' in page and "NewsArticle" not in page
    doc = lxml.html.fromstring(page)
    assert doc.xpath("//nav//a") and doc.xpath("//footer//a") and doc.xpath('//a[starts-with(@href, "/tag/")]')
    harvested = paths(parse_listing(page.encode(), site.url + "/world/").links)
    assert not [p for p in harvested if p.startswith(("/tag/", "/about", "/privacy"))]


def test_article_page_has_metadata_body_and_sidebar(site: NewsSite):
    path = site.expected.fresh[3]
    story = site.story(path)
    r = fetch(site.url + path)
    assert r.status == 200 and r.content_type == "text/html; charset=utf-8"
    doc = lxml.html.fromstring(r.body)
    assert doc.findtext(".//title") == f"{story.title} | Test Gazette"
    assert doc.xpath('//meta[@property="og:type"]/@content') == ["article"]
    assert doc.xpath('//link[@rel="canonical"]/@href') == [site.url + path]
    ld = json.loads(doc.xpath('//script[@type="application/ld+json"]/text()')[0])
    assert (ld["@type"], ld["headline"], ld["author"]) == ("NewsArticle", story.title, {"@type": "Person", "name": story.author})
    assert datetime.fromisoformat(ld["datePublished"]) == story.published_at
    assert doc.xpath('//p[@class="byline"]//text()')[-1] == story.author
    assert doc.xpath("//article//time/@datetime")
    body = [p.text_content() for p in doc.xpath('//div[@class="article-body"]/p')]
    assert "\n\n".join(body) == story.body and 5 <= len(body) <= 10
    assert all(40 <= len(p.split()) <= 80 for p in body)
    assert [h.text for h in doc.xpath("//aside//h2")] == ["Latest", "Most read"]


def test_sidebar_links_mix_styles_and_resolve_to_articles(site: NewsSite):
    doc = lxml.html.fromstring(fetch(site.url + site.expected.fresh[0]).body)
    hrefs = doc.xpath("//aside//a/@href")
    assert len(hrefs) == 10
    assert any(h.startswith("http://127.0.0.1") for h in hrefs) and any(h.startswith("/") for h in hrefs)
    assert any("utm_source=" in h for h in hrefs)
    for href in hrefs:
        assert canonical_url(href, base=site.url).removeprefix(site.url) in site.expected.fresh


def test_seed_article_body_and_sidebar_headlines(site: NewsSite):
    seed_text = (ROOT / "tests" / "data" / "seed.txt").read_text(encoding="utf-8")
    body, _, tail = seed_text.partition("\n\n\n")
    doc = lxml.html.fromstring(fetch(site.url + site.expected.seed).body)
    paragraphs = [p.text_content() for p in doc.xpath('//div[@class="article-body"]/p')]
    assert paragraphs == [line.strip() for line in body.splitlines() if line.strip()]
    titles = [a.text_content() for a in doc.xpath("//aside//a")]
    assert titles == [line.strip() for line in tail.splitlines() if line.strip()]
    targets = [canonical_url(h, base=site.url).removeprefix(site.url) for h in doc.xpath("//aside//a/@href")]
    assert sorted(targets) == sorted(site.expected.seed_related + site.expected.unserved_headlines)
    assert all(fetch(site.url + p).status == 200 for p in site.expected.seed_related)
    assert all(fetch(site.url + p).status == 404 for p in site.expected.unserved_headlines)


def test_broken_links(site: NewsSite):
    got = {p: fetch(site.url + p) for p in site.expected.broken}
    assert {p: r.status for p, r in got.items()} == site.expected.broken
    assert got["/broken/file.pdf"].content_type == "application/pdf"
    assert got["/broken/file.pdf"].body.startswith(b"%PDF-")
    assert got["/broken/empty.html"].body == b""
    junk = got["/broken/garbage.html"]
    assert junk.content_type.startswith("text/html") and b"\x00" in junk.body or max(junk.body) > 127


def test_aliases_redirect_or_serve_the_same_page(site: NewsSite):
    (go,) = [a for a in site.expected.aliases if a.startswith("/go/")]
    target = site.expected.aliases[go]
    conn = http.client.HTTPConnection(site.host, site.port, timeout=10)
    conn.request("GET", go)
    raw = conn.getresponse()
    assert (raw.status, raw.getheader("Location")) == (301, site.url + target)
    conn.close()
    canonical_page = fetch(site.url + target).body
    for variant in site.expected.aliases:
        r = fetch(site.url + variant)
        assert (r.status, r.body, r.url) == (200, canonical_page, site.url + (target if variant == go else variant))


def test_dev_pages_are_served_verbatim_and_listed(site: NewsSite, dev_set: Path):
    body = fetch(site.url + "/dev/aa11.html").body
    assert body == gzip.decompress((dev_set / "html" / "aa11.html.gz").read_bytes())
    assert fetch(site.url + "/dev/cc33.html").status == 404  # n_dev=2
    assert "/dev/bb22.html" in site.expected.listings["/sitemap-articles.xml.gz"]


def test_conditional_get_and_revise(site: NewsSite):
    path = site.expected.fresh[7]
    first = fetch(site.url + path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert fetch(site.url + path, {"If-None-Match": etag}).status == 304
    assert fetch(site.url + path, {"If-Modified-Since": modified}).status == 304
    site.revise(path, "A correction was added.\n\nSecond paragraph of the revision.")
    second = fetch(site.url + path, {"If-None-Match": etag})
    assert second.status == 200 and second.headers["ETag"] != etag
    assert b"<p>A correction was added.</p><p>Second paragraph of the revision.</p>" in second.body
    assert site.story(path).body == "A correction was added.\n\nSecond paragraph of the revision."


def test_requests_are_recorded_across_threads():
    with NewsSite(n_generated=6, now=NOW) as s:
        urls = [s.url + p for p in s.expected.fresh] * 8
        with ThreadPoolExecutor(16) as pool:
            assert set(pool.map(lambda u: fetch(u).status, urls)) == {200}
        fetch(s.url + "/nowhere?x=1")
        assert len(s.requests) == len(urls) + 1 and s.requests[-1] == "/nowhere?x=1"
        assert s.fetched(s.expected.fresh[0]) == 8 and s.fetched(s.expected.disallowed[0]) == 0


def test_content_is_deterministic_apart_from_the_port():
    with NewsSite(n_generated=12, now=NOW) as a, NewsSite(n_generated=12, now=NOW) as b:
        assert a.port != b.port
        assert a.expected.articles == b.expected.articles
        for path in a.expected.articles:
            assert fetch(a.url + path).body.replace(a.url.encode(), b"") == fetch(b.url + path).body.replace(b.url.encode(), b"")
    with NewsSite(n_generated=40, now=NOW) as bigger:  # growing the site keeps the first stories
        small, big = a.story(a.expected.fresh[0]), bigger.story(bigger.expected.fresh[0])
        assert (big.path, big.title, big.body) == (small.path, small.title, small.body)


def _crawl(site: NewsSite, max_age_days: int | None) -> set[str]:
    """Return the article paths a minimal robots-obeying crawl via discovery would store."""
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(fetch(site.url + "/robots.txt").body.decode().splitlines())
    queue, seen, stored = list(site.start_urls()), set(), set()
    while queue:
        url = queue.pop(0)
        if url in seen or not robots.can_fetch("*", url):
            continue
        seen.add(url)
        r = fetch(url)
        parsed = parse_listing(r.body, r.url, r.content_type) if url in site.start_urls() or url.endswith(".gz") or "sitemap" in url else None
        if parsed is not None and parsed.kind != "unknown":
            queue += [link.url for link in parsed.links if not too_old(link, max_age_days, NOW)]
        elif r.status == 200 and r.content_type.startswith("text/html") and r.body:
            doc = lxml.html.fromstring(r.body)
            canonical = doc.xpath('//link[@rel="canonical"]/@href') or [r.url]
            if doc.xpath('//meta[@property="og:type"][@content="article"]') or "/dev/" in url:
                stored.add(urlsplit(canonical[0]).path)
    return stored


@pytest.mark.parametrize("max_age_days", [None, 1, 3, 10])
def test_expected_matches_what_a_crawl_through_discovery_finds(dev_set: Path, max_age_days: int | None):
    with NewsSite(n_generated=30, dev_set=dev_set, n_dev=2, now=NOW) as site:
        stored = _crawl(site, max_age_days)
        assert stored == site.expected.stored(max_age_days)
        assert site.fetched("/private/secret-article.html") == 0
    if max_age_days is None:
        assert len(stored) == 39
    elif max_age_days == 1:  # 12 generated stories (one per 2 h), the seed and 2 of its sidebar stories
        assert len(stored) == 15 and set(site.expected.old).isdisjoint(stored)


def test_large_site_keeps_fresh_articles_within_ten_days():
    with NewsSite(n_generated=1200, now=NOW) as s:
        assert len(s.expected.articles) == 1200 + 1 + 6
        assert all(NOW - s.expected.articles[p] < timedelta(days=9, hours=1) for p in s.expected.fresh)
        assert len(listing(s, "/sitemap-articles.xml.gz").links) == 1207


@pytest.mark.parametrize("sigint", [signal.SIG_DFL, signal.SIG_IGN], ids=["foreground", "background"])
def test_module_entry_point_serves_until_interrupted(sigint):
    """Also when started with SIGINT ignored, as `nohup` and `cmd &` in a script start it (issue 13.10)."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.newssite", "--port", "0", "--pages", "5"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        assert listing_kind(url + "/rss.xml") == "rss"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def listing_kind(url: str) -> str:
    """Return the kind of listing served at `url`."""
    r = fetch(url)
    return parse_listing(r.body, url, r.content_type).kind
