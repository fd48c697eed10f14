"""Headline sidebar: the links to other stories that a page shows around its article."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from copy import deepcopy
from dataclasses import dataclass
from functools import lru_cache

import lxml.html  # type: ignore[import-untyped]

from scraper.extraction.links import PARTNER, STORY, LinkClassifier
from scraper.extraction.rails import rail_label
from scraper.extraction.segment import BLOCK_TAGS, text_lines
from scraper.extraction.urls import canonical_url
from scraper.extraction.zones import attr_words, is_hidden

# Containers whose links are never headlines: menus, share bars, ads, comments, commerce.
_EXCLUDED_TAGS = frozenset({"nav", "figcaption", "form", "select", "button", "label", "time", "menu", "cite"})
_EXCLUDED_ATTR = re.compile(
    r"(?:^|[\s_-])(?:[a-z]*nav|[a-z]*navbar|navigation|[a-z]*menu|mega-menu|dropdown|drawer|breadcrumbs?|share|sharing"
    r"|social|sponsor\w*|advert\w*|ads?|adslot|dfp|outbrain|taboola|promoted|partner-content|paid"
    r"|comments?|newsletter|subscribe|login|cookie|footer-links|legal|copyright|deals?|shop|commerce"
    r"|affiliate|forum)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Said of the link itself (or its parent): a label pointing at an author, tag or section, not a story.
_LABEL_LINK_ATTR = re.compile(
    r"byline|author|(?:^|[\s_-])(?:tags?|cats?)(?:$|[\s_-])|topic|categor|kicker|eyebrow|section-label|breadcrumb",
    re.IGNORECASE)
# "Get more meal ideas here", "Click here to ...", "Read more about X": buttons, not headlines.
_CALL_TO_ACTION = re.compile(
    r"^(?:(?:get|read|see|learn|find|discover|view|shop|browse)\b.*\b(?:here|more)\W*$|click here\b|sign up\b"
    r"|subscribe\b|read more\b|see more\b|learn more\b|view more\b|load more\b|show more\b)", re.IGNORECASE)
_URL_TEXT = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)
_ARCHIVE_TITLE = re.compile(r"^\s*(?:view|see|browse|read|more)\s+(?:all\s+|more\s+)?(?:posts|articles|stories|news)\b",
                            re.IGNORECASE)
_BLOCK_PARENTS = frozenset({"p", "div", "li", "td", "dd", "blockquote", "section", "article", "body"})
_META_TAGS = frozenset({"small", "time", "sup", "sub", "abbr", "img", "i", "svg"})
# Dates, times, counts and reading times next to a link are card furniture, not running text.
_META_WORDS = re.compile(
    r"\d+|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\b(?:ago|min|mins|minutes?|hours?|hrs?"
    r"|days?|weeks?|read|comments?|views?|shares?|am|pm|updated|published|posted|by)\b", re.IGNORECASE)
_NON_WORD = re.compile(r"[\W_]+")
_PREV_NEXT = re.compile(r"\b(?:previous|next|newer|older)\s+(?:story|article|post)\b", re.IGNORECASE)
# Link texts of house pages that sit in story-like lists ("New - Privacy Policy", "Contact us").
_HOUSE_LINK = re.compile(r"privacy policy|privacy rights|terms of (?:use|service)|cookie policy|contact us|about us"
                         r"|advertise with us|site map|sitemap|careers at|newsletter sign|disclosure", re.IGNORECASE)
_HEADLINE_CLASS = re.compile(r"title|headline|heading|hed\b|__hed|-hed", re.IGNORECASE)
_KICKER_CLASS = re.compile(
    r"kicker|eyebrow|label|category|section|tag|time|date|byline|author|summary|dek|excerpt|description|blurb"
    r"|standfirst|intro|lede|subtitle|subhead|teaser-text|promo-text|synopsis"
    r"|duration|count|rank|number|source|flag|badge|icon|caption|timestamp|sr-only|visually-hidden|off-?screen",
    re.IGNORECASE)
_LABEL_PREFIX = re.compile(
    r"^\W*(?:(?:previous|next|newer|older)\s+(?:story|article|post)|read next|up next|next up|video|watch)\s*\W*\s+",
    re.IGNORECASE)
_LABEL_ONLY = re.compile(
    r"^\W*(?:(?:previous|next|newer|older)\s+(?:story|article|post)|read next|up next|next up|video|watch|read more"
    r"|full article|continue reading)\W*$", re.IGNORECASE)



def _excluded(el: lxml.html.HtmlElement, memo: dict[lxml.html.HtmlElement, bool]) -> bool:
    """Return True when `el` or an ancestor is a menu, share bar, ad, comment area, hidden or excluded."""
    chain = []
    node = el
    result = False
    while node is not None:
        if node in memo:
            result = memo[node]
            break
        chain.append(node)
        node = node.getparent()
    for node in reversed(chain):
        if not result:
            tag = node.tag if isinstance(node.tag, str) else ""
            result = (tag in _EXCLUDED_TAGS or is_hidden(node) or (node.get("role") or "") == "navigation"
                      or (tag not in ("html", "body", "main", "article") and _excluded_words(attr_words(node))))
        memo[node] = result
    return result


@lru_cache(maxsize=8192)
def _excluded_words(words: str) -> bool:
    return bool(words) and bool(_EXCLUDED_ATTR.search(words))


_SEPARATORS = frozenset({"•", "|", "·", "/", "-", "–", "—", "::", "»", "/ /"})


def in_link_farm(a: lxml.html.HtmlElement) -> bool:
    """Return True for links strung together with separators ("A • B • C"): inline menus and footer farms."""
    if (a.tail or "").strip() in _SEPARATORS - {""}:
        return True
    node = a.getparent()
    if node is None or node.tag in ("body", "html"):
        return False
    for sibling in (node.getnext(), node.getprevious()):
        if sibling is not None and isinstance(sibling.tag, str) and " ".join(sibling.text_content().split()) in _SEPARATORS:
            return True
    return (node.tail or "").strip() in _SEPARATORS - {""}


def _label_link(a: lxml.html.HtmlElement) -> bool:
    """Return True for author, tag and section links, judged by the link's own markup."""
    parent = a.getparent()
    rel = (a.get("rel") or "").lower()
    if _ARCHIVE_TITLE.match(a.get("title") or ""):
        return True
    return bool(_LABEL_LINK_ATTR.search(attr_words(a)) or rel in ("author", "tag") or "sponsored" in rel
                or (parent is not None and _LABEL_LINK_ATTR.search(parent.get("class") or "")))


