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

from scraper.extraction.zones import EXCLUDED, JUNK_TAGS, Zone, protection_share, zone_of

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
    """The blocks of a tree in document order, which blocks each element spans, and the zones found."""

    blocks: tuple[Block, ...]
    spans: Mapping[lxml.html.HtmlElement, tuple[int, int]] = field(default_factory=dict)
    zones: Mapping[lxml.html.HtmlElement, Zone] = field(default_factory=dict)

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

    def add(self, text: str, links: list[tuple[lxml.html.HtmlElement, bool]]) -> None:
        self.parts.append(text)
        if not links:
            return
        size = len(text.strip())
        self.link_chars += size
        if any(own for _, own in links):
            self.own_link_chars += size
        for anchor, _ in links:
            self.anchors[anchor] = None

    def flush(self, el: lxml.html.HtmlElement) -> None:
        if not self.parts:
            return  # nothing was added, so no link text or anchors either
        # source line breaks are spaces, <br> is "\n"; zero-width spaces go (soft hyphens are the page's text)
        joined = "".join(self.parts)
        if "\u200b" in joined:
            joined = joined.replace("\u200b", "")
        if _BR in joined:
            text = "\n".join(s for s in (" ".join(line.split()) for line in joined.split(_BR)) if s)
        else:
            text = " ".join(joined.split())
        if text:
            tag = el.tag if isinstance(el.tag, str) else "div"
            self.blocks.append(Block(len(self.blocks), text, tag, el, min(self.link_chars, len(text)),
                                     min(self.own_link_chars, len(text)), tuple(self.anchors)))
        self.parts.clear()
        self.link_chars = self.own_link_chars = 0
        if self.anchors:
            self.anchors = {}


_BR = "\x00"  # stands for a <br> until the block is joined (NUL never survives decoding)
_MAX_INLINE_ZONE_CHARS = 20_000  # a hidden inline element this long wraps the content, not a label


def segment(root: lxml.html.HtmlElement, stays_on_site: Callable[[str], bool] | None = None,
            excluded: Collection[lxml.html.HtmlElement] = (),
            boundaries: Collection[lxml.html.HtmlElement] = ()) -> Segmentation:
    """Return the text blocks of `root` in document order with the zones they sit in.

    Scripts, styles and the like give no blocks. `stays_on_site(href)` says which links count as
    the site's own (default: every link); `excluded` (the source's exclude selector) are zones
    whatever they hold; `boundaries` are extra elements that start and end a block.
    Inline zones (a hidden <span> in a paragraph) give no text at all.
    """
    builder = _Builder()
    excluded, boundaries = set(excluded), set(boundaries)
    stack: list[lxml.html.HtmlElement] = []  # open block elements
    links: list[tuple[lxml.html.HtmlElement, bool]] = []
    spans: dict[lxml.html.HtmlElement, tuple[int, int]] = {}
    starts: dict[lxml.html.HtmlElement, int] = {}
    candidates: list[tuple[lxml.html.HtmlElement, Zone, int]] = []  # (element, zone, enclosing candidate or -1)
    open_candidates: list[int] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    add, flush, blocks = builder.add, builder.flush, builder.blocks
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if tag.__class__ is not str or tag in JUNK_TAGS:
                walker.skip_subtree()
                continue
            block = tag in BLOCK_TAGS or (boundaries and el in boundaries)
            zone = EXCLUDED if excluded and el in excluded else zone_of(el, tag)
            if zone is not None and not block and (zone is EXCLUDED or len(el.text_content()) <= _MAX_INLINE_ZONE_CHARS):
                walker.skip_subtree()  # an inline zone: its text is no one's
                starts[el] = len(blocks)
                continue
            if block:
                if builder.parts:
                    flush(stack[-1] if stack else el)
                stack.append(el)
                if zone is not None:
                    candidates.append((el, zone, open_candidates[-1] if open_candidates else -1))
                    open_candidates.append(len(candidates) - 1)
            elif tag == "a":
                links.append((el, stays_on_site is None or stays_on_site(el.get("href") or "")))
            elif tag == "br":
                builder.parts.append(_BR)
            starts[el] = len(blocks)
            text = el.text
            if text:
                add(text, links)
        else:
            if tag.__class__ is str and tag not in JUNK_TAGS:
                if tag in BLOCK_TAGS or (boundaries and el in boundaries):
                    if builder.parts:
                        flush(el)
                    stack.pop()
                    if open_candidates and candidates[open_candidates[-1]][0] is el:
                        open_candidates.pop()
                elif links and links[-1][0] is el:
                    links.pop()
                spans[el] = (starts.get(el, len(blocks)), len(blocks))
            tail = el.tail
            if tail and el is not root:
                add(tail, links)
    builder.flush(root)
    spans[root] = (0, len(builder.blocks))
    final, zones = _resolve_zones(builder.blocks, spans, candidates, _paragraph_chars(root) if candidates else 1)
    return Segmentation(final, spans, zones)


_PARAGRAPH_TEXT = etree.XPath("descendant-or-self::p//text()")


def _paragraph_chars(el: lxml.html.HtmlElement) -> int:
    """Return the characters of all <p> text under `el`, wherever it sits (the yardstick for a zone's share)."""
    return sum(len(t) for t in _PARAGRAPH_TEXT(el))


def _resolve_zones(blocks: list[Block], spans: Mapping[lxml.html.HtmlElement, tuple[int, int]],
                   candidates: list[tuple[lxml.html.HtmlElement, Zone, int]], total: int) -> tuple[tuple[Block, ...], dict]:
    """Return the blocks with their zone, and the zones kept: outermost first, none holding most of the text."""
    total = total or 1
    kept: dict[lxml.html.HtmlElement, Zone] = {}
    accepted = [False] * len(candidates)
    zone_of_block: dict[int, Zone] = {}
    for i, (el, zone, parent) in enumerate(candidates):
        if parent >= 0 and accepted[parent]:
            accepted[i] = True  # inside a kept zone: already accounted for
            continue
        start, end = spans.get(el, (0, 0))
        if zone is EXCLUDED or (start == end or _paragraph_chars(el) <= protection_share(zone) * total):
            accepted[i] = True
            kept[el] = zone
            for index in range(start, end):
                zone_of_block[index] = zone
    if not zone_of_block:
        return tuple(blocks), kept
    return tuple(Block(b.index, b.text, b.tag, b.element, b.link_chars, b.own_link_chars, b.anchors, zone_of_block[b.index])
                 if b.index in zone_of_block else b for b in blocks), kept


def text_lines(container: lxml.html.HtmlElement) -> list[str]:
    """Return the texts of the blocks of a small subtree (a link, a card), whitespace collapsed, in order.

    The quick form of `segment` for the many anchors of a page: no links, zones or spans.
    """
    lines: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        text = " ".join("".join(parts).replace("\u200b", "").split())
        if text:
            lines.append(text)
        parts.clear()

    walker = etree.iterwalk(container, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if not tag or tag in JUNK_TAGS:
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                flush()
            elif tag == "br":
                parts.append(" ")
            if el.text:
                parts.append(el.text)
        else:
            if tag in BLOCK_TAGS:
                flush()
            if el.tail and el is not container:
                parts.append(el.tail)
    flush()
    return lines


def collapse(text: str) -> str:
    """Return `text` with runs of whitespace made single spaces."""
    return " ".join(text.split())
