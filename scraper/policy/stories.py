"""Stories: grouping articles about the same event across sources and days, and deciding near-duplicates.

Pure: the database edge (`scraper.storage.linking`) fetches candidates through the LSH
indexes and applies the `Decision` this module returns.

Method. A story is found by what reporters repeat when they write about one
event: its names and key words, which sit in the headline and the first
paragraph (the "lead", news-writing's inverted pyramid). An article's *story
terms* are the content words of its title and of the first `LEAD_TOKENS`
tokens of its body (stop words and tokens shorter than three characters
dropped; character bigrams in scripts without spaces), plus adjacent pairs of
them, which are far more specific than single words ("steel plant"). Two
articles belong to one story when the exact Jaccard similarity of their
story-term sets (kept as sorted 32-bit hashes, so no body is re-read) is at
least the story threshold (default 0.12: on the labelled set of
`make bench-dedup` unrelated real articles stay under 0.04 in 99 % of pairs,
while follow-ups mostly score 0.1-0.3), their event times (publication, else
first fetch) lie within the story window (default 3 days), and their titles
share at least one content word (so two pages that share only boilerplate
never merge). A low threshold needs a loose LSH: one MinHash value per band,
32 bands, finds a pair at J = 0.12 with probability 0.98; the lookup is
restricted to the window, so the work per article depends on how much news
arrives in a window, not on the size of the archive.

A near-duplicate (see `scraper.policy.dedup`) always joins its original's story, so
copies are never counted as separate stories. A body too short to fingerprint
is judged on its title alone. Stories are single-link clusters: an article
joins the story of its most similar candidate; two stories are never merged
afterwards (`scraper relink` rebuilds everything when thresholds change).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np

from scraper.policy import dedup

STORY_PERM = 32
STORY_BANDS = 32  # one MinHash value per band: a pair at J = 0.12 is found with probability 0.98
LEAD_TOKENS = 60
MIN_TERMS = 4
# Function words of the languages most sources write in; they say nothing about the event.
STOPWORDS = frozenset("""
a an and are as at be been but by for from had has have he her his in into is it its of on or
our she that the their them there they this to was were which who will with would after before
over under about than then also more most new not now said says say just what when where why how
all any can could may might one two out up down you your we us le la les des du un une et est
dans pour par sur der die das und ist mit von den dem ein eine zu im el los las del por para con
""".split())


@dataclass(frozen=True)
class Thresholds:
    """The knobs of linking; defaults come from the settings (SCRAPER_DEDUP_THRESHOLD, ...)."""

    duplicate: float = 0.5  # estimated Jaccard of body shingles at which a body is a copy
    story: float = 0.12  # estimated Jaccard of story terms at which two articles share a story
    window: timedelta = timedelta(days=3)  # how far apart in time two articles of one story may be
    crowded: int = 50  # rows read per band key; a story key with more is a common word: ignored


@lru_cache(maxsize=8192)
def title_terms(title: str) -> frozenset[str]:
    """Return the content words of a title (character bigrams for scripts without spaces)."""
    return frozenset(_content_tokens(title))


def _content_tokens(text: str, limit: int | None = None) -> list[str]:
    """Return the content tokens of `text`, in order: no stop words, no tokens under 3 characters."""
    toks = dedup.tokens(text)
    if limit is not None:
        toks = toks[:limit]
    out: list[str] = []
    run = ""  # consecutive unspaced-script characters become overlapping bigrams
    for tok in toks + [""]:
        if tok and dedup.unspaced(tok):
            run += tok
            continue
        if run:
            out.extend(run[i:i + 2] for i in range(max(1, len(run) - 1)))
            run = ""
        if len(tok) >= 3 and tok not in STOPWORDS and not tok.isdigit():
            out.append(tok)
    return out


def story_terms(title: str, body: str, use_body: bool = True) -> set[str]:
    """Return the story terms of an article: content words of title and lead, and adjacent pairs of them."""
    words = _content_tokens(title) + (_content_tokens(body, LEAD_TOKENS) if use_body else [])
    pairs = {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    return set(words) | pairs


def story_hashes(title: str, body: str, use_body: bool = True) -> np.ndarray | None:
    """Return the story terms as sorted 32-bit hashes, or None when there are fewer than MIN_TERMS."""
    terms = story_terms(title, body, use_body)
    if len(terms) < MIN_TERMS:
        return None
    return dedup.term_hashes(terms)


def story_band_keys(hashes: np.ndarray | None) -> list[int]:
    """Return the story-LSH band keys (one MinHash value per band) of story-term hashes ([] for None)."""
    if hashes is None:
        return []
    return dedup.band_keys(dedup.minhash_hashes(hashes, STORY_PERM), STORY_BANDS, b"story")


@dataclass(frozen=True)
class Linked:
    """An article as linking sees it: its fingerprints, times and (once decided) its links."""

    article_id: int
    source: str
    title: str
    first_seen_at: datetime
    event_at: datetime  # publication time if known (not after first_seen_at), else first_seen_at
    body_signature: np.ndarray | None
    story_terms: np.ndarray | None  # sorted hashes of the story terms
    story_id: int | None = None
    duplicate_of: int | None = None


@dataclass(frozen=True)
class Decision:
    """Where an article belongs: the original it copies (if any) and the story it joins (None: a new one)."""

    duplicate_of: int | None
    story_id: int | None
    similarity: float  # of the match that decided, 0.0 for a new story
    adopted: tuple[int, ...] = ()  # later-seen originals that become copies of this article (see decide)


def event_time(published_at: datetime | None, first_seen_at: datetime) -> datetime:
    """Return when an article's event happened, as far as we know: publication, never after first fetch."""
    if published_at is None or published_at > first_seen_at:
        return first_seen_at
    return published_at


