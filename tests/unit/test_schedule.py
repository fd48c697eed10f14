"""When the daemon runs a source at start: never run, or a run fell due while it was down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scraper.daemon import first_run_time, trigger_for
from scraper.sources import Source

NOW = datetime(2026, 11, 26, 12, 10, tzinfo=UTC)


def source(**timing) -> Source:
    return Source("s", ("https://example.com/rss",), ("example.com",), **timing)


def test_a_source_that_never_ran_runs_at_start():
    assert first_run_time(source(interval_minutes=60), None, NOW) == NOW
    assert first_run_time(source(schedule="0 0 1 1 *"), None, NOW) == NOW


def test_interval_source_is_overdue_once_its_interval_has_passed():
    s = source(interval_minutes=60)
    assert first_run_time(s, NOW - timedelta(minutes=61), NOW) == NOW
    assert first_run_time(s, NOW - timedelta(minutes=59), NOW) is None


def test_cron_source_is_overdue_when_a_fire_time_passed_since_its_last_run():
    s = source(schedule="*/30 * * * *")
    assert first_run_time(s, NOW - timedelta(minutes=15), NOW) == NOW  # 12:00 passed since 11:55
    assert first_run_time(s, NOW - timedelta(minutes=5), NOW) is None  # ran 12:05, next 12:30


def test_cron_lines_are_read_in_utc():
    trigger = trigger_for(source(schedule="0 6 * * *"))
    assert trigger.get_next_fire_time(None, NOW) == datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
