"""Dedup and story linking, downstream views, NOTIFY, the reader role and relink, on a real PostgreSQL."""

from __future__ import annotations

import random
import select
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest

from scraper.extraction.model import Article, Headline
from scraper.policy import stories
from scraper.policy.stories import Thresholds
from scraper.storage import db
from scraper.storage.linking import LinkCounts, relink
from scraper.storage.pages import FetchedPage
from scraper.storage.store import store_pages
from tests.newssite.content import paragraphs
from tests.newssite.syndication import edited_copy, follow_up, real_articles

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ARTICLES = real_articles()
PAYWALL = "Subscribe to continue reading. Already a subscriber? Log in to read the full story."


def page(url: str, title: str, paras: list[str] | str, *, source: str = "wire", at: float = 0,
         published: datetime | None = None, headlines: tuple[Headline, ...] = ()) -> FetchedPage:
    """Return a fetched page at T0 + `at` hours."""
    body = paras if isinstance(paras, str) else "\n\n".join(paras)
    when = T0 + timedelta(hours=at)
    article = Article(url=url, title=title, body=body, published_at=published or when, headlines=headlines)
    return FetchedPage(source=source, requested_url=url, final_url=url, article=article, fetched_at=when)


def rows(conn, sql: str, **params) -> list[tuple]:
    with conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def links(conn) -> dict[str, tuple[str | None, int]]:
    """Return url -> (url of the original or None, story number in order of first appearance)."""
    got = rows(conn, "SELECT a.url, o.url, a.story_id FROM articles a LEFT JOIN articles o ON o.id = a.duplicate_of"
                     " ORDER BY a.first_seen_at, a.id")
    numbers: dict[int, int] = {}
    return {url: (orig, numbers.setdefault(story, len(numbers))) for url, orig, story in got}


def wire_day(conn) -> None:
    """Store a wire story, two edited copies, a follow-up next day and unrelated articles."""
    title, paras = ARTICLES[-1]
    store_pages(conn, [page("https://a.example/wire", title, paras, source="a")])
    store_pages(conn, [page("https://b.example/copy", title, edited_copy(paras, random.Random(1), "B News"),
                            source="b", at=2),
                       page("https://c.example/copy", title + " (update)",
                            edited_copy(paras, random.Random(2), "C Times"), source="c", at=3)])
    store_pages(conn, [page(f"https://d.example/{i}", t, p, source="d", at=4 + i)
                       for i, (t, p) in enumerate(ARTICLES[:-1])])
    later = list(paragraphs(random.Random(3)))  # new text, not another stored article's
    f_title, f_paras = follow_up(title, paras, later, random.Random(3))
    store_pages(conn, [page("https://e.example/follow", f_title, f_paras, source="e", at=26)])


def test_copies_point_to_the_earliest_original_and_share_its_story(conn):
    wire_day(conn)
    got = links(conn)
    assert got["https://b.example/copy"] == ("https://a.example/wire", 0)
    assert got["https://c.example/copy"] == ("https://a.example/wire", 0)
    assert got["https://e.example/follow"] == (None, 0)
    assert got["https://a.example/wire"] == (None, 0)
    assert sorted(n for url, (_, n) in got.items() if url.startswith("https://d.example/")) == list(range(1, 7))
    story = rows(conn, "SELECT s.title, s.article_count, s.source_count, s.first_seen_at, s.last_seen_at"
                       " FROM stories s JOIN articles a ON a.story_id = s.id WHERE a.url = 'https://a.example/wire'")
    assert story == [(ARTICLES[-1][0], 4, 4, T0, T0 + timedelta(hours=26))]
    assert rows(conn, "SELECT count(*) FROM stories") == [(7,)]
    assert rows(conn, "SELECT sum(article_count) FROM stories") == [(10,)]


def test_copies_within_one_batch_are_found(conn):
    title, paras = ARTICLES[1]
    store_pages(conn, [page("https://a.example/1", title, paras, source="a"),
                       page("https://b.example/1", title, edited_copy(paras, random.Random(5)), source="b", at=1)])
    assert links(conn) == {"https://a.example/1": (None, 0), "https://b.example/1": ("https://a.example/1", 0)}


