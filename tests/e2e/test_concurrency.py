"""Crawls at the same time on one database: overlapping sources, --url beside a crawl, two daemons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import rows, sources_file
from tests.e2e.test_daemon import daemon_running, stop, wait_for
from tests.newssite.slow import SlowSite


def test_overlapping_sources_and_a_url_crawled_at_once_store_each_article_once(scraper, site, db_url, tmp_path):
    # small batches: the crawls interleave many transactions on the same rows
    one = sources_file(tmp_path / "one.toml", site, name="one", top="allow_private_addresses = true")
    two = sources_file(tmp_path / "two.toml", site, name="two")
    config = tmp_path / "s.toml"
    config.write_text(one.read_text() + "SCRAPER_BATCH_SIZE = 3\n" + two.read_text() + "SCRAPER_BATCH_SIZE = 3\n")
    crawls = [scraper.popen("--config", str(config), "crawl", name) for name in ("one", "two")]
    beside = scraper("--config", str(config), "crawl", "--url", site.url + site.expected.fresh[0])
    for crawl in crawls:
        assert crawl.wait(180) == 0, scraper.log.read_text()
    assert beside.code == 0, beside.err
    expected = site.expected.stored(max_age_days=7)
    stored = {u[len(site.url):] for (u,) in rows(db_url, "SELECT url FROM articles")}
    assert stored == set(expected)
    assert rows(db_url, "SELECT count(*) FROM article_versions")[0][0] == len(expected)
    # no lost update: every article was new for exactly one crawl, and seen unchanged by the others
    counts = rows(db_url, "SELECT articles_new, articles_updated, articles_unchanged, status, lock_name "
                           "FROM crawl_runs ORDER BY id")
    assert len(counts) == 3 and sum(c[0] for c in counts) == len(expected)
    assert all(upd == 0 and status == "succeeded" for _, upd, _, status, _ in counts)
    for new, _, unchanged, _, lock_name in counts:
        if lock_name is None:  # the two source crawls, not the --url one
            assert new + unchanged >= len(expected)
    assert rows(db_url, "SELECT url FROM headlines GROUP BY url HAVING count(*) > 1") == []
    assert rows(db_url, "SELECT article_id, seen_at, position FROM headline_sightings "
                         "GROUP BY 1, 2, 3 HAVING count(*) > 1") == []


@pytest.fixture
def slow_site() -> Iterator[SlowSite]:
    site = SlowSite(n=30, delay=0.5)
    yield site
    site.close()


def test_two_daemons_on_one_database_never_crawl_a_source_twice_at_once(scraper, slow_site, db_url, tmp_path):
    config = tmp_path / "s.toml"
    config.write_text(f'[[sources]]\nname = "slow"\nstart_urls = ["{slow_site.url}/rss.xml"]\n'
                      'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 60\n'
                      "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nCONCURRENT_REQUESTS_PER_DOMAIN = 2\n")
    with daemon_running(scraper, config) as first, daemon_running(scraper, config) as second:
        wait_for(lambda: rows(db_url, "SELECT status FROM crawl_runs") == [("succeeded",)], 90,
                 "one crawl to finish")
        assert stop(first) == 0 and stop(second) == 0
    # both daemons found the source overdue at start; the advisory lock let only one crawl it
    runs = rows(db_url, "SELECT status, started_at, finished_at FROM crawl_runs ORDER BY started_at")
    assert len(runs) == 1, runs
    stored = rows(db_url, "SELECT a.url, count(v.*) FROM articles a JOIN article_versions v "
                           "ON v.article_id = a.id GROUP BY a.url")
    assert len(stored) == 30 and {n for _, n in stored} == {1}
