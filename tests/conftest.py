"""Database fixtures shared by integration and e2e tests.

The server is TEST_DATABASE_URL when set, else an embedded pgserver started
for the session. A template database is migrated once per session; every
test gets its own `CREATE DATABASE ... TEMPLATE` copy (about 0.1 s), dropped
after the session (see Databases). Names carry a host tag,
the pid and a random part, so parallel sessions on one shared server do not
collide.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extensions
import pytest

from scraper.storage import db


def with_database(url: str, dbname: str) -> str:
    """Return the connection string `url` pointing at database `dbname` instead."""
    if "://" in url:
        return urlunsplit(urlsplit(url)._replace(path="/" + dbname))
    return psycopg2.extensions.make_dsn(url, dbname=dbname)


# Run detached at the end of a session: drops the databases named in argv.
_DROP_SCRIPT = """
import os, sys, psycopg2
conn = psycopg2.connect(os.environ["SCRAPER_TEST_SERVER"])
conn.autocommit = True
for name in sys.argv[1:]:
    try:
        conn.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg2.Error:
        pass
"""


class Databases:
    """Creates throw-away databases on one server; drops them after the session.

    DROP DATABASE forces a checkpoint, which takes seconds on a server others
    are writing to and slows every CREATE meanwhile. So nothing is dropped
    while tests run: at the end a detached process drops this session's
    databases and those left by dead sessions of this host, and pytest exits
    at once. A disposable (embedded) server is deleted whole instead.
    """

    NAME = re.compile(r"^scraper_t_([0-9a-f]{6})_(\d+)_")

    def __init__(self, server_url: str, disposable: bool = False) -> None:
        self.server_url = server_url
        self.disposable = disposable
        self.host_tag = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
        self.prefix = f"scraper_t_{self.host_tag}_{os.getpid()}_{secrets.token_hex(3)}"
        self._admin = psycopg2.connect(server_url)
        self._admin.autocommit = True
        self._to_drop: list[str] = []

    def create(self, suffix: str, template: str | None = None) -> str:
        """Create database prefix_suffix (copied from `template` if given) and return its name."""
        name = f"{self.prefix}_{suffix}"
        with self._admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop_later(self, name: str) -> None:
        """Have database `name` dropped after the session."""
        self._to_drop.append(name)

    def _leftovers(self) -> list[str]:
        """Return this host's test databases whose session process is gone."""
        with self._admin.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'scraper\\_t\\_%%'")
            names = [r[0] for r in cur.fetchall()]
        return [n for n in names if (m := self.NAME.match(n)) and m.group(1) == self.host_tag
                and not _pid_alive(int(m.group(2)))]

    def close(self) -> None:
        """Start the detached dropper (unless the server is disposable) and close the admin session."""
        if not self.disposable:
            names = self._to_drop[::-1] + self._leftovers()  # the template last: copies go first
            # detached on purpose (setsid --fork returns at once): it outlives pytest by the seconds
            # the drops take, then exits by itself
            subprocess.run(
                ["setsid", "--fork", sys.executable, "-c", _DROP_SCRIPT, *names], check=False,
                env={**os.environ, "SCRAPER_TEST_SERVER": self.server_url},
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._admin.close()


def _pid_alive(pid: int) -> bool:
    """Return True if a process `pid` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def embedded_data_dir() -> Path:
    """Return a new private directory for an embedded server's data.

    Not under pytest's tmp_path: as root, pgserver runs PostgreSQL as user
    `pgserver` and opens the directory's parents to it, and every new pytest
    session resets /tmp/pytest-of-root to 0700, locking a running server out.
    """
    path = Path(tempfile.mkdtemp(prefix="scraper-test-pg-"))
    # Registered before the server's own atexit handler, so it runs after it (LIFO).
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def make_disposable(server_url: str) -> None:
    """Turn off durability on a throw-away server: CREATE/DROP DATABASE get several times faster."""
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for setting in ("fsync = off", "synchronous_commit = off", "full_page_writes = off"):
                cur.execute(f"ALTER SYSTEM SET {setting}")
            cur.execute("SELECT pg_reload_conf()")
    finally:
        conn.close()


@pytest.fixture
def embedded_dir() -> Path:
    """Return a new directory for a test's own embedded server (see embedded_data_dir)."""
    return embedded_data_dir()


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """Return the URL of the server tests run on: TEST_DATABASE_URL, else an embedded one."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    # "delete": the server stops and its data goes when the session's process exits.
    url = db.resolve_database_url(None, embedded_data_dir(), cleanup_mode="delete")
    make_disposable(url)
    return url


@pytest.fixture(scope="session")
def pg_databases(pg_server_url: str) -> Iterator[Databases]:
    """Return the session's database factory on the test server."""
    dbs = Databases(pg_server_url, disposable=not os.environ.get("TEST_DATABASE_URL"))
    yield dbs
    dbs.close()


@pytest.fixture(scope="session")
def template_db(pg_databases: Databases) -> Iterator[str]:
    """Return the name of a database migrated once for the whole session."""
    name = pg_databases.create("tmpl")
    conn = db.connect(with_database(pg_databases.server_url, name))
    try:
        db.migrate(conn)
    finally:
        conn.close()  # CREATE DATABASE ... TEMPLATE refuses while anyone is connected
    yield name
    pg_databases.drop_later(name)


@pytest.fixture
def db_url(pg_databases: Databases, template_db: str) -> Iterator[str]:
    """Return the URL of a fresh, migrated database for this test only."""
    name = pg_databases.create(secrets.token_hex(4), template=template_db)
    yield with_database(pg_databases.server_url, name)
    pg_databases.drop_later(name)


@pytest.fixture
def empty_db_url(pg_databases: Databases) -> Iterator[str]:
    """Return the URL of a fresh database with no schema at all."""
    name = pg_databases.create(secrets.token_hex(4))
    yield with_database(pg_databases.server_url, name)
    pg_databases.drop_later(name)


@pytest.fixture
def conn(db_url: str) -> Iterator[Any]:
    """Return a connection to this test's fresh database, closed afterwards."""
    connection = db.connect(db_url)
    yield connection
    connection.close()

