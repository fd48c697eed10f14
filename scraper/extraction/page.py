"""One page in, one `Article` out: the extraction entry point, which never raises."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scraper.extraction.article import containers_text, extract_body, ld_body_text
from scraper.extraction.cleaning import clean_tree
from scraper.extraction.headlines import find_headlines
from scraper.extraction.metadata import (
    find_authors,
    find_canonical,
    find_image,
    find_language,
    find_published,
    find_title,
    is_paywalled,
    read_metadata,
)
from scraper.extraction.model import Article
from scraper.extraction.pagetype import classify_page
from scraper.extraction.parse import decode_html, parse_html
from scraper.extraction.reconcile import choose_body
from scraper.extraction.rules import SiteRules, remove_excluded, select, selected_headlines
from scraper.extraction.urls import canonical_url

log = logging.getLogger(__name__)
NO_RULES = SiteRules()


def extract_article(html: bytes | str, url: str, rules: SiteRules | None = None) -> Article:
    """Return the `Article` found in `html` fetched from `url`; never raises (is_article=False and a reason instead).

    `rules` are the site's own CSS selectors, where its source declares any.
    """
    try:
        return _extract(html, url, rules or NO_RULES)
    except RecursionError:
        return Article(url=_safe_url(url), is_article=False, reason="document nested too deeply")
    except Exception as exc:  # a bad page must never stop a crawl; the reason is logged and stored
        log.debug("extraction failed for %s", url, exc_info=True)
        return Article(url=_safe_url(url), is_article=False, reason=f"extraction error: {type(exc).__name__}")


def _safe_url(url: str) -> str:
    try:
        return canonical_url(url if isinstance(url, str) else "")
    except Exception:
        return url if isinstance(url, str) else ""


def _extract(html: bytes | str, url: str, rules: SiteRules) -> Article:
    url = url.strip() if isinstance(url, str) else ""
    try:
        urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host: keep going without URL-based signals
        url = ""
    root = parse_html(decode_html(html or b""))
    if root is None:
        return Article(url=_safe_url(url), is_article=False, reason="empty or unparseable document")
    md = read_metadata(root)
    remove_excluded(root, rules)
    canonical = find_canonical(root, md, url)
    title = find_title(root, md)
    page_urls = {canonical, _safe_url(url)}
    published, authors = find_published(root, md, url), find_authors(root, md, url)
    headlines = selected_headlines(root, rules, url, page_urls)
    if headlines is None:
        headlines = find_headlines(root, url, page_urls)
    chosen = select(root, rules.body)
    if chosen:
        clean_tree(root)  # the rules say where the text is; boilerplate inside it still goes
        dom_body = containers_text(chosen, title, url, authors)
    else:
        dom_body = extract_body(root, title, url, authors)  # mutates the tree: everything that reads it comes first
    body = choose_body(dom_body, ld_body_text(md.article_ld.get("articleBody")))
    paragraphs = body.count("\n\n") + 1 if body else 0
    is_article, reason = classify_page(md, canonical, body, paragraphs, len(headlines))
    return Article(
        url=canonical, title=title, body=body, published_at=published, authors=authors,
        language=find_language(root, md), image_url=find_image(md, url), paywalled=is_paywalled(md),
        headlines=headlines, is_article=is_article, reason=reason,
    )
