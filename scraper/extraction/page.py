"""One page in, one `Article` out: parse, read metadata, segment once, label every block, read the outputs.

The tree is never edited: zones, the article container and the headline rails are labels on the
blocks of one segmentation, so body and sidebar cannot overlap, and `analyse_page` can say for
every block why it got its label (`scraper extract --explain`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html  # type: ignore[import-untyped]

from scraper.extraction.content import find_content
from scraper.extraction.headlines import Found, dedupe_headlines, find_headlines
from scraper.extraction.label import (
    Labelled,
    body_text,
    label_blocks,
    ld_body_text,
    story_list_elements,
)
from scraper.extraction.labels import BODY, HEADLINE, TITLE
from scraper.extraction.links import LinkClassifier
from scraper.extraction.metadata import (
    date_in_text,
    find_authors,
    find_canonical,
    find_image,
    find_language,
    find_published,
    find_title,
    is_paywalled,
    page_address,
    read_metadata,
)
from scraper.extraction.model import Article, Headline
from scraper.extraction.pagetype import classify_page
from scraper.extraction.parse import decode_html, looks_binary, parse_html
from scraper.extraction.reconcile import choose_body
from scraper.extraction.rules import SiteRules, select, selected_headlines
from scraper.extraction.segment import BLOCK_TAGS, Segmentation, segment
from scraper.extraction.urls import canonical_url
from scraper.extraction.zones import attr_words

log = logging.getLogger(__name__)
NO_RULES = SiteRules()


@dataclass(frozen=True)
class Analysis:
    """The article and every labelled block it was read from."""

    article: Article
    blocks: tuple[Labelled, ...] = ()
    body_from: str = "blocks"  # or "JSON-LD articleBody", when the page's data held the fuller text
    address_from: str = "given"  # where the page's address came from when none was given ("" = nowhere)


def extract_article(html: bytes | str, url: str, rules: SiteRules | None = None) -> Article:
    """Return the `Article` found in `html` fetched from `url`; never raises (is_article=False and a reason instead).

    `rules` are the site's own CSS selectors, where its source declares any. With `url` "" (a saved
    page), the page's own address (rel=canonical, og:url, JSON-LD url) stands in for it.
    """
    return analyse_page(html, url, rules).article


def analyse_page(html: bytes | str, url: str, rules: SiteRules | None = None) -> Analysis:
    """Return the article and the labelled blocks of `html`; never raises."""
    try:
        return _analyse(html, url, rules or NO_RULES)
    except RecursionError:
        return Analysis(Article(url=_safe_url(url), is_article=False, reason="document nested too deeply"))
    except Exception as exc:  # a bad page must never stop a crawl; the reason is logged and stored
        log.debug("extraction failed for %s", url, exc_info=True)
        return Analysis(Article(url=_safe_url(url), is_article=False, reason=f"extraction error: {type(exc).__name__}"))


def _safe_url(url: str) -> str:
    try:
        return canonical_url(url if isinstance(url, str) else "")
    except Exception:
        return url if isinstance(url, str) else ""


def _clean_url(url: str) -> str:
    url = url.strip() if isinstance(url, str) else ""
    try:
        urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host: keep going without URL-based signals
        return ""
    return url


def _base_url(root: lxml.html.HtmlElement, url: str) -> str:
    base = next((b.get("href") for b in root.iter("base") if b.get("href")), None)
    try:
        return urljoin(url, base) if base and url else url
    except ValueError:
        return url


def _analyse(html: bytes | str, url: str, rules: SiteRules) -> Analysis:
    url = _clean_url(url)
    if looks_binary(html):
        return Analysis(Article(url=_safe_url(url), is_article=False, reason="binary or undecodable content"))
    root = parse_html(decode_html(html or b""))
    if root is None:
        return Analysis(Article(url=_safe_url(url), is_article=False, reason="empty or unparseable document"))
    md = read_metadata(root)
    address_from = "given"
    if not url:
        url, address_from = page_address(root, md)
        url = _clean_url(url)
    excluded = select(root, rules.exclude)
    canonical = find_canonical(root, md, url)
    title = find_title(root, md)
    published, authors = find_published(root, md, url), find_authors(root, md, url)
    links = LinkClassifier(_base_url(root, url), url)
    seg, containers, container_reason = _article(root, rules, links, excluded)
    found, rails = _headlines(root, rules, url, links, {canonical, _safe_url(url)}, excluded)
    story_lists = [el for c in containers for el in story_list_elements(c, links)] if links.site else []
    labelled = label_blocks(seg, containers, container_reason, rails, story_lists, title, authors)
    published = published or date_in_text(_near_title(labelled))
    dom_body = body_text(labelled)
    body = choose_body(dom_body, ld_body_text(md.article_ld.get("articleBody")))
    paragraphs = body.count("\n\n") + 1 if body else 0
    is_article, reason = classify_page(md, canonical, body, paragraphs, len(found))
    if reason.startswith("binary"):
        body = ""  # undecodable bytes are no text to store
    article = Article(
        url=canonical, title=title, body=body, published_at=published, authors=authors,
        language=find_language(root, md), image_url=find_image(md, url), paywalled=is_paywalled(md),
        headlines=tuple(Headline(title=h.title, url=h.url, block=h.rail) for h in found),
        is_article=is_article, reason=reason,
    )
    return Analysis(article, labelled, "blocks" if body == dom_body else "JSON-LD articleBody", address_from)


def _headlines(root: lxml.html.HtmlElement, rules: SiteRules, url: str, links: LinkClassifier, page_urls: set[str],
               excluded: list[lxml.html.HtmlElement]) -> tuple[tuple[Found, ...], dict]:
    picked = selected_headlines(root, rules, url, excluded) if rules.headlines else None
    if picked is not None:
        return dedupe_headlines(picked, page_urls)
    return find_headlines(root, links, page_urls, excluded)


def _article(root: lxml.html.HtmlElement, rules: SiteRules, links: LinkClassifier,
             excluded: list[lxml.html.HtmlElement]) -> tuple[Segmentation, tuple, str]:
    """Return the page's segmentation, the element(s) holding the article and why they were chosen."""
    own = links.stays_on_site if links.site else None
    seg = segment(root, own, excluded)
    containers = tuple(select(root, rules.body))
    if containers:
        reason = "matches the source's body selector"
    else:
        choice = find_content(root, seg)
        containers = choice.containers
        reason = f"in the article container {_describe(containers[0])} (score {choice.score:.0f})"
    if any(not isinstance(c.tag, str) or c.tag not in BLOCK_TAGS for c in containers):
        seg = segment(root, own, excluded, boundaries=frozenset(containers))  # an inline container must bound blocks
    return seg, containers, reason


def _near_title(labelled: tuple[Labelled, ...]) -> list[str]:
    """Return the texts of the few blocks around the headline block (where bylines and dates sit)."""
    start = next((i for i, item in enumerate(labelled) if item.label == TITLE), None)
    if start is None:
        start = next((i for i, item in enumerate(labelled) if item.label == BODY), 0)
    return [item.block.text for item in labelled[max(0, start - 3):start + 8] if item.label != HEADLINE]


def _describe(el: lxml.html.HtmlElement) -> str:
    words = attr_words(el)
    return f"<{el.tag}{' ' + words[:40] if words else ''}>"
