"""Story quality on stories-dev's check halves, through the real store path, beside singletons and TF-IDF.

For each subset (gva, g5w1h) the second half in time is stored into a fresh
database with `store_pages`, the code a crawl uses (batches of 50 pages in
publication order, each fetched a minute after publication, the outlet as the
source), so linking runs exactly as in production: document frequencies
built up as articles arrive, candidates through the key-term index, story
centroids and merges in PostgreSQL. The stories read back (`articles.story_id`)
are scored against the human clusters: B-cubed and pairwise P/R/F1. In the
same run: singletons, and the single-pass TF-IDF baseline of stories-dev's
baseline_eval.py with its threshold chosen on the first half (its own code;
needs scikit-learn, installed by `make eval-stories`). Nothing is tuned here:
the story thresholds are the defaults (chosen with scripts/tune_stories.py on
the first halves).

    python scripts/eval_stories.py [--dev-set ../shared/stories-dev] [--subset gva g5w1h]

Database: a throw-away one on $BENCH_DATABASE_URL, $TEST_DATABASE_URL or
$DATABASE_URL, else an embedded PostgreSQL in a temp folder; dropped at the end.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from datetime import timedelta
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_dedup import Server  # noqa: E402
from story_metrics import HEADER, Doc, halves, load, row, scores  # noqa: E402

from scraper.extraction.model import Article  # noqa: E402
from scraper.extraction.urls import canonical_url  # noqa: E402
from scraper.storage import db  # noqa: E402
from scraper.storage.store import FetchedPage, store_pages  # noqa: E402

BATCH = 50


def page(doc: Doc) -> FetchedPage:
    """Return a stories-dev article as the crawler would hand it to storage."""
    url = canonical_url(doc.url)
    article = Article(url=url, title=doc.title, body=doc.body, published_at=doc.published_at, language="en")
    return FetchedPage(doc.outlet, doc.url, doc.url, article, doc.published_at + timedelta(minutes=1))


def stored_stories(url: str, docs: list[Doc]) -> tuple[list[int], float]:
    """Store `docs` through store_pages; return each one's story id and the seconds spent storing."""
    conn = db.connect(url)
    started = time.perf_counter()
    for i in range(0, len(docs), BATCH):
        store_pages(conn, [page(d) for d in docs[i:i + BATCH]])
    spent = time.perf_counter() - started
    with conn, conn.cursor() as cur:
        cur.execute("SELECT u.url, a.story_id, a.id FROM article_urls AS u JOIN articles AS a ON a.id = u.article_id")
        by_url = {u: (sid if sid is not None else -aid) for u, sid, aid in cur.fetchall()}
    conn.close()
    return [by_url[canonical_url(d.url)] for d in docs], spent


def baseline(dev_set: Path) -> ModuleType | None:
    """Return stories-dev's baseline_eval module, or None when scikit-learn is missing."""
    spec = importlib.util.spec_from_file_location("baseline_eval", dev_set / "baseline_eval.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        print(f"(TF-IDF baseline skipped: {exc}; `make eval-stories` installs scikit-learn)")
        return None
    return module


def tfidf_rows(base: ModuleType, data: Path, subset: str) -> list[str]:
    """Return the baseline's rows: threshold chosen by B-cubed F1 on the first half, applied to the second."""
    docs = base.load(str(data), subset)
    first, second = docs[: len(docs) // 2], docs[len(docs) // 2:]
    g1, g2 = [d["cluster_id"] for d in first], [d["cluster_id"] for d in second]
    x1, x2 = base.vectorize(first), base.vectorize(second)
    tune = {t: scores(g1, base.single_pass(first, x1, t))["b3_f1"] for t in base.GRID_C}
    best = max(base.GRID_C, key=lambda t: (tune[t], -t))
    return [row(f"TF-IDF single pass, t={best:.2f} chosen on the 1st half", scores(g2, base.single_pass(second, x2, best)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-set", type=Path, default=REPO.parent / "shared" / "stories-dev")
    parser.add_argument("--subset", nargs="+", default=["gva", "g5w1h"])
    parser.add_argument("--half", choices=("check", "tuning"), default="check",
                        help="tuning: the first half instead, to compare with scripts/tune_stories.py")
    parser.add_argument("--keep", action="store_true", help="keep the databases (their URLs are printed)")
    args = parser.parse_args()
    data = args.dev_set / "articles.jsonl"
    base = baseline(args.dev_set)
    server = Server()
    try:
        for subset in args.subset:
            tuning, check = halves(load(data, subset))
            check = tuning if args.half == "tuning" else check
            gold = [d.cluster for d in check]
            url = server.fresh()
            predicted, spent = stored_stories(url, check)
            if args.keep:
                print(f"(kept: {url})")
            print(f"\n### {subset}: {args.half} half, {len(check)} articles, {len(set(gold))} human clusters, "
                  f"{check[0].published_at:%Y-%m-%d} … {check[-1].published_at:%Y-%m-%d} "
                  f"(stored in {spent:.1f} s, {1000 * spent / len(check):.1f} ms per article)\n")
            print(HEADER)
            print(row("singletons", scores(gold, list(range(len(check))))))
            if base is not None and args.half == "check":
                print("\n".join(tfidf_rows(base, data, subset)))
            print(row("**stories (store_pages into PostgreSQL)**", scores(gold, predicted)), flush=True)
    finally:
        if not args.keep:
            server.drop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
