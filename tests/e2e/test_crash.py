"""kill -9 of crawls and of the daemon with its child: runs marked interrupted, nothing doubled, no lock left.

(test_daemon.py covers a crawl command killed hard and found by the next daemon start.)
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from scraper.storage.db import MIGRATION_LOCK_KEY
from tests.e2e.conftest import rows
from tests.e2e.test_daemon import daemon_running, runs, stop, wait_for
from tests.newssite.slow import SlowSite


@pytest.fixture
def slow_site() -> Iterator[SlowSite]:
    site = SlowSite(n=30, delay=0.3)
    yield site
    site.close()


def config_for(tmp_path, site: SlowSite):
    config = tmp_path / "s.toml"
    config.write_text(f'[[sources]]\nname = "slow"\nstart_urls = ["{site.url}/rss.xml"]\n'
                      'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 60\n'
                      "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nSCRAPER_BATCH_SIZE = 2\n"
                      "CONCURRENT_REQUESTS_PER_DOMAIN = 4\n")
    return config



def advisory_locks(db_url: str) -> list[tuple]:
    """Return the advisory locks anyone holds on this test's database (migration lock and crawl locks)."""
    return rows(db_url, "SELECT classid, objid, objsubid, pid FROM pg_locks WHERE locktype = 'advisory' "
                         "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")


def assert_each_article_once(db_url: str, site: SlowSite) -> None:
    stored = rows(db_url, "SELECT a.url, count(v.*) FROM articles a JOIN article_versions v "
                           "ON v.article_id = a.id GROUP BY a.url")
    assert sorted(u[len(site.url):] for u, _ in stored) == sorted(site.stories)
    assert {n for _, n in stored} == {1}
    assert rows(db_url, "SELECT count(*) FROM article_urls GROUP BY url HAVING count(*) > 1") == []


def test_a_crawl_killed_hard_is_marked_interrupted_by_the_next_crawl_which_stores_everything_once(
        scraper, slow_site, db_url, tmp_path):
    config = config_for(tmp_path, slow_site)
    crawl = scraper.popen("--config", str(config), "crawl", "slow")
    wait_for(lambda: rows(db_url, "SELECT count(*) FROM articles")[0][0] >= 4, 60, "a few stored articles")
    crawl.kill()
    crawl.wait(30)
    assert [r[0] for r in runs(db_url)] == ["running"]
    assert advisory_locks(db_url) == []  # PostgreSQL dropped the dead session's crawl lock
    result = scraper("--config", str(config), "crawl", "slow")
    assert result.code == 0, result.err
    (killed, _, error, _), (second, _, _, _) = runs(db_url)
    assert killed == "failed" and "interrupted" in error and second == "succeeded"
    assert_each_article_once(db_url, slow_site)


def test_daemon_and_its_crawl_killed_hard_then_restarted(scraper, slow_site, db_url, tmp_path):
    config = config_for(tmp_path, slow_site)
    with daemon_running(scraper, config) as daemon:
        wait_for(lambda: rows(db_url, "SELECT count(*) FROM articles")[0][0] >= 4, 60, "a few stored articles")
        [(child,)] = rows(db_url, "SELECT pid FROM crawl_runs")
        daemon.kill()  # SIGKILL the daemon, then its crawl child: nothing runs any handler
        os.kill(child, signal.SIGKILL)
        daemon.wait(30)
        wait_for(lambda: advisory_locks(db_url) == [], 30, "the dead crawl's session to go")
    assert [r[0] for r in runs(db_url)] == ["running"]
    with daemon_running(scraper, config) as daemon:
        # the source never succeeded, so the restarted daemon crawls it at once: its lock is free
        wait_for(lambda: [r[0] for r in runs(db_url)] == ["failed", "succeeded"], 90,
                 "the restarted daemon to fail the stale run and crawl the source again")
        assert stop(daemon) == 0
    (killed, _, error, _), (second, _, _, _) = runs(db_url)
    assert killed == "failed" and "interrupted" in error and second == "succeeded"
    assert_each_article_once(db_url, slow_site)
    locks = advisory_locks(db_url)
    assert locks == [] and not [lk for lk in locks if (lk[0] << 32 | lk[1]) == MIGRATION_LOCK_KEY]
