"""Crawl-run bookkeeping: one lock per source, one crawl_runs row per crawl, its errors."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from scraper.errors import CrawlLocked, DatabaseError
from scraper.policy.health import RunOutcome, SourceHealth, assess
from scraper.storage.db import connect, dicts, execute_rows, ping, query, storable, transaction

log = logging.getLogger(__name__)

# First key of the two-int advisory lock; the second is hashtext(source).
# Two-int locks never collide with the one-bigint migration lock.
SOURCE_LOCK_NAMESPACE = 0x5C12
TRIGGERS = ("schedule", "manual", "api")
STATUSES = ("succeeded", "failed")
INTERRUPTED = "interrupted: process exited without finishing"


class ErrorRow(NamedTuple):
    """One failure of a run (add_run_errors)."""

    run_id: int
    url: str | None
    message: str


def _lock_params(source: str) -> dict[str, Any]:
    """Return the query parameters naming `source`'s advisory lock."""
    return {"namespace": SOURCE_LOCK_NAMESPACE, "source": source}


@contextmanager
def source_lock(conn: Any, source: str) -> Iterator[Any]:
    """Hold the crawl lock `source` for the block and yield the connection holding it; CrawlLocked if taken.

    `source` is normally the source's name; a crawl locking another name must
    pass the same name to start_run(lock_name=...).

    `conn` is a connection or a database URL (a connection is then opened and
    closed here). The lock belongs to the session: it lasts while that
    connection stays open, whatever else runs on it (start_run and finish_run
    may use it too), and PostgreSQL drops it if the process dies.
    """
    own = isinstance(conn, str)
    lock_conn = connect(conn) if own else conn
    try:
        with transaction(lock_conn, f"taking the crawl lock of {source!r}") as cur:
            cur.execute(query("source_try_lock"), _lock_params(source))
            (taken,) = cur.fetchone()
        if not taken:
            raise CrawlLocked(f"a crawl of source {source!r} is already running ({_holder(lock_conn, source)})")
        try:
            yield lock_conn
        finally:
            _unlock(lock_conn, source)
    finally:
        if own:
            lock_conn.close()


def _holder(conn: Any, name: str) -> str:
    """Return a short description of the running crawl holding lock `name`, for the CrawlLocked message."""
    with transaction(conn, "reading crawl runs") as cur:
        cur.execute(query("lock_holder"), {"source": name})
        row = cur.fetchone()
    if row is None:
        return "it is just starting"
    run_id, pid, hostname, started_at = row
    return f"run {run_id}, pid {pid} on {hostname}, since {started_at:%Y-%m-%d %H:%M:%S %Z}"


def _unlock(conn: Any, source: str) -> None:
    """Release `source`'s lock; a dead connection has already released it."""
    if conn.closed:
        return
    try:
        with transaction(conn, f"releasing the crawl lock of {source!r}") as cur:
            cur.execute(query("source_unlock"), _lock_params(source))
    except DatabaseError as exc:
        log.warning("%s", exc)


def usable(conn: Any, database_url: str, wait_s: float = 15.0) -> Any:
    """Return `conn` if it still works, else a new connection (retried for `wait_s` seconds).

    The connection holding a crawl's lock dies when PostgreSQL restarts during
    the crawl; the run's row must still be finished.
    """
    try:
        ping(conn)
        return conn
    except DatabaseError as exc:
        log.warning("reconnecting to record the end of the crawl: %s", exc)
    conn.close()
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return connect(database_url)
        except DatabaseError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(1.0)


def start_run(conn: Any, source: str, trigger: str, lock_name: str | None = None) -> int:
    """Insert a `running` crawl_runs row for this process and return its id.

    `lock_name` is the name given to source_lock when it is not the source's
    own: fail_stale_runs checks that lock to tell whether the run is alive.
    """
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger must be one of {', '.join(TRIGGERS)}, not {trigger!r}")
    params = {"source": source, "trigger": trigger, "pid": os.getpid(), "hostname": socket.gethostname(),
              "lock_name": lock_name if lock_name != source else None}
    with transaction(conn, f"recording the start of a crawl of {source!r}") as cur:
        cur.execute(query("start_run"), params)
        return int(cur.fetchone()[0])


def finish_run(
    conn: Any,
    run_id: int,
    status: str,
    pages_fetched: int = 0,
    articles_new: int = 0,
    articles_updated: int = 0,
    articles_unchanged: int = 0,
    errors: int = 0,
    error: str | None = None,
) -> None:
    """Mark run `run_id` finished with `status` and its counts (returns None)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    params = {
        "run_id": run_id, "status": status, "pages_fetched": pages_fetched,
        "articles_new": articles_new, "articles_updated": articles_updated,
        "articles_unchanged": articles_unchanged, "errors": errors,
        "error": storable(error),
    }
    with transaction(conn, f"recording the end of crawl run {run_id}") as cur:
        cur.execute(query("finish_run"), params)
        if cur.fetchone() is None:
            raise DatabaseError(f"crawl run {run_id} does not exist")


def add_run_errors(conn: Any, run_id: int, errors: Sequence[tuple[str | None, str]]) -> None:
    """Record many (url, message) failures of run `run_id` in one statement (returns None)."""
    rows = [ErrorRow(run_id, storable(url), storable(message) or "") for url, message in errors]
    if rows:
        with transaction(conn, f"recording {len(rows)} errors of crawl run {run_id}") as cur:
            execute_rows(cur, "add_run_errors", rows)


def record_progress(conn: Any, run_id: int, pages_fetched: int, errors: int) -> None:
    """Write a running crawl's counts so far into its crawl_runs row (finish_run writes the final ones)."""
    params = {"run_id": run_id, "pages_fetched": pages_fetched, "errors": errors}
    with transaction(conn, f"recording the progress of crawl run {run_id}") as cur:
        cur.execute(query("run_progress"), params)


