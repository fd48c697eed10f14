"""The PostgreSQL edge: where to connect, migrations, named queries, batch writes, and error wrapping.

Driver errors become the project's own here and nowhere else: DatabaseUnavailable
when the server is gone or refuses connections (worth retrying: the pipeline
spools and waits), DatabaseError when a statement or its data is at fault.
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import psycopg2
import psycopg2.extensions

from scraper.errors import DatabaseError, DatabaseUnavailable, MigrationError, one_line
from scraper.logs import redact

log = logging.getLogger(__name__)

# The repository's db/ folder, installed as the package scraper.sql (see setup.cfg).
DB_DIR = Path(str(resources.files("scraper.sql")))
MIGRATIONS_DIR = DB_DIR / "migrations"
QUERIES_FILE = DB_DIR / "queries.sql"
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Arbitrary constant shared by every process of this project: "scraper migrate".
MIGRATION_LOCK_KEY = 0x5C12A9E0001
CONNECT_TIMEOUT_S = 5

# Embedded servers by pgdata path; holding the handle keeps pgserver from stopping it.
_EMBEDDED: dict[Path, Any] = {}


def resolve_database_url(
    database_url: str | None, data_dir: Path, *, cleanup_mode: str | None = "stop"
) -> str:
    """Return `database_url`, or the URI of the embedded PostgreSQL in `data_dir`/pgdata (started if needed).

    pgserver counts the processes using a pgdata in a file there; with
    cleanup_mode "stop" the server survives until the last of them (daemon,
    crawl children, CLI calls) exits, and the next one starts it again on the
    same data. None would leave it running forever; "delete" is for tests.
    """
    if database_url:
        return database_url
    pgdata = (Path(data_dir).expanduser() / "pgdata").resolve()
    server = _EMBEDDED.get(pgdata)
    if server is None:
        server = _start_embedded(pgdata, cleanup_mode)
        _EMBEDDED[pgdata] = server
    return str(server.get_uri())


def _start_embedded(pgdata: Path, cleanup_mode: str | None) -> Any:
    """Return a pgserver handle for `pgdata`, starting the server; errors become DatabaseError."""
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset (cron, containers): harmless.
            warnings.simplefilter("ignore")
            import pgserver

            return pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)
    except Exception as exc:
        raise DatabaseError(
            f"could not start the embedded PostgreSQL in {pgdata}: {one_line(exc)}; "
            f"see {pgdata / 'log'}, or set DATABASE_URL to use another server"
        ) from exc


def connect(url: str) -> psycopg2.extensions.connection:
    """Return a new connection to `url`; DatabaseUnavailable with a one-line reason if that fails."""
    try:
        return psycopg2.connect(url, connect_timeout=CONNECT_TIMEOUT_S, application_name="scraper")
    except psycopg2.Error as exc:
        raise DatabaseUnavailable(
            f"cannot connect to PostgreSQL at {redact(url)}: {one_line(exc)} "
            "(check DATABASE_URL and that the server is running)"
        ) from exc


# SQLSTATEs of a server going away or not taking connections (not of bad data):
# admin/crash shutdown, cannot connect now, too many clients; class 08 is connection exceptions.
UNAVAILABLE = {"57P01", "57P02", "57P03", "53300"}


def connection_lost(exc: psycopg2.Error) -> bool:
    """Return True if a driver error means the connection or server is gone, not that the data is bad.

    Not every OperationalError: "index row size exceeds maximum" (a 10 KB URL)
    is one too, and retrying it would hold the spool for ever.
    """
    if isinstance(exc, psycopg2.InterfaceError):
        return True
    if not isinstance(exc, psycopg2.OperationalError):
        return False
    code = exc.pgcode  # None: the connection broke on the client side
    return code is None or code.startswith("08") or code in UNAVAILABLE


@contextmanager
def transaction(conn: psycopg2.extensions.connection, what: str) -> Iterator[Any]:
    """Yield a cursor inside one transaction; commit on success, roll back and raise on driver errors.

    DatabaseUnavailable when the connection or server went away, else DatabaseError.
    """
    try:
        with conn, conn.cursor() as cur:
            yield cur
    except psycopg2.Error as exc:
        error = DatabaseUnavailable if connection_lost(exc) else DatabaseError
        raise error(f"{what} failed: {one_line(exc)}") from exc


def ping(conn: psycopg2.extensions.connection) -> None:
    """Return None if the connection still works; DatabaseUnavailable (or DatabaseError) if not."""
    with transaction(conn, "checking the connection") as cur:
        cur.execute(query("ping"))


def dicts(cur: Any) -> list[dict[str, Any]]:
    """Return the cursor's remaining rows as dicts keyed by column name."""
    names = [d.name for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def storable(text: str | None) -> str | None:
    """Return `text` without NUL bytes, which PostgreSQL text cannot hold (all else is stored verbatim)."""
    return text.replace("\x00", "") if text else text


def execute_rows(cur: Any, name: str, rows: Sequence[NamedTuple], *, fetch: bool = False) -> list[tuple[Any, ...]]:
    """Run the named batch statement once for all `rows`; return what it returned when `fetch`.

    Each field of the rows' NamedTuple becomes one array parameter of that
    name (`%(url)s::text[]`), which the statement unnests: one round trip for
    any number of rows, and the row shape is written once, as the NamedTuple.
    """
    if not rows:
        return []
    cur.execute(query(name), {field: [getattr(row, field) for row in rows] for field in rows[0]._fields})
    return cur.fetchall() if fetch else []


@cache
def queries() -> dict[str, str]:
    """Return the named query blocks of db/queries.sql, read once."""
    return parse_queries(QUERIES_FILE.read_text(encoding="utf-8"))


def parse_queries(text: str) -> dict[str, str]:
    """Return {name: sql} for every `-- name: NAME` block in `text`."""
    blocks: dict[str, str] = {}
    name = None
    lines: list[str] = []
    for line in text.splitlines() + ["-- name: __end__"]:
        match = re.match(r"^--\s*name:\s*(\w+)\s*$", line)
        if not match:
            lines.append(line)
            continue
        if name is not None:
            if name in blocks:
                raise ValueError(f"query {name!r} defined twice in queries.sql")
            blocks[name] = "\n".join(lines).strip()
        name, lines = match.group(1), []
    return blocks


def query(name: str) -> str:
    """Return the SQL of the named query block."""
    return queries()[name]


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    """Return the migration files in apply order; MigrationError for a badly named or duplicate-numbered one."""
    files = sorted(p for p in directory.iterdir() if p.suffix == ".sql")
    seen: dict[str, str] = {}
    for path in files:
        match = MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"bad migration file name {path.name!r}: expected NNNN_lowercase_name.sql")
        if match.group(1) in seen:
            raise MigrationError(f"migrations {seen[match.group(1)]} and {path.name} share number {match.group(1)}")
        seen[match.group(1)] = path.name
    return files


