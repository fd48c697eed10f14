"""Revisions, address variants, content matching, as-of reads and revisit times on a real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from scraper.policy.revisit import policy_for
from scraper.storage.store import StoreCounts, store_pages
from tests.integration.test_store import T0, A, one, page, rows

LONG = "\n\n".join(
    f"Paragraph {i}: the council met again on the rail project and heard from residents, engineers "
    f"and the finance office about costs, delays and the timetable for the next phase of work." for i in range(6))
CORRECTION = "\n\nCorrection: an earlier version of this article misstated the cost of the project."


def test_versions_record_what_changed_oldest_first(conn):
    store_pages(conn, [page(body=LONG)])
    store_pages(conn, [page(body=LONG + CORRECTION, at=60)])
    store_pages(conn, [page(body=LONG + CORRECTION, title="A Better Title", at=120)])
    got = rows(conn, "SELECT version, title_changed, body_changed, words_added, words_removed, change_summary"
                     " FROM article_versions ORDER BY version")
    assert [g[:5] for g in got] == [(1, None, None, None, None), (2, False, True, 13, 0), (3, True, False, 0, 0)]
    assert "Correction: an earlier version" in got[1][5] and "'A Better Title'" in got[2][5]


def test_cosmetic_changes_are_not_versions(conn):
    store_pages(conn, [page(body=LONG)])
    noisy = [
        "Updated 2 minutes ago\n\n" + LONG,
        LONG.replace("council", "coun\u00adcil").replace(" met", "\u00a0met") + "\n\n1.2K shares",
        "Updated 27 Nov 2026, 14:03 UTC\n\n\u200b" + LONG + "\n\nComments (41)",
        "Published 3 hours ago\n\n" + LONG,
    ]
    counts = store_pages(conn, [page(body=b, at=10 * (i + 1)) for i, b in enumerate(noisy)])
    assert counts == StoreCounts(unchanged=4)
    assert one(conn, "SELECT count(*) FROM article_versions") == 1
    assert one(conn, "SELECT body, last_seen_at FROM articles") == (LONG, T0 + timedelta(minutes=40))


def test_article_as_of_returns_the_version_current_at_any_time(conn):
    store_pages(conn, [page(body=LONG)])
    store_pages(conn, [page(body=LONG + CORRECTION, at=60)])
    aid = one(conn, "SELECT id FROM articles")

    def as_of(minutes):
        return rows(conn, "SELECT version, body, fetched_at, superseded_at FROM article_as_of(%(a)s, %(t)s)",
                    a=aid, t=T0 + timedelta(minutes=minutes))

    assert as_of(-1) == []
    assert as_of(0) == [(1, LONG, T0, T0 + timedelta(minutes=60))]
    assert as_of(59) == [(1, LONG, T0, T0 + timedelta(minutes=60))]
    assert as_of(60) == [(2, LONG + CORRECTION, T0 + timedelta(minutes=60), None)]
    assert as_of(10_000)[0][0] == 2
    via_alias = rows(conn, "SELECT version FROM article_as_of_url(%(u)s, %(t)s)",
                     u=A, t=T0 + timedelta(minutes=30))
    assert via_alias == [(1,)]


def test_amp_and_mobile_variants_naming_their_canonical_are_one_article(conn):
    canonical = "https://www.news.example/world/story"
    variants = ["https://m.news.example/world/story", "https://amp.news.example/world/story",
                "https://www.news.example/world/story/amp/", "https://www.news.example/world/story?amp=1"]
    store_pages(conn, [page(url=canonical, body=LONG)])
    counts = store_pages(conn, [page(url=canonical, body=LONG, requested=v, final=v, at=i + 1)
                                for i, v in enumerate(variants)])
    assert counts == StoreCounts(unchanged=4)
    aid = one(conn, "SELECT id FROM articles")
    urls = dict(rows(conn, "SELECT url, article_id FROM article_urls"))
    assert all(urls[v] == aid for v in variants)


def test_amp_path_variant_without_canonical_finds_the_article_by_its_key(conn):
    store_pages(conn, [page(url="https://news.example/world/story", body="Short text.")])
    amp = "https://news.example/world/story/amp/"
    assert store_pages(conn, [page(url=amp, body="Short text.", at=1)]) == StoreCounts(unchanged=1)
    assert one(conn, "SELECT count(*) FROM articles") == 1


def test_same_text_in_two_sections_without_canonical_is_one_article(conn):
    world, politics = "https://news.example/world/story-1", "https://news.example/politics/story-1"
    assert store_pages(conn, [page(url=world, body=LONG)]) == StoreCounts(new=1)
    assert store_pages(conn, [page(url=politics, body="Updated 1 minute ago\n\n" + LONG, at=5)]) == StoreCounts(
        unchanged=1)
    assert rows(conn, "SELECT url FROM articles") == [(world,)]
    assert one(conn, "SELECT article_id FROM article_urls WHERE url = %(u)s", u=politics) == one(
        conn, "SELECT id FROM articles")
    # also within one batch
    store_pages(conn, [page(url=world + "-b", body=LONG + " More.", at=6),
                       page(url=politics + "-b", body=LONG + " More.", at=7)])
    assert one(conn, "SELECT count(*) FROM articles") == 2


def test_content_matching_is_not_done_across_sources_for_short_text_or_declared_canonicals(conn):
    store_pages(conn, [page(url="https://news.example/a", body=LONG)])
    store_pages(conn, [page(url="https://news.example/b", body=LONG, source="other", at=1)])
    store_pages(conn, [page(url="https://news.example/c", body="Subscribe to read.", at=2),
                       page(url="https://news.example/d", body="Subscribe to read.", at=3)])
    # /e declares /e as canonical while fetched at /e2: it names another address, so content is not matched
    store_pages(conn, [page(url="https://news.example/e", final="https://news.example/e2", body=LONG, at=4)])
    assert one(conn, "SELECT count(*) FROM articles") == 5


def test_raw_listed_addresses_are_recorded(conn):
    from dataclasses import replace

    listed = A + "?utm_source=newsletter&utm_medium=email"
    store_pages(conn, [replace(page(), aliases=(listed,))])
    assert one(conn, "SELECT count(*) FROM article_urls WHERE url = %(u)s", u=listed) == 1


def test_rows_from_before_0005_get_a_fingerprint_without_a_spurious_version(conn):
    store_pages(conn, [page(body=LONG)])
    with conn, conn.cursor() as cur:  # what a row written by the previous release looks like
        cur.execute("UPDATE articles SET fingerprint = NULL")
    assert store_pages(conn, [page(body="Updated 5 minutes ago\n\n" + LONG, at=30)]) == StoreCounts(unchanged=1)
    assert one(conn, "SELECT fingerprint IS NOT NULL FROM articles")
    assert one(conn, "SELECT count(*) FROM article_versions") == 1


def test_next_visit_is_stored_by_the_policy_and_due_articles_are_found(conn):
    from scraper.storage.db import query

    store_pages(conn, [page(body=LONG)], revisit=policy_for(2))
    assert one(conn, "SELECT next_visit_at FROM articles") == T0 + timedelta(minutes=15)
    store_pages(conn, [page(body=LONG, at=7 * 60)], revisit=policy_for(2))  # quiet 7 hours: hourly
    assert one(conn, "SELECT next_visit_at FROM articles") == T0 + timedelta(hours=8)
    store_pages(conn, [page(body=LONG + CORRECTION, at=8 * 60)], revisit=policy_for(2))  # revised: young again
    assert one(conn, "SELECT next_visit_at FROM articles") == T0 + timedelta(hours=8, minutes=15)
    store_pages(conn, [page(body=LONG + CORRECTION, at=3 * 24 * 60)], revisit=policy_for(2))
    assert one(conn, "SELECT next_visit_at FROM articles") is None
    store_pages(conn, [page(url="https://news.example/never", body="x", at=1)], revisit=policy_for(0))
    store_pages(conn, [page(url="https://news.example/due", body="y", at=2),
                       page(url="https://news.example/other", body="z", source="other", at=2)])

    def due(minutes, limit=10):
        return [u for (u,) in rows(conn, query("due_articles"), source="example", max_age_days=3,
                                   now=T0 + timedelta(minutes=minutes), limit=limit)]

    assert due(16) == [] and due(17) == ["https://news.example/due"] and due(17, limit=0) == []
    # a page that keeps failing is never stored again: the age bound retires it anyway
    assert due(3 * 24 * 60) == ["https://news.example/due"] and due(3 * 24 * 60 + 2) == []
