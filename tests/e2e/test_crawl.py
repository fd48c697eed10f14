"""A full crawl of the local news site into PostgreSQL, through the real `scraper` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import rows, sources_file


def stored_paths(db_url: str, site) -> set[str]:
    return {url[len(site.url):] for (url,) in rows(db_url, "SELECT url FROM articles")}


def test_full_crawl_stores_every_listed_article_and_counts_failures(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "sources.toml", site, max_age_days=7)
    result = scraper("--config", str(config), "crawl", "gazette")
    assert result.code == 0, result.err
    assert "succeeded" in result.out

    expected = site.expected.stored(max_age_days=7)
    assert stored_paths(db_url, site) == set(expected)
    # max_age_days is applied to feed/sitemap dates before fetching; robots.txt is obeyed
    assert all(site.fetched(path) == 0 for path in site.expected.old)
    assert all(site.fetched(path) == 0 for path in site.expected.disallowed)

    [run] = rows(db_url, "SELECT status, trigger, articles_new, articles_updated, articles_unchanged, "
                         "errors, error, pages_fetched, finished_at IS NOT NULL FROM crawl_runs")
    status, trigger, new, updated, unchanged, errors, error, pages, finished = run
    assert (status, trigger, new, updated, finished) == ("succeeded", "manual", len(expected), 0, True)
    # an alias that canonicalisation cannot see through (?from=...) is fetched too; rel=canonical
    # then finds the stored article, which counts as unchanged
    assert unchanged <= len(site.expected.aliases)
    assert errors == len(site.expected.broken) and error
    assert pages >= len(expected) + len(site.expected.broken)
    failed = {url[len(site.url):] for (url,) in rows(db_url, "SELECT url FROM crawl_errors")}
    assert failed == set(site.expected.broken)


def test_sidebar_headlines_are_stored_with_sightings_and_linked_to_articles(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "sources.toml", site, max_age_days=None)
    assert scraper("--config", str(config), "crawl", "gazette").code == 0
    seed_url = site.url + site.expected.seed
    [(seed_id, title, body)] = rows(db_url, "SELECT id, title, body FROM articles WHERE url = %s", (seed_url,))
    assert body.startswith("Russia has opposed the potential admission of Ukraine")
    seen = rows(db_url, "SELECT h.title, h.url, h.article_id, s.position FROM headline_sightings s "
                        "JOIN headlines h ON h.id = s.headline_id WHERE s.article_id = %s ORDER BY s.position",
                (seed_id,))
    seed_text = (Path(__file__).resolve().parents[1] / "data" / "seed.txt").read_text(encoding="utf-8")
    seed_titles = [line.strip() for line in seed_text.partition("\n\n\n")[2].splitlines() if line.strip()]
    assert [t for t, *_ in seen] == seed_titles  # the page's sidebar, in order, nothing else
    linked = {url[len(site.url):]: article_id for _, url, article_id, _ in seen}
    for path in site.expected.seed_related:
        assert linked[path] is not None, path
    for path in site.expected.unserved_headlines:
        assert linked[path] is None, path
    assert [p for *_, p in seen] == list(range(len(seen)))


def test_second_crawl_sees_revisions_and_unchanged_articles(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "sources.toml", site, max_age_days=7)
    assert scraper("--config", str(config), "crawl", "gazette").code == 0
    path = site.expected.fresh[0]
    site.revise(path, site.story(path).body + "\n\nCorrection: an earlier version of this article "
                "misstated the share of households that depend on the programme.")
    result = scraper("--config", str(config), "crawl", "gazette")
    assert result.code == 0, result.err
    n = len(site.expected.stored(max_age_days=7))
    [(new, updated, unchanged)] = rows(
        db_url, "SELECT articles_new, articles_updated, articles_unchanged FROM crawl_runs ORDER BY id DESC LIMIT 1")
    assert (new, updated) == (0, 1)
    assert n - 1 <= unchanged <= n - 1 + len(site.expected.aliases)  # aliases fetch a known article again
    versions = rows(db_url, "SELECT v.body FROM article_versions v JOIN articles a ON a.id = v.article_id "
                            "WHERE a.url = %s ORDER BY v.fetched_at", (site.url + path,))
    assert len(versions) == 2 and "Correction:" in versions[1][0] and "Correction:" not in versions[0][0]
    [(count,)] = rows(db_url, "SELECT count(*) FROM article_versions")
    assert count == n + 1


def test_every_address_of_an_article_is_kept(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "sources.toml", site, max_age_days=None)
    assert scraper("--config", str(config), "crawl", "gazette").code == 0
    aliases = rows(db_url, "SELECT u.url, a.url FROM article_urls u JOIN articles a ON a.id = u.article_id")
    by_alias = {alias: article for alias, article in aliases}
    assert site.expected.aliases
    for alias, path in site.expected.aliases.items():
        if "utm_" in alias or "fbclid" in alias:
            continue  # never requested; recorded as listed only if listed before the fetch (see test_crawl_revisions)
        assert by_alias.get(site.url + alias) == site.url + path, alias
    [(n_articles,)] = rows(db_url, "SELECT count(*) FROM articles")
    assert n_articles == len(site.expected.stored())


def test_a_crawl_already_running_is_refused_with_exit_3_and_writes_nothing(scraper, site, db_url, tmp_path):
    from scraper.storage import db, runs

    config = sources_file(tmp_path / "sources.toml", site)
    conn = db.connect(db_url)
    try:
        with runs.source_lock(conn, "gazette"):
            result = scraper("--config", str(config), "crawl", "gazette")
    finally:
        conn.close()
    assert result.code == 3
    assert result.err.count("\n") == 1 and "already running" in result.err
    assert rows(db_url, "SELECT count(*) FROM crawl_runs") == [(0,)]
    assert site.fetched("/rss.xml") == 0


@pytest.mark.parametrize("body, words", [
    ('[[sources]]\nname = "x"\nstart_urls = ["http://127.0.0.1/"]\ninterval_minutes = 5\nmax_pagez = 1\n',
     ["source 'x'", "max_pagez"]),
    ('[[sources]]\nname = "x"\nstart_urls = ["http://127.0.0.1/"]\nschedule = "every hour"\n',
     ["source 'x'", "'schedule'"]),
    ("[[sources]\n", ["not valid TOML"]),
    # a bad Scrapy setting used to give a "succeeded" empty run, a misspelled one was ignored
    ('[[sources]]\nname = "x"\nstart_urls = ["http://127.0.0.1/"]\ninterval_minutes = 5\n'
     '[sources.settings]\nDOWNLOAD_DELAY = "fast"\n', ["source 'x'", "'settings.DOWNLOAD_DELAY'", "a number"]),
    ('[[sources]]\nname = "x"\nstart_urls = ["http://127.0.0.1/"]\ninterval_minutes = 5\n'
     '[sources.settings]\nDOWNLOAD_DELAYY = 1\n', ["source 'x'", "'settings.DOWNLOAD_DELAYY'", "DOWNLOAD_DELAY"]),
])
def test_bad_sources_file_exits_2_with_one_line_and_writes_nothing(scraper, db_url, tmp_path, body, words):
    config = tmp_path / "bad.toml"
    config.write_text(body)
    result = scraper("--config", str(config), "crawl", "x")
    assert result.code == 2
    assert result.err.startswith("scraper: ") and result.err.count("\n") == 1
    assert str(config) in result.err and all(w in result.err for w in words)
    assert rows(db_url, "SELECT count(*) FROM crawl_runs") == [(0,)]


def test_unknown_source_exits_2_naming_file_and_source(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "sources.toml", site)
    result = scraper("--config", str(config), "crawl", "nonesuch")
    assert result.code == 2
    assert "'nonesuch'" in result.err and str(config) in result.err and result.err.count("\n") == 1
    assert rows(db_url, "SELECT count(*) FROM crawl_runs") == [(0,)]


def test_unreachable_database_is_one_line_naming_the_url_with_password_masked(site, tmp_path):
    from tests.e2e.conftest import Scraper

    config = sources_file(tmp_path / "sources.toml", site)
    scraper = Scraper(tmp_path, "postgresql://news:hunter2@127.0.0.1:9/news")
    result = scraper("--config", str(config), "crawl", "gazette", timeout=60)
    assert result.code != 0
    assert result.err.count("\n") == 1 and result.err.startswith("scraper: ")
    assert "127.0.0.1:9" in result.err and "hunter2" not in result.err and "***" in result.err


def test_unreachable_host_is_a_counted_failure_not_a_failed_crawl(scraper, site, db_url, tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on: connection refused at once
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    config = tmp_path / "sources.toml"
    config.write_text(
        f'[[sources]]\nname = "mixed"\nstart_urls = ["http://127.0.0.1:{dead}/rss.xml", "{site.url}/rss.xml"]\n'
        'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 5\n'
        "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nRETRY_TIMES = 0\n")
    result = scraper("--config", str(config), "crawl", "mixed")
    assert result.code == 0, result.err
    [(status, errors, new)] = rows(db_url, "SELECT status, errors, articles_new FROM crawl_runs")
    assert status == "succeeded" and errors >= 1 and new > 0
    messages = [m for (m,) in rows(db_url, "SELECT message FROM crawl_errors WHERE url LIKE %s",
                                   (f"%:{dead}/%",))]
    assert messages and "refused" in messages[0].lower()


def test_a_crawl_that_could_fetch_nothing_fails_with_the_reason(scraper, db_url, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    config = tmp_path / "sources.toml"
    config.write_text(f'[[sources]]\nname = "down"\nstart_urls = ["http://127.0.0.1:{dead}/rss.xml"]\n'
                      'interval_minutes = 5\n[sources.settings]\nRETRY_TIMES = 0\n')
    result = scraper("--config", str(config), "crawl", "down")
    assert result.code == 1
    assert "failed" in result.out and "nothing could be fetched" in result.out
    [(status, errors, error)] = rows(db_url, "SELECT status, errors, error FROM crawl_runs")
    assert status == "failed" and errors == 1 and f":{dead}/rss.xml" in error


def test_max_pages_takes_the_newest_listed_articles_first(scraper, site, db_url, tmp_path):
    import urllib.request

    from scraper.extraction.listings import newest_first, parse_listing

    rss = site.url + "/rss.xml"
    listed = newest_first(parse_listing(urllib.request.urlopen(rss).read(), rss).links)
    config = sources_file(tmp_path / "sources.toml", site, max_age_days=None, start_paths=("/rss.xml",),
                          extra="max_pages = 5\n")
    # one request at a time, no retries: the order of requests is the order of the queue
    config.write_text(config.read_text() + "CONCURRENT_REQUESTS = 1\nRETRY_ENABLED = false\n")
    assert scraper("--config", str(config), "crawl", "gazette").code == 0
    fetched = [t for t in site.requests if t not in ("/rss.xml", "/robots.txt")]
    assert fetched == [link.url[len(site.url):] for link in listed[:5]]


def test_a_sources_extraction_selectors_are_applied_in_the_crawl(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "sources.toml", site, max_age_days=None, start_paths=("/rss.xml",),
                          extra='[sources.extraction]\nexclude = "aside.sidebar section.most-read"\n')
    assert scraper("--config", str(config), "crawl", "gazette").code == 0
    seed_url = site.url + site.expected.seed
    titles = [t for (t,) in rows(db_url, "SELECT h.title FROM headline_sightings s JOIN headlines h "
                                         "ON h.id = s.headline_id JOIN articles a ON a.id = s.article_id "
                                         "WHERE a.url = %s ORDER BY s.position", (seed_url,))]
    seed_text = (Path(__file__).resolve().parents[1] / "data" / "seed.txt").read_text(encoding="utf-8")
    seed_titles = [line.strip() for line in seed_text.partition("\n\n\n")[2].splitlines() if line.strip()]
    assert titles == seed_titles[:9]  # "Latest" (the first nine) stays; "Most read" was excluded