def test_bad_input_is_never_merged(conn):
    store_pages(conn, [
        page("https://a.example/stub1", "Council approves harbour budget", PAYWALL, source="a"),
        page("https://b.example/stub2", "Teachers end their strike", PAYWALL, source="b", at=1),
        page("https://a.example/empty", "Live: election night", "", source="a", at=2),
        page("https://b.example/empty", "Live: election night", "", source="b", at=3),
        page("https://a.example/zh1", "经济增长放缓", "国家统计局周一公布的数据显示，今年第三季度国内生产总值同比增长百分之四点八，"
             "低于市场预期。分析人士认为，房地产市场持续低迷和出口需求减弱是经济放缓的主要原因。", source="a", at=4),
        page("https://b.example/zh2", "南方洪涝灾害", "受强降雨影响，南方多个省份出现严重洪涝灾害，数万名居民被紧急转移。"
             "气象部门预计未来三天仍将有大到暴雨，提醒公众注意防范山体滑坡和泥石流等次生灾害。", source="b", at=5),
    ])
    got = links(conn)
    assert all(orig is None for orig, _ in got.values())
    stories = [n for _, n in got.values()]
    # Two pages with an identical empty body and headline may share a story (judged on the title), nothing else.
    assert len(set(stories)) >= 5
    assert got["https://a.example/stub1"][1] != got["https://b.example/stub2"][1]
    assert got["https://a.example/zh1"][1] != got["https://b.example/zh2"][1]


def test_a_revised_original_keeps_its_story_and_its_index_entries_are_replaced(conn):
    title, paras = ARTICLES[2]
    store_pages(conn, [page("https://a.example/r", title, paras, source="a")])
    [(story,)] = rows(conn, "SELECT story_id FROM articles")
    store_pages(conn, [page("https://a.example/r", title, paras[:-1] + ["A correction was appended."], source="a", at=5)])
    assert rows(conn, "SELECT story_id, duplicate_of FROM articles") == [(story, None)]
    assert rows(conn, "SELECT count(*) FROM dedup_bands") == [(32,)]
    assert rows(conn, "SELECT count(*) FROM story_keys") == [(stories.KEY_TERMS,)]
    assert rows(conn, "SELECT articles FROM story_centroids") == [(1,)]
    assert rows(conn, "SELECT articles FROM term_totals") == [(1,)]  # a revision is not a new document
    store_pages(conn, [page("https://b.example/r", title, edited_copy(paras, random.Random(8)), source="b", at=6)])
    assert links(conn)["https://b.example/r"] == ("https://a.example/r", 0)


def test_candidates_are_found_through_the_indexes_not_a_scan(conn):
    wire_day(conn)
    with conn, conn.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # tiny tables: ask whether an index path exists at all
        cur.execute("EXPLAIN " + db.query("link_candidates"), {
            "body_keys": [1, 2], "terms": [3], "los": [T0], "his": [T0], "limit": 50})
        plan = "\n".join(r[0] for r in cur.fetchall())
        cur.execute("EXPLAIN " + db.query("story_centroids"), {"ids": [1, 2]})
        plan += "\n".join(r[0] for r in cur.fetchall())
        cur.execute("EXPLAIN " + db.query("term_frequencies"), {"terms": [1, 2]})
        plan += "\n".join(r[0] for r in cur.fetchall())
    assert "Seq Scan" not in plan and "dedup_bands_pkey" in plan and "story_keys_term_time_idx" in plan
    assert "story_centroids_pkey" in plan and "term_frequencies_pkey" in plan


