"""store_pages against a real PostgreSQL: counts, versions, aliases, headlines, batching."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg2.extensions
import pytest

from scraper.extraction.model import Article, Headline
from scraper.storage.pages import FetchedPage
from scraper.storage.store import StoreCounts, store_pages

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
A = "https://news.example/world/a"
B = "https://news.example/world/b"


def page(url: str = A, body: str = "First paragraph.\n\nSecond.", title: str = "Title",
         at: int = 0, requested: str | None = None, final: str | None = None,
         headlines: tuple[Headline, ...] = (), source: str = "example", **fields) -> FetchedPage:
    """Return a fetched article page at T0 + `at` minutes."""
    article = Article(url=url, title=title, body=body, headlines=headlines, **fields)
    return FetchedPage(source=source, requested_url=requested or url, final_url=final or url,
                       article=article, fetched_at=T0 + timedelta(minutes=at))


def rows(conn, sql: str, **params) -> list[tuple]:
    with conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def one(conn, sql: str, **params):
    (row,) = rows(conn, sql, **params)
    return row[0] if len(row) == 1 else row


def test_a_new_article_is_stored_with_its_first_version(conn):
    published = datetime(2026, 2, 28, 22, 0, tzinfo=UTC)
    counts = store_pages(conn, [page(published_at=published, authors=("Ann", "Bo"), language="en",
                                     image_url="https://news.example/a.jpg", paywalled=True)])
    assert counts == StoreCounts(new=1)
    art = rows(conn, "SELECT url, source, title, body, published_at, authors, language, image_url,"
                     " paywalled, first_seen_at, last_seen_at, story_id IS NOT NULL, duplicate_of FROM articles")
    assert art == [(A, "example", "Title", "First paragraph.\n\nSecond.", published, ["Ann", "Bo"],
                    "en", "https://news.example/a.jpg", True, T0, T0, True, None)]
    assert rows(conn, "SELECT version, title, body, fetched_at FROM article_versions") == [
        (1, "Title", "First paragraph.\n\nSecond.", T0)]


def test_an_unchanged_article_only_moves_last_seen_at(conn):
    store_pages(conn, [page()])
    assert store_pages(conn, [page(at=30)]) == StoreCounts(unchanged=1)
    assert one(conn, "SELECT first_seen_at, last_seen_at FROM articles") == (T0, T0 + timedelta(minutes=30))
    assert one(conn, "SELECT count(*) FROM article_versions") == 1


def test_whitespace_reflow_is_not_a_revision(conn):
    store_pages(conn, [page(body="One two.\n\nThree.")])
    assert store_pages(conn, [page(body="One  two.\n\n\n Three. ", at=5)]) == StoreCounts(unchanged=1)


@pytest.mark.parametrize("change", [{"body": "A corrected body."}, {"title": "A better title"}])
def test_a_changed_article_adds_a_version_oldest_first(conn, change):
    store_pages(conn, [page()])
    assert store_pages(conn, [page(at=60, **change)]) == StoreCounts(updated=1)
    versions = rows(conn, "SELECT version, title, body, fetched_at FROM article_versions"
                          " ORDER BY fetched_at")
    assert [v[0] for v in versions] == [1, 2]
    assert versions[0][1:3] == ("Title", "First paragraph.\n\nSecond.")
    latest = {"title": "Title", "body": "First paragraph.\n\nSecond.", **change}
    assert versions[1][1:3] == (latest["title"], latest["body"])
    assert one(conn, "SELECT title, body FROM articles") == (latest["title"], latest["body"])
    assert one(conn, "SELECT changed_at FROM articles") == T0 + timedelta(minutes=60)


def test_missing_metadata_in_a_revision_keeps_the_old_values(conn):
    store_pages(conn, [page(authors=("Ann",), language="en", image_url="https://news.example/i.jpg")])
    store_pages(conn, [page(body="Revised.", at=10)])
    assert one(conn, "SELECT authors, language, image_url FROM articles") == (
        ["Ann"], "en", "https://news.example/i.jpg")


def test_every_address_is_kept_and_finds_the_article_again(conn):
    requested = "https://news.example/r/123?utm_source=rss&id=7"
    final = "https://NEWS.example:443/world/a?ref_src=tw#top"
    store_pages(conn, [page(requested=requested, final=final)])
    urls = {r[0] for r in rows(conn, "SELECT url FROM article_urls")}
    assert {A, requested, "https://news.example/r/123?id=7", final} <= urls
    # The site later declares another canonical URL; the known redirect still finds the article.
    counts = store_pages(conn, [page(url="https://news.example/world/a-renamed", requested=requested, at=5)])
    assert counts == StoreCounts(unchanged=1)
    assert one(conn, "SELECT count(*) FROM articles") == 1
    assert one(conn, "SELECT article_id FROM article_urls WHERE url = %(u)s",
               u="https://news.example/world/a-renamed") == one(conn, "SELECT id FROM articles")


def test_tracking_parameter_variants_map_to_one_article(conn):
    variants = [f"{A}?utm_source=rss", f"{A}?utm_medium=social&fbclid=xyz", f"{A}?gclid=1#comments"]
    first = store_pages(conn, [page(requested=variants[0], final=variants[0])])
    later = store_pages(conn, [page(requested=v, final=v, at=i + 1) for i, v in enumerate(variants[1:])])
    assert (first, later) == (StoreCounts(new=1), StoreCounts(unchanged=2))
    assert one(conn, "SELECT count(*) FROM articles") == 1


def test_headlines_and_sightings(conn):
    sidebar = (Headline("Bee story", B + "?utm_campaign=x"), Headline("", "   "),
               Headline("Sea story", "https://news.example/c"))
    store_pages(conn, [page(headlines=sidebar)])
    store_pages(conn, [page(at=10, headlines=(Headline("Bee story, updated", B),))])
    assert rows(conn, "SELECT url, title, first_seen_at, last_seen_at FROM headlines ORDER BY url") == [
        ("https://news.example/c", "Sea story", T0, T0),
        (B, "Bee story, updated", T0, T0 + timedelta(minutes=10))]
    sightings = rows(conn, "SELECT h.url, s.position, s.seen_at, s.title, s.article_id = a.id"
                           " FROM headline_sightings s JOIN headlines h ON h.id = s.headline_id"
                           " CROSS JOIN articles a ORDER BY s.seen_at, s.position")
    assert sightings == [(B, 0, T0, "Bee story", True),
                         ("https://news.example/c", 1, T0, "Sea story", True),
                         (B, 0, T0 + timedelta(minutes=10), "Bee story, updated", True)]


def test_a_headline_in_two_rails_of_one_page_is_two_sightings_with_their_blocks(conn):
    sidebar = (Headline("Bee story", B, block="Most read"), Headline("Sea story", "https://news.example/c"),
               Headline("Bee story", B, block="Related"))
    store_pages(conn, [page(headlines=sidebar)])
    assert one(conn, "SELECT count(*) FROM headlines") == 2
    assert rows(conn, "SELECT h.url, s.position, s.block FROM headline_sightings s"
                      " JOIN headlines h ON h.id = s.headline_id ORDER BY s.position") == [
        (B, 0, "Most read"), ("https://news.example/c", 1, ""), (B, 2, "Related")]


def test_a_headline_is_linked_when_its_article_is_stored_later(conn):
    store_pages(conn, [page(headlines=(Headline("Bee", B),))])
    assert one(conn, "SELECT article_id FROM headlines") is None
    # B arrives through a tracking variant: its canonical form is the headline's URL.
    store_pages(conn, [page(url=B, requested=B + "?utm_source=x", at=5)])
    assert one(conn, "SELECT article_id FROM headlines") == one(
        conn, "SELECT id FROM articles WHERE url = %(u)s", u=B)


def test_a_headline_to_a_stored_article_or_alias_is_linked_at_once(conn):
    alias = "https://news.example/b-old"
    store_pages(conn, [page(url=B, requested=alias)])
    store_pages(conn, [page(headlines=(Headline("Bee", B), Headline("Old Bee", alias)), at=1)])
    b_id = one(conn, "SELECT id FROM articles WHERE url = %(u)s", u=B)
    assert rows(conn, "SELECT url, article_id FROM headlines ORDER BY url") == [(alias, b_id), (B, b_id)]


def test_a_page_listing_itself_links_to_itself(conn):
    store_pages(conn, [page(headlines=(Headline("Self", A),))])
    assert one(conn, "SELECT article_id FROM headlines") == one(conn, "SELECT id FROM articles")


def test_nul_bytes_are_removed_from_stored_text(conn):
    store_pages(conn, [page(title="Ti\x00tle", body="Bo\x00dy", authors=("A\x00nn", "\x00"),
                            language="e\x00n", headlines=(Headline("He\x00ad", B + "\x00"),))])
    assert one(conn, "SELECT title, body, authors, language FROM articles") == ("Title", "Body", ["Ann"], "en")
    assert one(conn, "SELECT title, url FROM headlines") == ("Head", B)
    assert one(conn, "SELECT title || body FROM article_versions") == "TitleBody"


def test_the_same_article_twice_in_one_batch(conn):
    counts = store_pages(conn, [page(at=1), page(at=2, requested=A + "?utm_source=a")])
    assert counts == StoreCounts(new=1, unchanged=1)
    assert one(conn, "SELECT count(*) FROM articles") == 1
    assert one(conn, "SELECT count(*) FROM article_versions") == 1
    assert one(conn, "SELECT first_seen_at, last_seen_at FROM articles") == (
        T0 + timedelta(minutes=1), T0 + timedelta(minutes=2))


def test_a_revision_within_one_batch_is_ordered_by_fetch_time(conn):
    store_pages(conn, [page()])
    batch = [page(body="Third take.", at=20), page(body="Second take.", at=10), page(body="Third take.", at=30)]
    assert store_pages(conn, batch) == StoreCounts(updated=2, unchanged=1)
    assert rows(conn, "SELECT version, body FROM article_versions ORDER BY version") == [
        (1, "First paragraph.\n\nSecond."), (2, "Second take."), (3, "Third take.")]
    assert one(conn, "SELECT body, changed_at, last_seen_at FROM articles") == (
        "Third take.", T0 + timedelta(minutes=20), T0 + timedelta(minutes=30))


def test_a_new_article_revised_within_its_first_batch(conn):
    assert store_pages(conn, [page(at=1), page(at=2, body="Fixed.")]) == StoreCounts(new=1, updated=1)
    assert rows(conn, "SELECT version, body FROM article_versions ORDER BY version") == [
        (1, "First paragraph.\n\nSecond."), (2, "Fixed.")]
    assert one(conn, "SELECT body FROM articles") == "Fixed."


def test_storing_the_same_batch_twice_changes_nothing_but_counts(conn):
    batch = [page(headlines=(Headline("Bee", B),)), page(url=B, at=1, headlines=(Headline("A", A),))]
    assert store_pages(conn, batch) == StoreCounts(new=2)
    before = [one(conn, f"SELECT count(*) FROM {t}") for t in ("article_versions", "headline_sightings")]
    assert store_pages(conn, batch) == StoreCounts(unchanged=2)
    assert [one(conn, f"SELECT count(*) FROM {t}") for t in ("article_versions", "headline_sightings")] == before


def test_pages_that_are_not_articles_are_skipped(conn):
    index = replace(page(url="https://news.example/world/"),
                    article=Article(url="https://news.example/world/", is_article=False, reason="index"))
    assert store_pages(conn, [index, page()]) == StoreCounts(new=1, skipped=1)
    assert store_pages(conn, []) == StoreCounts()


def test_two_crawls_storing_the_same_articles_at_once(db_url):
    """Sources overlap: concurrent batches must neither deadlock nor duplicate articles."""
    from scraper.storage import db

    def batch(source: str) -> list[FetchedPage]:
        return [page(url=f"https://news.example/p/{i}", source=source, at=i,
                     headlines=tuple(Headline(f"H{j}", f"https://news.example/p/{j}") for j in range(10)))
                for i in range(20)]

    barrier = threading.Barrier(3)
    results: list[StoreCounts] = []
    errors: list[BaseException] = []

    def crawl(source: str) -> None:
        conn = db.connect(db_url)
        try:
            barrier.wait()
            results.append(store_pages(conn, batch(source)))
        except BaseException as exc:  # noqa: B036 - reported by the main thread
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=crawl, args=(s,)) for s in ("one", "two", "three")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(r.new for r in results) == 20 and sum(r.unchanged for r in results) == 40
    conn = db.connect(db_url)
    try:
        assert one(conn, "SELECT count(*) FROM articles") == 20
        assert one(conn, "SELECT count(*) FROM article_versions") == 20
        assert one(conn, "SELECT count(*) FROM headlines WHERE article_id IS NULL") == 0
    finally:
        conn.close()


class CountingCursor(psycopg2.extensions.cursor):
    executed = 0

    def execute(self, query, vars=None):
        CountingCursor.executed += 1
        return super().execute(query, vars)


def test_a_batch_costs_a_fixed_number_of_round_trips(conn):
    def batch(at: int) -> list[FetchedPage]:
        return [page(url=f"https://news.example/p/{i}", body=f"Body {i} at {at // 100}", at=at + i,
                     requested=f"https://news.example/p/{i}?utm_source=rss",
                     headlines=tuple(Headline(f"H{j}", f"https://news.example/p/{j}") for j in range(30)))
                for i in range(50)]

    conn.cursor_factory = CountingCursor
    CountingCursor.executed = 0
    assert store_pages(conn, batch(0)) == StoreCounts(new=50)
    assert CountingCursor.executed <= 28  # storing about ten, dedup and story linking about fifteen
    CountingCursor.executed = 0
    assert store_pages(conn, batch(100)) == StoreCounts(updated=50)
    assert CountingCursor.executed <= 28
    assert one(conn, "SELECT count(*) FROM headline_sightings") == 2 * 50 * 30
    assert one(conn, "SELECT count(*) FROM headlines WHERE article_id IS NULL") == 0
