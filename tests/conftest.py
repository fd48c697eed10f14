"""Database fixtures shared by integration and e2e tests.

The server is TEST_DATABASE_URL when set, else an embedded pgserver started
for the session. A template database is migrated once per session; every
test gets its own `CREATE DATABASE ... TEMPLATE` copy (about 0.1 s), dropped
in the background so the next test need not wait. Names carry the pid and a
random part, so parallel sessions on one shared server do not collide.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extensions
import pytest

from scraper import db


def with_database(url: str, dbname: str) -> str:
    """Return the connection string `url` pointing at database `dbname` instead."""
    if "://" in url:
        return urlunsplit(urlsplit(url)._replace(path="/" + dbname))
    return psycopg2.extensions.make_dsn(url, dbname=dbname)


class Databases:
    """Creates and drops throw-away databases on one server through an autocommit admin session."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.prefix = f"scraper_t{os.getpid()}_{secrets.token_hex(3)}"
        self._admin = psycopg2.connect(server_url)
        self._admin.autocommit = True
        self._dropper = ThreadPoolExecutor(max_workers=1)
        self._drops: list[Future[None]] = []

    def create(self, suffix: str, template: str | None = None) -> str:
        """Create database prefix_suffix (copied from `template` if given) and return its name."""
        name = f"{self.prefix}_{suffix}"
        with self._admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop_later(self, name: str) -> None:
        """Drop database `name` in the background (FORCE: a test may have leaked a connection)."""
        self._drops.append(self._dropper.submit(self._drop, name))

    def _drop(self, name: str) -> None:
        """Drop database `name` on a connection of the dropping thread."""
        conn = psycopg2.connect(self.server_url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            conn.close()

    def close(self) -> None:
        """Wait for pending drops and close the admin session."""
        self._dropper.shutdown(wait=True)
        for fut in self._drops:
            fut.result()
        self._admin.close()


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of the server tests run on: TEST_DATABASE_URL, else an embedded one."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return db.resolve_database_url(None, tmp_path_factory.mktemp("embedded"), cleanup_mode="delete")


@pytest.fixture(scope="session")
def pg_databases(pg_server_url: str) -> Iterator[Databases]:
    """Return the session's database factory on the test server."""
    dbs = Databases(pg_server_url)
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

