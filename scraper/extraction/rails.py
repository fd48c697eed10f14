"""Rail labels: the text that names a block of headline links ("Most read", "Related", "Mehr zum Thema").

Found by structure, in any language: the nearest heading-like element before the link's list,
or the rail's own aria-label, walking up from the link.
"""

from __future__ import annotations

import re

import lxml.html  # type: ignore[import-untyped]

from scraper.extraction.vocabulary import RAIL_HEADING_CLASS_TOKENS
from scraper.extraction.zones import attr_words

_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HEADING_CLASS = re.compile(r"(?:^|[\s_-])(?:" + "|".join(RAIL_HEADING_CLASS_TOKENS) + r")(?:$|[\s_-])", re.IGNORECASE)
_STOP_TAGS = frozenset({"body", "html", "main"})
_LABELLED_TAGS = frozenset({"section", "aside", "nav", "div", "ul", "ol"})
_MAX_LABEL_CHARS = 60
_MAX_LABEL_WORDS = 8
_SIBLINGS_LOOKED_AT = 3
_LEVELS = 8


def rail_label(a: lxml.html.HtmlElement, memo: dict[lxml.html.HtmlElement, str]) -> str:
    """Return the label text of the rail holding headline link `a` ("" when the rail names itself nowhere)."""
    branch, node, level = a, a.getparent(), 0
    chain = []
    label = ""
    while node is not None and node.tag not in _STOP_TAGS and level < _LEVELS:
        if node in memo:
            label = memo[node]
            break
        chain.append(node)
        label = _own_label(node) or _first_heading(node, branch) or _heading_before(node)
        if label:
            break
        branch, node, level = node, node.getparent(), level + 1
    for el in chain:
        memo[el] = label
    return label


def _own_label(el: lxml.html.HtmlElement) -> str:
    if el.tag in _LABELLED_TAGS:
        return _usable(el.get("aria-label") or "")
    return ""


def _first_heading(el: lxml.html.HtmlElement, branch: lxml.html.HtmlElement) -> str:
    """Return the text of a heading that opens `el` (among its first two children), not the link's own branch."""
    children = [c for c in el if isinstance(c.tag, str)][:2]
    for child in children:
        if child is branch:
            return ""
        label = _heading_text(child)
        if label:
            return label
    return ""


def _heading_before(el: lxml.html.HtmlElement) -> str:
    """Return the text of a heading among the few elements just before `el` (or their last child)."""
    sibling = el.getprevious()
    for _ in range(_SIBLINGS_LOOKED_AT):
        if sibling is None:
            return ""
        if isinstance(sibling.tag, str):
            label = _heading_text(sibling)
            if label:
                return label
            if sibling.find(".//a") is not None or len(sibling.text_content()) > 200:
                return ""  # another card or text in between: this is not the rail's heading
        sibling = sibling.getprevious()
    return ""


def _heading_text(el: lxml.html.HtmlElement) -> str:
    if el.tag in _HEADING_TAGS or _HEADING_CLASS.search(attr_words(el)):
        return _usable(el.text_content())
    if len(el) == 1 and isinstance(el[0].tag, str) and el[0].tag in _HEADING_TAGS and not (el.text or "").strip():
        return _usable(el[0].text_content())
    return ""


def _usable(text: str) -> str:
    text = " ".join(text.split())
    if not text or len(text) > _MAX_LABEL_CHARS or len(text.split()) > _MAX_LABEL_WORDS:
        return ""
    return text
