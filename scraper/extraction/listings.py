"""Listing pages (feeds, sitemaps, section pages) -> the article links they list.

Pure parsing: bytes in, frozen dataclasses out. The spider only wires this in
(the way scrapy's `utils/sitemap.py` stays apart from its `SitemapSpider`), so
nothing here imports scrapy or the database. The format is detected by
content, never by URL: sources list feeds under any address.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import struct_time
from urllib.parse import urljoin

import feedparser
import lxml.etree
import lxml.html

from scraper.extraction.dates import parse_date
from scraper.extraction.links import is_story_url
from scraper.extraction.urls import canonical_url, same_site

# A gzip body may decompress to at most this much; a bigger one is treated as
# garbage rather than risking memory on a decompression bomb.
MAX_DECOMPRESSED = 50 * 1024 * 1024
# Not plain application/json: WordPress advertises its REST API under that type.
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


@dataclass(frozen=True)
class Link:
    """One address a listing points to, with the date and title the listing gives it."""

    url: str  # absolute, canonical_url()'d
    published_at: datetime | None  # timezone-aware (UTC when the listing gave no zone)
    title: str | None = None
    # the address as the listing wrote it (absolute), when canonicalisation changed it; not part of equality
    listed: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Listing:
    """What one listing page holds."""

    kind: str  # "rss" | "atom" | "jsonfeed" | "sitemap" | "sitemapindex" | "html" | "unknown"
    links: tuple[Link, ...]  # sitemapindex: child sitemaps; html: candidate article links
    feeds: tuple[str, ...] = ()  # html only: advertised feed addresses (absolute)


UNKNOWN = Listing("unknown", ())


def parse_listing(body: bytes, url: str, content_type: str | None = None) -> Listing:
    """Return the listing `body` holds, detected by content; `Listing("unknown", ())` for garbage."""
    try:
        data = _gunzip(body or b"")
        if data is None:
            return UNKNOWN
        return _parse_by_root(data, url, (content_type or "").lower())
    except Exception:  # noqa: BLE001 - a bad listing must never stop a crawl
        return UNKNOWN


def newest_first(links: Iterable[Link]) -> list[Link]:
    """Return dated links newest first, then undated links in document order."""
    links = list(links)
    dated = [link for link in links if link.published_at is not None]
    dated.sort(key=lambda link: link.published_at, reverse=True)  # type: ignore[arg-type,return-value]
    return dated + [link for link in links if link.published_at is None]


def too_old(link: Link, max_age_days: int | None, now: datetime) -> bool:
    """Return True when the listing dates `link` more than `max_age_days` before `now`.

    Undated links are never too old: only the article page can tell.
    """
    if max_age_days is None or link.published_at is None:
        return False
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now - link.published_at > timedelta(days=max_age_days)


# --- detection ---------------------------------------------------------------

_PROLOG = re.compile(rb"^\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*", re.DOTALL | re.I)
_ROOT = re.compile(rb"<([A-Za-z][\w:.-]*)")
_HTML_TAGS = {"html", "head", "body", "title", "meta", "div", "p", "a", "script", "link"}


def _gunzip(body: bytes) -> bytes | None:
    """Return `body`, gunzipped when it starts with the gzip magic; None when corrupt or too big."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        inflater = zlib.decompressobj(wbits=31)
        data = inflater.decompress(body, MAX_DECOMPRESSED + 1)
    except zlib.error:
        return None
    return None if len(data) > MAX_DECOMPRESSED else data


def _parse_by_root(data: bytes, url: str, content_type: str) -> Listing:
    """Return the listing for decompressed `data`, dispatching on its first element or JSON."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return _parse_jsonfeed(data, url)
    prolog = _PROLOG.match(head)
    match = _ROOT.search(head, prolog.end() if prolog else 0)
    if not match:
        return _parse_html(data, url) if "html" in content_type else _parse_text_sitemap(data, url)
    root = match.group(1).decode("ascii").split(":")[-1].lower()
    if root in ("rss", "rdf", "feed"):
        return _parse_feed(data, url)
    if root in ("urlset", "sitemapindex"):
        return _parse_sitemap(data, url)
    if root in _HTML_TAGS or "html" in content_type or b"<html" in head.lower():
        return _parse_html(data, url)
    return UNKNOWN


# --- RSS / Atom ----------------------------------------------------------------


def _parse_feed(data: bytes, url: str) -> Listing:
    """Return an rss/atom listing parsed by feedparser (which copes with broken feeds)."""
    parsed = feedparser.parse(data, response_headers={"content-location": url})
    version = parsed.get("version") or ""
    kind = "atom" if version.startswith("atom") else "rss"
    if not version and not parsed.entries:
        return UNKNOWN
    links = []
    for entry in parsed.entries:
        href = _entry_href(entry)
        if not href:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        links.append(_link(href, url, _from_struct(when), _clean(entry.get("title"))))
    return Listing(kind, tuple(_dedupe(links)))


def _link(href: str, base: str, when: datetime | None, title: str | None = None) -> Link:
    """Return the Link for `href` as written in a listing at `base`: canonical, keeping the raw address."""
    url = canonical_url(href, base=base)
    try:
        raw = urljoin(base, href.strip())
    except ValueError:
        raw = url
    return Link(url, when, title, raw if raw != url else None)


def _entry_href(entry: feedparser.FeedParserDict) -> str | None:
    """Return the entry's page address: its alternate link, else a guid that is a permalink."""
    for link in entry.get("links") or ():
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    if entry.get("link"):
        return str(entry["link"])
    # An RSS <guid isPermaLink="false"> is an opaque id even when it looks like a URL: never the address.
    guid = entry.get("id") or ""
    return guid if entry.get("guidislink") and guid.startswith(("http://", "https://")) else None


