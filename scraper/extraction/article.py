"""Article body: find the element that holds the story and turn it into clean paragraphs."""

from __future__ import annotations

import html as htmllib
import re
from collections import defaultdict
from collections.abc import Iterator

import lxml.html  # type: ignore[import-untyped]

from scraper.extraction.blocks import BLOCK_TAGS, Block, collapse, text_blocks
from scraper.extraction.cleaning import attr_words, clean_tree, remove_element
from scraper.extraction.links import site_name, story_link

# Follow/subscribe/app endpoints: calls to action, whichever site they point at. (Share links with
# text stay: "click to tweet" quotes are part of the story.)
_SOCIAL = re.compile(
    r"sub_confirmation|//m\.me/|messenger|//wa\.me/|youtube\.com/(?:channel|c|user)/|apps\.apple\.com"
    r"|play\.google\.com/store|/subscribe|/newsletters?\b", re.IGNORECASE)
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6", "div", "p", "strong"})
_SCORED_TAGS = ("p", "pre", "blockquote", "td", "li", "h2", "h3")
_POSITIVE = re.compile(r"article|body|content|entry|main|post|story|text|prose|blog", re.IGNORECASE)
_NEGATIVE = re.compile(
    r"comment|footer|sidebar|widget|related|promo|share|social|menu|nav|ad-|sponsor|rail|teaser",
    re.IGNORECASE)
_STANDFIRST = re.compile(r"lead|dek|standfirst|summary|description|intro|subtitle|excerpt|teaser|abstract",
                         re.IGNORECASE)
# Short lines that are page furniture, not prose.
_FURNITURE_LINE = re.compile(
    r"^(?:advertisement|advertisment|ad|sponsored|sponsored content|story continues below|continue reading"
    r"|read more|read next|more|see more|show more|load more|related|related articles?|related stories"
    r"|share|share this|share this article|share on \w+|tweet|email|print|follow us.*|sign up.*|subscribe.*"
    r"|click here.*|image|photo|video|getty images|ap photo.*|reuters|(?:image|photo) credit.*"
    r"|copyright.*|©.*|all rights reserved.*|comments?|\d+ comments?|leave a comment|loading.*|watch.*:?"
    r"|listen.*|you may also like.*|recommended.*|trending.*|most popular|most read|latest news"
    r"|tags?:.*|filed under.*|topics?:.*|posted in.*|categories:.*|don't miss.*|next article|previous article"
    r"|next|previous|back to top|skip to .*|close|menu|search|home|related\b[^.]{0,60}:.*|highlights|key points"
    r"|explore further|further reading|see also|more information|more on this story|via [\w.-]+"
    r"|sharing is caring!?|previous post|next post|related content|elsewhere on .{2,40}"
    r"|\[?javascript protected email address\]?|\[email protected\]|.{0,60}contributed to this report\.?)$",
    re.IGNORECASE,
)
# Calls to action under the story: newsletters, memberships, forums.
_CALL_TO_ACTION = re.compile(
    r"^(?:if you (?:enjoyed|liked|value) (?:this|our)\b|join (?:our|us|the)\b|sign up (?:for|to)\b|chat with us\b"
    r"|subscribe (?:to|for|now)\b|get (?:our|the) .{0,40}newsletter)", re.IGNORECASE)
_INBOX = re.compile(r"\binbox\b.*\b(?:newsletter|delivered|sign up|subscribe)|\b(?:newsletter|sign up|subscribe)\b.*\binbox\b",
                    re.IGNORECASE)
_BIO_VERBS = re.compile(r"\b(?:is an?|was an?|joined|has (?:been|written|covered|reported)|covers|writes (?:about|for)"
                        r"|is the author|is a native|lives in|book about)\b", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:by|posted by|written by|von|par|por)\s+\S.{0,80}$", re.IGNORECASE)
# Photo captions and credits that templates put in plain text blocks.
_CAPTION = re.compile(
    r"(?:\(|\[|^)\s*(?:image|images|photo|photos|picture|pic|credit|photograph|illustration|video|source)\s*:"
    r"[^()\[\]]{0,80}[)\]]?\s*$", re.IGNORECASE)
