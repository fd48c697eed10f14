"""Stories, the pure part: event terms, rarity weights, placement against story centroids, merges, bad input."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.policy import stories, terms
from scraper.policy.stories import Story, Thresholds
from tests.newssite.content import paragraphs
from tests.newssite.syndication import follow_up, real_articles
from tests.unit.test_dedup import CHINESE_ECONOMY, CHINESE_FLOODS, PAYWALL, seed

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def archive() -> list[tuple[str, str]]:
    """Return (title, body) of the real articles the tests use as the archive."""
    return [(title, "\n\n".join(paras)) for title, paras in real_articles()]


def rarity(extra: list[tuple[str, str]] = ()) -> terms.Rarity:  # type: ignore[assignment]
    """Return the document frequencies of the archive (and `extra` articles)."""
    ts = [terms.event_terms(t, b) for t, b in [*archive(), *extra]]
    return terms.Rarity(terms.document_words(ts), len(ts))


def vec(title: str, body: str, r: terms.Rarity) -> stories.Vector:
    """Return an article's unit vector."""
    return stories.weigh(terms.event_terms(title, body), r)


def story(sid: int, *members: tuple[stories.Vector, float]) -> Story:
    """Return a story of (vector, hours after T0) members."""
    return stories.story_of(sid, [(v, T0 + timedelta(hours=h)) for v, h in members])


def test_names_count_more_than_common_words_and_rare_words_more_than_frequent_ones():
    t = terms.body_terms("Police said a man was shot on Tuesday. Officers found Darnell Hayes near the park. "
                         "The man was taken to a hospital where he was treated for a wound to the leg, "
                         "police said, and the shooting remains under investigation by detectives today.")
    assert t["darnell"] > t["officers"]  # a name inside a sentence, both in the lead
    assert t["police"] == 2 * terms.LEAD_WEIGHT  # "Police" opens a sentence: not a name
    r = terms.Rarity({terms.term_hash("shot"): 90, terms.term_hash("englewood"): 1}, 100)
    idf = r.idf(np.array([terms.term_hash("shot"), terms.term_hash("englewood")], dtype=np.uint32))
    assert idf[1] > 2 * idf[0]


def test_terms_survive_storage():
    title, paras = seed()
    t = terms.event_terms(title, "\n\n".join(paras))
    again = terms.terms_from_bytes(terms.terms_bytes(t))
    for field in ("hashes", "counts", "first", "second"):
        assert np.array_equal(getattr(t, field), getattr(again, field))
    assert not again.title_only and terms.terms_from_bytes(terms.terms_bytes(terms.event_terms("A b", ""))).title_only


def test_a_follow_up_days_later_joins_the_story_and_one_beyond_the_window_does_not():
    title, paras = seed()
    later = list(paragraphs(random.Random(9)))
    new_title, new_paras = follow_up(title, paras, later, random.Random(9))
    r = rarity()
    s = story(10, (vec(title, "\n\n".join(paras), r), 0))
    follow = vec(new_title, "\n\n".join(new_paras), r)
    placed = stories.place(follow, T0 + timedelta(hours=30), [s], Thresholds())
    assert placed.story_id == 10 and placed.score >= Thresholds().story
    too_late = T0 + Thresholds().window + timedelta(days=1)
    assert stories.place(follow, too_late, [s], Thresholds()).story_id is None
    # the penalty grows with time: the same text fits less well a month later than a day later
    assert stories.score(follow, T0 + timedelta(days=30), s, Thresholds()) < stories.score(
        follow, T0 + timedelta(days=1), s, Thresholds())


def test_unrelated_real_articles_each_start_their_own_story():
    r = rarity()
    known: list[Story] = []
    for i, (title, body) in enumerate(archive()):
        v = vec(title, body, r)
        assert stories.place(v, T0 + timedelta(hours=i), known, Thresholds()).story_id is None, title
        known.append(story(100 + i, (v, i)))


def test_an_article_is_compared_with_the_story_as_a_whole_so_one_loose_link_cannot_chain_events():
    (t1, b1), (t2, b2), (t3, b3) = archive()[:3]
    r = rarity()
    a, b, c = vec(t1, b1, r), vec(t2, b2, r), vec(t3, b3, r)
    # a bridge: half of article b's text, half of c's: close to b alone, far from the story {a, b}
    bridge = stories.Vector(*_half_and_half(b, c))
    two_events = story(1, (a, 0), (b, 1))
    assert stories.cosine(bridge, two_events.centroid) < stories.cosine(bridge, b)
    th = Thresholds(story=(stories.cosine(bridge, two_events.centroid) + stories.cosine(bridge, b)) / 2)
    assert stories.place(bridge, T0, [story(2, (b, 1))], th).story_id == 2
    assert stories.place(bridge, T0, [two_events], th).story_id is None