def in_running_text(a: lxml.html.HtmlElement) -> bool:
    """Return True when the link sits inside prose: its block has text of its own, or several links in a line."""
    block = a.getparent()
    while block is not None and block.tag not in _BLOCK_PARENTS:
        block = block.getparent()
    if block is None:
        return False
    inline = [block.text or ""]
    links = 0
    for child in block:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in BLOCK_TAGS:
            inline.append(child.tail or "")
            continue
        if tag == "a" or child.find(".//a") is not None:
            links += 1
            if tag != "a":
                inline.append("".join(t for t in child.xpath("text()")))
        elif tag not in _META_TAGS and not is_hidden(child):
            inline.append(child.text_content())
        inline.append(child.tail or "")
    own = _NON_WORD.sub("", _META_WORDS.sub("", "".join(inline)))
    return len(own) >= 12 or (block.tag == "p" and links >= 2)


def anchor_title(a: lxml.html.HtmlElement) -> str:
    """Return the headline text of a link: its heading child if it wraps a card, else its visible text."""
    for el in a.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if el is not a and (tag in ("h1", "h2", "h3", "h4", "h5", "h6")
                            or (_HEADLINE_CLASS.search(el.get("class") or "") and not _KICKER_CLASS.search(el.get("class") or ""))):
            text = _visible_text(el)
            if len(text.split()) >= 2 and not _LABEL_ONLY.match(text):
                return _LABEL_PREFIX.sub("", text)
    blocks = text_lines(_visible_copy(a))
    blocks = [b for b in blocks if not _LABEL_ONLY.match(b)]
    blocks = [b for b in blocks if len(b.split()) >= 3] or blocks
    return _LABEL_PREFIX.sub("", blocks[0]) if blocks else ""