def test_views_for_downstream_readers(conn):
    title, paras = ARTICLES[-1]
    sidebar = (Headline("Other news", "https://a.example/other"), Headline("More", "https://a.example/more"))
    store_pages(conn, [page("https://a.example/wire", title, paras, source="a", headlines=sidebar)])
    store_pages(conn, [page("https://a.example/wire", title, paras + ["Updated with reaction."], source="a", at=1,
                            headlines=sidebar[:1])])
    store_pages(conn, [page("https://b.example/copy", title, edited_copy(paras, random.Random(1)), source="b", at=2)])
    latest = rows(conn, "SELECT url, story_title, story_article_count, duplicate_of IS NOT NULL"
                        " FROM latest_articles ORDER BY first_seen_at DESC")
    assert latest == [("https://b.example/copy", title, 2, True), ("https://a.example/wire", title, 2, False)]
    timeline = rows(conn, "SELECT event, url, version, at FROM story_timeline ORDER BY story_id, at, article_id, version")
    assert timeline == [("published", "https://a.example/wire", 1, T0),
                        ("revised", "https://a.example/wire", 2, T0 + timedelta(hours=1)),
                        ("published", "https://b.example/copy", 1, T0 + timedelta(hours=2))]
    promoted = rows(conn, "SELECT source, title, since, last_seen_at FROM promoted_headlines ORDER BY source, since")
    # "More" was dropped from the sidebar in the latest fetch: no longer promoted.
    assert promoted == [("a", "Other news", T0, T0 + timedelta(hours=1))]


def test_full_text_search_finds_articles_by_title_and_body_words(conn):
    wire_day(conn)
    found = rows(conn, "SELECT url FROM articles WHERE search @@ websearch_to_tsquery('simple', 'Putin NATO')"
                       " ORDER BY ts_rank(search, websearch_to_tsquery('simple', 'Putin NATO')) DESC, url")
    assert "https://a.example/wire" in [u for (u,) in found]
    assert all(u.startswith(("https://a.", "https://b.", "https://c.", "https://e.")) for (u,) in found)


def test_storing_and_revising_notify_listeners_with_the_article_id(conn, db_url):
    listener = psycopg2.connect(db_url)
    listener.autocommit = True
    try:
        listener.cursor().execute("LISTEN scraper_articles")
        title, paras = ARTICLES[0]
        store_pages(conn, [page("https://a.example/n", title, paras)])
        [(aid,)] = rows(conn, "SELECT id FROM articles")
        assert _notifications(listener) == [str(aid)]
        store_pages(conn, [page("https://a.example/n", title, paras, at=1)])  # unchanged: silent
        assert _notifications(listener, wait=0.3) == []
        # a cosmetic re-render is not a version, so not a notification either (it was, before 0009)
        store_pages(conn, [page("https://a.example/n", title, [*paras, "Updated 5 minutes ago"], at=1.5)])
        assert _notifications(listener, wait=0.3) == []
        store_pages(conn, [page("https://a.example/n", title + "!", paras, at=2)])
        assert _notifications(listener) == [str(aid)]
    finally:
        listener.close()


def _notifications(listener, wait: float = 5.0) -> list[str]:
    """Return the payloads received on the listening connection within `wait` seconds of the first."""
    if select.select([listener], [], [], wait) != ([], [], []):
        listener.poll()
    payloads = [n.payload for n in listener.notifies]
    listener.notifies.clear()
    return payloads


def test_the_reader_role_can_read_everything_and_write_nothing(conn, db_url):
    wire_day(conn)
    db.set_reader_password(conn, "reader-test-password")
    assert rows(conn, "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'scraper_reader'") == [(True,)]
    with conn, conn.cursor() as cur:  # as the reader, within this session
        cur.execute("SET LOCAL ROLE scraper_reader")
        cur.execute("SELECT count(*) FROM latest_articles")
        assert cur.fetchone()[0] == 10
        cur.execute("SELECT count(*) FROM story_timeline")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("UPDATE articles SET title = 'x'")


def test_migrating_another_database_on_the_same_server_keeps_the_role(empty_db_url):
    other = db.connect(empty_db_url)
    try:
        db.migrate(other)  # the role exists already on this server: no error
        assert rows(other, "SELECT has_table_privilege('scraper_reader', 'articles', 'SELECT'),"
                           " has_table_privilege('scraper_reader', 'articles', 'INSERT')") == [(True, False)]
    finally:
        other.close()


