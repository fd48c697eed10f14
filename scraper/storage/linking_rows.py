"""The rows linking writes and reads, one NamedTuple per batch statement of db/queries.sql.

Each field is one array parameter of its statement (see `scraper.storage.db.execute_rows`).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class StoryRow(NamedTuple):
    """A new (or, during a relink, revived) story (insert_stories)."""

    id: int
    title: str


class BandRow(NamedTuple):
    """One LSH band key of an article's body (dedup_bands)."""

    band_key: int
    article_id: int


class KeyRow(NamedTuple):
    """One key term of an article at its event time (story_keys)."""

    term: int
    event_at: datetime
    article_id: int


class KeyRef(NamedTuple):
    """One key term of an article, to delete (delete_story_keys)."""

    term: int
    article_id: int


class TermRow(NamedTuple):
    """Articles new to linking that hold a word (count_terms)."""

    term: int
    articles: int


class SourceTermRow(NamedTuple):
    """Articles of a source new to linking that hold a word (count_source_terms)."""

    source: str
    term: int
    articles: int


class SourceRow(NamedTuple):
    """Articles of a source new to linking (count_source_articles)."""

    source: str
    articles: int


class CentroidRow(NamedTuple):
    """A live story's centroid and span (story_centroids)."""

    story_id: int
    centroid: bytes
    first_event_at: datetime
    last_event_at: datetime
    articles: int


class MergeRow(NamedTuple):
    """A story merged into another (merge_stories)."""

    gone: int
    kept: int


class FingerprintRow(NamedTuple):
    """What linking keeps of an article (article_fingerprints)."""

    article_id: int
    body_signature: bytes | None
    story_vector: bytes | None
    shingle_count: int
    event_at: datetime


class LinkRow(NamedTuple):
    """An article's story and original (set_article_links)."""

    id: int
    story_id: int | None
    duplicate_of: int | None


class AdoptionRow(NamedTuple):
    """An original that became the copy of an earlier one, with its copies (adopt_copies)."""

    old: int
    original: int
    story_id: int
