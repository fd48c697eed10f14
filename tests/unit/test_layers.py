"""The import contract of .importlinter: the layers hold, and a violation of them is caught.

It replaces the per-module purity checks: one contract for every module, run by
`make lint` and here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the tree at `root` (its own copy of the package first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_layers_and_purity_contracts_hold():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "4 kept, 0 broken" in result.stdout


def test_a_pure_module_importing_the_database_layer_breaks_the_contract(tmp_path):
    for name in ("scraper", "spiders"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / ".importlinter", tmp_path)
    probe = tmp_path / "scraper" / "policy" / "dedup.py"
    probe.write_text(probe.read_text() + "\nfrom scraper.storage import db  # noqa: E402\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "scraper.policy.dedup -> scraper.storage.db" in result.stdout
    assert "BROKEN" in result.stdout and "psycopg2" in result.stdout  # layers, and purity through db
