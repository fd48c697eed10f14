"""Stories: grouping articles about the same event across sources and days, and deciding near-duplicates.

Pure: the database edge (`scraper.storage.linking`) fetches candidates, the
document frequencies and the vectors of candidate stories, and applies what
this module decides.

Method. An article is a vector of its event terms (`scraper.policy.terms`):
words and word pairs of title and body, names and the lead counting more,
each weighted by its rarity in the archive. A story is the centroid of its
articles' unit vectors (their normalised sum), so a new article is compared
with the story as a whole: one loose resemblance to a single member cannot
chain two events. The article joins the story with the highest score, the
cosine with its centroid less a time penalty (`decay` per ln(1 + days) between
the article and the story's nearest article), when that is at least the story
threshold; otherwise it starts a story. Follow-ups weeks later (an arrest, a
trial) join when they share enough of the names, since the penalty grows
slowly; nothing farther than `window` is looked at.

When an article scores above the threshold with two stories, and the two
centroids (the article included in the first) are alike enough (`merge`),
later coverage has shown them to be one event: the younger story is merged
into the older one (the edge records `stories.merged_into`).

Candidates are found by *key terms*: each article's `KEY_TERMS` heaviest
terms are indexed with its event time; a new article looks its own key terms
up within the window, a bounded number of rows per term, so the work per
article does not grow with the archive.

A near-duplicate (see `scraper.policy.dedup`) always joins its original's
story. An article with no usable body (missing, a stub, or in a script the
tokenizer does not split into words) is placed by its title words alone and
never through body text, so template text (a paywall notice) cannot join
stories.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from scraper.policy import dedup
from scraper.policy.terms import STOPWORDS, Rarity, Terms

KEY_TERMS = 12  # terms per article in the candidate index
SHORTLIST = 10  # candidate stories scored per article: those sharing the most key terms with it
CENTROID_TERMS = 400  # a story keeps its heaviest terms: enough to tell it apart, bounded to read


@dataclass(frozen=True)
class Thresholds:
    """The knobs of linking; defaults come from the settings (SCRAPER_DEDUP_THRESHOLD, ...)."""

    duplicate: float = 0.5  # estimated Jaccard of body shingles at which a body is a copy
    # Chosen on the first halves in time of stories-dev (scripts/tune_stories.py): the best mean
    # B-cubed F1 of its two subsets with B-cubed precision at least 0.95 on both.
    story: float = 0.08  # score (cosine with the story centroid less the time penalty) to join a story
    decay: float = 0.06  # time penalty per ln(1 + days) between the article and the story
    window: timedelta = timedelta(days=180)  # how far apart in time two articles of one story may be
    merge: float = 0.45  # cosine of two story centroids from which an article bridging them merges them
    crowded: int = 8  # rows read per key term: a term with more is common, the newest suffice


@dataclass(frozen=True)
class Vector:
    """A sparse vector over term hashes: sorted distinct hashes and their weights."""

    hashes: np.ndarray  # uint32, sorted, distinct
    weights: np.ndarray  # float64

    def norm(self) -> float:
        """Return the Euclidean length of the vector."""
        return float(np.sqrt(np.dot(self.weights, self.weights)))

    def unit(self) -> Vector:
        """Return the vector scaled to length 1 (itself when empty)."""
        n = self.norm()
        return Vector(self.hashes, self.weights / n) if n else self


EMPTY = Vector(np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.float64))


def vector_bytes(vector: Vector) -> bytes:
    """Return a vector packed for storage: uint32 hashes then float32 weights, little-endian."""
    return vector.hashes.astype("<u4").tobytes() + vector.weights.astype("<f4").tobytes()


def vector_from_bytes(data: bytes | memoryview | None) -> Vector:
    """Return the vector stored by `vector_bytes` (EMPTY for None)."""
    if data is None:
        return EMPTY
    raw = bytes(data)
    n = len(raw) // 8
    return Vector(np.frombuffer(raw, dtype="<u4", count=n).astype(np.uint32),
                  np.frombuffer(raw, dtype="<f4", count=n, offset=4 * n).astype(np.float64))


SOURCE_PRIOR = 5.0  # a source's template words are known after a few of its articles


def weigh(terms: Terms, rarity: Rarity, own: Rarity | None = None) -> Vector:
    """Return an article's unit vector: damped counts times the mean rarity of each term's words.

    With `own` (the frequencies among the article's source's articles), a word
    is also discounted by the share of that source's articles holding it: a
    station's name, its sign-off and its stock phrases are its template, not the event.
    """
    if terms.hashes.size == 0:
        return EMPTY
    words = terms.words
    idf = rarity.idf(words)
    if own is not None:
        idf = idf * (1.0 - own.share(words, SOURCE_PRIOR))
    first = idf[np.searchsorted(words, terms.first)]
    second = idf[np.searchsorted(words, terms.second)]
    return Vector(terms.hashes, terms.counts.astype(np.float64) * (first + second) / 2).unit()


def total(vectors: Iterable[Vector]) -> Vector:
    """Return the sum of vectors."""
    vs = [v for v in vectors if v.hashes.size]
    if not vs:
        return EMPTY
    if len(vs) == 1:
        return vs[0]
    hashes, inverse = np.unique(np.concatenate([v.hashes for v in vs]), return_inverse=True)
    return Vector(hashes, np.bincount(inverse, weights=np.concatenate([v.weights for v in vs])))


def cosine(a: Vector, b: Vector) -> float:
    """Return the cosine of two vectors (0.0 when either is empty)."""
    if a.hashes.size == 0 or b.hashes.size == 0:
        return 0.0
    _, ia, ib = np.intersect1d(a.hashes, b.hashes, assume_unique=True, return_indices=True)
    dot = float(np.dot(a.weights[ia], b.weights[ib]))
    return dot / (a.norm() * b.norm()) if dot else 0.0


def key_terms(vector: Vector, n: int = KEY_TERMS) -> list[int]:
    """Return the hashes of the `n` heaviest terms of a vector, the article's entries in the candidate index."""
    if vector.hashes.size <= n:
        return sorted(int(h) for h in vector.hashes)
    top = np.argpartition(-vector.weights, n - 1)[:n]
    return sorted(int(h) for h in vector.hashes[top])


