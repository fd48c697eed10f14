"""Choose the story thresholds on the FIRST half in time of each stories-dev subset, offline.

An in-memory replay of what linking does through PostgreSQL (scraper.storage.linking):
articles in time order, in batches; document frequencies updated per batch; candidates
through the key-term index within the window (newest `crowded` rows per term); placement
and merges by the pure scraper.policy.stories. It never reads the check half: the figures
that count are those of `make eval-stories`, through the real store path.

    python scripts/tune_stories.py [--data ../shared/stories-dev/articles.jsonl]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import sys
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from story_metrics import Doc, halves, load, scores  # noqa: E402

from scraper.policy import stories, terms  # noqa: E402
from scraper.policy.stories import Story, Thresholds  # noqa: E402

BATCH = 50
SOURCES = True  # weigh with the source's own word frequencies too


def replay(docs: list[Doc], th: Thresholds, cache: dict[str, terms.Terms]) -> list[int]:
    """Return the story of each article, as linking would place them."""
    df: dict[int, int] = {}
    n = 0
    own_df: dict[str, dict[int, int]] = {}
    own_n: dict[str, int] = {}
    index: dict[int, list[tuple[datetime, int]]] = {}
    story_of: dict[int, int] = {}  # article -> story
    live: dict[int, Story] = {}
    merged: dict[int, int] = {}
    for start in range(0, len(docs), BATCH):
        batch = docs[start:start + BATCH]
        tms = [cache.setdefault(d.id, terms.event_terms(d.title, d.body)) for d in batch]
        for w, c in terms.document_words(tms).items():
            df[w] = df.get(w, 0) + c
        n += len(batch)
        rarity = terms.Rarity(df, n)
        for d, t in zip(batch, tms, strict=True):
            sdf = own_df.setdefault(d.outlet, {})
            for w in t.words.tolist():
                sdf[w] = sdf.get(w, 0) + 1
            own_n[d.outlet] = own_n.get(d.outlet, 0) + 1
        for k, (d, t) in enumerate(zip(batch, tms, strict=True)):
            aid = start + k
            own = terms.Rarity(own_df[d.outlet], own_n[d.outlet]) if SOURCES else None
            vec = stories.weigh(t, rarity, own)
            keys = stories.key_terms(vec)
            hits = _candidates(index, keys, d.published_at, th)
            sids = stories.shortlist(s for per_key in hits for s in {_resolve(merged, story_of[a]) for a in per_key})
            placement = stories.place(vec, d.published_at, [live[s] for s in sorted(sids)], th)
            sid = placement.story_id
            if sid is None:
                sid = aid
                live[sid] = stories.story_of(sid, [(vec, d.published_at)])
            else:
                live[sid] = live[sid].add(vec, d.published_at)
                for other in placement.merged:
                    keep, gone = sorted((live[sid], live[other]), key=lambda s: (s.first_at, s.story_id))
                    live[keep.story_id] = keep.absorb(gone)
                    merged[gone.story_id] = keep.story_id
                    del live[gone.story_id]
                    sid = keep.story_id
            story_of[aid] = sid
            for key in keys:
                bisect.insort(index.setdefault(key, []), (d.published_at, aid))
    return [_resolve(merged, story_of[a]) for a in range(len(docs))]


def _resolve(merged: dict[int, int], sid: int) -> int:
    """Return the live story a (possibly merged) story id now is."""
    while sid in merged:
        sid = merged[sid]
    return sid


def _candidates(index: dict[int, list[tuple[datetime, int]]], keys: Iterable[int], at: datetime,
                th: Thresholds) -> list[list[int]]:
    """Return, per key term, the articles holding it within the window (the newest `crowded`)."""
    out: list[list[int]] = []
    for key in keys:
        rows = index.get(key, [])
        lo = bisect.bisect_left(rows, (at - th.window, -1))
        hi = bisect.bisect_right(rows, (at + th.window, 1 << 62))
        out.append([a for _, a in rows[max(lo, hi - th.crowded):hi]])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "stories-dev" / "articles.jsonl")
    parser.add_argument("--story", type=float, nargs="+", default=[0.06, 0.08, 0.10, 0.12])
    parser.add_argument("--decay", type=float, nargs="+", default=[0.04, 0.06, 0.08])
    parser.add_argument("--merge", type=float, nargs="+", default=[0.45])
    parser.add_argument("--window-days", type=float, nargs="+", default=[180])
    parser.add_argument("--crowded", type=int, default=Thresholds().crowded, help="rows read per key term")
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                        help="override a constant of scraper.policy.terms or .stories (e.g. NAME_WEIGHT=3)")
    args = parser.parse_args()
    for item in args.set:
        name, _, value = item.partition("=")
        if name == "SOURCES":
            globals()["SOURCES"] = value == "1"
            continue
        module = terms if hasattr(terms, name) else stories
        setattr(module, name, type(getattr(module, name))(value))
    from datetime import timedelta

    firsts = {s: halves(load(args.data, s))[0] for s in ("gva", "g5w1h")}
    caches: dict[str, dict[str, terms.Terms]] = {s: {} for s in firsts}
    results = []
    for story, decay, merge, wd in itertools.product(args.story, args.decay, args.merge, args.window_days):
        th = replace(Thresholds(), story=story, decay=decay, merge=merge, window=timedelta(days=wd),
                     crowded=args.crowded)
        line = [f"story={story:.2f} decay={decay:.2f} merge={merge:.2f} window={wd:g}d"]
        sc = {}
        for s, docs in firsts.items():
            sc[s] = scores([d.cluster for d in docs], replay(docs, th, caches[s]))
            line.append(f"{s}: P {sc[s]['b3_p']:.3f} R {sc[s]['b3_r']:.3f} F1 {sc[s]['b3_f1']:.3f}")
        print("  ".join(line), flush=True)
        results.append((th, sc))
    ok = [(th, sc) for th, sc in results if all(v["b3_p"] >= 0.95 for v in sc.values())] or results
    th, sc = max(ok, key=lambda r: sum(v["b3_f1"] for v in r[1].values()))
    print(f"chosen on the first halves (B-cubed P >= 0.95 on both, best mean F1): {th}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
