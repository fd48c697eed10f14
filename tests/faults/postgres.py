"""A PostgreSQL server of the test's own, on a free loopback port, that the test may stop and start.

Never the shared server: a database outage is simulated by stopping this one.
Binaries come from pgserver (installed with the service); as root the server
runs as pgserver's system user, as pgserver itself does.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

from pgserver._commands import POSTGRES_BIN_PATH

from tests.conftest import embedded_data_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnPostgres:
    """initdb in a private temp folder; start()/stop() with pg_ctl; url for database `postgres`."""

    def __init__(self) -> None:
        self.root = embedded_data_dir()
        self.pgdata = self.root / "pgdata"
        self.port = _free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            from pgserver.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            self.user = "pgserver"
            ensure_user_exists(self.user)
            ensure_prefix_permissions(self.root)
            ensure_folder_permissions(self.root, 0o777)
            shutil.chown(self.root, self.user)
        self._run("initdb", "-D", str(self.pgdata), "--auth=trust", "-U", "postgres", "--encoding=utf8")
        with open(self.pgdata / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.pgdata}'\nfsync = off\n")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, exe: str, *args: str) -> None:
        subprocess.run([str(POSTGRES_BIN_PATH / exe), *args], check=True, user=self.user,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-l", str(self.root / "log"), "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; "fast" ends every session at once, as a crash or restart would for clients."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", mode, "stop")

    def close(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def own_database(server: OwnPostgres) -> str:
    """Return the URL of a migrated database on `server` (its `postgres` database)."""
    from scraper.storage import db

    conn = db.connect(server.url)
    try:
        db.migrate(conn)
    finally:
        conn.close()
    return server.url



