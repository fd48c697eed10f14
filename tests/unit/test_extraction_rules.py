"""Per-site CSS selectors: they fix what the heuristics get wrong, and fall back when they match nothing."""

from __future__ import annotations

from scraper.extraction import SiteRules, extract_article

STORY = ["The council voted on Tuesday to rebuild the old river bridge, ending a decade of argument.",
         "Engineers said the new span would carry twice the traffic and open within three years.",
         "Residents who had campaigned for the rebuild gathered outside the town hall to celebrate."]
NOTE = ("River Tours runs boat trips from the old quay every day of the week, and readers of this "
        "paper get a tenth off every ticket they buy this month.")  # an advertorial the heuristics keep
URL = "https://news.example.com/2026/11/26/council-rebuilds-bridge.html"


def page() -> str:
    paragraphs = "".join(f"<p>{p} {p}</p>" for p in STORY)
    return f"""<html><head><title>Council rebuilds the bridge | Example News</title></head><body>
<main><h1>Council rebuilds the bridge</h1>
<div class="story">{paragraphs}<div class="box-3"><p>{NOTE}</p></div></div>
<div class="picks"><b>Picks</b> <a href="/2026/11/25/floods.html">Floods</a>
<a href="/2026/11/24/budget.html">Budget</a> <a href="/2026/11/23/strike.html">Strike</a></div>
</main></body></html>"""


def test_without_rules_the_heuristics_decide():
    article = extract_article(page(), URL)
    assert article.body.startswith(STORY[0]) and NOTE in article.body
    assert not any(h.title in ("Floods", "Budget", "Strike") for h in article.headlines)  # one-word titles: no


def test_rules_select_headlines_exclude_boxes_and_choose_the_body():
    rules = SiteRules(body="div.story", headlines=".picks", exclude=".box-3")
    article = extract_article(page(), URL, rules)
    assert article.body == "\n\n".join(f"{p} {p}" for p in STORY)  # the advertorial box is gone
    assert [(h.title, h.url) for h in article.headlines] == [
        ("Floods", "https://news.example.com/2026/11/25/floods.html"),
        ("Budget", "https://news.example.com/2026/11/24/budget.html"),
        ("Strike", "https://news.example.com/2026/11/23/strike.html"),
    ]


def test_rules_that_match_nothing_fall_back_to_the_heuristics():
    plain = extract_article(page(), URL)
    stale = extract_article(page(), URL, SiteRules(body="div.old-layout", headlines="#gone"))
    assert (stale.body, stale.headlines) == (plain.body, plain.headlines)
