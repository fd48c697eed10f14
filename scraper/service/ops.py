"""What the ops page, the API and /metrics show, and the crawls they start; no web framework here.

Each call opens its own short database connection: the daemon runs for
months, and a connection kept open would not survive a database restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from scraper import __version__
from scraper.crawling.runner import source_for_url
from scraper.errors import NotFound, ScraperError
from scraper.sources import Source
from scraper.storage import db, reads, runs

if TYPE_CHECKING:
    from scraper.service.daemon import Daemon


def describe_schedule(source: Source) -> str:
    """Return a source's schedule for people: its cron line, or 'every N min'."""
    return f"cron {source.schedule} (UTC)" if source.schedule else f"every {source.interval_minutes} min"


class Ops:
    """Reads for the ops views and starts crawls through the daemon's scheduler."""

    def __init__(self, database_url: str, daemon: Daemon) -> None:
        self.database_url = database_url
        self.daemon = daemon

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """Yield a new connection, closed after the block."""
        conn = db.connect(self.database_url)
        try:
            yield conn
        finally:
            conn.close()

    def health(self) -> dict[str, Any]:
        """Return whether the database answers and the scheduler runs (no secrets, no heavy queries)."""
        database = "ok"
        try:
            with self.connection() as conn:
                db.ping(conn)
        except ScraperError as exc:
            database = str(exc)
        scheduler = self.daemon.scheduler.running
        return {"status": "ok" if database == "ok" and scheduler else "unhealthy", "database": database,
                "scheduler": "running" if scheduler else "stopped", "version": __version__,
                "sources": len(self.daemon.sources()), "crawls_running": len(self.daemon.crawls.active())}

    def source_names(self) -> list[str]:
        """Return the names of the sources now scheduled."""
        return [s.name for s in self.daemon.sources()]

    def _source(self, name: str) -> Source:
        for source in self.daemon.sources():
            if source.name == name:
                return source
        raise NotFound(f"no source named {name!r} (known: {', '.join(self.source_names()) or 'none'})")

    def sources(self) -> list[dict[str, Any]]:
        """Return every scheduled source with its next run, latest and running run, and health."""
        with self.connection() as conn:
            latest = runs.latest_runs(conn)
            running = {r["source"]: r for r in runs.running_runs(conn)}
            health = runs.source_health(conn)
        return [self._describe(s, latest.get(s.name), running.get(s.name), health.get(s.name))
                for s in self.daemon.sources()]

    def source(self, name: str) -> dict[str, Any]:
        """Return one source as in sources(); NotFound for an unknown name."""
        source = self._source(name)
        return next(s for s in self.sources() if s["name"] == source.name)

    def _describe(self, source: Source, latest: Any, running: Any, health: Any) -> dict[str, Any]:
        return {
            "name": source.name, "schedule": describe_schedule(source), "start_urls": list(source.start_urls),
            "next_run_at": self.daemon.next_run(source.name), "last_run": latest, "running": running,
            "health": {"ok": health.ok if health else True, "flags": list(health.flags) if health else [],
                       "articles": health.articles if health else 0},
        }

    def runs(self, limit: int = 20, source: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Return recent runs, newest first (`status='running'`: the running ones, oldest first)."""
        with self.connection() as conn:
            if status == "running":
                return [r for r in runs.running_runs(conn) if source is None or r["source"] == source]
            rows = runs.recent_runs(conn, limit=limit, source=source)
        return [r for r in rows if status is None or r["status"] == status]

    def run(self, run_id: int) -> dict[str, Any]:
        """Return run `run_id` with its recorded errors; NotFound if there is none."""
        with self.connection() as conn:
            row = runs.get_run(conn, run_id)
            if row is None:
                raise NotFound(f"no crawl run with id {run_id}")
            row["error_list"] = runs.run_errors(conn, run_id, limit=200)
        return row

    def start_crawl(self, name: str, trigger: str = "api") -> int:
        """Start a crawl of source `name` now and return its run id; CrawlLocked if one is running."""
        source = self._source(name)
        return self.daemon.crawls.launch(source.name, trigger)

    def crawl_url(self, url: str, trigger: str = "api") -> int:
        """Start a crawl of one article URL and return its run id; RefusedURL outside the sources or SSRF."""
        source, _ = source_for_url(self.daemon.current_config(), url)  # refuse here, before a process starts; the child checks again
        return self.daemon.crawls.launch(source.name, trigger, url=url)

    def articles(self, limit: int = 20, source: str | None = None) -> list[dict[str, Any]]:
        """Return the latest stored articles, newest first, with the sidebar headlines of their last fetch."""
        with self.connection() as conn:
            return reads.latest_articles(conn, limit, source)

    def metrics(self) -> bytes:
        """Return the Prometheus text exposition of runs, pages, articles and errors per source."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_DatabaseCollector(self))
        return generate_latest(registry)


class _DatabaseCollector:
    """Builds the metric families from crawl_runs and articles at each scrape."""

    def __init__(self, ops: Ops) -> None:
        self.ops = ops

    def collect(self) -> Iterator[Any]:
        with self.ops.connection() as conn:
            totals = reads.run_totals(conn)
            stored = reads.article_totals(conn)
            health = runs.source_health(conn)
        runs_total = CounterMetricFamily("scraper_runs", "Crawl runs by source and outcome", labels=["source", "status"])
        pages = CounterMetricFamily("scraper_pages_fetched", "Pages fetched by crawls", labels=["source"])
        articles = CounterMetricFamily("scraper_articles", "Articles stored by crawls, by what they did",
                                       labels=["source", "result"])
        errors = CounterMetricFamily("scraper_errors", "Pages that failed in crawls", labels=["source"])
        last_ok = GaugeMetricFamily("scraper_last_success_timestamp_seconds",
                                    "When the source's last succeeded run finished", labels=["source"])
        sums: dict[str, list[float]] = {}
        for source, status, n, n_pages, new, updated, unchanged, n_errors, last in totals:
            runs_total.add_metric([source, status], n)
            s = sums.setdefault(source, [0, 0, 0, 0, 0])
            for i, value in enumerate((n_pages, new, updated, unchanged, n_errors)):
                s[i] += value
            if status == "succeeded" and last is not None:
                last_ok.add_metric([source], float(last))
        for source, (n_pages, new, updated, unchanged, n_errors) in sorted(sums.items()):
            pages.add_metric([source], n_pages)
            for result, value in (("new", new), ("updated", updated), ("unchanged", unchanged)):
                articles.add_metric([source, result], value)
            errors.add_metric([source], n_errors)
        in_db = GaugeMetricFamily("scraper_articles_in_database", "Articles stored, by source", labels=["source"])
        for source, n in stored:
            in_db.add_metric([source], n)
        flags = GaugeMetricFamily("scraper_source_health_flags", "Health problems flagged for the source",
                                  labels=["source"])
        for source, h in health.items():
            flags.add_metric([source], len(h.flags))
        running = GaugeMetricFamily("scraper_crawls_running", "Crawl processes the daemon is running")
        running.add_metric([], len(self.ops.daemon.crawls.active()))
        yield from (runs_total, pages, articles, errors, last_ok, in_db, flags, running)

