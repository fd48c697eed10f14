"""Story-clustering scores and the stories-dev set: B-cubed and pairwise P/R/F1, halves in time.

Dev tooling only (scripts/eval_stories.py, scripts/tune_stories.py). The metrics are those of
stories-dev's baseline_eval.py (Bagga & Baldwin B-cubed, uniform over articles; pairwise over
all unordered pairs, precision n/a when no pair is predicted).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Doc:
    """One stories-dev article."""

    id: str
    cluster: str
    subset: str
    title: str
    body: str
    outlet: str
    url: str
    published_at: datetime


def load(path: Path, subset: str) -> list[Doc]:
    """Return the articles of `subset` in (published_at, id) order."""
    docs = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("subset") != subset:
                continue
            at = datetime.strptime(r["published_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            docs.append(Doc(r["id"], r["cluster_id"], r["subset"], r["title"], r["body"], r["outlet"],
                            r["url"], at))
    docs.sort(key=lambda d: (d.published_at, d.id))
    return docs


def halves(docs: list[Doc]) -> tuple[list[Doc], list[Doc]]:
    """Return the first ⌊N/2⌋ articles in time (tuning half) and the rest (check half)."""
    half = len(docs) // 2
    return docs[:half], docs[half:]


def _cells(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> tuple[Counter, Counter, Counter]:
    """Return the contingency counts, predicted sizes and gold sizes."""
    return Counter(zip(pred, gold, strict=True)), Counter(pred), Counter(gold)


def scores(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> dict[str, float | None]:
    """Return B-cubed and pairwise precision, recall and F1, and the number of predicted clusters."""
    cells, psize, gsize = _cells(gold, pred)
    n = len(gold)
    bp = sum(c * c / psize[p] for (p, _), c in cells.items()) / n
    br = sum(c * c / gsize[g] for (_, g), c in cells.items()) / n

    def pairs(k: int) -> int:
        return k * (k - 1) // 2

    tp = sum(pairs(c) for c in cells.values())
    pp, gp = sum(pairs(c) for c in psize.values()), sum(pairs(c) for c in gsize.values())
    p = tp / pp if pp else None
    r = tp / gp if gp else None
    return {"b3_p": bp, "b3_r": br, "b3_f1": 2 * bp * br / (bp + br) if bp + br else 0.0,
            "pair_p": p, "pair_r": r, "pair_f1": 2 * p * r / (p + r) if p and r else 0.0,
            "clusters": float(len(psize))}


HEADER = ("| method | B3 P | B3 R | B3 F1 | pair P | pair R | pair F1 | #stories |\n"
          "|---|---|---|---|---|---|---|---|")


def row(name: str, s: dict[str, float | None]) -> str:
    """Return one markdown table row of scores."""
    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    keys = ("b3_p", "b3_r", "b3_f1", "pair_p", "pair_r", "pair_f1")
    return f"| {name} | " + " | ".join(fmt(s[k]) for k in keys) + f" | {int(s['clusters'] or 0)} |"
