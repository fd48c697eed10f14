"""`scraper run`: schedule every source with APScheduler; each crawl is a child process.

A signal sets a stop flag; a `finally:` shuts the scheduler down, stops the
running crawls (they mark their own runs as failed) and marks any run left
`running` by a process that died.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scraper import db, runs
from scraper.settings import Settings
from scraper.sources import Source, SourcesConfig, load_sources

log = logging.getLogger("scraper.daemon")
MISFIRE_GRACE_SECONDS = 15 * 60
CHILD_STOP_SECONDS = 30


class Crawls:
    """The crawl child processes now running, so that shutdown can stop them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.children: set[subprocess.Popen[bytes]] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def run(self, source: str, trigger: str = "schedule") -> int:
        """Run one crawl of `source` as a child process and return its exit code."""
        if self.stopping.is_set():
            return -1
        command = [sys.executable, "-m", "scraper", "--config", str(self.settings.config),
                   "crawl", source, "--trigger", trigger]
        child = subprocess.Popen(command)
        with self.lock:
            self.children.add(child)
        try:
            code = child.wait()
        finally:
            with self.lock:
                self.children.discard(child)
        log.info("crawl of %s exited with %s", source, code)
        return code

    def stop_all(self) -> None:
        """SIGTERM every child, wait, then kill the ones still there."""
        self.stopping.set()
        with self.lock:
            children = list(self.children)
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(CHILD_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def trigger_for(source: Source) -> Any:
    """Return the APScheduler trigger of a source's schedule (cron, in UTC) or interval."""
    if source.schedule:
        return CronTrigger.from_crontab(source.schedule, timezone="UTC")
    return IntervalTrigger(minutes=source.interval_minutes or 60, timezone="UTC")


def first_run_time(source: Source, last_started: datetime | None, now: datetime) -> datetime | None:
    """Return `now` when the source is overdue (never ran, or a run was due since its last one), else None."""
    if last_started is None:
        return now
    if source.interval_minutes:
        due = last_started + timedelta(minutes=source.interval_minutes)
    else:  # the first cron fire time after the last run
        due = trigger_for(source).get_next_fire_time(None, last_started + timedelta(seconds=1))
    return now if due is not None and due <= now else None


def schedule_sources(scheduler: BackgroundScheduler, config: SourcesConfig, crawls: Crawls,
                     last_started: dict[str, datetime]) -> None:
    """Add one job per source; overdue sources run at once."""
    now = datetime.now(UTC)
    for source in config.sources:
        options: dict[str, Any] = {}
        when = first_run_time(source, last_started.get(source.name), now)
        if when is not None:
            options["next_run_time"] = when
        scheduler.add_job(crawls.run, trigger_for(source), args=[source.name], id=source.name,
                          name=f"crawl {source.name}", max_instances=1, coalesce=True,
                          misfire_grace_time=MISFIRE_GRACE_SECONDS, **options)


def run_daemon(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT; return the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_sources(settings.config)
    database_url = db.resolve_database_url(settings.database_url, settings.data_dir)
    conn = db.connect(database_url)
    db.migrate(conn)
    if settings.reader_password:
        db.set_reader_password(conn, settings.reader_password)
    runs.fail_stale_runs(conn)
    last_started = {name: run["started_at"] for name, run in runs.latest_runs(conn).items()}
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    crawls = Crawls(settings)
    scheduler = BackgroundScheduler(timezone="UTC")
    try:
        schedule_sources(scheduler, config, crawls, last_started)
        scheduler.start()
        log.info("scheduled %d sources from %s", len(config.sources), config.path)
        while not stop.wait(1.0):
            pass
        log.info("stopping")
    finally:
        scheduler.shutdown(wait=False)
        crawls.stop_all()
        runs.fail_stale_runs(conn)
        conn.close()
    return 0
