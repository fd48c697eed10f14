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
data folder. Rows are claimed by an owner token of the crawl process that
stores them; the process holds an flock on `owners/<token>.lock` while it
lives, which the kernel drops when it dies (also on kill -9), so the rows of
a process that is gone are free for the next one. (Not pids: they are reused,
within minutes on a busy machine.)
No Scrapy or PostgreSQL here: the format is plain JSON of FetchedPage.

The pages this process appended are also kept in memory (up to HELD_MAX), so
the usual path, append then store a moment later, never decodes the JSON
again: only pages taken over from other processes, or left over from a
long outage, are read back from disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import secrets
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from scraper.extraction.model import Article, Headline
from scraper.storage.pages import FetchedPage

HELD_MAX = 500  # pages kept decoded in memory; beyond that (a long outage) they wait on disk only

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL,   -- the crawl run that fetched the page
    owner TEXT NOT NULL,       -- token of the process storing it (see Spool)
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
    data["aliases"] = tuple(data.get("aliases") or ())
    return FetchedPage(**data)


@dataclass(frozen=True)
class Spooled:
    """One spooled page with its row id and the run that fetched it."""

    id: int
    run_id: int
    page: FetchedPage


class Spool:
    """The spool of one data folder (`DIR/spool/pages.sqlite3`), used by one process."""

    def __init__(self, directory: Path) -> None:
        self.owners = directory / "owners"
        self.owners.mkdir(parents=True, exist_ok=True)
        self.path = directory / "pages.sqlite3"
        self.owner = "o" + secrets.token_hex(8)
        self._held: dict[int, FetchedPage] = {}  # row id -> the page as appended by this process
        self._lock = open(self.owners / f"{self.owner}.lock", "w")  # noqa: SIM115 - held while we live
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # isolation_level None: explicit BEGIN IMMEDIATE ... COMMIT, so claims never interleave
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(SCHEMA)

    def close(self) -> None:
        """Close the file and let go of the owner token: rows still ours are anyone's from now on."""
        self.db.close()
        self._lock.close()
        with contextlib.suppress(FileNotFoundError):
            (self.owners / f"{self.owner}.lock").unlink()

    def _alive(self, owner: str) -> bool:
        """Return True while the process of `owner` holds its lock file."""
        try:
            with open(self.owners / f"{owner}.lock", "a") as file:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except FileNotFoundError:
            return False
        except BlockingIOError:
            return True
        (self.owners / f"{owner}.lock").unlink(missing_ok=True)  # dead: its lock file goes too
        return False

    def append(self, run_id: int, page: FetchedPage) -> int:
        """Durably add `page`, claimed by this process; return its row id."""
        cur = self.db.execute("INSERT INTO pages (run_id, owner, page) VALUES (?, ?, ?)",
                              (run_id, self.owner, encode_page(page)))
        row_id = int(cur.lastrowid or 0)
        if len(self._held) < HELD_MAX:
            self._held[row_id] = page
        return row_id

    def claim_orphans(self) -> int:
        """Claim rows left by processes that are gone (crashed, or ended while the database was down)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            owners = [o for (o,) in self.db.execute("SELECT DISTINCT owner FROM pages WHERE owner != ?",
                                                    (self.owner,))]
            claimed = 0
            for owner in owners:
                if not self._alive(owner):
                    claimed += self.db.execute("UPDATE pages SET owner = ? WHERE owner = ?",
                                               (self.owner, owner)).rowcount
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return claimed

    def batch(self, limit: int) -> list[Spooled]:
        """Return up to `limit` of this process's rows, oldest first."""
        rows = self.db.execute("SELECT id, run_id FROM pages WHERE owner = ? ORDER BY id LIMIT ?",
                               (self.owner, limit)).fetchall()
        missing = [i for i, _ in rows if i not in self._held]
        texts: dict[int, str] = {}
        if missing:
            marks = ",".join("?" * len(missing))
            texts = dict(self.db.execute(f"SELECT id, page FROM pages WHERE id IN ({marks})", missing))
        return [Spooled(i, r, self._held[i] if i in self._held else decode_page(texts[i])) for i, r in rows]

    def remove(self, ids: list[int]) -> None:
        """Delete rows `ids` (call only after their PostgreSQL transaction committed)."""
        if ids:
            marks = ",".join("?" * len(ids))
            self.db.execute(f"DELETE FROM pages WHERE id IN ({marks})", ids)
            for row_id in ids:
                self._held.pop(row_id, None)

    def count(self) -> int:
        """Return how many rows this process holds."""
        return int(self.db.execute("SELECT count(*) FROM pages WHERE owner = ?", (self.owner,)).fetchone()[0])
