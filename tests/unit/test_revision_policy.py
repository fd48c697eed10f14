"""Content fingerprint, change description and revisit policy: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.policy.revisions import content_fingerprint, describe_change, is_volatile_line
from scraper.policy.revisit import RevisitPolicy, next_visit, policy_for

TITLE = "Talks on the Rail Project Stall as Unions Walk Out"
BODY = ("Negotiations over the rail project broke down on Tuesday after union representatives left the room.\n\n"
        "\u201cWe have listened, and we will act,\u201d the minister said at a packed meeting in Riverton.\n\n"
        "Read more at https://news.example/rail/talks?id=4 about the project.")


@pytest.mark.parametrize("noisy", [
    BODY.replace(" ", "  ").replace("\n\n", "\n \n"),                      # white space
    BODY.replace("rail project", "rail\u00a0project"),                     # NBSP
    BODY.replace("Negotiations", "Nego\u00adtia\u200btions\u200d"),        # soft hyphen, zero-width
    "\ufeff" + BODY.replace("Tuesday", "Tues\u2060day"),                   # BOM, word joiner
    BODY.replace("\u201c", '"').replace("\u201d", '"'),                    # straight quotes
    BODY.replace("?id=4", "?id=4&utm_source=newsletter&fbclid=x"),         # tracking in a written-out link
    "Updated 2 minutes ago\n\n" + BODY,
    "Updated 3 hours ago\n\n" + BODY,
    "Posted: about an hour ago\n\n" + BODY + "\n\nJust now",
    "Published 27 November 2026, 14:03 UTC\n\n" + BODY,
    "Updated Nov. 27, 2026 2:03 p.m. ET\n\n" + BODY,
    "2026-11-27T14:03:00Z\n\n" + BODY,
    BODY + "\n\n1.2K shares\n\nComments (34)\n\n12 comments",
    BODY + "\n\nSee all 1,304 comments",
    BODY + "\n\n5 min read",
])
def test_cosmetic_changes_keep_the_fingerprint(noisy):
    assert content_fingerprint(TITLE, noisy) == content_fingerprint(TITLE, BODY)


@pytest.mark.parametrize("title, body", [
    (TITLE, BODY.replace("Tuesday", "Wednesday")),
    (TITLE, BODY + "\n\nCorrection: an earlier version misstated the date."),
    (TITLE, BODY.replace("Riverton", "Lowmoor")),
    (TITLE + " Again", BODY),
    (TITLE, BODY + "\n\nThe vote is set for 3 March."),           # a sentence with a date is prose
    (TITLE, BODY.replace("id=4", "id=5")),                         # a link to another page
])
def test_edits_change_the_fingerprint(title, body):
    assert content_fingerprint(title, body) != content_fingerprint(TITLE, BODY)


@pytest.mark.parametrize("line, volatile", [
    ("Updated 2 minutes ago", True), ("3 hours ago", True), ("an hour ago", True),
    ("Last updated: 14:03 GMT, Friday 27 November 2026", True), ("1.2K shares", True),
    ("Comments (34)", True), ("Share", False), ("The minister resigned 3 hours ago.", False),
    ("Three people died.", False), ("On Monday the council met for 4 hours.", False),
    ("Nov 27", True), ("", False),
])
def test_volatile_lines(line, volatile):
    assert is_volatile_line(line) is volatile


def test_a_relative_time_inside_a_sentence_is_ignored_but_the_sentence_is_not():
    a = content_fingerprint(TITLE, "The minister resigned 3 hours ago, aides said.")
    assert a == content_fingerprint(TITLE, "The minister resigned 5 hours ago, aides said.")
    assert a != content_fingerprint(TITLE, "The minister resigned 3 hours ago, nobody said.")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(max_size=400))
def test_fingerprint_never_raises_and_ignores_surrounding_white_space(title, body):
    assert content_fingerprint(title, body) == content_fingerprint(f" {title}\n", f"\n\n{body} \u00a0")


def test_describe_change_says_what_changed():
    change = describe_change(TITLE, BODY, TITLE, BODY + "\n\nCorrection: an earlier version misstated the date.")
    assert (change.title_changed, change.body_changed) == (False, True)
    assert (change.words_added, change.words_removed) == (7, 0)
    assert "Correction: an earlier version" in change.summary and "+7 -0" in change.summary
    change = describe_change(TITLE, BODY, "A New Title", BODY.replace("Tuesday", "Monday"))
    assert (change.title_changed, change.body_changed, change.words_added, change.words_removed) == (True, True, 1, 1)
    assert "-> 'A New Title'" in change.summary and "added 'Monday'" in change.summary
    cosmetic = describe_change(TITLE, BODY, TITLE, "Updated 1 minute ago\n\n" + BODY)
    assert (cosmetic.title_changed, cosmetic.body_changed, cosmetic.words_added) == (False, False, 0)


T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("age, interval", [
    (timedelta(0), timedelta(minutes=15)), (timedelta(hours=5, minutes=59), timedelta(minutes=15)),
    (timedelta(hours=6), timedelta(hours=1)), (timedelta(days=1, hours=23), timedelta(hours=1)),
    (timedelta(days=2), timedelta(days=1)),
])
def test_revisits_back_off_with_age(age, interval):
    policy = policy_for(7)
    assert next_visit(T0, T0, T0 + age, policy) == T0 + age + interval


def test_revisits_stop_at_the_max_age_with_a_last_visit_on_it():
    policy = policy_for(3)
    assert next_visit(T0, T0, T0 + timedelta(days=2, hours=12), policy) == T0 + timedelta(days=3)
    assert next_visit(T0, T0, T0 + timedelta(days=3), policy) is None
    assert next_visit(T0, T0, T0 + timedelta(days=30), policy) is None


def test_a_revision_makes_an_article_young_again():
    policy = policy_for(7)
    now = T0 + timedelta(days=3)
    assert next_visit(T0, now - timedelta(minutes=5), now, policy) == now + timedelta(minutes=15)


def test_zero_disables_revisits():
    assert policy_for(0) == RevisitPolicy(max_age=None)
    assert next_visit(T0, T0, T0, policy_for(0)) is None
    assert next_visit(T0, T0, T0, RevisitPolicy(max_age=timedelta(0))) is None


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 30), st.integers(0, 60 * 24 * 40), st.integers(0, 60 * 24 * 40))
def test_next_visit_is_in_the_future_and_never_past_the_max_age(days, changed_after, now_after):
    policy = policy_for(days)
    changed = T0 + timedelta(minutes=min(changed_after, now_after))
    now = T0 + timedelta(minutes=now_after)
    when = next_visit(T0, changed, now, policy)
    if days == 0 or now >= T0 + timedelta(days=days):
        assert when is None
    else:
        assert when is not None and now < when <= T0 + timedelta(days=days)
        assert when - now <= timedelta(days=1)


def test_the_invisible_character_class_is_every_unicode_format_character():
    import sys
    import unicodedata

    from scraper.policy.revisions import _INVISIBLE

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if _INVISIBLE.match(char):
            assert unicodedata.category(char) == "Cf", hex(code)
        elif code < 0x10000:  # later Unicode versions add format characters only in the astral planes
            assert unicodedata.category(char) != "Cf", hex(code)
