"""When to fetch a known article again: often while it is young or just changed, then less, then never.

Pure policy, no database: scraper.storage.store calls `next_visit` for every stored
page and writes the result to `articles.next_visit_at`; a crawl of the
source then also requests its articles whose time has come, listed or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_MAX_AGE_DAYS = 3

# (while the article has been quiet for less than this, visit this often)
DEFAULT_STEPS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=6), timedelta(minutes=15)),
    (timedelta(days=2), timedelta(hours=1)),
)
DEFAULT_SLOW = timedelta(days=1)


@dataclass(frozen=True)
class RevisitPolicy:
    """How a source's articles are revisited; `max_age` None (or zero) means never."""

    max_age: timedelta | None = timedelta(days=DEFAULT_MAX_AGE_DAYS)
    steps: tuple[tuple[timedelta, timedelta], ...] = DEFAULT_STEPS
    slow: timedelta = DEFAULT_SLOW  # the interval once the article is quieter than every step


def policy_for(max_age_days: int) -> RevisitPolicy:
    """Return the default schedule up to `max_age_days` after the article was first seen (0: never)."""
    return RevisitPolicy(max_age=timedelta(days=max_age_days) if max_age_days > 0 else None)


DEFAULT_POLICY = policy_for(DEFAULT_MAX_AGE_DAYS)


def next_visit(first_seen: datetime, last_changed: datetime, now: datetime,
               policy: RevisitPolicy) -> datetime | None:
    """Return when to fetch the article next, or None when it is past the policy's max age.

    The interval follows how long the article has been quiet (since it last
    changed, or since it was first seen): every 15 minutes for the first 6
    hours, hourly up to 2 days, then daily. A revision makes it "young"
    again. Nothing is revisited later than `first_seen + max_age`: the last
    visit falls on that instant, after which the answer is None.
    """
    if policy.max_age is None or policy.max_age <= timedelta(0):
        return None
    deadline = first_seen + policy.max_age
    if now >= deadline:
        return None
    quiet = now - max(first_seen, last_changed)
    interval = next((every for upto, every in policy.steps if quiet < upto), policy.slow)
    return min(now + interval, deadline)
