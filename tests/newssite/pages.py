"""The test site's documents: article and index HTML, feeds, sitemaps and robots.txt."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from tests.newssite.content import TAGS, Story, slugify

SITE_NAME = "Test Gazette"
_NAV = (("/", "Home"), ("/world/", "World"), ("/politics/", "Politics"),
        ("/tag/ukraine/", "Ukraine"), ("/about/", "About"), ("/subscribe", "Subscribe"))
_FOOTER = (("/about/", "About us"), ("/privacy/", "Privacy policy"), ("/terms/", "Terms of use"),
           ("/contact/", "Contact"), ("/rss.xml", "RSS"))


@dataclass(frozen=True)
class Entry:
    """One item of a feed, sitemap or index page."""

    href: str  # as written in the document: absolute, or a path with query
    title: str
    date: datetime | None = None
    summary: str = ""


def iso(when: datetime) -> str:
    """Return `when` as an RFC 3339 string in UTC with a Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _nav() -> str:
    """Return the site's navigation menu."""
    items = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in _NAV)
    return f'<header><a class="logo" href="/">{SITE_NAME}</a><nav class="menu"><ul>{items}</ul></nav></header>'


def _footer() -> str:
    """Return the site's footer."""
    links = " | ".join(f'<a href="{href}">{label}</a>' for href, label in _FOOTER)
    return f"<footer><p>{links}</p><p>&copy; 2024 {SITE_NAME}. All rights reserved.</p></footer>"


def article_html(story: Story, url: str) -> bytes:
    """Return the article page: metadata, JSON-LD, byline, body, tags and a headline sidebar."""
    when = iso(story.published_at)
    ld = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
        "datePublished": when, "dateModified": iso(story.modified_at or story.published_at),
        "author": {"@type": "Person", "name": story.author}, "mainEntityOfPage": url,
        "publisher": {"@type": "Organization", "name": SITE_NAME},
    }
    ld_json = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    title = escape(story.title)
    head = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} | {SITE_NAME}</title>"
        f'<link rel="canonical" href="{escape(url)}">'
        f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
        f'<meta property="og:url" content="{escape(url)}"><meta property="og:site_name" content="{SITE_NAME}">'
        f'<meta property="article:published_time" content="{when}"><meta name="author" content="{escape(story.author)}">'
        f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME}" href="/rss.xml">'
        f'<script type="application/ld+json">{ld_json}</script></head>'
    )
    body = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    tags = "".join(f'<li><a href="/tag/{t}/">{t.title()}</a></li>' for t in story.tags)
    article = (
        f'<main><article><h1>{title}</h1><p class="byline">By <a rel="author" '
        f'href="/author/{slugify(story.author)}/">{escape(story.author)}</a></p>'
        f'<time datetime="{when}">{story.published_at:%d %B %Y, %H:%M} UTC</time>'
        f'<div class="article-body">{body}</div><ul class="tags">{tags}</ul></article>'
        f"{_sidebar(story)}</main>"
    )
    return f"{head}<body>{_nav()}{article}{_footer()}</body></html>".encode()


def _sidebar(story: Story) -> str:
    """Return the <aside> with the story's headline blocks ("Latest", "Most read")."""
    blocks = []
    for name, links in story.sidebar:
        items = "".join(f'<li><a href="{escape(href)}">{escape(t)}</a></li>' for t, href in links)
        blocks.append(f'<section class="{slugify(name)}"><h2>{escape(name)}</h2><ul>{items}</ul></section>')
    return f'<aside class="sidebar">{"".join(blocks)}</aside>'


