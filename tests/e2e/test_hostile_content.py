"""Hostile text through a real crawl: stored verbatim by parameterised queries, NUL bytes removed."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg2
import pytest

from scraper.extraction import extract_article
from tests.faults.server import HOSTILE, LONG_HEADLINE, LONG_URLS, SQL_TITLE, FaultSite
from tests.newssite.pages import article_html


@pytest.fixture
def fault_site() -> Iterator[FaultSite]:
    with FaultSite() as site:
        yield site


def test_hostile_titles_and_bodies_are_stored_verbatim(scraper, fault_site, db_url, tmp_path):
    config = tmp_path / "s.toml"
    config.write_text(f'[[sources]]\nname = "hostile"\nstart_urls = ["{fault_site.url}/hostile.xml"]\n'
                      'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 60\n'
                      "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\n")
    result = scraper("--config", str(config), "crawl", "hostile")
    assert result.code == 0, result.err
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT url, title, body FROM articles")
        stored = {url[len(fault_site.url):]: (title, body) for url, title, body in cur.fetchall()}
        cur.execute("SELECT count(*) FROM crawl_runs")  # the injected DELETE/DROP did nothing
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT title, url FROM headlines")
        headlines = cur.fetchall()
        cur.execute("SELECT count(*) FROM crawl_errors")
        assert cur.fetchone()[0] == 0
    conn.close()
    # 10 KB addresses are not kept (too long to index): the page is stored under the address it came from
    assert set(stored) == {*HOSTILE, LONG_URLS}
    assert {url for _, url in headlines} == {fault_site.url + p for p in fault_site.sidebar_paths}
    assert LONG_HEADLINE not in {title for title, _ in headlines}
    for path in HOSTILE:
        # what extraction finds in the page is what the database holds, character for character
        url = fault_site.url + path
        found = extract_article(article_html(fault_site.stories[path], url), url)
        assert stored[path] == (found.title.replace("\x00", ""), found.body.replace("\x00", "")), path
    assert stored["/hostile/sql.html"][0] == SQL_TITLE
    assert stored["/hostile/sql.html"][1].startswith("1' OR '1'='1'; DELETE FROM crawl_runs; --\n\n%s %% %(body)s")
    assert stored["/hostile/nul.html"][0] == "Nul in the title"
    assert "NUL byte and an end." in stored["/hostile/nul.html"][1]
    assert stored["/hostile/script.html"][0] == "<script>alert('title')</script> & <img src=x onerror=alert(1)>"
    assert stored["/hostile/script.html"][1].startswith("<script>alert(document.cookie)</script> is text here.")
    assert len(max(stored["/hostile/long-line.html"][1].split("\n"), key=len)) >= 1_000_000
    title, body = stored["/hostile/control.html"]
    assert "\x07" in title and "\x1b[31m" in title
    assert "\x01\x02\x03" in body and "\x7f" in body and "\u202e" in body
