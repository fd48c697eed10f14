"""Storing a fetch again later (spool replay after a crash) never brings old content back."""

from __future__ import annotations

from scraper.extraction.model import Headline
from scraper.storage.store import StoreCounts, store_pages
from tests.integration.test_store import A, B, one, page


def test_a_replayed_old_fetch_after_a_newer_version_changes_nothing(conn):
    old = page(body="Old text.", at=0)
    assert store_pages(conn, [old]) == StoreCounts(new=1)
    assert store_pages(conn, [page(body="New text.", at=10)]) == StoreCounts(updated=1)
    assert store_pages(conn, [old]) == StoreCounts(unchanged=1)  # e.g. replayed from the spool
    assert one(conn, "SELECT body FROM articles WHERE url = %(u)s", u=A) == "New text."
    assert one(conn, "SELECT count(*) FROM article_versions") == 2


def test_an_unchanged_fetch_replayed_after_a_revision_is_not_a_revision(conn):
    first, seen_again = page(body="Same.", at=0), page(body="Same.", at=5)
    assert store_pages(conn, [first, seen_again]) == StoreCounts(new=1, unchanged=1)
    assert store_pages(conn, [page(body="Revised.", at=10)]) == StoreCounts(updated=1)
    assert store_pages(conn, [seen_again]) == StoreCounts(unchanged=1)
    assert one(conn, "SELECT body FROM articles") == "Revised."
    assert one(conn, "SELECT count(*) FROM article_versions") == 2


def test_addresses_too_long_to_index_are_not_kept_and_do_not_fail_the_batch(conn):
    """A page may claim a 10 KB rel=canonical or link one: that once failed every page of its batch."""
    huge = "https://news.example/world/a?" + "x" * 10_000
    pages = [page(url=huge, final="https://news.example/world/a", headlines=(Headline("Long", huge),
                                                                             Headline("Short", B))),
             page(url=B, at=1)]
    assert store_pages(conn, pages) == StoreCounts(new=2)
    assert one(conn, "SELECT count(*) FROM articles WHERE url = %(u)s", u=A) == 1
    assert one(conn, "SELECT max(length(url)) FROM article_urls") < 2083
    assert one(conn, "SELECT array_agg(title) FROM headlines") == ["Short"]
