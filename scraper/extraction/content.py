"""The article container: score elements by the prose blocks under them, pick the one holding the story.

Read off the segmentation (no tree edits): only blocks outside every zone count, so a share bar or
a hidden copy cannot pull the choice; link text lowers an element's score.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import lxml.html  # type: ignore[import-untyped]

from scraper.extraction.segment import BLOCK_TAGS, Segmentation
from scraper.extraction.vocabulary import (
    ARTICLE_CLASS_WORDS,
    NOT_ARTICLE_CLASS_WORDS,
    STANDFIRST_CLASS_WORDS,
)
from scraper.extraction.zones import JUNK_TAGS, attr_words

_SCORED_TAGS = frozenset({"p", "pre", "blockquote", "td", "li", "h2", "h3"})
_CONTAINER_TAGS = frozenset({"div", "section", "article", "main"})
_SHORT_UNITS = frozenset({"li", "td", "h2", "h3"})
_POSITIVE = re.compile("|".join(map(re.escape, ARTICLE_CLASS_WORDS)), re.IGNORECASE)
_NEGATIVE = re.compile("|".join(map(re.escape, NOT_ARTICLE_CLASS_WORDS)), re.IGNORECASE)
_STANDFIRST = re.compile("|".join(map(re.escape, STANDFIRST_CLASS_WORDS)), re.IGNORECASE)


@dataclass(frozen=True)
class Choice:
    """The element(s) holding the article, with the winning score (for --explain)."""

    containers: tuple[lxml.html.HtmlElement, ...]
    score: float


class _Stats:
    """Text and link characters of the zone-free blocks under any element, from prefix sums."""

    def __init__(self, seg: Segmentation) -> None:
        self.seg = seg
        self.text = [0]
        self.links = [0]
        for b in seg.blocks:
            free = b.zone is None
            self.text.append(self.text[-1] + (len(b.text) if free else 0))
            self.links.append(self.links[-1] + (b.link_chars if free else 0))

    def of(self, el: lxml.html.HtmlElement) -> tuple[int, int]:
        start, end = self.seg.spans.get(el, (0, 0))
        return self.text[end] - self.text[start], self.links[end] - self.links[start]


def _has_block_child(el: lxml.html.HtmlElement) -> bool:
    return any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in el)


def score_candidates(seg: Segmentation, stats: _Stats) -> dict[lxml.html.HtmlElement, float]:
    """Return a readability-style score for each element above prose blocks."""
    scores: dict[lxml.html.HtmlElement, float] = defaultdict(float)
    for b in seg.blocks:
        if b.zone is not None or not (b.tag in _SCORED_TAGS or b.tag in _CONTAINER_TAGS):
            continue
        size = len(b.text)
        if size < 25 or (b.tag in _SHORT_UNITS and size < 80) or b.link_chars > 0.5 * size:
            continue
        score = 1 + b.text.count(",") + min(size / 100, 3)
        holds_text = b.tag in _CONTAINER_TAGS and _has_block_child(b.element)
        node = b.element if holds_text else b.element.getparent()
        for weight in (1.0, 0.5, 0.25):
            if node is None:
                break
            scores[node] += score * weight
            node = node.getparent()
    for el in list(scores):
        words = attr_words(el)
        bonus = (25 if _POSITIVE.search(words) else 0) - (25 if _NEGATIVE.search(words) else 0)
        text, links = stats.of(el)
        scores[el] = (scores[el] + bonus) * (1 - min(1.0, links / max(1, text)))
    return scores


def find_content(root: lxml.html.HtmlElement, seg: Segmentation) -> Choice:
    """Return the element(s) that hold the article text, in document order."""
    stats = _Stats(seg)
    scores = score_candidates(seg, stats)
    if not scores:
        body = root.find("body")
        return Choice((body if body is not None else root,), 0.0)
    top = _merge_split_bodies(max(scores, key=scores.__getitem__), scores, stats)
    parent = top.getparent()
    if parent is None:
        return Choice((top,), scores[top])
    threshold = max(10.0, scores[top] * 0.2)
    chosen = []
    for sibling in parent:
        tag = sibling.tag if isinstance(sibling.tag, str) else ""
        if not tag or tag in JUNK_TAGS or (sibling in seg.zones and sibling is not top):
            continue
        if sibling is top:
            chosen.append(sibling)
        elif _STANDFIRST.search(attr_words(sibling) + " " + (sibling.get("itemprop") or "")):
            continue  # the summary under the headline is not part of the body
        elif scores.get(sibling, 0) >= threshold or _good_paragraph(sibling, stats):
            chosen.append(sibling)
    return Choice(tuple(chosen), scores[top])


def _ancestors(el: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return list(el.iterancestors())


def _merge_split_bodies(top: lxml.html.HtmlElement, scores: dict[lxml.html.HtmlElement, float],
                        stats: _Stats) -> lxml.html.HtmlElement:
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
        if common is None or up.index(common) >= 6 or common.tag in ("body", "html"):
            continue
        text, links = stats.of(common)
        if links < 0.25 * text:
            scores[common] = max(scores.get(common, 0.0), best)
            top = common
    return top


def _good_paragraph(el: lxml.html.HtmlElement, stats: _Stats) -> bool:
    if el.tag != "p":
        return False
    size, links = stats.of(el)
    if not size:
        return False
    text = " ".join(b.text for b in stats.seg.within(el))
    density = links / size
    return (size > 80 and density < 0.25) or (size <= 80 and density == 0 and text.endswith("."))
