"""The daemon's ops API, for real: a `scraper run` process, the local news site, a real PostgreSQL."""

from __future__ import annotations

import signal
import time

import psycopg2

from tests.e2e.conftest import sources_file
from tests.e2e.opsclient import free_port, ops_daemon
from tests.e2e.test_daemon import runs, wait_for
from tests.newssite.slow import SlowSite

TOKEN = "tok-3f9a2c71d5e84b06"
PASSWORD = "pw-77c1e0b2"


def slow_config(tmp_path, slow_site, extra: str = ""):
    config = tmp_path / "s.toml"
    config.write_text(f'[[sources]]\nname = "slow"\nstart_urls = ["{slow_site.url}/rss.xml"]\n'
                      'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 60\n'
                      "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nCONCURRENT_REQUESTS = 2\n"
                      + extra)
    return config


def test_a_crawl_asked_for_while_the_scheduled_one_runs_is_refused_and_progress_is_live(
        scraper, slow_site, db_url, tmp_path):
    config = slow_config(tmp_path, slow_site)
    # the test server trusts every login, so a password can be given that must never show
    scraper.env["DATABASE_URL"] = db_url.replace("://postgres@", f"://postgres:{PASSWORD}@")
    with ops_daemon(scraper, config, token=TOKEN) as daemon:
        assert daemon.request("GET", "/api/health", token=None).body["status"] == "ok"
        assert daemon.request("GET", "/api/sources", token=None).status == 401
        assert daemon.request("GET", "/api/sources", token="wrong").status == 401
        [running] = wait_for(lambda: daemon.request("GET", "/api/runs?status=running").body, 60,
                             "the scheduled crawl to start")
        assert (running["source"], running["trigger"]) == ("slow", "schedule")
        refused = daemon.request("POST", "/api/sources/slow/crawl")
        assert refused.status == 409 and "already running" in refused.body["detail"]
        assert scraper("--config", str(config), "crawl", "slow").code == 3
        unknown = daemon.request("POST", "/api/sources/nope/crawl")
        assert unknown.status == 404 and "no source named 'nope'" in unknown.body["detail"]
        assert daemon.request("GET", "/api/runs/999999").status == 404
        # the running crawl reports its pages as it goes
        progress = wait_for(lambda: daemon.request("GET", f"/api/runs/{running['id']}").body["pages_fetched"] >= 3,
                            60, "pages fetched so far to show")
        assert progress
        assert daemon.stop() == 0
    [(status, trigger, error, new)] = runs(db_url)  # one run: the API and CLI requests wrote nothing
    assert (status, trigger) == ("failed", "schedule") and "stopped before finishing" in error
    log = scraper.log.read_text() + scraper("--config", str(config), "status").out
    assert f"source=slow run={running['id']}" in log
    assert TOKEN not in log and PASSWORD not in log


def test_the_api_starts_crawls_lists_runs_sources_articles_and_metrics(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "s.toml", site, max_age_days=7)
    stored = len(site.expected.stored(max_age_days=7))
    with ops_daemon(scraper, config, token=TOKEN) as daemon:
        # the source never ran: the schedule crawls it at start
        [scheduled] = wait_for(lambda: [r for r in daemon.request("GET", "/api/runs").body
                                        if r["status"] != "running"], 90, "the scheduled crawl")
        assert (scheduled["trigger"], scheduled["status"], scheduled["articles_new"]) == ("schedule", "succeeded", stored)
        started = daemon.request("POST", "/api/sources/gazette/crawl")
        assert started.status == 202
        run = daemon.wait_for_run(started.body["run_id"])
        assert (run["trigger"], run["status"], run["articles_new"], run["articles_updated"]) == ("api", "succeeded", 0, 0)
        assert stored <= run["articles_unchanged"] <= stored + len(site.expected.aliases)  # aliases fetch again
        assert run["errors"] == len(run["error_list"]) > 0  # the site's broken pages, each with its reason
        assert all(e["url"] and e["message"] for e in run["error_list"])

        [source] = daemon.request("GET", "/api/sources").body
        assert source["name"] == "gazette" and source["last_run"]["id"] == run["id"]
        assert source["next_run_at"] and source["health"] == {"ok": True, "flags": [], "articles": stored}
        articles = daemon.request("GET", "/api/articles?limit=100").body
        assert len(articles) == stored and any(a["headlines"] for a in articles)

        private = daemon.request("POST", "/api/crawl", {"url": f"{site.url}/2026/01/01/x.html"})
        assert private.status == 403 and "non-public address" in private.body["detail"]
        outside = daemon.request("POST", "/api/crawl", {"url": "https://example.org/news/a.html"})
        assert outside.status == 403 and "allowed_domains" in outside.body["detail"]
        assert daemon.request("POST", "/api/crawl", {"url": "file:///etc/passwd"}).status == 400

        metrics = daemon.request("GET", "/metrics").body
        assert 'scraper_runs_total{source="gazette",status="succeeded"} 2.0' in metrics
        assert f'scraper_articles_total{{result="new",source="gazette"}} {float(stored)}' in metrics
        assert daemon.request("GET", "/metrics", token=None).status == 401
        spec = daemon.request("GET", "/openapi.json", token=None).body
        assert "/api/sources/{name}/crawl" in spec["paths"] and "/api/crawl" in spec["paths"]
        assert daemon.stop() == 0
    status = scraper("--config", str(config), "status")
    [line] = [x for x in status.out.splitlines() if x.startswith("gazette")]
    assert " api " in line and "succeeded" in line and "  ok; " in line  # healthy; then the first error
    assert TOKEN not in scraper.log.read_text() + status.out


