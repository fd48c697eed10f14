"""Segment once, label once: every block gets exactly one label; body and sidebar are read off the labels."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import lxml.html
import pytest

from scraper.extraction import SiteRules, analyse_page
from scraper.extraction.labels import ALL, BODY, BOILERPLATE, HEADLINE
from scraper.extraction.segment import segment

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
EXPECTED = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))
URL = "https://news.example.com/2026/03/01/the-story-of-the-day.html"
PROSE = "The council voted on Tuesday to keep the old bridge open, after a long and heated debate. " * 3


def _page(extra: str = "", inside: str = "") -> str:
    return (f"<html><body><header><nav><a href='/'>Home</a> <a href='/world/'>World</a></nav></header>"
            f"<main><article><h1>The story of the day</h1>{''.join(f'<p>{PROSE}</p>' for _ in range(4))}{inside}"
            f"</article>{extra}</main><footer><a href='/about/'>About us</a></footer></body></html>")


def _rail(name: str, slugs: list[str], cls: str = "rail") -> str:
    items = "".join(f"<li><a href='/2026/02/2{i}/{s}.html'>{s.replace('-', ' ').title()}</a></li>"
                    for i, s in enumerate(slugs))
    return f"<div class='{cls}'><h2>{name}</h2><ul>{items}</ul></div>"


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_block_of_a_golden_page_has_one_label_and_the_outputs_come_from_them(key: str) -> None:
    html = gzip.decompress((PAGES / f"{key}.html.gz").read_bytes())
    analysis = analyse_page(html, EXPECTED[key]["url"])
    assert [item.block.index for item in analysis.blocks] == list(range(len(analysis.blocks)))
    assert all(item.label in ALL and item.reason for item in analysis.blocks)
    if analysis.body_from == "blocks":
        body = [p for item in analysis.blocks if item.label == BODY for p in item.block.text.split("\n")]
        assert analysis.article.body == "\n\n".join(body)
    headline_blocks = {item.block.index for item in analysis.blocks if item.label == HEADLINE}
    body_blocks = {item.block.index for item in analysis.blocks if item.label == BODY}
    assert headline_blocks and not headline_blocks & body_blocks


def test_zones_and_segmentation_leave_the_tree_untouched() -> None:
    root = lxml.html.document_fromstring(_page(_rail("Most read", ["a-first-story", "a-second-story"], "related")))
    before = lxml.html.tostring(root)
    assert segment(root).zones
    assert lxml.html.tostring(root) == before


def test_a_story_in_two_rails_is_a_headline_of_each_rail() -> None:
    html = _page(_rail("Most read", ["bridge-vote-reactions", "river-flood-warning"])
                 + _rail("Related", ["bridge-vote-reactions", "council-budget-passes"]))
    headlines = analyse_page(html, URL).article.headlines
    assert [(h.title, h.block) for h in headlines] == [
        ("Bridge Vote Reactions", "Most read"), ("River Flood Warning", "Most read"),
        ("Bridge Vote Reactions", "Related"), ("Council Budget Passes", "Related")]


def test_a_list_of_story_links_inside_the_article_is_a_headline_block_never_body() -> None:
    inside = "<ul><li><a href='/2026/02/20/bridge-history-explained.html'>Bridge history explained here</a></li>" \
             "<li><a href='/2026/02/21/council-members-profiled.html'>Council members profiled today</a></li></ul>"
    analysis = analyse_page(_page(inside=inside), URL)
    assert [h.title for h in analysis.article.headlines] == ["Bridge history explained here", "Council members profiled today"]
    assert "Bridge history" not in analysis.article.body
    labels = {item.block.text: item.label for item in analysis.blocks}
    assert labels["Bridge history explained here"] == HEADLINE


def test_the_sources_exclude_selector_is_a_label_not_a_deletion() -> None:
    html = _page(_rail("Partners", ["partner-story-number-one", "partner-story-number-two"], "partners"))
    analysis = analyse_page(html, URL, SiteRules(exclude=".partners"))
    assert analysis.article.headlines == ()
    excluded = [item for item in analysis.blocks if "Partner Story" in item.block.text]
    assert excluded and all(item.label == BOILERPLATE and "exclude selector" in item.reason for item in excluded)
    assert analysis.article.body.startswith("The council voted")
