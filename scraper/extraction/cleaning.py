"""Boilerplate removal: drop the parts of a page that are never article text, before scoring."""

from __future__ import annotations

import re
from functools import lru_cache

import lxml.html  # type: ignore[import-untyped]

# Never text: code, media, controls.
JUNK_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas",
    "button", "select", "input", "textarea", "option", "video", "audio", "map", "dialog",
    "link", "meta", "head",
})
# Page furniture: removed unless it holds most of the page's paragraph text.
FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "header", "figure", "figcaption", "picture", "menu"})
BOILERPLATE = re.compile(
    r"share|social|sharing|newsletter|signup|sign-up|subscri|related|promo|advert|^ads?$|^ad[-_]|[-_]ads?$"
    r"|[-_]ad[-_]|dfp|gpt|sponsor|outbrain|taboola|comment|disqus|byline|author|caption|credit"
    r"|breadcrumb|popular|trending|recommend|sidebar|footer|masthead|navbar|^nav|[-_]nav|menu|cookie"
    r"|consent|modal|popup|overlay|toolbar|tags|tag-list|keywords|topics|read-?more|more-stories"
    r"|teaser|widget|banner|rail|newsroom-links|timestamp|dateline|meta-?data|print|jump|skip"
    r"|donate|paywall|login|alert|hidden|sr-only|visually-hidden|screen-reader|off-?screen",
    re.IGNORECASE,
)
# Class/id words that mark the article container itself; these protect an element from BOILERPLATE.
CONTENT_HINT = re.compile(
    r"article|body|content|entry|main|post|story|text|prose|blog|page|column|container|wrapper|layout",
    re.IGNORECASE,
)
_STRONG_BOILERPLATE = re.compile(
    r"related|share|social|newsletter|promo|advert|sponsor|outbrain|taboola|comment|byline|caption"
    r"|popular|trending|recommend|read-?more|more-stories", re.IGNORECASE)
HIDDEN_CLASS = re.compile(
    r"(?:^|\s)(?:hidden|hide|is-hidden|d-none|sr-only|visually-hidden|visuallyhidden|screen-reader-text"
    r"|off-screen|offscreen|u-hidden|element-invisible)(?:\s|$)",
    re.IGNORECASE,
)
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


def _paragraph_chars(el: lxml.html.HtmlElement) -> int:
    return sum(len(p.text_content()) for p in el.iter("p"))


def remove_element(el: lxml.html.HtmlElement) -> None:
    """Remove `el` from its tree, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def clean_tree(root: lxml.html.HtmlElement) -> None:
    """Remove junk, hidden elements and boilerplate blocks from `root` in place."""
    total = _paragraph_chars(root) or 1
    doomed = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag:
            doomed.append(el)  # comments, processing instructions
        elif tag in JUNK_TAGS or is_hidden(el):
            doomed.append(el)
        elif tag in FURNITURE_TAGS or _looks_like_boilerplate(el, tag):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is None or not _still_attached(el, root):
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag and tag not in JUNK_TAGS and _paragraph_chars(el) > (0.5 if is_hidden(el) else 0.3) * total:
            continue  # a "boilerplate" (or script-revealed, hidden) element holding most text is the article
        remove_element(el)


def _looks_like_boilerplate(el: lxml.html.HtmlElement, tag: str) -> bool:
    if tag in ("html", "body", "main", "article", "p", "a", "h1", "h2", "h3", "span", "strong", "em", "b", "i"):
        return False
    words = attr_words(el)
    return bool(words) and _boilerplate_words(words)


@lru_cache(maxsize=8192)
def _boilerplate_words(words: str) -> bool:
    if not BOILERPLATE.search(words):
        return False
    return not CONTENT_HINT.search(words) or bool(_STRONG_BOILERPLATE.search(words))


def _still_attached(el: lxml.html.HtmlElement, root: lxml.html.HtmlElement) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent is root:
            return True
        parent = parent.getparent()
    return el is root
