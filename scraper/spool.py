"""The durable spool: fetched and extracted pages wait here until the database has them.

A page is appended (and committed to disk) before it is written to
PostgreSQL, and deleted only after the PostgreSQL transaction that stored it
committed. So a database outage or a crash between fetch and store loses
nothing: the rows stay and are stored later, by the same crawl when the
database is back, or by the next crawl of any source. Storing a page twice
(a crash after the PostgreSQL commit but before the delete) is a no-op in
the store (same version, same sightings), which makes the whole exactly-once.

Storage is stdlib sqlite3 in WAL mode with synchronous=FULL: transactional,
safe against kill -9 and power loss, shared by the crawl processes of one
data folder. Rows are claimed by the pid of the crawl process that stores
them; rows of a process that is gone are free for the next one.
No Scrapy or PostgreSQL here: the format is plain JSON of FetchedPage.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scraper.extraction.model import Article, Headline
from scraper.store import FetchedPage

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL,   -- the crawl run that fetched the page
    owner INTEGER,             -- pid of the process storing it; NULL or a dead pid: free
    page TEXT NOT NULL         -- FetchedPage as JSON (see encode_page)
)
"""


def encode_page(page: FetchedPage) -> str:
    """Return `page` as a JSON string (datetimes in ISO 8601 with their offset)."""
    data = asdict(page)
    data["fetched_at"] = page.fetched_at.isoformat()
    art = data["article"]
    art["published_at"] = page.article.published_at.isoformat() if page.article.published_at else None
    return json.dumps(data, ensure_ascii=False)


def decode_page(text: str) -> FetchedPage:
    """Return the FetchedPage that encode_page turned into `text`."""
    data = json.loads(text)
    art: dict[str, Any] = data["article"]
    art["published_at"] = datetime.fromisoformat(art["published_at"]) if art["published_at"] else None
    art["authors"] = tuple(art["authors"])
    art["headlines"] = tuple(Headline(**h) for h in art["headlines"])
    data["article"] = Article(**art)
    data["fetched_at"] = datetime.fromisoformat(data["fetched_at"])
    return FetchedPage(**data)


@dataclass(frozen=True)
class Spooled:
    """One spooled page with its row id and the run that fetched it."""

    id: int
    run_id: int
    page: FetchedPage


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Spool:
    """The spool of one data folder (`DIR/spool/pages.sqlite3`), used by one process."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "pages.sqlite3"
        self.pid = os.getpid()
        # isolation_level None: explicit BEGIN IMMEDIATE ... COMMIT, so claims never interleave
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(SCHEMA)

    def close(self) -> None:
        """Close the file; rows still claimed by this pid become free when the process exits."""
        self.db.close()

    def append(self, run_id: int, page: FetchedPage) -> int:
        """Durably add `page`, claimed by this process; return its row id."""
        cur = self.db.execute("INSERT INTO pages (run_id, owner, page) VALUES (?, ?, ?)",
                              (run_id, self.pid, encode_page(page)))
        return int(cur.lastrowid or 0)

    def claim_orphans(self) -> int:
        """Claim rows left by processes that are gone (crashed, or ended while the database was down)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            owners = [o for (o,) in self.db.execute("SELECT DISTINCT owner FROM pages WHERE owner != ?",
                                                    (self.pid,))]
            dead = [o for o in owners if o is None or not _alive(o)]
            claimed = 0
            for owner in dead:
                where = "owner IS NULL" if owner is None else "owner = ?"
                args = () if owner is None else (owner,)
                claimed += self.db.execute(f"UPDATE pages SET owner = ? WHERE {where}",
                                           (self.pid, *args)).rowcount
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return claimed

    def batch(self, limit: int) -> list[Spooled]:
        """Return up to `limit` of this process's rows, oldest first."""
        rows = self.db.execute("SELECT id, run_id, page FROM pages WHERE owner = ? ORDER BY id LIMIT ?",
                               (self.pid, limit)).fetchall()
        return [Spooled(i, r, decode_page(p)) for i, r, p in rows]

    def remove(self, ids: list[int]) -> None:
        """Delete rows `ids` (call only after their PostgreSQL transaction committed)."""
        if ids:
            marks = ",".join("?" * len(ids))
            self.db.execute(f"DELETE FROM pages WHERE id IN ({marks})", ids)

    def count(self, mine: bool = True) -> int:
        """Return how many rows this process holds (or, with mine=False, the whole spool holds)."""
        if mine:
            return int(self.db.execute("SELECT count(*) FROM pages WHERE owner = ?", (self.pid,)).fetchone()[0])
        return int(self.db.execute("SELECT count(*) FROM pages").fetchone()[0])
