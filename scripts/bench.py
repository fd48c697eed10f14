"""Throughput: a full crawl of the local test news site into PostgreSQL, beside extraction alone.

Serves `tests.newssite` on 127.0.0.1 (generated articles plus the extraction-dev pages),
runs the real `scraper crawl` into a fresh database, then extracts the very same pages
in-process with our extractor and with trafilatura. Prints pages/s and the ratios.

    python scripts/bench.py [--dev-set ../shared/extraction-dev] [--pages 100] [--dev-pages 600] [--repeat 3]

Database: $BENCH_DATABASE_URL, else $TEST_DATABASE_URL, else an embedded PostgreSQL in a temp folder.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg2  # noqa: E402

from scraper.extraction import extract_article  # noqa: E402
from scraper.storage import db  # noqa: E402
from tests.newssite import NewsSite  # noqa: E402


def fresh_database(server_url: str) -> str:
    """Create an empty database on `server_url` and return its URL."""
    name = f"scraper_bench_{secrets.token_hex(4)}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return urlunsplit(urlsplit(server_url)._replace(path="/" + name))


def crawl(site: NewsSite, database_url: str, workdir: Path, workers: int) -> tuple[float, int, int]:
    """Run `scraper crawl` over the site; return (seconds inside the crawl run, pages fetched, article pages stored).

    Article pages stored: new, updated and unchanged alike. Each went through extraction and a
    store transaction; the cycled dev-set copies are the same text at another address, which
    the store joins to one article (unchanged), so counting new articles alone would undercount.
    """
    config = workdir / "sources.toml"
    urls = ", ".join(f'"{site.url}{p}"' for p in site.expected.start_paths)
    config.write_text(f'[[sources]]\nname = "bench"\nstart_urls = [{urls}]\nallowed_domains = ["127.0.0.1"]\n'
                      "interval_minutes = 30\nmax_pages = 100000\n[sources.settings]\n"
                      "AUTOTHROTTLE_ENABLED = false\nCONCURRENT_REQUESTS = 16\nCONCURRENT_REQUESTS_PER_DOMAIN = 16\n"
                      f"SCRAPER_EXTRACT_WORKERS = {workers}\n")
    env = {**os.environ, "DATABASE_URL": database_url, "SCRAPER_DATA_DIR": str(workdir / "data")}
    proc = subprocess.run([sys.executable, "-m", "scraper", "--config", str(config), "crawl", "bench"],
                          env=env, cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"bench: the crawl failed: {proc.stderr.strip().splitlines()[-1:]}")
    conn = psycopg2.connect(database_url)
    with conn.cursor() as cur:
        cur.execute("SELECT extract(epoch FROM finished_at - started_at), pages_fetched, "
                    "articles_new + articles_updated + articles_unchanged "
                    "FROM crawl_runs ORDER BY id DESC LIMIT 1")
        seconds, pages, stored = cur.fetchone()
    conn.close()
    return float(seconds), int(pages), int(stored)


def fetch_pages(site: NewsSite) -> list[tuple[str, bytes]]:
    """Return (url, html) of every article page the site serves."""
    pages = []
    for url in site.article_urls():
        with urllib.request.urlopen(url) as response:
            pages.append((url, response.read()))
    return pages


def pages_per_second(extract, pages: list[tuple[str, bytes]], repeat: int) -> float:
    """Return the best pages/s of `repeat` passes of `extract(html, url)` over `pages`."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for url, html in pages:
            extract(html, url)
        best = min(best, time.perf_counter() - start)
    return len(pages) / best


def trafilatura_extract():
    """Return trafilatura's extract as f(html, url), or None when it is not installed."""
    try:
        import trafilatura
    except ImportError:
        return None
    return lambda html, url: trafilatura.extract(html, url=url, include_comments=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-set", type=Path, default=REPO.parent / "shared" / "extraction-dev")
    parser.add_argument("--pages", type=int, default=100, help="generated (small, synthetic) articles on the site")
    parser.add_argument("--dev-pages", type=int, default=600,
                        help="real pages from the dev set on the site (cycled past its 61 pages)")
    parser.add_argument("--repeat", type=int, default=3, help="extraction passes (best is kept)")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2],
                        help="extraction worker processes of the crawl (0: in the crawl process); one crawl each")
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp, NewsSite(
            n_generated=args.pages, dev_set=args.dev_set if args.dev_set.is_dir() else None, n_dev=args.dev_pages) as site:
        workdir = Path(tmp)
        if not server:
            server = db.resolve_database_url(None, workdir / "embedded")
        crawls = {n: crawl(site, fresh_database(server), workdir, n) for n in args.workers}
        pages = fetch_pages(site)
        ours = pages_per_second(extract_article, pages, args.repeat)
        peer = trafilatura_extract()
        theirs = pages_per_second(peer, pages, args.repeat) if peer else None
    print(f"pages on the site: {len(pages)} article pages ({args.pages} generated, {args.dev_pages} real dev-set pages); "
          f"database: {urlsplit(server).hostname or 'embedded'}")
    print(f"{'what':<44} {'pages/s':>9} {'ratio':>8}")
    print(f"{'extraction alone (ours, 1 process)':<44} {ours:>9.1f} {'1.00':>8}")
    if theirs:
        print(f"{'extraction alone (trafilatura, 1 process)':<44} {theirs:>9.1f} {theirs / ours:>8.2f}")
    for workers, (seconds, fetched, stored) in crawls.items():
        label = f"full crawl into PostgreSQL, {workers} extract workers"
        print(f"{label:<44} {stored / seconds:>9.1f} {stored / seconds / ours:>8.2f}"
              f"   ({stored} stored of {fetched} fetched in {seconds:.2f} s)")
    if theirs:
        print(f"ours / trafilatura extraction speed: {ours / theirs:.2f}x")
    print("crawl rows: article pages stored (new, updated or unchanged) per second between "
          "crawl_runs.started_at and finished_at; "
          "ratio: against our extraction alone (target: 0.80 or more)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
