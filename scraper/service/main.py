"""`scraper run`: the composition root of the daemon, where its parts are made and wired together.

Logging, the database, the scheduler (daemon.Daemon), the crawl processes
(daemon.Crawls) and the ops page (web.OpsServer over ops.Ops) are built here
and nowhere else; the parts know each other only through what is passed in.
"""

from __future__ import annotations

import logging
import signal
import threading

from scraper.errors import ScraperError
from scraper.logs import configure_logging
from scraper.service.daemon import CHILD_STOP_SECONDS, Crawls, Daemon
from scraper.service.ops import Ops
from scraper.service.web import OpsServer
from scraper.settings import Settings
from scraper.sources import load_sources
from scraper.storage import db, runs

log = logging.getLogger(__name__)


def run_daemon(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT; return the exit code."""
    configure_logging("INFO", secrets=(settings.api_token,), source="-", run="-")
    config = load_sources(settings.config)
    database_url = db.resolve_database_url(settings.database_url, settings.data_dir)
    conn = db.connect(database_url)
    try:
        db.migrate(conn)
        if settings.reader_password:
            db.set_reader_password(conn, settings.reader_password)
        runs.fail_stale_runs(conn)
        last_success = runs.last_successes(conn)
    finally:
        conn.close()
    server = OpsServer(settings)  # binds now: a taken port fails before anything runs
    stop, hangup = threading.Event(), threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: hangup.set())
    crawls = Crawls(settings, database_url)
    daemon = Daemon(settings, config, crawls)
    try:
        daemon.schedule(last_success)
        daemon.scheduler.start()
        server.start(Ops(database_url, daemon))
        log.info("scheduled %d sources from %s; ops page on %s", len(config.sources), config.path, server.url)
        while not stop.wait(0.5):
            if hangup.is_set():
                hangup.clear()
                daemon.reload()
        log.info("stopping: no new crawls; waiting up to %d s for running ones", CHILD_STOP_SECONDS)
    finally:
        daemon.scheduler.shutdown(wait=False)
        crawls.stop_all()
        server.stop()
        _fail_stale(database_url)
    log.info("stopped")
    return 0


def _fail_stale(database_url: str) -> None:
    """Mark runs left `running` by a child that died as failed (best effort at shutdown)."""
    try:
        conn = db.connect(database_url)
        try:
            runs.fail_stale_runs(conn)
        finally:
            conn.close()
    except ScraperError as exc:
        log.error("%s", exc)
