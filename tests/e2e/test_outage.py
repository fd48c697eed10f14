"""A database outage during a crawl, on a PostgreSQL server of the test's own: nothing fetched is lost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.e2e.conftest import Scraper, rows
from tests.e2e.test_daemon import count_articles, wait_for
from tests.faults.postgres import OwnPostgres, own_database
from tests.newssite.slow import SlowSite


@pytest.fixture
def own_pg() -> Iterator[OwnPostgres]:
    """A running PostgreSQL server only this test uses: it may stop and start it."""
    server = OwnPostgres()
    server.start()
    yield server
    server.close()


@pytest.fixture
def slow_site() -> Iterator[SlowSite]:
    site = SlowSite(n=30, delay=0.3)
    yield site
    site.close()


def slow_sources(path: Path, site: SlowSite, spool_wait: float) -> Path:
    path.write_text(
        f'[[sources]]\nname = "slow"\nstart_urls = ["{site.url}/rss.xml"]\nallowed_domains = ["127.0.0.1"]\n'
        f'interval_minutes = 60\n\n[[sources]]\nname = "other"\nstart_urls = ["{site.url}/rss.xml"]\n'
        'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 60\nmax_pages = 1\n'
        "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\n")
    text = path.read_text().replace(
        'interval_minutes = 60\n\n[[sources]]',
        "interval_minutes = 60\n[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nSCRAPER_BATCH_SIZE = 2\n"
        f"SCRAPER_EXTRACT_WORKERS = 0\nCONCURRENT_REQUESTS_PER_DOMAIN = 3\nSCRAPER_SPOOL_WAIT = {spool_wait}\n"
        "\n[[sources]]", 1)
    path.write_text(text)
    return path



def assert_stored_exactly_once(url: str, site: SlowSite, paths: set[str]) -> None:
    stored = rows(url, "SELECT a.url, count(v.*) FROM articles a JOIN article_versions v "
                       "ON v.article_id = a.id GROUP BY a.url")
    assert sorted(u[len(site.url):] for u, _ in stored) == sorted(paths)
    assert {n for _, n in stored} == {1}  # one version each: no page stored twice as a revision


def test_database_restarted_mid_crawl_loses_nothing_and_the_run_says_so(own_pg, slow_site, tmp_path):
    url = own_database(own_pg)
    scraper = Scraper(tmp_path, url)
    config = slow_sources(tmp_path / "s.toml", slow_site, spool_wait=30)
    crawl = scraper.popen("--config", str(config), "crawl", "slow")
    wait_for(lambda: count_articles(url) >= 4, 60, "the crawl to store a few articles")
    own_pg.stop()
    served_before = len(slow_site.served)
    time.sleep(2)
    assert len(slow_site.served) > served_before  # the crawl went on fetching while the database was down
    own_pg.start()
    assert crawl.wait(120) == 0, scraper.log.read_text()
    assert_stored_exactly_once(url, slow_site, set(slow_site.served))
    assert len(slow_site.served) == 30
    [(status, new, error)] = rows(url, "SELECT status, articles_new, error FROM crawl_runs")
    assert status == "succeeded" and new == 30
    notes = [m for (m,) in rows(url, "SELECT message FROM crawl_errors")]
    assert len(notes) == 1 and "database unavailable" in notes[0] and "all stored" in notes[0]
    assert "database unavailable" in error
    assert _spooled(tmp_path) == 0


def test_database_down_until_the_crawl_ends_is_drained_by_the_next_crawl(own_pg, slow_site, tmp_path):
    url = own_database(own_pg)
    scraper = Scraper(tmp_path, url)
    config = slow_sources(tmp_path / "s.toml", slow_site, spool_wait=0.5)
    crawl = scraper.popen("--config", str(config), "crawl", "slow")
    wait_for(lambda: count_articles(url) >= 4, 60, "the crawl to store a few articles")
    own_pg.stop()
    assert crawl.wait(120) == 1
    assert "cannot connect to PostgreSQL" in scraper.log.read_text().strip().splitlines()[-1]
    assert len(slow_site.served) == 30
    assert _spooled(tmp_path) > 0  # the pages fetched during the outage wait on disk
    own_pg.start()
    result = scraper("--config", str(config), "crawl", "other")  # any source's next crawl drains the spool
    assert result.code == 0, result.err
    assert_stored_exactly_once(url, slow_site, set(slow_site.served))
    assert _spooled(tmp_path) == 0
    (first, first_status, first_error), (second, second_status, _) = rows(
        url, "SELECT id, status, error FROM crawl_runs ORDER BY id")
    assert first_status == "failed" and "interrupted" in first_error and second_status == "succeeded"
    [note] = [m for (run, m) in rows(url, "SELECT run_id, message FROM crawl_errors") if run == first]
    assert "kept in the spool and stored later by crawl run" in note


def _spooled(tmp_path: Path) -> int:
    import sqlite3

    db = sqlite3.connect(tmp_path / "data" / "spool" / "pages.sqlite3")
    try:
        return db.execute("SELECT count(*) FROM pages").fetchone()[0]
    finally:
        db.close()


def test_a_page_the_database_refuses_is_recorded_and_the_rest_of_its_batch_stored(scraper, db_url, tmp_path):
    """Bad data is not an outage: the page is recorded as failed, not retried for ever from the spool.

    SQLSTATE 54000 (program limit exceeded, e.g. an index row too big) is an OperationalError in
    psycopg2, like a lost connection; it must still count as bad data.
    """
    from tests.faults.server import FaultSite

    with FaultSite() as site:
        refused = site.stories[site.good[2]].title
        conn = psycopg2.connect(db_url)
        with conn, conn.cursor() as cur:
            cur.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "IF NEW.title = %s THEN RAISE EXCEPTION 'refused by a test trigger' USING ERRCODE = '54000'; END IF; "
                        "RETURN NEW; END $$", (refused,))
            cur.execute("CREATE TRIGGER refuse BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION refuse()")
        conn.close()
        config = tmp_path / "s.toml"
        config.write_text(f'[[sources]]\nname = "good"\nstart_urls = ["{site.url}/good.xml"]\n'
                          'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 60\n'
                          "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nSCRAPER_SPOOL_WAIT = 2\n")
        result = scraper("--config", str(config), "crawl", "good")
    assert result.code == 0, result.err
    stored = {u[len(site.url):] for (u,) in rows(db_url, "SELECT url FROM articles")}
    assert stored == set(site.good) - {site.good[2]}
    [(url, message)] = rows(db_url, "SELECT url, message FROM crawl_errors")
    assert url.endswith(site.good[2]) and "could not store" in message and "refused by a test trigger" in message
    assert _spooled(tmp_path) == 0