def _from_struct(when: struct_time | None) -> datetime | None:
    """Return feedparser's UTC struct_time as an aware datetime."""
    if not when:
        return None
    try:
        return datetime(*when[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


# --- JSON Feed -------------------------------------------------------------------


def _parse_jsonfeed(data: bytes, url: str) -> Listing:
    """Return a jsonfeed listing (jsonfeed.org version 1 or 1.1), else unknown."""
    feed = json.loads(data.decode("utf-8-sig", errors="replace"))
    if not isinstance(feed, dict) or "jsonfeed.org/version/" not in str(feed.get("version")):
        return UNKNOWN
    links = []
    for item in feed.get("items") or ():
        if not isinstance(item, dict):
            continue
        href = item.get("url") or (item.get("id") if str(item.get("id", "")).startswith("http") else None)
        if not isinstance(href, str) or not href.strip():
            continue
        when = parse_date(_clean(item.get("date_published")) or _clean(item.get("date_modified")))
        links.append(_link(href, url, when, _clean(item.get("title"))))
    return Listing("jsonfeed", tuple(_dedupe(links)))


# --- sitemaps ----------------------------------------------------------------------

# No entity expansion and no network: sitemaps come from strangers.
_NEWS_NS = "{http://www.google.com/schemas/sitemap-news/"
_XML_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                                   recover=True, remove_comments=True, remove_pis=True)


def _parse_sitemap(data: bytes, url: str) -> Listing:
    """Return a sitemap (urlset, incl. Google News) or sitemapindex listing."""
    root = lxml.etree.fromstring(data, parser=_XML_PARSER)
    if root is None:
        return UNKNOWN
    kind = "sitemapindex" if _local(root.tag) == "sitemapindex" else "sitemap"
    links = [link for el in root if (link := _sitemap_entry(el, url)) is not None]
    return Listing(kind, tuple(_dedupe(links)))


def _sitemap_entry(el: lxml.etree._Element, url: str) -> Link | None:
    """Return the Link of one <url>/<sitemap> element; news:publication_date beats lastmod."""
    if not isinstance(el.tag, str) or _local(el.tag) not in ("url", "sitemap"):
        return None
    loc = lastmod = news_date = title = None
    for child in el.iter():
        if not isinstance(child.tag, str):
            continue
        name, text = _local(child.tag), (child.text or "").strip()
        if child.getparent() is el:
            loc = text if name == "loc" and loc is None else loc
            lastmod = text if name == "lastmod" else lastmod
        elif _NEWS_NS in child.tag:  # not image:title or video:publication_date
            news_date = text if name == "publication_date" else news_date
            title = text if name == "title" else title
    if not loc:
        return None
    when = parse_date(news_date) or parse_date(lastmod)
    return _link(loc, url, when, _clean(title))


def _parse_text_sitemap(data: bytes, url: str) -> Listing:
    """Return the links of a plain-text sitemap (one absolute URL a line), else unknown."""
    lines = [line.strip() for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if not lines or not all(line.startswith(("http://", "https://")) and " " not in line for line in lines):
        return UNKNOWN
    return Listing("sitemap", tuple(_dedupe(_link(line, url, None) for line in lines)))


def _local(tag: str) -> str:
    """Return an element tag without its namespace."""
    return tag.rsplit("}", 1)[-1].lower()


# --- HTML section pages -----------------------------------------------------------


def _parse_html(data: bytes, url: str) -> Listing:
    """Return an html listing: same-site article-shaped links and the advertised feeds."""
    doc = lxml.html.document_fromstring(data)
    base = url
    for href in doc.xpath("//base/@href")[:1]:
        base = canonical_url(str(href), base=url)
    feeds = []
    for el in doc.xpath("//link[@href]"):
        rels = (el.get("rel") or "").lower().split()
        if "alternate" in rels and (el.get("type") or "").lower().strip() in FEED_TYPES:
            feeds.append(canonical_url(el.get("href"), base=base))
    links = list(_harvest_links(doc, base, url))
    return Listing("html", tuple(_dedupe(links)), tuple(dict.fromkeys(feeds)))


def _harvest_links(doc: lxml.html.HtmlElement, base: str, page_url: str) -> Iterator[Link]:
    """Yield article-shaped links of the page outside its navigation menus."""
    page = canonical_url(page_url)
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        if _in_navigation(a):
            continue
        link = canonical_url(href, base=base)
        if link == page or not same_site(link, page) or not is_story_url(link):
            continue
        yield _link(href, base, None, _clean(a.text_content()) or _clean(a.get("title")))


def _in_navigation(el: lxml.html.HtmlElement) -> bool:
    """Return True when `el` sits inside a <nav> or role=navigation menu."""
    for parent in el.iterancestors():
        if parent.tag == "nav" or (parent.get("role") or "").lower() == "navigation":
            return True
    return False


# --- small shared helpers ----------------------------------------------------------


def _clean(text: object) -> str | None:
    """Return `text` with whitespace collapsed, or None when empty."""
    if not isinstance(text, str):
        return None
    text = " ".join(text.split())
    return text or None


def _dedupe(links: Iterable[Link]) -> Iterator[Link]:
    """Yield web links once per URL, keeping the first position and filling a missing title/date.

    Only http(s) addresses: a feed may list javascript:, mailto: or data: links (found by fuzzing).
    """
    seen: dict[str, Link] = {}
    for link in links:
        if not link.url.startswith(("http://", "https://")):
            continue
        old = seen.get(link.url)
        if old is None:
            seen[link.url] = link
        elif (old.title is None and link.title) or (old.published_at is None and link.published_at):
            seen[link.url] = Link(old.url, old.published_at or link.published_at, old.title or link.title)
    yield from seen.values()
