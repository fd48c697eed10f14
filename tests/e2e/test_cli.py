"""The other commands, run for real: crawl --url, extract, db upgrade, status, and the embedded database."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import psycopg2

from tests.e2e.conftest import Scraper, sources_file

REPO = Path(__file__).resolve().parents[2]


def count(db_url: str, table: str) -> int:
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {table}")
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_crawl_url_stores_one_article_when_private_addresses_are_allowed(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "s.toml", site, top="allow_private_addresses = true")
    url = site.url + site.expected.fresh[0] + "?utm_source=twitter"
    result = scraper("--config", str(config), "crawl", "--url", url)
    assert result.code == 0, result.err
    assert "1 new" in result.out
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT a.url, r.source FROM articles a, crawl_runs r")
        assert cur.fetchall() == [(site.url + site.expected.fresh[0], "gazette")]
    conn.close()


def test_crawl_url_on_a_loopback_address_is_refused_by_default(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "s.toml", site)
    result = scraper("--config", str(config), "crawl", "--url", site.url + site.expected.fresh[0])
    assert result.code == 2
    assert "non-public address 127.0.0.1" in result.err and "allow_private_addresses" in result.err
    assert result.err.count("\n") == 1
    assert count(db_url, "crawl_runs") == 0 and site.fetched(site.expected.fresh[0]) == 0


def test_crawl_url_outside_every_source_is_refused(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "s.toml", site, top="allow_private_addresses = true")
    result = scraper("--config", str(config), "crawl", "--url", "http://localhost:9/2026/01/01/story.html")
    assert result.code == 2 and "allowed_domains" in result.err
    assert count(db_url, "crawl_runs") == 0


def test_extract_prints_one_json_line_per_file_in_order(scraper, tmp_path):
    seed_html = tmp_path / "seed.html"
    seed_html.write_text(
        "<html><head><title>Putin wants NATO question resolved | Gazette</title></head><body>"
        "<article><h1>Putin wants NATO question resolved</h1>"
        + "".join(f"<p>{line}</p>" for line in (REPO / "tests/data/seed.txt").read_text(encoding="utf-8")
                  .partition("\n\n\n")[0].splitlines() if line.strip())
        + "</article></body></html>", encoding="utf-8")
    packed = tmp_path / "seed.html.gz"
    packed.write_bytes(gzip.compress(seed_html.read_bytes()))
    result = scraper("extract", str(seed_html), str(tmp_path / "missing.html"), str(packed))
    assert result.code == 1  # one file could not be read: said on stderr, the others still printed
    first, missing, last = (json.loads(line) for line in result.out.splitlines())
    assert [first["path"], missing["path"], last["path"]] == [str(seed_html), str(tmp_path / "missing.html"), str(packed)]
    assert first["body"].startswith("Russia has opposed") and first["body"] == last["body"]
    assert first["body"].count("\n\n") == 7  # eight paragraphs
    assert "cannot read" in missing["error"] and "missing.html" in result.err
    for key in ("url", "title", "published_at", "authors", "headlines"):
        assert key in first


def test_extract_with_url_resolves_headlines_against_it(scraper, tmp_path):
    paragraphs = (REPO / "tests/data/seed.txt").read_text(encoding="utf-8").partition("\n\n\n")[0].splitlines()
    latest = ["Markets rally as inflation cools across the euro area",
              "Floods force thousands from their homes in the river delta",
              "Parliament passes the budget after a marathon overnight session"]
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><article><h1>Putin wants NATO question resolved</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs if p.strip()) + "</article>"
        "<aside><h2>Latest</h2><ul>"
        + "".join(f'<li><a href="/2026/11/2{i}/story-{i}-of-the-day.html">{t}</a></li>' for i, t in enumerate(latest))
        + "</ul></aside></body></html>", encoding="utf-8")
    url = "https://news.example.com/2026/11/26/putin-nato.html"
    result = scraper("extract", "--url", url, str(page))
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["url"] == url
    assert out["headlines"] == [{"title": t, "url": f"https://news.example.com/2026/11/2{i}/story-{i}-of-the-day.html",
                                 "block": "Latest"} for i, t in enumerate(latest)]
    config = tmp_path / "s.toml"  # a source's selectors apply offline too, to try them out
    config.write_text('[[sources]]\nname = "ex"\nstart_urls = ["https://news.example.com/"]\ninterval_minutes = 5\n'
                      '[sources.extraction]\nexclude = "aside"\n')
    ruled = scraper("--config", str(config), "extract", "--source", "ex", "--url", url, str(page))
    assert ruled.code == 0, ruled.err
    assert json.loads(ruled.out)["headlines"] == [] and json.loads(ruled.out)["body"] == out["body"]


def _page_with_rail(tmp_path: Path, head: str) -> Path:
    paragraphs = (REPO / "tests/data/seed.txt").read_text(encoding="utf-8").partition("\n\n\n")[0].splitlines()
    page = tmp_path / "saved.html"
    page.write_text(
        f"<html><head>{head}</head><body><article><h1>Putin wants NATO question resolved</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs if p.strip()) + "</article>"
        '<aside><h2>Most read</h2><ul><li><a href="/2026/11/20/markets-rally-as-inflation-cools.html">'
        "Markets rally as inflation cools across the euro area</a></li></ul></aside></body></html>", encoding="utf-8")
    return page


def test_extract_without_url_uses_the_pages_own_address(scraper, tmp_path):
    own = "https://news.example.com/2026/11/26/putin-nato.html"
    result = scraper("extract", str(_page_with_rail(tmp_path, f'<link rel="canonical" href="{own}">')))
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["url"] == own and result.err == ""
    assert out["headlines"] == [{"title": "Markets rally as inflation cools across the euro area",
                                 "url": "https://news.example.com/2026/11/20/markets-rally-as-inflation-cools.html",
                                 "block": "Most read"}]


def test_extract_says_on_stderr_when_a_page_names_no_address(scraper, tmp_path):
    result = scraper("extract", str(_page_with_rail(tmp_path, "")))
    assert result.code == 0
    out = json.loads(result.out)
    assert out["headlines"] == [] and out["body"].startswith("Russia has opposed")
    assert "names no address" in result.err and result.err.count("\n") == 1


def test_extract_of_a_binary_file_gives_an_empty_body_a_stderr_line_and_exit_1(scraper, tmp_path):
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(bytes(range(256)) * 400)
    result = scraper("extract", str(binary))
    assert result.code == 1
    assert json.loads(result.out)["body"] == ""
    assert "binary" in result.err and result.err.count("\n") == 1


def test_extract_explain_prints_every_block_with_its_label_and_reason(scraper, tmp_path):
    own = "https://news.example.com/2026/11/26/putin-nato.html"
    result = scraper("extract", "--explain", str(_page_with_rail(tmp_path, f'<link rel="canonical" href="{own}">')))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("# ") and own in lines[0]
    labels = [line.split()[1] for line in lines[1:]]
    assert "title" in labels and labels.count("body") == 8
    rail = next(line for line in lines if "Markets rally" in line)
    assert "headline list" in rail and "story link in 'Most read'" in rail


def test_db_upgrade_twice_then_status(scraper, empty_db_url, tmp_path):
    scraper.env["DATABASE_URL"] = empty_db_url
    first = scraper("db", "upgrade")
    assert first.code == 0 and "applied" in first.out and "0001_initial" in first.out
    again = scraper("db", "upgrade")
    assert again.code == 0 and again.out.strip() == "database is up to date"
    status = scraper("status")
    assert status.code == 0 and "no crawl has run yet" in status.out


def test_embedded_database_is_started_and_reused_without_database_url(site, tmp_path):
    """The default set-up: no DATABASE_URL, an embedded PostgreSQL in SCRAPER_DATA_DIR."""
    scraper = Scraper(tmp_path, None)
    config = sources_file(tmp_path / "s.toml", site, max_age_days=7)
    first = scraper("--config", str(config), "crawl", "gazette")
    assert first.code == 0, first.err
    assert (scraper.data_dir / "pgdata" / "PG_VERSION").is_file()
    status = scraper("--config", str(config), "status", "--json")
    assert status.code == 0, status.err
    [run] = [json.loads(line) for line in status.out.splitlines()]
    assert run["source"] == "gazette" and run["status"] == "succeeded"
    assert run["articles_new"] == len(site.expected.stored(max_age_days=7))


def test_status_lists_each_source_with_its_latest_runs(scraper, site, db_url, tmp_path):
    config = sources_file(tmp_path / "s.toml", site, max_age_days=7)
    config.write_text(config.read_text() + f'\n[[sources]]\nname = "idle"\nstart_urls = ["{site.url}/world/"]\n'
                      'interval_minutes = 60\n')
    assert scraper("--config", str(config), "crawl", "gazette").code == 0
    result = scraper("--config", str(config), "crawl", "--url", "http://127.0.0.1:9/2026/01/01/x.html")
    assert result.code == 2  # refused: writes no run
    status = scraper("--config", str(config), "status")
    assert status.code == 0, status.err
    lines = status.out.splitlines()
    [gazette] = [line for line in lines if line.startswith("gazette")]
    [idle] = [line for line in lines if line.startswith("idle")]
    assert "manual" in gazette and "succeeded" in gazette and "/broken/" in gazette  # the first error
    assert f" {len(site.expected.stored(max_age_days=7))} " in gazette
    assert f" {len(site.expected.broken)} " in gazette
    assert "never run" in idle and "due now" in idle
    started, next_run = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", gazette)
    assert next_run > started  # interval 30 min: the next run follows the last one
    assert "  ok; " in gazette  # healthy, then the first error
