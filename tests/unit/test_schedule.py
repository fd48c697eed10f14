"""When the daemon runs a source: never succeeded, or a run fell due while it was down; and the next run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scraper.service.schedule import first_run_time, next_run_estimate, trigger_for
from scraper.sources import Source

NOW = datetime(2026, 11, 26, 12, 10, tzinfo=UTC)


def source(**timing) -> Source:
    return Source("s", ("https://example.com/rss",), ("example.com",), **timing)


def test_a_source_that_never_succeeded_runs_at_start():
    assert first_run_time(source(interval_minutes=60), None, NOW) == NOW
    assert first_run_time(source(schedule="0 0 1 1 *"), None, NOW) == NOW


def test_interval_source_is_overdue_once_its_interval_has_passed():
    s = source(interval_minutes=60)
    assert first_run_time(s, NOW - timedelta(minutes=61), NOW) == NOW
    assert first_run_time(s, NOW - timedelta(minutes=59), NOW) is None


def test_days_of_missed_slots_are_one_run_now():
    s = source(schedule="*/5 * * * *")
    assert first_run_time(s, NOW - timedelta(days=3), NOW) == NOW


def test_cron_source_is_overdue_when_a_fire_time_passed_since_its_last_success():
    s = source(schedule="*/30 * * * *")
    assert first_run_time(s, NOW - timedelta(minutes=15), NOW) == NOW  # 12:00 passed since 11:55
    assert first_run_time(s, NOW - timedelta(minutes=5), NOW) is None  # ran 12:05, next 12:30


def test_cron_lines_are_read_in_utc():
    trigger = trigger_for(source(schedule="0 6 * * *"))
    assert trigger.get_next_fire_time(None, NOW) == datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def test_next_run_is_the_next_cron_slot_or_the_end_of_the_interval():
    assert next_run_estimate(source(schedule="*/30 * * * *"), NOW - timedelta(minutes=5), NOW) == \
        datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    assert next_run_estimate(source(interval_minutes=60), NOW - timedelta(minutes=20), NOW) == \
        NOW + timedelta(minutes=40)
    assert next_run_estimate(source(interval_minutes=60), None, NOW) == NOW  # never ran: due now
    assert next_run_estimate(source(interval_minutes=60), NOW - timedelta(hours=3), NOW) == NOW  # overdue
