"""Stories on a real PostgreSQL: merges recorded in merged_into, stable ids across relink, promotion start."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scraper.extraction.model import Headline
from scraper.policy.stories import Thresholds
from scraper.storage import linking
from scraper.storage.linking import relink
from scraper.storage.store import store_pages
from tests.integration.test_linking import ARTICLES, T0, page, rows, wire_day
from tests.unit.test_dedup import seed


def story_of(conn, url: str) -> int:
    """Return the story id of the article at `url`."""
    [(sid,)] = rows(conn, "SELECT story_id FROM articles WHERE url = %(url)s", url=url)
    return sid


def test_an_article_bridging_two_stories_of_one_event_merges_them_and_the_old_id_keeps_working(conn, monkeypatch):
    # strict joining, easy merging: two halves of one report stay apart until the whole report arrives
    monkeypatch.setattr(linking, "configured_thresholds", lambda: Thresholds(story=0.3, merge=0.3))
    title, paras = seed()
    half = len(paras) // 2
    store_pages(conn, [page(f"https://d.example/{i}", t, p, source="d", at=i) for i, (t, p) in enumerate(ARTICLES[:-1])])  # the last is the seed
    store_pages(conn, [page("https://a.example/first", title, paras[:half], source="a", at=10)])
    store_pages(conn, [page("https://b.example/second", "Kremlin sets out demands", paras[half:], source="b", at=11)])
    older, younger = story_of(conn, "https://a.example/first"), story_of(conn, "https://b.example/second")
    assert older != younger  # the precondition: two stories
    store_pages(conn, [page("https://c.example/whole", title, paras, source="c", at=12)])
    assert {story_of(conn, f"https://{u}") for u in ("a.example/first", "b.example/second", "c.example/whole")} == {older}
    assert rows(conn, "SELECT merged_into, article_count FROM stories WHERE id = %(id)s", id=younger) == [(older, 0)]
    assert rows(conn, "SELECT article_count, source_count, merged_into FROM stories WHERE id = %(id)s",
                id=older) == [(3, 3, None)]
    assert rows(conn, "SELECT articles FROM story_centroids WHERE story_id IN (%(a)s, %(b)s)",
                a=older, b=younger) == [(3,)]
    # a reader holding the merged id finds the story it became
    assert rows(conn, "SELECT coalesce(merged_into, id) FROM stories WHERE id = %(id)s", id=younger) == [(older,)]


def test_relink_keeps_story_ids_and_points_stories_it_does_not_rebuild_to_where_their_articles_went(conn):
    wire_day(conn)
    before = dict(rows(conn, "SELECT url, story_id FROM articles"))
    relink(conn, Thresholds(), batch_size=4)
    assert dict(rows(conn, "SELECT url, story_id FROM articles")) == before
    assert rows(conn, "SELECT count(*) FROM relink_stories") == [(0,)]
    # strict: every article alone; the earliest article of each story keeps that story's id
    relink(conn, Thresholds(story=1.01, duplicate=1.01))
    alone = dict(rows(conn, "SELECT url, story_id FROM articles"))
    assert len(set(alone.values())) == len(alone) > len(set(before.values()))
    assert set(before.values()) <= set(alone.values())
    # the defaults again: the first ids come back, and the stories made by the strict run point to
    # the story their article is in now
    relink(conn, Thresholds())
    assert dict(rows(conn, "SELECT url, story_id FROM articles")) == before
    for url, sid in alone.items():
        [(live,)] = rows(conn, "SELECT coalesce(merged_into, id) FROM stories WHERE id = %(id)s", id=sid)
        assert live == before[url]
    assert rows(conn, "SELECT count(*) FROM stories WHERE merged_into IS NULL") == [(len(set(before.values())),)]


@pytest.mark.parametrize("gap_hours, since_hours", [(30, 40), (20, 0)])
def test_promoted_headlines_since_is_the_start_of_the_current_promotion(conn, gap_hours, since_hours):
    promoted = Headline("Council approves the budget", "https://a.example/budget")
    times = [0, 5, 10, 10 + gap_hours, 10 + gap_hours + 3]  # listed, then not for gap_hours, then again
    store_pages(conn, [page(f"https://a.example/p{i}", t, p, source="a", at=at, headlines=(promoted,))
                       for i, ((t, p), at) in enumerate(zip(ARTICLES, times, strict=False))])
    assert rows(conn, "SELECT since, last_seen_at FROM promoted_headlines WHERE source = 'a'") == [
        (T0 + timedelta(hours=since_hours), T0 + timedelta(hours=times[-1]))]
