"""Per-site extraction rules as data: CSS selectors a user declares for a source in sources.toml.

The heuristics need no configuration; these rules are for the site where they
still go wrong. They override the heuristics only where they match something,
so a redesign that breaks a selector falls back to the general rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html  # type: ignore[import-untyped]
from cssselect import GenericTranslator, SelectorError
from lxml import etree

from scraper.extraction.headlines import anchor_title
from scraper.extraction.urls import canonical_url


@dataclass(frozen=True)
class SiteRules:
    """CSS selectors of one site ([sources.extraction] in sources.toml); each may be None."""

    body: str | None = None  # the element(s) holding the article text
    headlines: str | None = None  # headline links, or blocks whose links are headlines
    exclude: str | None = None  # elements whose text is never body nor headline (ads, teasers, boxes)


def selector_error(selector: str) -> str | None:
    """Return why `selector` is not a usable CSS selector, or None when it is."""
    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        return str(exc) or "invalid selector"
    return None


def select(root: lxml.html.HtmlElement, selector: str | None) -> list[lxml.html.HtmlElement]:
    """Return the elements of `root` matching `selector`, in document order ([] for None)."""
    if not selector:
        return []
    return list(etree.XPath(GenericTranslator().css_to_xpath(selector))(root))


def selected_headlines(root: lxml.html.HtmlElement, rules: SiteRules, url: str,
                       excluded: list[lxml.html.HtmlElement]) -> list[tuple[lxml.html.HtmlElement, str, str]] | None:
    """Return the (anchor, canonical URL, title) links the rules select, or None when nothing matches."""
    anchors: list[lxml.html.HtmlElement] = []
    for el in select(root, rules.headlines):
        anchors.extend([el] if el.tag == "a" else el.iter("a"))
    if not anchors:
        return None
    skipped = set(excluded)
    picked = []
    for a in anchors:
        if skipped and any(el in skipped for el in (a, *a.iterancestors())):
            continue
        href, title = a.get("href"), anchor_title(a)
        link = canonical_url(href, base=url) if href and title else ""
        if link.startswith(("http://", "https://")):
            picked.append((a, link, title))
    return picked
