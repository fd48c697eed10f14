"""Labels: give every block of the page exactly one label, with a named reason.

The body is the blocks labelled body; the sidebar is the story links of blocks labelled headline
list. A block holding a headline link is a headline block, so body and sidebar cannot overlap.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import lxml.html  # type: ignore[import-untyped]

from scraper.extraction.labels import (
    BODY,
    BOILERPLATE,
    BYLINE,
    CAPTION,
    HEADLINE,
    NAVIGATION,
    TITLE,
)
from scraper.extraction.links import STORY, LinkClassifier
from scraper.extraction.segment import Block, Segmentation, collapse

_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6", "div", "p", "strong"})
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




@dataclass(frozen=True)
class Labelled:
    """One block with its label and the reason for it."""

    block: Block
    label: str
    reason: str


def judge_block(block: Block, title: str, authors: tuple[str, ...] = ()) -> tuple[str, str]:
    """Return (label, reason) for a block inside the article container: body, or why it is not."""
    flat = collapse(block.text)
    if len(flat) < 300 and (_CALL_TO_ACTION.match(flat) or _INBOX.search(flat)):
        return BOILERPLATE, "call to action"
    if is_author_bio(flat, authors):
        return BYLINE, "author bio"
    if block.tag == "h1" or (title and flat.lower() == collapse(title).lower()):
        return TITLE, "the headline"
    if block.link_density > 0.5 and (len(flat) < 300 or block.tag == "li") and not _sentence_with_link(block, flat):
        return NAVIGATION, f"link text {block.link_density:.0%}"
    if len(flat) < 120 and _BYLINE.match(flat):
        return BYLINE, "byline line"
    if len(flat) < 120 and _FURNITURE_LINE.match(flat.strip(" .:|>»›")):
        return BOILERPLATE, "furniture line"
    if len(flat) < 300 and _CAPTION.search(flat):
        return CAPTION, "caption or credit line"
    if len(flat) < 120 and _CREDIT_END.search(flat) and not flat.endswith((".", "!", "?")):
        return CAPTION, "credit line"  # "The new keyboard via iFixit": an image caption
    if len(flat) < 80 and _DATE_LINE.match(flat.strip(" |•·/-")) and not flat.endswith("."):
        return BYLINE, "date line"
    return BODY, ""


def story_list_elements(container: lxml.html.HtmlElement, links: LinkClassifier) -> list[lxml.html.HtmlElement]:
    """Return the lists in `container` whose every item is a short link to a story, and the heading before each."""
    found = []
    for lst in container.iter("ul", "ol"):
        items = [li for li in lst if li.tag == "li"]
        if len(items) < 2:
            continue
        if all(len(collapse(li.text_content())) < 200 and any(
                links.classify(a.get("href")).kind == STORY for a in li.iter("a")) for li in items):
            heading = lst.getprevious()
            if heading is not None and heading.tag in _HEADINGS and len(collapse(heading.text_content())) < 60:
                found.append(heading)
            found.append(lst)
    return found


def label_blocks(seg: Segmentation, containers: Collection[lxml.html.HtmlElement], container_reason: str,
                 rails: Mapping[lxml.html.HtmlElement, str], story_lists: Collection[lxml.html.HtmlElement],
                 title: str, authors: tuple[str, ...]) -> tuple[Labelled, ...]:
    """Return every block with exactly one label, in document order.

    `rails` maps each headline anchor to its rail's label text; `story_lists` are lists of story
    links inside the article container (and their headings), which are never body.
    """
    inside = _indices(seg, containers)
    listed = _indices(seg, story_lists)
    out = []
    for block in seg.blocks:
        rail = next((rails[a] for a in block.anchors if a in rails), None)
        if rail is not None:
            label, reason = HEADLINE, f"story link in '{rail}'" if rail else "story link in an unnamed rail"
        elif block.zone is not None:
            label, reason = block.zone.label, block.zone.reason
        elif block.index in listed:
            label, reason = NAVIGATION, "list of story links in the article"
        elif block.index in inside:
            label, reason = judge_block(block, title, authors)
            reason = reason or container_reason
        elif block.link_density > 0.5:
            label, reason = NAVIGATION, "links outside the article container"
        else:
            label, reason = BOILERPLATE, "outside the article container"
        out.append(Labelled(block, label, reason))
    return tuple(out)


def _indices(seg: Segmentation, elements: Collection[lxml.html.HtmlElement]) -> set[int]:
    found: set[int] = set()
    for el in elements:
        start, end = seg.spans.get(el, (0, 0))
        found.update(range(start, end))
    return found


def body_text(labelled: tuple[Labelled, ...]) -> str:
    """Return the blocks labelled body as paragraphs separated by blank lines (<br> breaks paragraphs)."""
    paragraphs: list[str] = []
    for item in labelled:
        if item.label == BODY:
            paragraphs.extend(item.block.text.split("\n"))
    return "\n\n".join(paragraphs)


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
