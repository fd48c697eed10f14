"""A source's status as ops staff see it: schedule, next run, latest and running run, health.

One read model for `scraper status`, `/api/sources` and the ops page, so the
three never disagree about what they show; only where the next run comes from
differs (the daemon's scheduler, or an estimate from the schedule).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scraper.policy.health import SourceHealth
from scraper.sources import Source
from scraper.storage import runs

# when a source is next crawled, from the source and its latest run (None: it never ran)
NextRun = Callable[[Source, dict[str, Any] | None], datetime | None]


@dataclass(frozen=True)
class SourceStatus:
    """What is known of one source: configured (`source`) or only seen in crawl_runs (`source` None)."""

    name: str
    source: Source | None
    next_run_at: datetime | None
    last_run: dict[str, Any] | None
    running: dict[str, Any] | None
    health: SourceHealth | None


def describe_schedule(source: Source) -> str:
    """Return a source's schedule for people: its cron line, or 'every N min'."""
    return f"cron {source.schedule} (UTC)" if source.schedule else f"every {source.interval_minutes} min"


def source_statuses(conn: Any, sources: Sequence[Source], next_run: NextRun,
                    unconfigured: bool = False) -> list[SourceStatus]:
    """Return the status of every configured source, in file order; with `unconfigured`, then of
    sources that only crawl_runs still knows (removed from the file), by name."""
    latest = runs.latest_runs(conn)
    running = {r["source"]: r for r in runs.running_runs(conn)}
    health = runs.source_health(conn)
    statuses = [SourceStatus(s.name, s, next_run(s, latest.get(s.name)), latest.get(s.name),
                             running.get(s.name), health.get(s.name)) for s in sources]
    if unconfigured:
        known = {s.name for s in sources}
        statuses += [SourceStatus(name, None, None, latest[name], running.get(name), health.get(name))
                     for name in sorted(latest) if name not in known]
    return statuses


def describe_source(status: SourceStatus) -> dict[str, Any]:
    """Return a configured source's status as the API shows it (JSON-ready but for datetimes)."""
    assert status.source is not None
    health = status.health
    return {
        "name": status.name, "schedule": describe_schedule(status.source),
        "start_urls": list(status.source.start_urls), "next_run_at": status.next_run_at,
        "last_run": status.last_run, "running": status.running,
        "health": {"ok": health.ok if health else True, "flags": list(health.flags) if health else [],
                   "articles": health.articles if health else 0},
    }


def status_lines(statuses: Sequence[SourceStatus], recent: dict[str, list[dict[str, Any]]], now: datetime,
                 limit: int) -> list[str]:
    """Return the text `scraper status` prints: one line per source, then each one's recent runs."""
    lines = [f"{'source':<20} {'run':>5} {'trigger':<8} {'outcome':<9} {'started (UTC)':<19} {'pages':>6} "
             f"{'new':>5} {'upd':>5} {'same':>5} {'errs':>5}  {'next run (UTC)':<19}  health; first error"]
    for s in statuses:
        r, h = s.last_run, s.health
        notes = "; ".join(x for x in ((h.summary() if h else "ok"), (r or {}).get("error")) if x)
        nxt = ("not scheduled" if s.source is None or s.next_run_at is None
               else "due now" if s.next_run_at <= now else _time(s.next_run_at))
        if r is None:
            lines.append(f"{s.name[:20]:<20} {'-':>5} never run{'':<71}{nxt:<19}  {notes}")
            continue
        lines.append(f"{s.name[:20]:<20} {r['id']:>5} {r['trigger']:<8} {r['status']:<9} "
                     f"{_time(r['started_at']):<19} {_counts(r)}  {nxt:<19}  {notes[:160]}")
    if limit > 1:
        lines += ["", f"recent runs (up to {limit} per source)",
                  f"{'run':>6} {'source':<20} {'trigger':<8} {'status':<9} {'started (UTC)':<19} "
                  f"{'pages':>6} {'new':>5} {'upd':>5} {'same':>5} {'errs':>5}  first error"]
        lines += [f"{r['id']:>6} {r['source'][:20]:<20} {r['trigger']:<8} {r['status']:<9} "
                  f"{_time(r['started_at']):<19} {_counts(r)}  {(r['error'] or '')[:100]}"
                  for rows in recent.values() for r in rows]
    return lines


def _counts(run: dict[str, Any]) -> str:
    return (f"{run['pages_fetched']:>6} {run['articles_new']:>5} {run['articles_updated']:>5} "
            f"{run['articles_unchanged']:>5} {run['errors']:>5}")


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""
