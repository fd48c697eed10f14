"""The README documents every setting the code declares, with its default (as Datasette checks its docs)."""

from __future__ import annotations

import re
from pathlib import Path

from scraper.settings import DEFAULT_USER_AGENT, declared

README = Path(__file__).resolve().parents[2] / "README.md"


def _table() -> dict[str, str]:
    """Return {variable: default column} of the README's configuration table (the first under ## Configuration)."""
    text = README.read_text(encoding="utf-8")
    start = text.index("| variable | default | meaning |", text.index("## Configuration"))
    table = text[start:text.index("\n\n", start)]
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]*) \|", table, flags=re.M)
    return {name: default.strip() for name, default in rows}


def _shown(default: object) -> str:
    if default is None:
        return "unset"
    if default == DEFAULT_USER_AGENT:
        return "`news-scraper/<version> (news aggregation bot; …)`"
    text = str(default).replace(str(Path.home()), "~")
    return f"`{text[:-2] if text.endswith('.0') else text}`"


def test_every_declared_setting_is_in_the_readme_table_with_its_default():
    table = _table()
    for d in declared():
        assert d.env in table, f"README.md: add {d.env} to the configuration table"
        assert table[d.env] == _shown(d.default), f"README.md: {d.env}'s default is {_shown(d.default)}"


def test_the_readme_table_names_no_setting_the_code_does_not_have():
    known = {d.env for d in declared()}
    assert sorted(set(_table()) - known) == []