def test_relink_rebuilds_the_same_links_idempotently_in_batches(conn):
    wire_day(conn)
    before = links(conn)
    seen: list[tuple[int, int]] = []
    counts = relink(conn, Thresholds(), batch_size=3, progress=lambda done, total, c: seen.append((done, total)))
    assert links(conn) == before
    assert seen == [(3, 10), (6, 10), (9, 10), (10, 10)]
    assert counts == LinkCounts(articles=10, duplicates=2, new_stories=7, joined=1)
    relink(conn, Thresholds(), batch_size=100)
    assert links(conn) == before
    assert rows(conn, "SELECT count(*), sum(article_count) FROM stories") == [(7, 10)]
    # A stricter threshold after the fact: relink applies it to everything stored.
    relink(conn, Thresholds(duplicate=0.99, story=0.99))
    assert all(orig is None for orig, _ in links(conn).values())


def test_a_linking_failure_loses_the_links_not_the_articles(conn, monkeypatch):
    import scraper.storage.store

    def broken(*args, **kwargs):
        raise RuntimeError("linking bug")

    monkeypatch.setattr(scraper.storage.store, "link_articles", broken)
    title, paras = ARTICLES[0]
    assert store_pages(conn, [page("https://a.example/x", title, paras)]).new == 1
    assert rows(conn, "SELECT url, story_id FROM articles") == [("https://a.example/x", None)]
    monkeypatch.undo()
    relink(conn, Thresholds())
    assert rows(conn, "SELECT story_id IS NOT NULL FROM articles") == [(True,)]


def test_promoted_headlines_are_those_of_the_sources_latest_crawl(conn):
    title, paras = ARTICLES[0]
    old, new = Headline("Old news", "https://a.example/old"), Headline("New", "https://a.example/new")
    store_pages(conn, [page("https://a.example/p1", title, paras, source="a", headlines=(old, new))])
    with conn, conn.cursor() as cur:  # the latest crawl of source a starts half an hour later
        cur.execute("INSERT INTO crawl_runs (source, trigger, status, started_at, finished_at)"
                    " VALUES ('a', 'schedule', 'succeeded', %s, %s)",
                    (T0 + timedelta(minutes=30), T0 + timedelta(hours=2)))
    title2, paras2 = ARTICLES[1]
    store_pages(conn, [page("https://a.example/p2", title2, paras2, source="a", at=1, headlines=(new,))])
    assert rows(conn, "SELECT title, since, last_seen_at FROM promoted_headlines WHERE source = 'a'") == [
        ("New", T0, T0 + timedelta(hours=1))]


def test_a_text_syndicated_by_more_outlets_than_a_band_key_holds_still_finds_its_original(conn):
    title, paras = ARTICLES[3]
    store_pages(conn, [page("https://wire.example/w", title, paras, source="wire")])
    crowded = Thresholds().crowded
    # verbatim republications: every band key of the text is shared by all of them
    copies = [page(f"https://o{i}.example/w", title, paras, source=f"o{i}", at=1 + i / 100)
              for i in range(crowded + 30)]
    for k in range(0, len(copies), 20):
        store_pages(conn, copies[k:k + 20])
    got = links(conn)
    assert {orig for url, (orig, _) in got.items() if url != "https://wire.example/w"} == {"https://wire.example/w"}
    assert rows(conn, "SELECT count(*) FROM stories") == [(1,)]


def test_two_crawls_storing_copies_at_once_see_each_other(db_url):
    """Without the linking lock each would miss the other's uncommitted copy; the order they link in is random."""
    import threading

    title, paras = ARTICLES[4]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def crawl(i: int) -> None:
        conn = db.connect(db_url)
        try:
            body = paras if i == 0 else edited_copy(paras, random.Random(i), f"Outlet {i}")
            barrier.wait()
            store_pages(conn, [page(f"https://s{i}.example/x", title, body, source=f"s{i}", at=i / 10)])
        except BaseException as exc:  # noqa: B036 - reported by the main thread
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=crawl, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    conn = db.connect(db_url)
    try:
        got = links(conn)
        assert rows(conn, "SELECT count(*) FROM stories") == [(1,)]
        # whichever linked first, the copy fetched first is the original of all
        assert {url: orig for url, (orig, _) in got.items()} == {
            "https://s0.example/x": None, **{f"https://s{i}.example/x": "https://s0.example/x" for i in (1, 2, 3)}}
    finally:
        conn.close()
