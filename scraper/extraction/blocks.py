"""Linearisation: turn an element subtree into text blocks (paragraphs) with their link share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import lxml.html  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]

BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
    "blockquote", "pre", "table", "thead", "tbody", "tr", "td", "th", "dl", "dt", "dd", "figure",
    "figcaption", "header", "footer", "aside", "nav", "form", "fieldset", "address", "details",
    "summary", "center", "hr", "body", "caption",
})


@dataclass
class Block:
    """One paragraph-like run of text and how much of it is link text."""

    text: str
    link_chars: int
    tag: str  # the innermost block element it came from
    element: lxml.html.HtmlElement

    @property
    def link_density(self) -> float:
        """Return the share of the block's characters that sit inside links."""
        return self.link_chars / max(1, len(self.text))


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0

    def add(self, text: str | None, in_link: bool) -> None:
        if text:
            self.parts.append(text.replace("\n", " "))  # source line breaks are just spaces
            if in_link:
                self.link_chars += len(text.strip())

    def line_break(self) -> None:
        self.parts.append("\n")

    def flush(self, el: lxml.html.HtmlElement) -> None:
        if self.parts:
            joined = "".join(self.parts).replace("\u200b", "")
            if "\n" in joined:
                text = "\n".join(s for s in (" ".join(line.split()) for line in joined.split("\n")) if s)
            else:
                text = " ".join(joined.split())
            if text:
                tag = el.tag if isinstance(el.tag, str) else "div"
                self.blocks.append(Block(text, min(self.link_chars, len(text)), tag, el))
        self.parts = []
        self.link_chars = 0


def text_blocks(container: lxml.html.HtmlElement, counts_as_link: Callable[[str], bool] | None = None) -> list[Block]:
    """Return the text blocks of `container` in document order (newlines inside come from <br>).

    `counts_as_link(href)` says which links make text "link text" (default: every <a>).
    """
    builder = _Builder()
    stack: list[lxml.html.HtmlElement] = []  # open block elements
    links = 0
    counted: set[lxml.html.HtmlElement] = set()
    for event, el in etree.iterwalk(container, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in BLOCK_TAGS:
                builder.flush(stack[-1] if stack else el)
                stack.append(el)
            elif tag == "a" and (counts_as_link is None or counts_as_link(el.get("href") or "")):
                links += 1
                counted.add(el)
            elif tag == "br":
                builder.line_break()
            builder.add(el.text if tag else None, links > 0)
        else:
            if tag in BLOCK_TAGS:
                builder.flush(el)
                if stack:
                    stack.pop()
            elif el in counted:
                links = max(0, links - 1)
            if el is not container:
                builder.add(el.tail, links > 0)
    builder.flush(container)
    return builder.blocks


def collapse(text: str) -> str:
    """Return `text` with runs of whitespace made single spaces."""
    return " ".join(text.split())
