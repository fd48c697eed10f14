"""Connecting, the embedded server, and error messages."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from scraper.errors import DatabaseError
from scraper.extraction.model import Article, Headline
from scraper.storage import db
from scraper.storage.store import FetchedPage, StoreCounts, store_pages


def test_a_failed_connection_says_where_and_what_to_do_on_one_line():
    with pytest.raises(DatabaseError) as failed:
        db.connect("postgresql://scraper:s3cret@127.0.0.1:1/news")
    message = str(failed.value)
    assert "\n" not in message and "s3cret" not in message
    assert message.startswith("cannot connect to PostgreSQL at postgresql://scraper:***@127.0.0.1:1/news: ")
    assert "check DATABASE_URL and that the server is running" in message


def test_driver_errors_become_database_errors(conn):
    with pytest.raises(DatabaseError, match=r"^counting failed: .*nowhere"):
        with db.transaction(conn, "counting") as cur:
            cur.execute("SELECT count(*) FROM nowhere")
    with db.transaction(conn, "counting") as cur:  # the connection is usable again
        cur.execute("SELECT 1")


def test_an_explicit_url_is_used_as_is(tmp_path):
    assert db.resolve_database_url("postgresql://u@h/db", tmp_path) == "postgresql://u@h/db"
    assert not (tmp_path / "pgdata").exists()


def test_the_embedded_server_is_started_shared_and_usable(embedded_dir):
    """Runs even when TEST_DATABASE_URL is set: the default set-up must keep working."""
    url = db.resolve_database_url(None, embedded_dir, cleanup_mode="delete")
    assert db.resolve_database_url("", embedded_dir) == url
    # A crawl child resolves the same server, quietly, and leaving does not stop it.
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    child = subprocess.run(
        [sys.executable, "-c", "import sys, pathlib; from scraper.storage import db; "
                               "print(db.resolve_database_url(None, pathlib.Path(sys.argv[1])))",
         str(embedded_dir)], capture_output=True, text=True, timeout=120, env=env)
    assert (child.returncode, child.stdout.strip(), child.stderr) == (0, url, "")

    conn = db.connect(url)
    try:
        assert db.migrate(conn) == [p.name for p in db.migration_files()]
        at = datetime(2026, 3, 1, tzinfo=UTC)
        article = Article(url="https://news.example/a", title="T", body="B",
                          headlines=(Headline("Other", "https://news.example/b"),))
        fetched = FetchedPage("example", article.url, article.url, article, at)
        assert store_pages(conn, [fetched]) == StoreCounts(new=1)
        with conn, conn.cursor() as cur:
            cur.execute("SELECT title, body FROM articles")
            assert cur.fetchall() == [("T", "B")]
    finally:
        conn.close()
