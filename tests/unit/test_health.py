"""Source health: the counts that show a site's layout change broke extraction, turned into flags."""

from __future__ import annotations

from scraper.policy.health import RunOutcome, assess

GOOD = RunOutcome("succeeded", 40, 30)
EMPTY = RunOutcome("succeeded", 40, 0)
FAILED = RunOutcome("failed", 0, 0)


def test_a_healthy_source_has_no_flags():
    health = assess("s", articles=50, empty_body=1, no_date=10, no_title=0, runs=(GOOD, GOOD, EMPTY))
    assert health.ok and health.summary() == "ok"


def test_empty_bodies_missing_titles_and_dates_past_their_share_are_flagged():
    health = assess("s", articles=20, empty_body=5, no_date=11, no_title=5)
    assert health.flags == ("empty body in 25% of 20 recent articles", "no title in 25% of 20 recent articles",
                            "no date in 55% of 20 recent articles")


def test_a_handful_of_articles_is_too_few_to_judge_shares():
    assert assess("s", articles=4, empty_body=4, no_date=4, no_title=4).ok


def test_three_runs_in_a_row_storing_nothing_or_failing_are_flagged_but_not_older_ones():
    assert "stored no article" in assess("s", runs=(EMPTY, EMPTY, EMPTY, GOOD)).summary()
    assert "the last 3 runs failed" in assess("s", runs=(FAILED, FAILED, FAILED)).summary()
    assert assess("s", runs=(GOOD, EMPTY, EMPTY, EMPTY)).ok  # it recovered
    assert assess("s", runs=(FAILED, EMPTY, FAILED)).ok  # mixed: neither streak
