"""A non-editable install works: `pip install .` into a fresh virtualenv can migrate and crawl.

The package must carry its SQL (db/ as scraper.sql), its spider (spiders/ as
scraper.spiders) and the ops page's templates; an editable install would hide
a missing one, since it reads them from the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.e2e.conftest import rows, sources_file

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{args}: {result.stdout[-1500:]} {result.stderr[-1500:]}"
    return result


def test_a_wheel_installed_into_a_fresh_venv_migrates_and_crawls(site, empty_db_url, tmp_path):
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", tmp_path / "dist", REPO,
         cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("news_scraper-*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    # the dependencies are the test environment's (no downloads); the package itself only from the wheel
    site_packages = Path(_run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                              cwd=tmp_path).stdout.strip())
    (site_packages / "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=tmp_path)

    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_") and k != "PYTHONPATH"}
    env.update(DATABASE_URL=empty_db_url, SCRAPER_DATA_DIR=str(tmp_path / "data"))
    where = _run(venv / "bin" / "python", "-c",
                 "import scraper, scraper.sql, scraper.spiders.news as n; from importlib import resources; "
                 "print(scraper.__file__, n.__file__, "
                 "(resources.files('scraper.service') / 'templates' / 'ops.html').is_file())",
                 cwd=tmp_path, env=env).stdout.split()
    assert all(p.startswith(str(site_packages)) for p in where[:2]) and where[2] == "True", where

    upgrade = _run(venv / "bin" / "scraper", "db", "upgrade", cwd=tmp_path, env=env)
    assert "0001_initial.sql" in upgrade.stdout
    config = sources_file(tmp_path / "sources.toml", site, max_age_days=7)
    crawl = _run(venv / "bin" / "scraper", "--config", config, "crawl", "gazette", cwd=tmp_path, env=env)
    assert "succeeded" in crawl.stdout
    stored = rows(empty_db_url, "SELECT count(*) FROM articles")[0][0]
    assert stored == len(site.expected.stored(max_age_days=7))