def is_copy(new: Linked, other: Linked, threshold: float) -> float:
    """Return the body similarity when `new` is a near-duplicate of `other`, else 0.0.

    Two pages of one source with unrelated titles are not copies even with one
    body: that is a site's template text (a paywall or consent stub), not a
    syndicated story.
    """
    if new.body_signature is None or other.body_signature is None:
        return 0.0
    sim = dedup.estimate_jaccard(new.body_signature, other.body_signature)
    if sim < threshold:
        return 0.0
    if new.source == other.source and dedup.exact_jaccard(title_terms(new.title), title_terms(other.title)) < 0.5:
        return 0.0
    return sim


def same_story(new: Linked, other: Linked, thresholds: Thresholds) -> float:
    """Return the story similarity when `new` belongs to `other`'s story, else 0.0."""
    if new.story_terms is None or other.story_terms is None:
        return 0.0
    if abs(new.event_at - other.event_at) > thresholds.window:
        return 0.0
    sim = dedup.hashes_jaccard(new.story_terms, other.story_terms)
    if sim < thresholds.story or not title_terms(new.title) & title_terms(other.title):
        return 0.0
    return sim


def decide(new: Linked, candidates: Iterable[Linked], thresholds: Thresholds) -> Decision:
    """Return the original `new` copies (the earliest matching one), the story it joins, and the copies it adopts.

    Only an article first seen earlier can be the original (so a revised
    original is never a copy of its copies). A near-duplicate first seen
    later but linked before `new` (two crawls racing) is an original in the
    wrong place: `new` adopts it, with its copies, and takes its story.
    """
    copies: list[tuple[datetime, int, Linked, float]] = []
    adopted: list[Linked] = []
    best: tuple[float, Linked] | None = None
    for other in candidates:
        if other.article_id == new.article_id:
            continue
        sim = 0.0 if other.duplicate_of == new.article_id else is_copy(new, other, thresholds.duplicate)
        if sim and (other.first_seen_at, other.article_id) < (new.first_seen_at, new.article_id):
            copies.append((other.first_seen_at, other.article_id, other, sim))
            continue
        if sim and other.duplicate_of is None:
            adopted.append(other)
        sim = sim or same_story(new, other, thresholds)
        if sim and other.story_id is not None and (best is None or sim > best[0]):
            best = (sim, other)
    if copies:
        _, _, original, sim = min(copies, key=lambda c: (c[0], c[1]))
        return Decision(original.duplicate_of or original.article_id, original.story_id, sim)
    adopt = tuple(sorted(a.article_id for a in adopted))
    if adopted:
        first = min(adopted, key=lambda a: (a.first_seen_at, a.article_id))
        return Decision(None, first.story_id, best[0] if best else 1.0, adopt)
    if best is not None:
        return Decision(None, best[1].story_id, best[0])
    return Decision(None, None, 0.0)
