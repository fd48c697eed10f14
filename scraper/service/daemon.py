"""The daemon's scheduler and crawl processes: APScheduler jobs, one child process per crawl.

Each crawl is a child process (`python -m scraper crawl`): Scrapy's reactor
cannot restart in one process, and a crawl that crashes or hangs must not take
the daemon down. A child running longer than SCRAPER_RUN_TIMEOUT is killed and
its run recorded as failed. Whoever starts a crawl (schedule, API, CLI), the
child takes the source's advisory lock first, so one source is crawled at most
once at a time across processes and machines.

Signals: SIGTERM/SIGINT stop scheduling, let running crawls finish their
in-flight items (bounded wait), record their outcome and exit 0. SIGHUP
re-reads the sources file; a bad edit is logged and the old schedule kept.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from scraper.errors import ConfigError, CrawlLocked, RefusedURL, ScraperError
from scraper.service.schedule import first_run_time, trigger_for
from scraper.settings import Settings
from scraper.sources import Source, SourcesConfig, load_sources
from scraper.storage import db, runs

log = logging.getLogger(__name__)
MISFIRE_GRACE_SECONDS = 15 * 60
CHILD_STOP_SECONDS = 30  # after SIGTERM, how long a crawl may take to store its in-flight items
RUN_ROW_WAIT_SECONDS = 60  # how long a started crawl may take to insert its crawl_runs row


@dataclass(eq=False)  # compared and hashed by identity: kept in a set
class Crawl:
    """One crawl child process and what is known of it."""

    source: str
    trigger: str
    child: subprocess.Popen[str]
    started_at: datetime  # wall clock, to find its crawl_runs row
    last_line: str = ""  # the child's last output line: its one-line error when it fails early
    done: threading.Event = field(default_factory=threading.Event)


class Crawls:
    """Starts crawl child processes, forwards their log lines, enforces the run timeout, stops them all."""

    def __init__(self, settings: Settings, database_url: str) -> None:
        self.settings = settings
        self.database_url = database_url
        self.running: set[Crawl] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def start(self, source: str, trigger: str, url: str | None = None) -> Crawl:
        """Start one crawl of `source` (or of `url` alone) as a child process and return it."""
        if self.stopping.is_set():
            raise ScraperError("the daemon is stopping; no new crawl is started")
        target = ["--url", url] if url else [source]
        command = [sys.executable, "-m", "scraper", "--config", str(self.settings.config),
                   "crawl", *target, "--trigger", trigger]
        started_at = datetime.now(UTC) - timedelta(seconds=1)
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 errors="replace", stdin=subprocess.DEVNULL)
        crawl = Crawl(source, trigger, child, started_at)
        with self.lock:
            self.running.add(crawl)
        threading.Thread(target=self._forward, args=(crawl,), daemon=True, name=f"log {source}").start()
        threading.Thread(target=self._watch, args=(crawl,), daemon=True, name=f"watch {source}").start()
        log.info("crawl of %s started (trigger %s, pid %d)", source, trigger, child.pid,
                 extra={"source": source})
        return crawl

    def run(self, source: str, trigger: str = "schedule") -> int | None:
        """Run one crawl of `source` to its end (the scheduler's job); return its exit code."""
        try:
            crawl = self.start(source, trigger)
        except ScraperError as exc:
            log.info("%s", exc, extra={"source": source})
            return None
        crawl.done.wait()
        return crawl.child.returncode

    def launch(self, source: str, trigger: str = "api", url: str | None = None) -> int:
        """Start a crawl and return its run id once its crawl_runs row exists.

        CrawlLocked when a crawl of that source is already running (the child
        found the lock taken and wrote nothing); the child's own one-line
        error for any other early failure.
        """
        crawl = self.start(source, trigger, url)
        deadline = time.monotonic() + RUN_ROW_WAIT_SECONDS
        conn = db.connect(self.database_url)
        try:
            while time.monotonic() < deadline:
                row = runs.run_of_process(conn, crawl.child.pid, crawl.started_at)
                if row is not None:
                    return int(row["id"])
                if crawl.done.wait(0.1):
                    break
        finally:
            conn.close()
        code = crawl.child.returncode
        message = crawl.last_line.removeprefix("scraper: ") or f"the crawl process exited with {code}"
        if code == CrawlLocked.exit_code:
            raise CrawlLocked(message)
        if code == RefusedURL.exit_code:
            raise RefusedURL(message)
        raise ScraperError(message)

    def _forward(self, crawl: Crawl) -> None:
        """Copy the child's output (already one line per event) to the daemon's stderr."""
        assert crawl.child.stdout is not None
        for line in crawl.child.stdout:
            line = line.rstrip("\n")
            if line:
                crawl.last_line = line
                sys.stderr.write(line + "\n")
                sys.stderr.flush()

    def _watch(self, crawl: Crawl) -> None:
        """Wait for the child; kill it at the run timeout and record its run as failed."""
        try:
            crawl.child.wait(self.settings.run_timeout)
        except subprocess.TimeoutExpired:
            crawl.child.kill()  # a crawl past its timeout is hung: it gets no grace
            crawl.child.wait()
            self._record_timeout(crawl)
        finally:
            with self.lock:
                self.running.discard(crawl)
            crawl.done.set()
        log.info("crawl of %s exited with %s", crawl.source, crawl.child.returncode,
                 extra={"source": crawl.source})

    def _record_timeout(self, crawl: Crawl) -> None:
        message = f"killed by the daemon after the run timeout of {self.settings.run_timeout} s"
        try:
            conn = db.connect(self.database_url)
            try:
                ids = runs.fail_run_of_process(conn, crawl.child.pid, crawl.started_at, message)
            finally:
                conn.close()
        except ScraperError as exc:
            log.error("%s", exc, extra={"source": crawl.source})
            return
        log.error("crawl of %s %s", crawl.source, message, extra={"source": crawl.source,
                                                                   "run": ",".join(map(str, ids)) or "-"})

    def active(self) -> list[Crawl]:
        """Return the crawls now running."""
        with self.lock:
            return list(self.running)

    def stop_all(self) -> None:
        """SIGTERM every child so it stores what it fetched, wait, then kill the ones still there."""
        self.stopping.set()
        crawls = self.active()
        for crawl in crawls:
            crawl.child.terminate()
        deadline = time.monotonic() + CHILD_STOP_SECONDS
        for crawl in crawls:
            try:
                crawl.child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                crawl.child.kill()
                crawl.child.wait()
            crawl.done.wait(5)


class Daemon:
    """The scheduler and the sources it schedules; reloadable on SIGHUP."""

    def __init__(self, settings: Settings, config: SourcesConfig, crawls: Crawls) -> None:
        self.settings = settings
        self.config = config
        self.crawls = crawls
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self.lock = threading.Lock()

    def schedule(self, last_success: dict[str, datetime]) -> None:
        """Add one job per source; overdue sources run at once, once."""
        now = datetime.now(UTC)
        for source in self.config.sources:
            self._add_job(source, first_run_time(source, last_success.get(source.name), now))

    def _add_job(self, source: Source, when: datetime | None) -> None:
        options: dict[str, Any] = {"next_run_time": when} if when is not None else {}
        self.scheduler.add_job(self.crawls.run, trigger_for(source), args=[source.name], id=source.name,
                               name=f"crawl {source.name}", max_instances=1, coalesce=True,
                               misfire_grace_time=MISFIRE_GRACE_SECONDS, replace_existing=True, **options)

    def reload(self) -> bool:
        """Re-read the sources file and reschedule what changed; on a bad file keep the old schedule."""
        try:
            config = load_sources(self.settings.config)
        except ConfigError as exc:
            log.error("sources file not reloaded, the old schedule stays: %s", exc)
            return False
        with self.lock:
            old = {s.name: s for s in self.config.sources}
            new = {s.name: s for s in config.sources}
            for name in old.keys() - new.keys():
                self.scheduler.remove_job(name)
            for name, source in new.items():
                if old.get(name) != source:
                    self._add_job(source, None if name in old else datetime.now(UTC))
            self.config = config
        log.info("sources file reloaded: %d sources (%d added, %d removed)", len(new),
                 len(new.keys() - old.keys()), len(old.keys() - new.keys()))
        return True

    def next_run(self, name: str) -> datetime | None:
        """Return when the scheduler will next start a crawl of source `name`."""
        job = self.scheduler.get_job(name)
        return job.next_run_time if job is not None else None

    def current_config(self) -> SourcesConfig:
        """Return the sources file as last loaded (at start or on SIGHUP)."""
        with self.lock:
            return self.config

    def running(self) -> bool:
        """Return True while the scheduler runs."""
        return bool(self.scheduler.running)

    def launch(self, source: str, trigger: str, url: str | None = None) -> int:
        """Start a crawl of `source` (or of `url` alone) now and return its run id (see Crawls.launch)."""
        return self.crawls.launch(source, trigger, url)

    def crawls_running(self) -> int:
        """Return how many crawl child processes run now."""
        return len(self.crawls.active())
