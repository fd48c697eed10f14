"""The ops page in a real headless browser (Debian's chromium driven by Playwright) against a real daemon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg2
from playwright.sync_api import Page

from tests.e2e.conftest import sources_file
from tests.e2e.opsclient import ops_daemon

TOKEN = "page-token-6b1d9e"
HOSTILE = "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\">'; DROP TABLE articles; --"


def latest_titles(db_url: str, n: int) -> list[str]:
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT title FROM articles ORDER BY first_seen_at DESC, id DESC LIMIT %s", (n,))
        return [row[0] for row in cur.fetchall()]


def log_in(page: Page, url: str) -> None:
    page.goto(url)
    assert page.url.endswith("/login")
    page.fill("input[name=token]", "not the token")
    page.click("button[type=submit]")
    assert "not the token this daemon" in page.inner_text("body")
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector("table#sources")


def test_crawl_now_in_the_browser_runs_the_source_and_lists_its_articles(browser, scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "s.toml", site, max_age_days=7, top="allow_private_addresses = true")
    path = next(iter(site.expected.stored(max_age_days=7)))
    # one article stored by hand first: the source has succeeded lately, so the daemon does not crawl it at start
    assert scraper("--config", str(config), "crawl", "--url", site.url + path).code == 0
    with ops_daemon(scraper, config, token=TOKEN) as daemon:
        page = browser.new_page()
        log_in(page, daemon.url)
        row = page.locator('tr[data-source="gazette"]')
        assert "every 30 min" in row.inner_text()
        row.get_by_role("button", name="Crawl now").click()
        notice = page.wait_for_selector("#notice")
        run_id = int(notice.inner_text().rsplit("run ", 1)[1].rstrip("."))
        # the page follows the run live and reloads itself when it has finished
        page.wait_for_selector(f'tr[data-run="{run_id}"][data-status="succeeded"]', timeout=90_000)
        runs_row = page.locator(f'tr[data-run="{run_id}"]').inner_text()
        assert "api" in runs_row
        articles = page.locator("table#articles").inner_text()
        for title in latest_titles(db_url, 10):
            assert title in articles
        assert page.locator("table#articles ul.headlines li").count() > 0  # sidebar headlines shown
        page.click(f'a[href="/runs/{run_id}"] >> nth=0')
        page.wait_for_selector("text=Errors")
        assert "/broken/" in page.inner_text("body")  # the run's recorded failures, page by page
        assert daemon.stop() == 0


def test_stored_markup_is_shown_as_text_not_run(browser, scraper, site, db_url, tmp_path):
    now = datetime.now(UTC) + timedelta(days=1)  # listed first, whatever the start-up crawl stores meanwhile
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO articles (url, source, title, body, content_hash, first_seen_at, last_seen_at, "
                    "changed_at) VALUES ('javascript:alert(1)', 'gazette', %s, %s, 'x', %s, %s, %s)",
                    (HOSTILE, HOSTILE, now, now, now))
    config = sources_file(tmp_path / "s.toml", site, max_age_days=7)
    with ops_daemon(scraper, config, token=TOKEN) as daemon:
        page = browser.new_page()
        log_in(page, daemon.url)
        articles = page.locator("table#articles")
        assert HOSTILE in articles.inner_text()
        assert page.evaluate("window.__xss") is None
        assert articles.locator("a").first.get_attribute("href") == "#"  # a javascript: address is not a link
        daemon.stop()
