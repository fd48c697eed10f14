"""What the ops page, the API and /metrics read beyond crawl runs: articles and totals."""

from __future__ import annotations

from typing import Any

from scraper.storage.db import dicts, query, transaction


def latest_articles(conn: Any, limit: int = 20, source: str | None = None) -> list[dict[str, Any]]:
    """Return the latest stored articles, newest first, with the sidebar headlines of their last fetch."""
    with transaction(conn, "reading the latest articles") as cur:
        cur.execute(query("latest_articles"), {"limit": limit, "source": source})
        return dicts(cur)


def run_totals(conn: Any) -> list[tuple[Any, ...]]:
    """Return (source, status, runs, pages, new, updated, unchanged, errors, last finished) per source and status."""
    with transaction(conn, "reading run totals") as cur:
        cur.execute(query("run_totals"))
        return list(cur.fetchall())


def article_totals(conn: Any) -> list[tuple[str, int]]:
    """Return (source, articles stored) per source."""
    with transaction(conn, "reading article totals") as cur:
        cur.execute(query("article_totals"))
        return list(cur.fetchall())
