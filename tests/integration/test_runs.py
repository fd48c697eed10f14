"""Crawl runs against a real PostgreSQL: the per-source lock, bookkeeping, stale runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from scraper.errors import CrawlLocked, DatabaseError
from scraper.storage import runs


def _count_runs(conn) -> int:
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM crawl_runs")
        return cur.fetchone()[0]


def _crawl(db_url: str, conn, source: str) -> int:
    """What `scraper crawl` does: lock first, then the run row."""
    with runs.source_lock(db_url, source):
        return runs.start_run(conn, source, "manual")


def test_a_second_lock_on_a_source_is_refused_and_writes_nothing(db_url, conn):
    with runs.source_lock(db_url, "example"):
        run_id = runs.start_run(conn, "example", "schedule")
        with pytest.raises(CrawlLocked) as refused:
            _crawl(db_url, conn, "example")
        assert _count_runs(conn) == 1
        message = str(refused.value)
        assert "a crawl of source 'example' is already running" in message
        assert f"run {run_id}, pid {os.getpid()}" in message and "\n" not in message
        assert refused.value.exit_code == 3
        _crawl(db_url, conn, "other-source")  # other sources are not blocked
    _crawl(db_url, conn, "example")  # released at the end of the block
    assert _count_runs(conn) == 3


def test_the_lock_can_be_held_on_a_given_connection(db_url, conn):
    with runs.source_lock(conn, "example") as holder:
        assert holder is conn
        with pytest.raises(CrawlLocked, match="just starting"):
            _crawl(db_url, conn, "example")
    _crawl(db_url, conn, "example")


def test_a_run_is_started_and_finished_with_its_counts(conn):
    run_id = runs.start_run(conn, "example", "api")
    runs.add_run_errors(conn, run_id, [("https://news.example/x", "HTTP 500")])
    runs.add_run_errors(conn, run_id, [(None, "feed unreadable\x00")])
    runs.add_run_errors(conn, run_id, [("https://news.example/y", "timeout"), (None, "x\x00y")])
    runs.add_run_errors(conn, run_id, [])
    runs.finish_run(conn, run_id, "succeeded", pages_fetched=10, articles_new=6, articles_updated=2,
                    articles_unchanged=1, errors=2, error="HTTP 500")
    (run,) = runs.recent_runs(conn)
    assert run["status"] == "succeeded" and run["finished_at"] >= run["started_at"]
    assert (run["pages_fetched"], run["articles_new"], run["articles_updated"],
            run["articles_unchanged"], run["errors"], run["error"]) == (10, 6, 2, 1, 2, "HTTP 500")
    assert (run["trigger"], run["pid"], run["hostname"]) == ("api", os.getpid(), socket.gethostname())
    errors = runs.run_errors(conn, run_id)
    assert [(e["url"], e["message"]) for e in errors] == [
        ("https://news.example/x", "HTTP 500"), (None, "feed unreadable"),
        ("https://news.example/y", "timeout"), (None, "xy")]


def test_bad_arguments_are_refused(conn):
    with pytest.raises(ValueError, match="trigger"):
        runs.start_run(conn, "example", "cron")
    run_id = runs.start_run(conn, "example", "manual")
    with pytest.raises(ValueError, match="status"):
        runs.finish_run(conn, run_id, "running")
    with pytest.raises(DatabaseError, match="does not exist"):
        runs.finish_run(conn, run_id + 1000, "failed", error="boom")


def test_recent_and_latest_runs(conn):
    ids = [runs.start_run(conn, source, "schedule") for source in ("a", "b", "a")]
    assert [r["id"] for r in runs.recent_runs(conn, limit=2)] == ids[::-1][:2]
    assert [r["id"] for r in runs.recent_runs(conn, source="a")] == [ids[2], ids[0]]
    latest = runs.latest_runs(conn)
    assert {s: r["id"] for s, r in latest.items()} == {"a": ids[2], "b": ids[1]}


def test_stale_runs_are_failed_and_live_ones_kept(db_url, conn):
    with runs.source_lock(db_url, "alive"):
        alive = runs.start_run(conn, "alive", "schedule")
        dead = runs.start_run(conn, "dead", "schedule")  # no lock held: its process is gone
        assert runs.fail_stale_runs(conn) == 1
        assert runs.fail_stale_runs(conn) == 0
        status = {r["id"]: (r["status"], r["error"]) for r in runs.recent_runs(conn)}
        assert status[alive] == ("running", None)
        assert status[dead] == ("failed", "interrupted: process exited without finishing")
    assert runs.fail_stale_runs(conn) == 1  # `alive` ended without finish_run


def test_a_run_under_another_lock_name_is_alive_while_that_lock_is_held(db_url, conn):
    with runs.source_lock(db_url, "url:https://news.example/a"):
        run_id = runs.start_run(conn, "example", "manual", lock_name="url:https://news.example/a")
        assert runs.fail_stale_runs(conn) == 0
        with pytest.raises(CrawlLocked, match=f"run {run_id}"):
            _crawl_lock_only(db_url, "url:https://news.example/a")
        _crawl(db_url, conn, "example")  # the source's own lock is free
    assert runs.fail_stale_runs(conn) == 2
    runs.start_run(conn, "example", "manual", lock_name="example")
    assert runs.recent_runs(conn, limit=1)[0]["lock_name"] is None  # the source's own: NULL


def _crawl_lock_only(db_url: str, name: str) -> None:
    with runs.source_lock(db_url, name):
        pass


def test_a_crawl_process_that_dies_leaves_a_run_that_fail_stale_runs_fails(db_url, conn):
    script = (
        "import os, sys\n"
        "from scraper.storage import db, runs\n"
        "conn = db.connect(sys.argv[1])\n"
        "lock = runs.source_lock(sys.argv[1], 'example')\n"
        "lock.__enter__()\n"
        "runs.start_run(conn, 'example', 'schedule')\n"
        "os._exit(9)  # killed: no finally, no atexit\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, db_url], capture_output=True, timeout=60)
    assert proc.returncode == 9, proc.stderr.decode()
    # The server ends the session (and drops its lock) as soon as it sees the socket closed.
    deadline = time.monotonic() + 10
    while runs.fail_stale_runs(conn) == 0:
        assert time.monotonic() < deadline, "the dead crawl's lock was never released"
        time.sleep(0.05)
    (run,) = runs.recent_runs(conn)
    assert (run["status"], run["error"]) == ("failed", runs.INTERRUPTED)
    _crawl(db_url, conn, "example")  # the source can be crawled again
