"""Soak: crawl the hostile test site over and over for a fixed time, with kills and database restarts.

Each round runs the real `scraper crawl` of tests.faults.FaultSite (good articles and every
fault) against a PostgreSQL of its own, and at random either lets it finish, kills it with
SIGKILL mid-run, or stops and starts PostgreSQL while it stores. After every round it checks
what must always hold: each article stored once with one version per distinct content, no
run left `running` once the next crawl started, no advisory lock held when nothing runs, and
an empty spool after a clean crawl. It stops by itself after --minutes (default 10).

    python scripts/soak.py [--minutes 10] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg2  # noqa: E402

from tests.faults.postgres import OwnPostgres, own_database  # noqa: E402
from tests.faults.server import FaultSite  # noqa: E402

SETTINGS = ("AUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\nDOWNLOAD_TIMEOUT = 2\nRETRY_TIMES = 1\n"
            "SCRAPER_BATCH_SIZE = 2\nSCRAPER_SPOOL_WAIT = 5\n")


def query(url: str, sql: str) -> list[tuple]:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def spooled(data_dir: Path) -> int:
    path = data_dir / "spool" / "pages.sqlite3"
    if not path.exists():
        return 0
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT count(*) FROM pages").fetchone()[0])
    finally:
        db.close()


def spool_owners(data_dir: Path) -> list[tuple]:
    db = sqlite3.connect(data_dir / "spool" / "pages.sqlite3")
    try:
        return db.execute("SELECT owner, run_id, count(*) FROM pages GROUP BY 1, 2").fetchall()
    finally:
        db.close()


def check(url: str, site: FaultSite, data_dir: Path, clean: bool) -> list[str]:
    """Return the invariants that do not hold after a round (empty: all good)."""
    problems = []
    dupes = query(url, "SELECT article_id, content_hash FROM article_versions GROUP BY 1, 2 HAVING count(*) > 1")
    if dupes:
        problems.append(f"{len(dupes)} articles with the same content stored twice as versions")
    urls = [u for (u,) in query(url, "SELECT url FROM articles")]
    if len(urls) != len(set(urls)):
        problems.append("duplicate article rows")
    locks = query(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")[0][0]
    if locks:
        problems.append(f"{locks} advisory locks held while nothing runs")
    if clean:
        stored = {u[len(site.url):] for u in urls}
        missing = site.expected_stored() - stored
        if missing:
            problems.append(f"after a clean crawl, not stored: {sorted(missing)}")
        if spooled(data_dir):
            problems.append(f"after a clean crawl, {spooled(data_dir)} pages still in the spool")
        running = query(url, "SELECT count(*) FROM crawl_runs WHERE status = 'running'")[0][0]
        if running:
            problems.append(f"{running} runs still marked running after a clean crawl")
    return problems


def one_round(action: str, server: OwnPostgres, url: str, site: FaultSite, workdir: Path,
              rng: random.Random) -> int:
    """Run one crawl, disturbed by `action`; return its exit code."""
    config = workdir / "sources.toml"
    urls = ", ".join(f'"{u}"' for u in site.start_urls())
    config.write_text(f'[[sources]]\nname = "soak"\nstart_urls = [{urls}]\nallowed_domains = ["127.0.0.1"]\n'
                      f"interval_minutes = 60\n[sources.settings]\n{SETTINGS}")
    env = {**os.environ, "DATABASE_URL": url, "SCRAPER_DATA_DIR": str(workdir / "data")}
    log = open(workdir / f"crawl-{time.monotonic_ns()}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "scraper", "--config", str(config), "crawl", "soak"],
                            env=env, cwd=workdir, stdout=log, stderr=log)
    if action == "kill -9":
        time.sleep(rng.uniform(1.5, 4.0))
        proc.kill()
    elif action == "db restart":
        time.sleep(rng.uniform(1.5, 3.0))
        server.stop()
        time.sleep(rng.uniform(0.5, 3.0))
        server.start()
    code = proc.wait(300)
    log.close()
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop our PostgreSQL on the way out
    server = OwnPostgres()
    server.start()
    outcomes: Counter[tuple[str, int]] = Counter()
    failures = 0
    try:
        url = own_database(server)
        with FaultSite() as site, tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            deadline = time.monotonic() + args.minutes * 60
            n = 0
            while time.monotonic() < deadline:
                n += 1
                action = rng.choice(["clean", "kill -9", "db restart"])
                code = one_round(action, server, url, site, workdir, rng)
                clean = one_round("clean", server, url, site, workdir, rng) if action != "clean" else code
                outcomes[(action, code)] += 1
                problems = check(url, site, workdir / "data", clean=(clean == 0))
                failures += bool(problems)
                if problems:  # say why: who holds the spooled rows, and what the last crawls logged
                    print(spool_owners(workdir / "data"))
                    for path in sorted(workdir.glob("crawl-*.log"))[-2:]:
                        print(path.name, "".join(path.read_text().splitlines(True)[-6:]))
                for path in sorted(workdir.glob("crawl-*.log"))[:-2]:
                    path.unlink()
                print(f"round {n:3d}: {action:10s} exit {code:3d}; then clean crawl exit {clean}; "
                      + ("OK" if not problems else "PROBLEMS: " + "; ".join(problems)), flush=True)
    finally:
        server.close()
    print("\nrounds by disturbance and exit code:", dict(outcomes))
    print(f"rounds with a broken invariant: {failures}")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