def index_html(title: str, entries: Sequence[Entry], url: str) -> bytes:
    """Return a section/index page: article teasers, nav, tag cloud, footer; og:type=website."""
    teasers = "".join(
        f'<article class="teaser"><h2><a href="{escape(e.href)}">{escape(e.title)}</a></h2>'
        f"<p>{escape(e.summary)}</p></article>"
        for e in entries
    )
    tag_cloud = "".join(f'<li><a href="/tag/{t}/">{t.title()}</a></li>' for t in TAGS)
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | {SITE_NAME}</title>'
        f'<meta property="og:type" content="website"><link rel="canonical" href="{escape(url)}">'
        f'<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        f'<link rel="alternate" type="application/atom+xml" href="/atom.xml">'
        f'<link rel="alternate" type="application/feed+json" href="/feed.json"></head>'
        f"<body>{_nav()}<main><h1>{escape(title)}</h1>{teasers}"
        f'<ul class="tags">{tag_cloud}</ul><p><a href="{escape(url)}?page=2">Older stories</a></p></main>'
        f"{_footer()}</body></html>"
    )
    return page.encode()


def rss_xml(entries: Sequence[Entry], site: str) -> bytes:
    """Return an RSS 2.0 feed with pubDate on dated items."""
    items = []
    for e in entries:
        date = f"<pubDate>{format_datetime(e.date, usegmt=True)}</pubDate>" if e.date else ""
        items.append(f"<item><title>{xml_escape(e.title)}</title><link>{xml_escape(e.href)}</link>"
                     f'<guid isPermaLink="false">{xml_escape(e.href)}</guid>{date}</item>')
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{SITE_NAME}</title>'
            f"<link>{site}/</link><description>All the news</description>{''.join(items)}"
            f"</channel></rss>").encode()


def atom_xml(entries: Sequence[Entry], site: str, updated: datetime) -> bytes:
    """Return an Atom feed whose entries carry published and updated."""
    items = "".join(
        f"<entry><title>{xml_escape(e.title)}</title><id>{xml_escape(e.href)}</id>"
        f'<link rel="alternate" type="text/html" href="{xml_escape(e.href)}"/>'
        f"<published>{iso(e.date)}</published><updated>{iso(e.date)}</updated>"
        f"<author><name>{SITE_NAME}</name></author></entry>"
        for e in entries if e.date
    )
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f'<title>{SITE_NAME}</title><id>{site}/</id><link rel="self" href="{site}/atom.xml"/>'
            f"<updated>{iso(updated)}</updated>{items}</feed>").encode()


def json_feed(entries: Sequence[Entry], site: str) -> bytes:
    """Return a JSON Feed 1.1 document."""
    items = [{"id": e.href, "url": e.href, "title": e.title, "content_text": e.summary,
              **({"date_published": iso(e.date)} if e.date else {})} for e in entries]
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": SITE_NAME,
            "home_page_url": f"{site}/", "feed_url": f"{site}/feed.json", "items": items}
    return json.dumps(feed, ensure_ascii=False, indent=1).encode()


def sitemap_xml(entries: Sequence[Entry], news: bool = False) -> bytes:
    """Return a urlset; with `news`, a Google News sitemap with news:publication_date."""
    rows = []
    for e in entries:
        if news and e.date:
            extra = (f"<news:news><news:publication><news:name>{SITE_NAME}</news:name>"
                     f"<news:language>en</news:language></news:publication>"
                     f"<news:publication_date>{iso(e.date)}</news:publication_date>"
                     f"<news:title>{xml_escape(e.title)}</news:title></news:news>")
        else:
            extra = f"<lastmod>{iso(e.date)}</lastmod>" if e.date else ""
        rows.append(f"<url><loc>{xml_escape(e.href)}</loc>{extra}</url>")
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
            f'sitemap/0.9"{ns}>{"".join(rows)}</urlset>').encode()


def sitemap_index_xml(locations: Sequence[str], updated: datetime) -> bytes:
    """Return a sitemapindex listing the child sitemaps."""
    rows = "".join(f"<sitemap><loc>{xml_escape(loc)}</loc><lastmod>{iso(updated)}</lastmod></sitemap>"
                   for loc in locations)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">{rows}</sitemapindex>').encode()


def robots_txt(site: str) -> bytes:
    """Return robots.txt: everything allowed but /private/, and the sitemap index."""
    return f"User-agent: *\nDisallow: /private/\n\nSitemap: {site}/sitemap_index.xml\n".encode()
