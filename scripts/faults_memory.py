"""Peak memory of a crawl that meets a 50 MB page (with and without Content-Length) and a gzip bomb,
beside a crawl of the same good pages alone.

Serves tests.faults.FaultSite on 127.0.0.1, starts a PostgreSQL of its own (pgserver's binaries,
a temp folder), runs the real `scraper crawl` for each case and reads the crawl process's peak
resident set size from os.wait4 (the largest of the crawl process and its extraction workers).

    python scripts/faults_memory.py [--repeat 3] [--maxsize BYTES]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg2  # noqa: E402

from tests.faults.postgres import OwnPostgres, own_database  # noqa: E402
from tests.faults.server import BIG_PAGE, BOMB_INFLATED, FaultSite  # noqa: E402


def crawl_peak_rss(site: FaultSite, feed: str, database_url: str, workdir: Path, extra: str) -> tuple[int, int]:
    """Run one `scraper crawl` of `feed`; return (peak RSS in KiB, articles in the database after it)."""
    config = workdir / "sources.toml"
    config.write_text(f'[[sources]]\nname = "mem"\nstart_urls = ["{site.url}{feed}"]\n'
                      'allowed_domains = ["127.0.0.1"]\ninterval_minutes = 60\n[sources.settings]\n'
                      f"AUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n{extra}")
    env = {**os.environ, "DATABASE_URL": database_url, "SCRAPER_DATA_DIR": str(workdir / "data")}
    proc = subprocess.Popen([sys.executable, "-m", "scraper", "--config", str(config), "crawl", "mem"],
                            env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"faults_memory: the crawl failed: {err.strip().splitlines()[-1:]}")
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM articles")
        (articles,) = cur.fetchone()
        cur.execute("TRUNCATE articles, article_urls, article_versions, headlines, headline_sightings, "
                    "crawl_runs, crawl_errors CASCADE")
    conn.close()
    return usage.ru_maxrss, articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--maxsize", type=int, default=None, help="DOWNLOAD_MAXSIZE for the crawls (default: ours)")
    args = parser.parse_args()
    extra = f"DOWNLOAD_MAXSIZE = {args.maxsize}\n" if args.maxsize else ""
    server = OwnPostgres()
    server.start()
    try:
        url = own_database(server)
        with FaultSite() as site, tempfile.TemporaryDirectory() as tmp:
            results = {}
            for case, feed in (("good pages only", "/good.xml"), ("good + 50 MB pages + gzip bomb", "/heavy.xml")):
                runs = [crawl_peak_rss(site, feed, url, Path(tmp), extra) for _ in range(args.repeat)]
                results[case] = (statistics.median(r[0] for r in runs), runs[0][1])
                print(f"{case:32s} peak RSS median {results[case][0] / 1024:7.1f} MiB "
                      f"(runs: {', '.join(f'{r[0] / 1024:.1f}' for r in runs)}); articles stored: {runs[0][1]}")
        good, heavy = results.values()
        print(f"heavy / good peak RSS: {heavy[0] / good[0]:.2f}x; difference {(heavy[0] - good[0]) / 1024:.1f} MiB "
              f"(page {BIG_PAGE / 2**20:.0f} MiB, bomb inflates to {BOMB_INFLATED / 2**30:.0f} GiB)")
    finally:
        server.close()


if __name__ == "__main__":
    main()