def _half_and_half(x: stories.Vector, y: stories.Vector) -> tuple[np.ndarray, np.ndarray]:
    """Return the hashes and weights of the normalised sum of two vectors."""
    both = stories.total([x, y]).unit()
    return both.hashes, both.weights


def test_an_article_fitting_two_stories_of_one_event_merges_them_into_the_older():
    title, paras = seed()
    r = rarity()
    body = "\n\n".join(paras)
    first_half, second_half = "\n\n".join(paras[: len(paras) // 2]), "\n\n".join(paras[len(paras) // 2:])
    older = story(5, (vec(title, first_half, r), 0))
    younger = story(9, (vec(title, second_half, r), 2))
    whole = vec(title, body, r)
    placed = stories.place(whole, T0 + timedelta(hours=3), [younger, older], Thresholds(merge=0.3))
    assert placed.story_id in (5, 9)
    assert placed.merged == tuple({5, 9} - {placed.story_id})
    assert stories.place(whole, T0, [younger, older], Thresholds(merge=1.01)).merged == ()
    merged = older.absorb(younger)
    assert (merged.story_id, merged.size, merged.first_at) == (5, 2, T0)


def test_bodies_without_usable_words_are_placed_by_their_title_alone():
    for body in ("", PAYWALL, "Photo: Reuters", CHINESE_ECONOMY):
        t = terms.event_terms("Harbour council approves budget", body)
        assert t.title_only, body[:20]
        assert set(t.hashes.tolist()) == set(terms.event_terms("Harbour council approves budget", "").hashes.tolist())
    r = rarity()
    # one paywall notice under unrelated titles: nothing in common, no story
    a, b = vec("Harbour council approves budget", PAYWALL, r), vec("Striking teachers return to work", PAYWALL, r)
    assert stories.place(b, T0, [story(1, (a, 0))], Thresholds()).story_id is None
    # Chinese bodies, unrelated titles: no story on shared characters of the bodies
    zh_a, zh_b = vec("经济增长放缓", CHINESE_ECONOMY, r), vec("南方洪涝灾害", CHINESE_FLOODS, r)
    assert stories.cosine(zh_a, zh_b) == 0.0
    # the same headline without a body still finds its story
    title, paras = seed()
    s = story(3, (vec(title, "\n\n".join(paras), r), 0))
    assert stories.place(vec(title, "", r), T0 + timedelta(hours=1), [s], Thresholds()).story_id == 3


def test_key_terms_are_the_heaviest_terms():
    v = stories.Vector(np.arange(30, dtype=np.uint32), np.linspace(0.1, 3.0, 30))
    assert stories.key_terms(v, 3) == [27, 28, 29]
    assert stories.key_terms(stories.EMPTY) == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.text(max_size=60))
def test_any_text_gives_valid_terms_and_a_unit_or_empty_vector(body, title):
    t = terms.event_terms(title, body)
    v = stories.weigh(t, terms.Rarity({}, 0))
    assert v.hashes.size == 0 or abs(v.norm() - 1.0) < 1e-6
    assert np.all(np.diff(t.hashes.astype(np.int64)) > 0)


def test_a_sources_stock_words_count_less_in_its_own_articles():
    title = "Man shot on Elm Street - KSLA News 12 Shreveport"
    body = ("Police said a man was shot on Elm Street late on Tuesday near the corner store. " * 3
            + "Copyright 2016 KSLA. All rights reserved. Follow KSLA News 12 Shreveport on social media.")
    t = terms.event_terms(title, body)
    r = rarity()
    ksla = terms.term_hash("ksla")
    own = terms.Rarity({ksla: 40}, 40)  # every article of this source says "KSLA"
    plain, discounted = stories.weigh(t, r), stories.weigh(t, r, own)
    weight = {int(h): w for h, w in zip(plain.hashes, plain.weights, strict=True)}
    less = {int(h): w for h, w in zip(discounted.hashes, discounted.weights, strict=True)}
    elm = terms.term_hash("elm")
    assert less[ksla] / less[elm] < 0.2 * weight[ksla] / weight[elm]
