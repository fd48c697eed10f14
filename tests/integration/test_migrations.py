"""Migrations against a real PostgreSQL: apply, idempotence, concurrency, edits refused."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from scraper.errors import MigrationError
from scraper.storage import db

TABLES = {"articles", "article_urls", "article_versions", "headlines", "headline_sightings",
          "stories", "crawl_runs", "crawl_errors", "schema_migrations"}


def _tables(conn) -> set[str]:
    with conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r[0] for r in cur.fetchall()}


@pytest.fixture
def empty_conn(empty_db_url):
    conn = db.connect(empty_db_url)
    yield conn
    conn.close()


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    """A private copy of the migrations directory that a test may change."""
    return Path(shutil.copytree(db.MIGRATIONS_DIR, tmp_path / "migrations"))


def _next(migrations: Path, name: str) -> Path:
    """Return the path of a new migration numbered after the last one."""
    last = int(db.migration_files(migrations)[-1].name[:4])
    return migrations / f"{last + 1:04d}_{name}.sql"


def test_migrations_apply_to_an_empty_database_and_are_idempotent(empty_conn):
    names = [p.name for p in db.migration_files()]
    assert db.migrate(empty_conn) == names
    assert TABLES <= _tables(empty_conn)
    assert db.migrate(empty_conn) == []
    with empty_conn, empty_conn.cursor() as cur:
        cur.execute("SELECT name, checksum FROM schema_migrations ORDER BY name")
        assert cur.fetchall() == [(p.name, db.checksum(p)) for p in db.migration_files()]


def test_migration_files_follow_the_naming_rule():
    files = db.migration_files()
    assert files[0].name == "0001_initial.sql"
    numbers = [int(path.name[:4]) for path in files]
    for path in files:
        assert db.MIGRATION_NAME.match(path.name), path.name
    # Numbers are reserved per branch so merges do not collide: a branch may have a gap, never a repeat.
    assert numbers == sorted(set(numbers)), "migrations are numbered in increasing order, each number once"


@pytest.mark.parametrize("bad", ["1_short.sql", "0002-dash.sql", "0002_Upper.sql"])
def test_a_badly_named_migration_is_refused(migrations, bad):
    (migrations / bad).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="bad migration file name"):
        db.migration_files(migrations)


def test_two_migrations_with_one_number_are_refused(migrations):
    (migrations / "0001_other.sql").write_text("SELECT 1;")  # beside 0001_initial.sql
    with pytest.raises(MigrationError, match="share number 0001"):
        db.migration_files(migrations)


def test_editing_an_applied_migration_is_refused(empty_conn, migrations):
    db.migrate(empty_conn, migrations)
    first = migrations / "0001_initial.sql"
    first.write_text(first.read_text() + "\n-- an innocent comment\n")
    with pytest.raises(MigrationError, match="0001_initial.sql was edited"):
        db.migrate(empty_conn, migrations)


def test_a_new_migration_is_applied_on_the_next_run(empty_conn, migrations):
    db.migrate(empty_conn, migrations)
    new = _next(migrations, "add_note")
    new.write_text("ALTER TABLE articles ADD COLUMN note text;")
    assert db.migrate(empty_conn, migrations) == [new.name]
    assert db.migrate(empty_conn, migrations) == []


def test_a_failing_migration_is_rolled_back_and_not_recorded(empty_conn, migrations):
    broken = _next(migrations, "broken")
    broken.write_text("CREATE TABLE half (id int); SELECT * FROM nowhere;")
    with pytest.raises(MigrationError, match=f"{broken.name} failed"):
        db.migrate(empty_conn, migrations)
    assert "half" not in _tables(empty_conn)
    assert "articles" in _tables(empty_conn)  # earlier ones ran in their own, committed transactions
    broken.write_text("CREATE TABLE half (id int);")
    assert db.migrate(empty_conn, migrations) == [broken.name]


def test_concurrent_migrations_both_succeed_and_apply_once(empty_db_url):
    barrier = threading.Barrier(4)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        conn = db.connect(empty_db_url)
        try:
            barrier.wait()
            results.append(db.migrate(conn))
        except BaseException as exc:  # noqa: B036 - reported by the main thread
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(results, key=len) == [[], [], [], [p.name for p in db.migration_files()]]


def test_every_named_query_parses_and_names_are_unique():
    text = db.QUERIES_FILE.read_text()
    names = db.parse_queries(text)
    assert text.count("-- name:") == len(names)
    assert all(sql.strip() for sql in names.values())
    with pytest.raises(ValueError, match="defined twice"):
        db.parse_queries("-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n")
