"""A running `scraper run` daemon and a small HTTP client for its ops API, for the ops tests."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Reply:
    status: int
    body: Any  # parsed JSON, or text
    headers: dict[str, str]


@dataclass
class OpsDaemon:
    """The daemon process and its ops address."""

    process: subprocess.Popen[str]
    url: str
    token: str | None

    def request(self, method: str, path: str, body: Any = None, token: str | None = "<own>",
                headers: dict[str, str] | None = None) -> Reply:
        """Send one request; `token` None sends no Authorization header, the default sends the daemon's."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        sent = self.token if token == "<own>" else token
        if sent:
            request.add_header("Authorization", f"Bearer {sent}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=90) as response:
                return _reply(response.status, response.read(), response.headers)
        except urllib.error.HTTPError as exc:
            return _reply(exc.code, exc.read(), exc.headers)

    def wait_until_serving(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the daemon exited with {self.process.returncode}")
            try:
                if self.request("GET", "/api/health").status in (200, 503):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the daemon's ops API did not answer")

    def wait_for_run(self, run_id: int, timeout: float = 120) -> dict[str, Any]:
        """Return run `run_id` once it is no longer running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.request("GET", f"/api/runs/{run_id}").body
            if run["status"] != "running":
                return run
            time.sleep(0.3)
        raise AssertionError(f"run {run_id} still running after {timeout}s")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)


def _reply(status: int, raw: bytes, headers: Any) -> Reply:
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = raw.decode("utf-8", "replace")
    return Reply(status, body, dict(headers.items()))


@contextmanager
def ops_daemon(scraper: Any, config: Path, token: str | None = None, **env: str) -> Iterator[OpsDaemon]:
    """Run `scraper run` on a free port (with SCRAPER_API_TOKEN=`token`) for the block; kill it if still there."""
    port = free_port()
    if token:
        scraper.env["SCRAPER_API_TOKEN"] = token
    scraper.env.update(env)
    process = scraper.popen("--config", str(config), "run", "--port", str(port))
    daemon = OpsDaemon(process, f"http://127.0.0.1:{port}", token)
    try:
        daemon.wait_until_serving()
        yield daemon
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
