"""Zones: the subtrees of a page that are never article text (hidden, furniture, boilerplate classes).

Nothing is removed: the segmenter finds the zones on its walk and hands their labels on to the
blocks inside them; a zone that holds most of the page's paragraph text is the article, not a zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import lxml.html  # type: ignore[import-untyped]

from scraper.extraction.labels import BOILERPLATE, CAPTION, NAVIGATION
from scraper.extraction.vocabulary import (
    BOILERPLATE_CLASS_PATTERNS,
    CONTENT_CLASS_HINTS,
    HIDDEN_CLASS_TOKENS,
    STRONG_BOILERPLATE_CLASS_PATTERNS,
    ZONE_LABEL_WORDS,
)

# Never text: code, media, controls.
JUNK_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas",
    "button", "select", "input", "textarea", "option", "video", "audio", "map", "dialog",
    "link", "meta", "head",
})
# Page furniture: removed unless it holds most of the page's paragraph text.
FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "header", "figure", "figcaption", "picture", "menu"})
BOILERPLATE_CLASS = re.compile("|".join(BOILERPLATE_CLASS_PATTERNS), re.IGNORECASE)
# Class/id words that mark the article container itself; these protect an element from BOILERPLATE.
CONTENT_HINT = re.compile("|".join(map(re.escape, CONTENT_CLASS_HINTS)), re.IGNORECASE)
_STRONG_BOILERPLATE = re.compile("|".join(STRONG_BOILERPLATE_CLASS_PATTERNS), re.IGNORECASE)
HIDDEN_CLASS = re.compile(r"(?:^|\s)(?:" + "|".join(map(re.escape, HIDDEN_CLASS_TOKENS)) + r")(?:\s|$)", re.IGNORECASE)
_WORD_LABELS = tuple(
    (label, re.compile("|".join(re.escape(w) for w, lab in ZONE_LABEL_WORDS.items() if lab == label), re.IGNORECASE))
    for label in dict.fromkeys(ZONE_LABEL_WORDS.values()))
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _hidden_class(value: str) -> bool:
    return bool(HIDDEN_CLASS.search(value))


def is_hidden(el: lxml.html.HtmlElement) -> bool:
    """Return True when the element declares itself invisible (attribute, class or inline style)."""
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return True
    cls, style = el.get("class"), el.get("style")
    return bool((cls and _hidden_class(cls)) or (style and HIDDEN_STYLE.search(style)))


def attr_words(el: lxml.html.HtmlElement) -> str:
    """Return the element's class, id and role joined into one string for pattern tests."""
    return " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"), el.get("data-component"))))


@dataclass(frozen=True)
class Zone:
    """A subtree whose text is never article text, with the label and reason its blocks get."""

    label: str
    reason: str


_TAG_LABELS = {"nav": NAVIGATION, "menu": NAVIGATION, "figure": CAPTION, "figcaption": CAPTION, "picture": CAPTION}


EXCLUDED = Zone(BOILERPLATE, "matches the source's exclude selector")


def protection_share(zone: Zone) -> float:
    """Return the share of the page's paragraph text above which a zone is the article itself, not boilerplate."""
    return 0.5 if zone.reason.startswith("hidden") else 0.3


_HIDDEN = Zone(BOILERPLATE, "hidden element")
_TAG_ZONES = {tag: Zone(_TAG_LABELS.get(tag, BOILERPLATE), f"<{tag}> element") for tag in FURNITURE_TAGS}
_NEVER_BOILERPLATE_TAGS = frozenset({"html", "body", "main", "article", "p", "a", "h1", "h2", "h3", "span", "strong",
                                     "em", "b", "i"})


def zone_of(el: lxml.html.HtmlElement, tag: str) -> Zone | None:
    """Return the zone `el` opens when it is hidden, furniture or of a boilerplate class, else None."""
    if not el.keys():  # most elements have no attributes: only the tag can tell
        return _TAG_ZONES.get(tag)
    get = el.get
    return _zone_of_attributes(tag, get("class"), get("id"), get("role"), get("data-component"), get("style"),
                               get("hidden") is not None, (get("aria-hidden") or "").lower() == "true")


@lru_cache(maxsize=16384)
def _zone_of_attributes(tag: str, cls: str | None, ident: str | None, role: str | None, component: str | None,
                        style: str | None, hidden: bool, aria_hidden: bool) -> Zone | None:
    if hidden or aria_hidden or (cls and _hidden_class(cls)) or (style and HIDDEN_STYLE.search(style)):
        return _HIDDEN
    if tag in _TAG_ZONES:
        return _TAG_ZONES[tag]
    if tag in _NEVER_BOILERPLATE_TAGS:
        return None
    words = " ".join(filter(None, (cls, ident, role, component)))
    if words and _boilerplate_words(words):
        return Zone(_label_of_words(words), f"boilerplate class '{words[:60]}'")
    return None


@lru_cache(maxsize=8192)
def _label_of_words(words: str) -> str:
    for label, pattern in _WORD_LABELS:
        if pattern.search(words):
            return label
    return BOILERPLATE


@lru_cache(maxsize=8192)
def _boilerplate_words(words: str) -> bool:
    if not BOILERPLATE_CLASS.search(words):
        return False
    return not CONTENT_HINT.search(words) or bool(_STRONG_BOILERPLATE.search(words))
