"""The evaluation sets and their fixed tune/check splits (dev tooling; the runtime never imports it).

The check split of every set is fixed here, in code, before any tuning: its pages are only ever
scored in aggregate. Nothing in scripts/ prints or lists a failure of a check page.

- extraction-dev: the `split` field of each record of `sidebar-truth.json` ("check" = the pages
  labelled after the first round whose key starts with 8-f), for both the sidebar and the bodies;
  a page without a record falls back to the key rule (first hex digit 8-f).
- extraction-more: check = every page whose key's sha256 starts with 0-3 (a quarter).
- extraction-snippets: the same sha256 rule on its keys.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

TUNE, CHECK = "tune", "check"


@dataclass(frozen=True)
class Page:
    """One evaluation page: where it is, its address (or ""), its split and its gold."""

    key: str
    path: Path
    url: str
    split: str
    body: str | None = None  # gold body text (dev, more)
    headlines: tuple[str, ...] | None = None  # gold sidebar titles (dev, labelled pages)
    with_snippets: tuple[str, ...] = ()  # snippets set
    without_snippets: tuple[str, ...] = ()
    date: str = ""  # gold publication day, YYYY-MM-DD (snippets, where annotated)


@dataclass(frozen=True)
class EvalSet:
    """A named set of pages."""

    name: str
    pages: tuple[Page, ...] = field(default_factory=tuple)

    def split(self, which: str) -> tuple[Page, ...]:
        """Return the pages of one split."""
        return tuple(p for p in self.pages if p.split == which)


def hashed_split(key: str) -> str:
    """Return CHECK when the sha256 of `key` starts with 0-3, else TUNE."""
    return CHECK if hashlib.sha256(key.encode("utf-8")).hexdigest()[0] in "0123" else TUNE


def _key_split(key: str) -> str:
    return CHECK if key[:1].lower() in "89abcdef" else TUNE


def load_dev(root: Path) -> EvalSet:
    """Return extraction-dev with gold bodies, sidebar labels and the records' own splits."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    labels_path = root / "sidebar-truth.json"
    labels = {r["key"]: r for r in json.loads(labels_path.read_text(encoding="utf-8"))} if labels_path.exists() else {}
    pages = []
    for key in sorted(truth):
        record = labels.get(key)
        split = record.get("split", _key_split(key)) if record else _key_split(key)
        titles = tuple(h["title"] for h in record["headlines"]) if record else None
        pages.append(Page(key, root / "html" / f"{key}.html.gz", truth[key].get("url") or "", split,
                          body=truth[key]["articleBody"], headlines=titles))
    return EvalSet("extraction-dev", tuple(pages))


def load_more(root: Path) -> EvalSet:
    """Return extraction-more with gold bodies, split by the sha256 of the key."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = tuple(Page(key, root / "html" / f"{key}.html.gz", truth[key].get("url") or "", hashed_split(key),
                       body=truth[key]["articleBody"]) for key in sorted(truth))
    return EvalSet("extraction-more", pages)


def load_snippets(root: Path) -> EvalSet:
    """Return extraction-snippets with its must/must-not snippets and dates, split by the sha256 of the key."""
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    pages = tuple(Page(key, root / "html" / f"{key}.html.gz", item.get("url") or "", hashed_split(key),
                       with_snippets=tuple(item["with"]), without_snippets=tuple(item["without"]),
                       date=(item.get("date") or "")[:10]) for key, item in sorted(truth.items()))
    return EvalSet("extraction-snippets", pages)


LOADERS = {"dev": load_dev, "more": load_more, "snippets": load_snippets}