def shortlist(hits: Iterable[int], n: int | None = None) -> list[int]:
    """Return the `n` story ids named most often among `hits` (one per shared key term), most first.

    A story of the same event shares several of an article's heaviest terms, a
    chance candidate one: scoring only the most named keeps the work per
    article bounded however many articles hold one of its words.
    """
    n = SHORTLIST if n is None else n
    votes: dict[int, int] = {}
    for sid in hits:
        votes[sid] = votes.get(sid, 0) + 1
    return sorted(votes, key=lambda sid: (-votes[sid], -sid))[:n]


@dataclass(frozen=True)
class Story:
    """A story as placement sees it: its centroid (sum of member unit vectors) and time span."""

    story_id: int
    centroid: Vector
    first_at: datetime
    last_at: datetime
    size: int

    def add(self, vector: Vector, at: datetime) -> Story:
        """Return the story with one more article."""
        return Story(self.story_id, truncate(total([self.centroid, vector])), min(self.first_at, at),
                     max(self.last_at, at), self.size + 1)

    def revise(self, old: Vector, new: Vector) -> Story:
        """Return the story with one article's old vector replaced by its new one."""
        minus = Vector(old.hashes, -old.weights)
        return Story(self.story_id, truncate(total([self.centroid, minus, new])), self.first_at,
                     self.last_at, self.size)

    def absorb(self, other: Story) -> Story:
        """Return this story merged with `other` (this one's id kept)."""
        return Story(self.story_id, truncate(total([self.centroid, other.centroid])),
                     min(self.first_at, other.first_at), max(self.last_at, other.last_at), self.size + other.size)


def truncate(vector: Vector, n: int = CENTROID_TERMS) -> Vector:
    """Return the vector restricted to its `n` heaviest terms."""
    if vector.hashes.size <= n:
        return vector
    keep = np.sort(np.argpartition(-vector.weights, n - 1)[:n])
    return Vector(vector.hashes[keep], vector.weights[keep])


