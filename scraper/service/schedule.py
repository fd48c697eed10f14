"""When sources run: their APScheduler triggers, and when a source is due.

Shared by the daemon (which schedules the jobs) and by `scraper status` and
the ops page (which show the next run without asking the daemon).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scraper.sources import Source

DEFAULT_INTERVAL_MINUTES = 60


def trigger_for(source: Source) -> Any:
    """Return the APScheduler trigger of a source's schedule (cron, in UTC) or interval."""
    if source.schedule:
        return CronTrigger.from_crontab(source.schedule, timezone="UTC")
    return IntervalTrigger(minutes=source.interval_minutes or DEFAULT_INTERVAL_MINUTES, timezone="UTC")


def due_after(source: Source, last_success: datetime) -> datetime | None:
    """Return when the run after one that succeeded at `last_success` falls due."""
    if not source.schedule:
        return last_success + timedelta(minutes=source.interval_minutes or DEFAULT_INTERVAL_MINUTES)
    return trigger_for(source).get_next_fire_time(None, last_success + timedelta(seconds=1))


def first_run_time(source: Source, last_success: datetime | None, now: datetime) -> datetime | None:
    """Return `now` when the source is overdue at daemon start, else None (its trigger decides).

    Overdue: it never succeeded, or a run fell due since its last success.
    However many slots were missed while the daemon was down, that is one run.
    """
    if last_success is None:
        return now
    due = due_after(source, last_success)
    return now if due is not None and due <= now else None


def next_run_estimate(source: Source, last_started: datetime | None, now: datetime) -> datetime:
    """Return when a running daemon next crawls `source`, as far as can be told without asking it.

    From the latest run of any outcome: a daemon that is up re-runs a failed
    source at its next slot, not at once.
    """
    if last_started is None:
        return now
    if source.schedule:
        return trigger_for(source).get_next_fire_time(None, now) or now
    return max(now, due_after(source, last_started) or now)
