"""Versions created by a cosmetic-only re-crawl of the local test news site, for any checkout.

Serves `tests.newssite` (60 generated stories) on 127.0.0.1, crawls it with the
given checkout's `scraper crawl` into a fresh database, re-renders every fresh
story with cosmetic noise only ("Updated 3 minutes ago", NBSP, soft hyphen,
zero-width space, share and comment counters), crawls again and prints both
crawl summaries and the number of article_versions rows.

    python scripts/revisions_crawl_eval.py [--python /path/to/.venv/bin/python --repo /path/to/checkout]

Database server: $TEST_DATABASE_URL (a database is created and dropped there).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg2  # noqa: E402

from tests.conftest import with_database  # noqa: E402
from tests.e2e.conftest import sources_file  # noqa: E402
from tests.e2e.test_crawl_revisions import cosmetic  # noqa: E402
from tests.newssite import NewsSite  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter of the checkout to measure")
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout to measure")
    args = parser.parse_args()
    server = os.environ.get("TEST_DATABASE_URL") or sys.exit("set TEST_DATABASE_URL to a PostgreSQL server")
    name = f"revisions_eval_{secrets.token_hex(4)}"
    admin = psycopg2.connect(server)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    url = with_database(server, name)
    try:
        with NewsSite(n_generated=60) as site, tempfile.TemporaryDirectory() as tmp:
            config = sources_file(Path(tmp) / "sources.toml", site, max_age_days=None)
            env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
            env.update(DATABASE_URL=url, SCRAPER_DATA_DIR=f"{tmp}/data", PYTHONDONTWRITEBYTECODE="1")

            def crawl() -> str:
                return subprocess.run([args.python, "-m", "scraper", "--config", str(config), "crawl", "gazette"],
                                      cwd=args.repo, env=env, capture_output=True, text=True, check=True).stdout.strip()

            print(crawl())
            for path in site.expected.fresh:
                site.revise(path, cosmetic(site.story(path).body))
            print(crawl())
            conn = psycopg2.connect(url)
            with conn, conn.cursor() as cur:
                cur.execute("SELECT count(*), count(DISTINCT article_id) FROM article_versions")
                versions, articles = cur.fetchone()
            conn.close()
            print(f"{len(site.expected.fresh)} stories re-rendered with cosmetic noise only; "
                  f"{versions} versions of {articles} articles")
    finally:
        admin.cursor().execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
