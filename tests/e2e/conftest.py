"""Run the real `scraper` command against a real database and the local news site."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import embedded_data_dir
from tests.newssite import NewsSite
from tests.newssite.slow import SlowSite

DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "extraction-dev"


def rows(db_url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Return the rows of one query on the test's database."""
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


@dataclass
class Result:
    """What one `scraper` invocation did."""

    code: int
    out: str
    err: str


class Scraper:
    """The `scraper` command, run as a child process with this test's database and data folder."""

    def __init__(self, tmp_path: Path, database_url: str | None) -> None:
        self.cwd = tmp_path
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("SCRAPER_") and k != "DATABASE_URL"}
        # the embedded server (no database_url) runs as user pgserver as root: its folder must not be under
        # /tmp/pytest-of-root, which any other pytest session starting resets to mode 0700
        self.data_dir = tmp_path / "data" if database_url else embedded_data_dir()
        self.env["SCRAPER_DATA_DIR"] = str(self.data_dir)
        if database_url:
            self.env["DATABASE_URL"] = database_url

    def __call__(self, *args: str, timeout: float = 180) -> Result:
        """Run `scraper ARGS...` and return its exit code and output."""
        proc = subprocess.run([sys.executable, "-m", "scraper", *args], cwd=self.cwd, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Start `scraper ARGS...` in the background; its output goes to `self.log` (a pipe could fill up)."""
        with self.log.open("a") as out:
            return subprocess.Popen([sys.executable, "-m", "scraper", *args], cwd=self.cwd, env=self.env,
                                    stdout=out, stderr=subprocess.STDOUT, text=True)

    @property
    def log(self) -> Path:
        """The file that background commands write their output to."""
        return self.cwd / "scraper.log"


def sources_file(path: Path, site: NewsSite, *, name: str = "gazette", max_age_days: int | None = 7,
                 start_paths: tuple[str, ...] | None = None, top: str = "", extra: str = "") -> Path:
    """Write a sources file with one source crawling `site` and return its path."""
    paths = start_paths or site.expected.start_paths
    urls = ", ".join(f'"{site.url}{p}"' for p in paths)
    age = f"max_age_days = {max_age_days}\n" if max_age_days else ""
    path.write_text(
        f"{top}\n[[sources]]\nname = \"{name}\"\nstart_urls = [{urls}]\nallowed_domains = [\"127.0.0.1\"]\n"
        f"interval_minutes = 30\n{age}{extra}\n"
        "[sources.settings]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n"
    )
    return path


@pytest.fixture
def site() -> Iterator[NewsSite]:
    """The local news site, with a few extraction-dev pages when the dev set is beside the repo."""
    with NewsSite(n_generated=24, dev_set=DEV_SET if DEV_SET.is_dir() else None, n_dev=6) as news:
        yield news


@pytest.fixture
def scraper(tmp_path: Path, db_url: str) -> Scraper:
    """The `scraper` command bound to this test's fresh database."""
    return Scraper(tmp_path, db_url)


@pytest.fixture
def slow_site() -> Iterator[SlowSite]:
    """A feed of 30 articles served half a second each (see SlowSite)."""
    site = SlowSite()
    yield site
    site.close()


CHROMIUM = "/usr/bin/chromium"  # installed by `make test` (Debian's package); Playwright drives it


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright, for the module's tests."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()