_CREDIT_END = re.compile(r"\b(?:via|courtesy of|photo by|photograph by|image by)\s+[\w.&' -]{2,40}$", re.IGNORECASE)
_DATE_LINE = re.compile(
    r"^(?:published|updated|posted|last updated|modified)?[:\s]*[\w ,.:/-]{0,40}\b(?:19|20)\d\d\b[\w ,.:/-]{0,30}$",
    re.IGNORECASE)


def _paragraph_score(text: str) -> float:
    return 1 + text.count(",") + min(len(text) / 100, 3)


def _link_chars(el: lxml.html.HtmlElement) -> int:
    return sum(len(a.text_content()) for a in el.iter("a"))


def _scored_units(root: lxml.html.HtmlElement) -> Iterator[tuple[lxml.html.HtmlElement, str, bool]]:
    """Yield (element, text, is_text_container): paragraphs, and divs that hold text directly (<br> layouts)."""
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SCORED_TAGS:
            yield el, collapse(el.text_content()), False
        elif tag in ("div", "section", "article", "td", "font", "span", "main"):
            if not any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in el):
                if tag != "span" and el.getparent() is not None and el.getparent().tag != "p":
                    yield el, collapse(el.text_content()), False  # a <p> in all but name
            else:
                direct = collapse(" ".join(filter(None, [el.text] + [c.tail for c in el])))
                if len(direct) >= 25:
                    yield el, direct, True


def score_candidates(root: lxml.html.HtmlElement) -> dict[lxml.html.HtmlElement, float]:
    """Return a readability-style score for each element that contains paragraphs."""
    scores: dict[lxml.html.HtmlElement, float] = defaultdict(float)
    for p, text, holds_text in _scored_units(root):
        if len(text) < 25 or (p.tag in ("li", "td", "h2", "h3") and len(text) < 80):
            continue
        if _link_chars(p) > 0.5 * len(collapse(p.text_content())):
            continue
        score = _paragraph_score(text)
        node = p if holds_text else p.getparent()
        for weight in (1.0, 0.5, 0.25):
            if node is None:
                break
            scores[node] += score * weight
            node = node.getparent()
    for el in list(scores):
        words = attr_words(el)
        bonus = (25 if _POSITIVE.search(words) else 0) - (25 if _NEGATIVE.search(words) else 0)
        text_len = len(el.text_content()) or 1
        scores[el] = (scores[el] + bonus) * (1 - min(1.0, _link_chars(el) / text_len))
    return scores