def _visible_copy(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    if not any(is_hidden(d) or _KICKER_CLASS.search(d.get("class") or "") for d in el.iterdescendants()):
        return el
    copy = deepcopy(el)
    for d in list(copy.iterdescendants()):
        if d.getparent() is not None and (is_hidden(d) or _KICKER_CLASS.search(d.get("class") or "")):
            tail = d.tail
            parent = d.getparent()
            parent.remove(d)
            if tail:
                parent.text = (parent.text or "") + " " + tail
    return copy


def _visible_text(el: lxml.html.HtmlElement) -> str:
    return " ".join(text_lines(_visible_copy(el)))


def is_headline_text(title: str) -> bool:
    """Return True when link text reads like a headline: several words, not a button label."""
    words = re.findall(r"\w+", title)
    return (3 <= len(words) <= 40 and 15 <= len(title) <= 300 and not _HOUSE_LINK.search(title)
            and not _CALL_TO_ACTION.match(title) and not _URL_TEXT.match(title))


def _mostly_other_links(a: lxml.html.HtmlElement, resolve: Callable[[str], str | None],
                        lists: dict[lxml.html.HtmlElement, bool]) -> bool:
    """Return True when the link's list is mostly non-story links: a menu or footer list, not a story list."""
    container = next((el for el in a.iterancestors("ul", "ol")), None)
    if container is None:
        return False
    if container not in lists:
        hrefs = {h for h in (x.get("href") for x in container.iter("a")) if h and not h.startswith("#")}
        stories = sum(1 for h in hrefs if resolve(h) is not None)
        lists[container] = stories < 0.5 * len(hrefs)
    return lists[container]


@dataclass(frozen=True)
class Found:
    """One headline link of the page: its anchor, canonical address, title and rail label."""

    anchor: lxml.html.HtmlElement
    url: str
    title: str
    rail: str


def find_headlines(root: lxml.html.HtmlElement, links: LinkClassifier, page_urls: set[str],
                   excluded: Collection[lxml.html.HtmlElement] = ()) -> tuple[tuple[Found, ...], dict[lxml.html.HtmlElement, str]]:
    """Return (the page's headlines, deduplicated per rail, in document order; every headline anchor -> rail).

    Anchors under `excluded` elements (the source's exclude selector) are never headlines.
    """
    strict, relaxed = _candidates(root, links, excluded)
    accepted = {a for _, a, _, _ in strict}
    picked = strict + [c for c in relaxed if _among_headlines(c[1], accepted)]
    return dedupe_headlines([(a, link, title) for _, a, link, title in sorted(picked, key=lambda c: c[0])], page_urls)


def dedupe_headlines(picked: list[tuple[lxml.html.HtmlElement, str, str]],
                     page_urls: set[str]) -> tuple[tuple[Found, ...], dict[lxml.html.HtmlElement, str]]:
    """Return one headline per story and rail (a full title beats a truncated copy), and each anchor's rail."""
    memo: dict[lxml.html.HtmlElement, str] = {}
    found: dict[tuple[str, str], Found] = {}
    seen_titles: set[tuple[str, str]] = set()
    rails: dict[lxml.html.HtmlElement, str] = {}
    for a, link, title in picked:
        if link in page_urls:
            continue
        rail = rails[a] = rail_label(a, memo)
        key, old = (link, rail), found.get((link, rail))
        if old is not None:
            if len(title) > len(old.title) and title.lower().startswith(old.title.lower().rstrip(".… ")):
                found[key] = Found(old.anchor, link, title, rail)
            continue
        if (title.lower(), rail) not in seen_titles:
            seen_titles.add((title.lower(), rail))
            found[key] = Found(a, link, title, rail)
    return tuple(found.values()), rails


Candidate = tuple[int, lxml.html.HtmlElement, str, str]  # (document position, anchor, canonical URL, title)


def _candidates(root: lxml.html.HtmlElement, links: LinkClassifier,
                excluded: Collection[lxml.html.HtmlElement]) -> tuple[list[Candidate], list[Candidate]]:
    """Return (strict, relaxed) story links: relaxed ones (partner-site URL, two-word title) need company."""
    if not links.site or not links.base:
        return [], []  # without the page's own http(s) address no link can be made absolute and judged
    memo: dict[lxml.html.HtmlElement, bool] = {el: True for el in excluded}
    lists: dict[lxml.html.HtmlElement, bool] = {}

    def resolve(href: str) -> str | None:
        link = links.classify(href)
        return link.url if link.kind == STORY else None

    strict: list[Candidate] = []
    relaxed: list[Candidate] = []
    for position, a in enumerate(root.iter("a")):
        link = links.classify(a.get("href"))
        if link.kind not in (STORY, PARTNER) or _label_link(a) or in_running_text(a) or in_link_farm(a):
            continue
        if _mostly_other_links(a, resolve, lists):
            continue
        if _excluded(a, memo) and not (_PREV_NEXT.search(" ".join(a.text_content().split())) and not _under(a, excluded)):
            continue
        title = anchor_title(a)
        short = not is_headline_text(title)
        if short and not is_short_headline(title):
            continue
        try:
            candidate = (position, a, canonical_url(link.url), title)
        except ValueError:
            continue
        (relaxed if link.kind == PARTNER or short else strict).append(candidate)
    return strict, relaxed


def _under(a: lxml.html.HtmlElement, elements: Collection[lxml.html.HtmlElement]) -> bool:
    return bool(elements) and any(parent in elements for parent in a.iterancestors())


def is_short_headline(title: str) -> bool:
    """Return True for two-word titles a site may use in a story rail ("Lyrics quiz"), never alone."""
    return (len(re.findall(r"\w+", title)) == 2 and len(title) >= 8 and not _CALL_TO_ACTION.match(title)
            and not _HOUSE_LINK.search(title))


def _among_headlines(a: lxml.html.HtmlElement, accepted: set[lxml.html.HtmlElement]) -> bool:
    """Return True when a close ancestor of `a` (its rail) holds an accepted headline marked up exactly
    like `a`: the same card template, so the same kind of link."""
    cls = a.get("class") or ""
    node = a.getparent()
    for _ in range(7):
        if not cls or node is None or node.tag in ("body", "html", "main"):
            return False
        if any((x.get("class") or "") == cls for x in node.iter("a") if x in accepted):
            return True
        node = node.getparent()
    return False