def checksum(path: Path) -> str:
    """Return the sha256 hex digest of a migration file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def migrate(conn: psycopg2.extensions.connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations in order, one transaction each; return the names applied."""
    files = migration_files(directory)
    with transaction(conn, "taking the migration lock") as cur:
        # Session lock: concurrent migrate() calls (daemon + crawl children) wait here.
        cur.execute(query("migration_lock"), {"key": MIGRATION_LOCK_KEY})
    try:
        with transaction(conn, "reading schema_migrations") as cur:
            cur.execute(query("create_schema_migrations"))
            cur.execute(query("applied_migrations"))
            applied = dict(cur.fetchall())
        _refuse_edited(files, applied)
        return [path.name for path in files if path.name not in applied and _apply(conn, path)]
    finally:
        with transaction(conn, "releasing the migration lock") as cur:
            cur.execute(query("migration_unlock"), {"key": MIGRATION_LOCK_KEY})


def _refuse_edited(files: list[Path], applied: dict[str, str]) -> None:
    """Raise MigrationError when an applied migration file no longer matches its recorded checksum."""
    for path in files:
        if path.name in applied and applied[path.name] != checksum(path):
            raise MigrationError(
                f"migration {path.name} was edited after it was applied; "
                "restore it and put the change in a new numbered migration"
            )
    unknown = sorted(set(applied) - {p.name for p in files})
    if unknown:
        log.warning("database has migrations this code does not know: %s", ", ".join(unknown))


def _apply(conn: psycopg2.extensions.connection, path: Path) -> bool:
    """Run one migration file and record it in the same transaction; return True."""
    try:
        with conn, conn.cursor() as cur:
            cur.execute(path.read_text(encoding="utf-8"))
            cur.execute(query("record_migration"), {"name": path.name, "checksum": checksum(path)})
    except psycopg2.Error as exc:
        raise MigrationError(f"migration {path.name} failed: {one_line(exc)}") from exc
    log.info("applied migration %s", path.name)
    return True


READER_ROLE = "scraper_reader"


def set_reader_password(conn: psycopg2.extensions.connection, password: str) -> None:
    """Let the read-only role scraper_reader (made by migration 0004) log in with `password`."""
    with transaction(conn, f"setting the password of role {READER_ROLE} (needs CREATEROLE)") as cur:
        cur.execute(query("set_reader_password"), {"password": password})