def find_content(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Return the element(s) that hold the article text, in document order."""
    scores = score_candidates(root)
    if not scores:
        body = root.find("body")
        return [body if body is not None else root]
    top = _merge_split_bodies(max(scores, key=scores.__getitem__), scores)
    parent = top.getparent()
    if parent is None:
        return [top]
    threshold = max(10.0, scores[top] * 0.2)
    chosen = []
    for sibling in parent:
        if sibling is top:
            chosen.append(sibling)
        elif _STANDFIRST.search(attr_words(sibling) + " " + (sibling.get("itemprop") or "")):
            continue  # the summary under the headline is not part of the body
        elif scores.get(sibling, 0) >= threshold or _good_paragraph(sibling):
            chosen.append(sibling)
    return chosen


def _ancestors(el: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    chain = []
    node = el.getparent()
    while node is not None:
        chain.append(node)
        node = node.getparent()
    return chain


def _merge_split_bodies(top: lxml.html.HtmlElement, scores: dict[lxml.html.HtmlElement, float]) -> lxml.html.HtmlElement:
    """Articles split into chunks (ads between them) have several strong candidates: take their close common ancestor."""
    best = scores[top]
    for cand in sorted(scores, key=scores.__getitem__, reverse=True)[1:12]:
        if scores[cand] < 0.3 * best:
            break
        up = _ancestors(top)
        cand_up = _ancestors(cand)
        if cand in up or top in cand_up:
            continue
        common = next((a for a in up if a in cand_up), None)
        if (common is not None and up.index(common) < 6 and common.tag not in ("body", "html")
                and _link_chars(common) < 0.25 * len(common.text_content())):
            scores[common] = max(scores.get(common, 0.0), best)
            top = common
    return top


def _good_paragraph(el: lxml.html.HtmlElement) -> bool:
    if el.tag != "p":
        return False
    text = collapse(el.text_content())
    density = _link_chars(el) / max(1, len(text))
    return (len(text) > 80 and density < 0.25) or (0 < len(text) <= 80 and density == 0 and text.endswith("."))


def _sentence_with_link(block: Block, flat: str) -> bool:
    """A paragraph that is a sentence of its own around a long link ("X was <a>sentenced to life</a>.")."""
    own_words = (len(flat) - block.link_chars) / 6
    return block.tag == "p" and block.link_density < 0.8 and own_words >= 5 and flat.endswith((".", "!", "?", "\u201d", '"'))


def is_author_bio(flat: str, authors: tuple[str, ...]) -> bool:
    """Return True for the short "Jane Roe is a reporter who covers..." box under a story."""
    if len(flat) > 500 or not _BIO_VERBS.search(flat):
        return False
    names = {part for author in authors for part in author.split() if len(part) > 2}
    first = re.split(r"[\s’']", flat, maxsplit=1)[0]
    return first in names


def keep_block(block: Block, title: str, authors: tuple[str, ...] = ()) -> bool:
    """Return True when a text block reads as article prose rather than furniture."""
    text = block.text
    flat = collapse(text)
    if not flat:
        return False
    if len(flat) < 300 and (_CALL_TO_ACTION.match(flat) or _INBOX.search(flat)):
        return False
    if is_author_bio(flat, authors):
        return False
    if title and flat.lower() == collapse(title).lower():
        return False
    if block.link_density > 0.5 and (len(flat) < 300 or block.tag == "li") and not _sentence_with_link(block, flat):
        return False
    if len(flat) < 120 and (_FURNITURE_LINE.match(flat.strip(" .:|>»›")) or _BYLINE.match(flat)):
        return False
    if len(flat) < 300 and _CAPTION.search(flat):
        return False
    if len(flat) < 120 and _CREDIT_END.search(flat) and not flat.endswith((".", "!", "?")):
        return False  # "The new keyboard via iFixit": an image caption
    if len(flat) < 80 and _DATE_LINE.match(flat.strip(" |•·/-")) and not flat.endswith("."):
        return False
    return not (block.tag == "h1")


def remove_story_lists(container: lxml.html.HtmlElement, url: str) -> None:
    """Remove lists whose every item is a short link to another story (and the heading just before them)."""
    site = site_name(url)
    for lst in list(container.iter("ul", "ol")):
        items = [li for li in lst if li.tag == "li"]
        if len(items) < 2 or lst.getparent() is None:
            continue
        if all(len(collapse(li.text_content())) < 200 and any(
                story_link(a.get("href"), url, site) for a in li.iter("a")) for li in items):
            heading = lst.getprevious()
            if heading is not None and heading.tag in _HEADINGS and len(collapse(heading.text_content())) < 60:
                remove_element(heading)
            remove_element(lst)


def extract_body(root: lxml.html.HtmlElement, title: str, url: str = "", authors: tuple[str, ...] = ()) -> str:
    """Return the article text of `root` as paragraphs separated by blank lines (mutates `root`)."""
    clean_tree(root)
    return containers_text(find_content(root), title, url, authors)


def containers_text(containers: list[lxml.html.HtmlElement], title: str, url: str = "",
                    authors: tuple[str, ...] = ()) -> str:
    """Return the kept text blocks of `containers` (the article's elements) as paragraphs separated by blank lines."""
    paragraphs: list[str] = []
    site = site_name(url)

    def internal(href: str) -> bool:
        # Navigation and related lists link inside the site; links out (sources, shops) are part of the text.
        if not href.startswith(("http://", "https://", "//")):
            return True
        return site_name(href) == site or bool(_SOCIAL.search(href))

    for container in containers:
        remove_story_lists(container, url)
        for block in text_blocks(container, internal if site else None):
            if keep_block(block, title, authors):
                paragraphs.extend(block.text.split("\n"))  # <br> line breaks become paragraph breaks
    return "\n\n".join(paragraphs)


def ld_body_text(value: object) -> str:
    """Return a JSON-LD articleBody as plain paragraphs (unescaping HTML it may carry)."""
    if not isinstance(value, str) or not value.strip():
        return ""
    text = htmllib.unescape(value)
    if "<" in text and ">" in text:
        text = re.sub(r"(?i)<\s*(?:br|/p|/div|/h\d|/li)\s*/?>", "\n\n", text)
        text = re.sub(r"<[^>]+>", "", text)
    text = htmllib.unescape(text)
    paragraphs = [collapse(p) for p in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(p for p in paragraphs if p)