def test_without_a_token_the_api_serves_loopback_and_crawls_one_allowed_url(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "s.toml", site, max_age_days=7, top="allow_private_addresses = true")
    path, story = next(iter(site.expected.articles.items()))
    with ops_daemon(scraper, config) as daemon:
        wait_for(lambda: [r for r in daemon.request("GET", "/api/runs").body if r["status"] != "running"], 90,
                 "the scheduled crawl")
        with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM articles")
        started = daemon.request("POST", "/api/crawl", {"url": site.url + path})
        assert started.status == 202, started.body
        run = daemon.wait_for_run(started.body["run_id"])
        assert (run["status"], run["trigger"], run["articles_new"]) == ("succeeded", "api", 1)
        assert daemon.stop() == 0


def test_the_daemon_refuses_to_serve_beyond_loopback_without_a_token_or_on_a_taken_port(scraper, site, tmp_path):
    config = sources_file(tmp_path / "s.toml", site)
    open_to_all = scraper("--config", str(config), "run", "--host", "0.0.0.0", "--port", str(free_port()))
    assert open_to_all.code == 2 and "without SCRAPER_API_TOKEN" in open_to_all.err
    with ops_daemon(scraper, config) as daemon:
        port = daemon.url.rsplit(":", 1)[1]
        taken = scraper("--config", str(config), "run", "--port", port)
        assert taken.code == 2 and f"cannot serve the ops page on 127.0.0.1:{port}" in taken.err
        assert daemon.stop() == 0


def test_a_hung_crawl_is_killed_at_the_run_timeout_and_the_daemon_carries_on(scraper, db_url, tmp_path):
    # Every page takes longer than the run timeout, so the crawl cannot finish in time however fast
    # the crawler is (with the shared 0.5 s site it took about 4 s: right at the timeout, flaky).
    hung = SlowSite(delay=6.0)
    try:
        config = slow_config(tmp_path, hung)
        with ops_daemon(scraper, config, token=TOKEN, SCRAPER_RUN_TIMEOUT="4") as daemon:
            [run] = wait_for(lambda: [r for r in runs(db_url, "id") if r[0] == "failed"], 60, "the run timeout")
            assert "run timeout of 4 s" in run[2]
            assert daemon.request("GET", "/api/health").body["status"] == "ok"
            again = daemon.request("POST", "/api/sources/slow/crawl")
            assert again.status == 202 and again.body["run_id"] > run[-1]
            assert daemon.stop() == 0
    finally:
        hung.close()


def test_sighup_reloads_the_sources_file_and_a_bad_edit_keeps_the_old_schedule(scraper, site, tmp_path):
    config = sources_file(tmp_path / "s.toml", site)
    with ops_daemon(scraper, config, token=TOKEN) as daemon:
        names = lambda: [s["name"] for s in daemon.request("GET", "/api/sources").body]  # noqa: E731
        assert names() == ["gazette"]
        config.write_text(config.read_text() + '\n[[sources]]\nname = "later"\nstart_urls = '
                          f'["{site.url}/world/"]\nschedule = "0 0 1 1 *"\n')
        daemon.process.send_signal(signal.SIGHUP)
        wait_for(lambda: names() == ["gazette", "later"], 30, "the new source to be scheduled")
        config.write_text(config.read_text() + "\nthis is not toml ===\n")
        daemon.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "sources file not reloaded" in scraper.log.read_text(), 30, "the reload error")
        time.sleep(0.5)
        assert names() == ["gazette", "later"] and daemon.request("GET", "/api/health").status == 200
        assert daemon.stop() == 0