def fail_stale_runs(conn: Any) -> int:
    """Mark `running` rows whose crawl process is gone (lock not held) as failed; return how many.

    Safe to call at any time from any process: it reads pg_locks and never
    takes a crawl lock itself, so it cannot make a starting crawl fail.
    """
    params = {"namespace": SOURCE_LOCK_NAMESPACE, "error": INTERRUPTED}
    with transaction(conn, "failing interrupted crawl runs") as cur:
        cur.execute(query("fail_stale_runs"), params)
        return cur.rowcount


def recent_runs(conn: Any, limit: int = 20, source: str | None = None) -> list[dict[str, Any]]:
    """Return the latest crawl runs (of `source`, or all), newest first, as dicts of crawl_runs columns."""
    with transaction(conn, "reading crawl runs") as cur:
        cur.execute(query("recent_runs"), {"limit": limit, "source": source})
        return dicts(cur)


def latest_runs(conn: Any) -> dict[str, dict[str, Any]]:
    """Return {source: its latest crawl run as a dict}; a source that never ran is absent."""
    with transaction(conn, "reading crawl runs") as cur:
        cur.execute(query("latest_runs"))
        return {row["source"]: row for row in dicts(cur)}


def run_errors(conn: Any, run_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Return the recorded errors of run `run_id` (url, message, occurred_at), oldest first."""
    with transaction(conn, f"reading errors of crawl run {run_id}") as cur:
        cur.execute(query("run_errors"), {"run_id": run_id, "limit": limit})
        return dicts(cur)


def last_successes(conn: Any) -> dict[str, Any]:
    """Return {source: start time of its latest succeeded run}; a source that never succeeded is absent."""
    with transaction(conn, "reading crawl runs") as cur:
        cur.execute(query("last_successes"))
        return dict(cur.fetchall())


def get_run(conn: Any, run_id: int) -> dict[str, Any] | None:
    """Return crawl run `run_id` as a dict of crawl_runs columns, or None if there is none."""
    with transaction(conn, f"reading crawl run {run_id}") as cur:
        cur.execute(query("get_run"), {"run_id": run_id})
        rows = dicts(cur)
    return rows[0] if rows else None


def running_runs(conn: Any) -> list[dict[str, Any]]:
    """Return the runs now `running`, oldest first, with their counts so far."""
    with transaction(conn, "reading running crawl runs") as cur:
        cur.execute(query("running_runs"))
        return dicts(cur)


def run_of_process(conn: Any, pid: int, since: datetime) -> dict[str, Any] | None:
    """Return {id, status} of the run process `pid` on this host started since `since`, or None yet."""
    params = {"pid": pid, "hostname": socket.gethostname(), "since": since}
    with transaction(conn, f"looking up the crawl run of process {pid}") as cur:
        cur.execute(query("run_of_process"), params)
        rows = dicts(cur)
    return rows[0] if rows else None


def fail_run_of_process(conn: Any, pid: int, since: datetime, error: str) -> list[int]:
    """Mark the `running` run of process `pid` (on this host, since `since`) failed; return the ids marked."""
    params = {"pid": pid, "hostname": socket.gethostname(), "since": since, "error": error}
    with transaction(conn, f"failing the crawl run of process {pid}") as cur:
        cur.execute(query("fail_run_of_process"), params)
        return [row[0] for row in cur.fetchall()]


def source_health(conn: Any, hours: int = 48, runs: int = 5) -> dict[str, SourceHealth]:
    """Return {source: health} from its articles seen in the last `hours` and its last `runs` runs."""
    with transaction(conn, "reading source health") as cur:
        cur.execute(query("article_health"), {"hours": hours})
        counts = {row["source"]: row for row in dicts(cur)}
        cur.execute(query("run_health"), {"runs": runs})
        outcomes: dict[str, list[RunOutcome]] = {}
        for source, status, pages, articles in cur.fetchall():
            outcomes.setdefault(source, []).append(RunOutcome(status, pages, articles))
    result = {}
    for source in sorted(set(counts) | set(outcomes)):
        c = counts.get(source, {})
        result[source] = assess(source, c.get("articles", 0), c.get("empty_body", 0), c.get("no_date", 0),
                                c.get("no_title", 0), tuple(outcomes.get(source, ())))
    return result