def story_of(story_id: int, members: Sequence[tuple[Vector, datetime]]) -> Story:
    """Return the Story of `members` (unit vector and event time of each article)."""
    times = [at for _, at in members]
    return Story(story_id, truncate(total(v for v, _ in members)), min(times), max(times), len(members))


def days_apart(at: datetime, story: Story) -> float:
    """Return how many days `at` lies outside the story's span (0 inside it)."""
    gap = max(story.first_at - at, at - story.last_at, timedelta(0))
    return gap.total_seconds() / 86400


def score(vector: Vector, at: datetime, story: Story, thresholds: Thresholds) -> float:
    """Return how well an article fits a story: centroid cosine less the time penalty (-1 beyond the window)."""
    days = days_apart(at, story)
    if days > thresholds.window.total_seconds() / 86400:
        return -1.0
    return affinity(vector, story) - thresholds.decay * math.log1p(days)


COHERENCE = 0.25  # a story whose articles are less alike than this on average gets no more credit


def affinity(vector: Vector, story: Story) -> float:
    """Return the cosine of a unit vector with the story's centroid, its credit capped for a loose story.

    The centroid's length says how alike the story's articles are: |S|^2 / n^2
    is their mean pairwise cosine (self-pairs included). The cosine with the
    centroid is the mean cosine with the articles over the square root of that,
    so a story of many loosely related articles (a city's weekend round-ups)
    would draw in ever more; below COHERENCE the divisor stays at n * sqrt(COHERENCE).
    """
    if vector.hashes.size == 0 or story.centroid.hashes.size == 0:
        return 0.0
    _, ia, ib = np.intersect1d(vector.hashes, story.centroid.hashes, assume_unique=True, return_indices=True)
    dot = float(np.dot(vector.weights[ia], story.centroid.weights[ib]))
    return dot / max(story.centroid.norm(), story.size * math.sqrt(COHERENCE)) if dot else 0.0


@dataclass(frozen=True)
class Placement:
    """Which story an article joins (None: a new one), its score, and the stories its arrival merges into it."""

    story_id: int | None
    score: float
    merged: tuple[int, ...] = ()


def place(vector: Vector, at: datetime, candidates: Iterable[Story], thresholds: Thresholds) -> Placement:
    """Return the story an article joins, and the other stories it shows to be the same event."""
    fits = sorted(((score(vector, at, s, thresholds), s) for s in candidates),
                  key=lambda f: (-f[0], f[1].first_at, f[1].story_id))
    fits = [(sc, s) for sc, s in fits if sc >= thresholds.story]
    if not fits:
        return Placement(None, 0.0)
    best = fits[0][1].add(vector, at)
    merged = tuple(s.story_id for _, s in fits[1:] if cosine(best.centroid, s.centroid) >= thresholds.merge)
    return Placement(fits[0][1].story_id, fits[0][0], merged)


@dataclass(frozen=True)
class Linked:
    """An article as copy detection sees it: its body fingerprint, times and (once decided) its links."""

    article_id: int
    source: str
    title: str
    first_seen_at: datetime
    event_at: datetime  # publication time if known (not after first_seen_at), else first_seen_at
    body_signature: np.ndarray | None
    story_id: int | None = None
    duplicate_of: int | None = None


@dataclass(frozen=True)
class Decision:
    """The original an article copies (if any) and the story that gives it, and the copies it adopts."""

    duplicate_of: int | None
    story_id: int | None
    similarity: float  # of the copy match that decided, 0.0 when the article is no copy
    adopted: tuple[int, ...] = ()  # later-seen originals that become copies of this article (see decide)


def title_words(title: str) -> frozenset[str]:
    """Return the content words of a title, case-folded."""
    return frozenset(t for t in dedup.tokens(title) if len(t) >= 3 and t not in STOPWORDS and not t.isdigit())


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
    if new.source == other.source and dedup.exact_jaccard(title_words(new.title), title_words(other.title)) < 0.5:
        return 0.0
    return sim


def decide(new: Linked, candidates: Iterable[Linked], thresholds: Thresholds) -> Decision:
    """Return the original `new` copies (the earliest matching one) and its story, and the copies it adopts.

    No copy: story_id None, placed by `place` instead.

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
