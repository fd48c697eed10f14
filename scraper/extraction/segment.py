"""Segmentation: the untouched tree, once, into text blocks (paragraphs) with their links and zone.

Every later decision reads these blocks; nothing edits the tree. A block knows the innermost
block element it came from, how much of its text is link text (all links, and links that stay
on the site), the anchors whose text it holds, and the zone (hidden, furniture, boilerplate
class, the source's exclusions) it sits in, if any.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import lxml.html  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]

from scraper.extraction.zones import JUNK_TAGS, Zone

BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
    "blockquote", "pre", "table", "thead", "tbody", "tr", "td", "th", "dl", "dt", "dd", "figure",
    "figcaption", "header", "footer", "aside", "nav", "form", "fieldset", "address", "details",
    "summary", "center", "hr", "body", "caption",
})


@dataclass(frozen=True)
class Block:
    """One paragraph-like run of text of the page (newlines inside come from <br>)."""

    index: int
    text: str
    tag: str  # the innermost block element it came from
    element: lxml.html.HtmlElement
    link_chars: int  # characters inside any link
    own_link_chars: int  # characters inside links that keep the reader on the site
    anchors: tuple[lxml.html.HtmlElement, ...] = ()
    zone: Zone | None = None

    @property
    def link_density(self) -> float:
        """Return the share of the block's characters inside links that stay on the site."""
        return self.own_link_chars / max(1, len(self.text))


@dataclass(frozen=True)
class Segmentation:
    """The blocks of a tree in document order, and which blocks each element spans."""

    blocks: tuple[Block, ...]
    spans: Mapping[lxml.html.HtmlElement, tuple[int, int]] = field(default_factory=dict)

    def within(self, el: lxml.html.HtmlElement) -> tuple[Block, ...]:
        """Return the blocks inside `el` (none for an element the walk did not see)."""
        start, end = self.spans.get(el, (0, 0))
        return self.blocks[start:end]


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0
        self.own_link_chars = 0
        self.anchors: dict[lxml.html.HtmlElement, None] = {}

    def add(self, text: str | None, links: list[tuple[lxml.html.HtmlElement, bool]]) -> None:
        if text:
            self.parts.append(text.replace("\n", " "))  # source line breaks are just spaces
            if links:
                size = len(text.strip())
                self.link_chars += size
                if any(own for _, own in links):
                    self.own_link_chars += size
                for anchor, _ in links:
                    self.anchors[anchor] = None

    def flush(self, el: lxml.html.HtmlElement, zone: Zone | None) -> None:
        if self.parts:
            joined = "".join(self.parts).replace("\u200b", "")
            if "\n" in joined:
                text = "\n".join(s for s in (" ".join(line.split()) for line in joined.split("\n")) if s)
            else:
                text = " ".join(joined.split())
            if text:
                tag = el.tag if isinstance(el.tag, str) else "div"
                self.blocks.append(Block(len(self.blocks), text, tag, el, min(self.link_chars, len(text)),
                                         min(self.own_link_chars, len(text)), tuple(self.anchors), zone))
        self.parts = []
        self.link_chars = self.own_link_chars = 0
        self.anchors = {}


def segment(root: lxml.html.HtmlElement, stays_on_site: Callable[[str], bool] | None = None,
            zones: Mapping[lxml.html.HtmlElement, Zone] | None = None,
            boundaries: Collection[lxml.html.HtmlElement] = (), spans: bool = True) -> Segmentation:
    """Return the text blocks of `root` in document order; scripts, styles and the like give none.

    `stays_on_site(href)` says which links count as the site's own (default: every link);
    `boundaries` are extra elements that start and end a block, as block tags do.
    Text of an inline zone (a hidden <span> inside a paragraph) is left out of its paragraph.
    """
    zones = zones or {}
    builder = _Builder()
    stack: list[tuple[lxml.html.HtmlElement, int]] = []  # open block elements, with the zone depth at entry
    zone_stack: list[Zone] = []
    links: list[tuple[lxml.html.HtmlElement, bool]] = []
    ranges: dict[lxml.html.HtmlElement, tuple[int, int]] = {}
    starts: dict[lxml.html.HtmlElement, int] = {}
    walker = etree.iterwalk(root, events=("start", "end"))

    def current_zone() -> Zone | None:
        depth = stack[-1][1] if stack else 0
        return zone_stack[0] if depth else None

    def add(text: str | None) -> None:
        if text and len(zone_stack) <= (stack[-1][1] if stack else 0):
            builder.add(text, links)

    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if not tag or tag in JUNK_TAGS:
                walker.skip_subtree()
                continue
            block = tag in BLOCK_TAGS or el in boundaries
            if block:
                builder.flush(stack[-1][0] if stack else el, current_zone())
            if el in zones:
                zone_stack.append(zones[el])
            if block:
                stack.append((el, len(zone_stack)))
            elif tag == "a":
                links.append((el, stays_on_site is None or stays_on_site(el.get("href") or "")))
            elif tag == "br":
                builder.parts.append("\n")
            if spans:
                starts[el] = len(builder.blocks)
            if el.text:
                add(el.text)
        else:
            if tag and tag not in JUNK_TAGS:
                if tag in BLOCK_TAGS or el in boundaries:
                    builder.flush(el, current_zone())
                    if stack:
                        stack.pop()
                elif links and links[-1][0] is el:
                    links.pop()
                if el in zones and zone_stack:
                    zone_stack.pop()
                if spans:
                    ranges[el] = (starts.get(el, 0), len(builder.blocks))
            if el.tail and el is not root:
                add(el.tail)
    builder.flush(root, None)
    if root in ranges:
        ranges[root] = (0, len(builder.blocks))
    return Segmentation(tuple(builder.blocks), ranges)


def text_blocks(container: lxml.html.HtmlElement) -> tuple[Block, ...]:
    """Return the text blocks of `container` alone (every link counts as link text)."""
    return segment(container, spans=False).blocks


def collapse(text: str) -> str:
    """Return `text` with runs of whitespace made single spaces."""
    return " ".join(text.split())
