"""Dedup and story linking: quality on a labelled set built from real text, and cost as the database grows.

(a) Quality. Every other extraction-dev page (real news text: ground-truth body,
title as our extractor finds it) is an original published by source s0; two
edited republications (a sentence or two dropped, paragraphs swapped, words
changed, another outlet's framing) by s1 and s2 a few hours later are its
near-duplicates; a follow-up a day later (its headline's key words, a sentence
recalling the event, then real text of one of the remaining pages) joins its story. Five paywall
stubs (one boilerplate text under five titles) must stay apart. Everything is
stored through the real `store_pages` in time order; pairwise precision and
recall of "near-duplicate" (the same original) and of "same story" are computed
against the labels, also for other thresholds (re-applied with `relink`).

(b) Cost. Background articles (text sampled from the dev set's word
frequencies, one day = 1000 articles, so that a story window holds as many
articles whatever the archive's size) are bulk-loaded with COPY, fingerprints and
LSH rows included, to 10k and to 100k articles; then new articles (a fifth of
them copies of recent ones) are stored in batches of 50 with linking on and
off, interleaved. Reports ms per article and articles/s, and the 100k/10k ratio.

    python scripts/bench_dedup.py [--dev-set ../shared/extraction-dev] [--sizes 10000 100000] [--measure 1000]

Database: a throw-away one on $BENCH_DATABASE_URL, $TEST_DATABASE_URL or
$DATABASE_URL, else an embedded PostgreSQL in a temp folder; dropped at the end.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import itertools
import json
import os
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg2  # noqa: E402

from scraper.extraction import extract_article  # noqa: E402
from scraper.extraction.model import Article  # noqa: E402
from scraper.policy import dedup, stories, terms  # noqa: E402
from scraper.policy.stories import Thresholds  # noqa: E402
from scraper.storage import db  # noqa: E402
from scraper.storage.linking import relink  # noqa: E402
from scraper.storage.pages import FetchedPage  # noqa: E402
from scraper.storage.store import store_pages  # noqa: E402
from tests.newssite.syndication import edited_copy, follow_up  # noqa: E402

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PAYWALL = "Subscribe to continue reading. Already a subscriber? Log in to read the full story."
PER_DAY = 1000


# ------------------------------------------------------------------ databases

class Server:
    """Where throw-away databases are made: a given server or an embedded one."""

    def __init__(self) -> None:
        url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
        self.url = url or db.resolve_database_url(None, Path(tempfile.mkdtemp(prefix="bench-dedup-")),
                                                  cleanup_mode="delete")
        self.names: list[str] = []

    def fresh(self) -> str:
        """Create and migrate an empty database; return its URL."""
        name = f"scraper_bench_{secrets.token_hex(4)}"
        self._admin(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        url = urlunsplit(urlsplit(self.url)._replace(path="/" + name)) if "://" in self.url else \
            psycopg2.extensions.make_dsn(self.url, dbname=name)
        conn = db.connect(url)
        db.migrate(conn)
        conn.close()
        return url

    def drop_all(self) -> None:
        for name in self.names:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        conn = psycopg2.connect(self.url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
        conn.close()


# ------------------------------------------------------------------ (a) quality

def dev_articles(dev_set: Path) -> list[tuple[str, list[str]]]:
    """Return (title, paragraphs) of every dev-set page: our extractor's title, the ground-truth body."""
    truth = json.loads((dev_set / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for key, entry in sorted(truth.items()):
        html = gzip.decompress((dev_set / "html" / f"{key}.html.gz").read_bytes())
        title = extract_article(html, entry["url"]).title or entry["articleBody"].split(".")[0][:80]
        paras = [p.strip() for p in entry["articleBody"].split("\n\n") if p.strip()]
        if paras:
            out.append((title, paras))
    return out


def fixture(articles: list[tuple[str, list[str]]]) -> tuple[list[FetchedPage], dict[str, tuple[int, int]]]:
    """Return the labelled pages in fetch order and url -> (copy group, story) labels (group -1: no copies)."""
    pages: list[tuple[datetime, FetchedPage]] = []
    labels: dict[str, tuple[int, int]] = {}

    def add(url: str, source: str, title: str, paras: list[str], at: datetime, group: int, story: int) -> None:
        art = Article(url=url, title=title, body="\n\n".join(paras), published_at=at)
        pages.append((at, FetchedPage(source, url, url, art, at)))
        labels[url] = (group, story)

    originals, donors = articles[0::2], articles[1::2]  # donors' text continues the follow-ups
    for i, (title, paras) in enumerate(originals):
        rng = random.Random(i)
        t0 = NOW - timedelta(days=10) + timedelta(hours=6 * i)
        add(f"https://s0.example/{i}", "s0", title, paras, t0, i, i)
        for k in (1, 2):
            add(f"https://s{k}.example/{i}", f"s{k}", title, edited_copy(paras, rng, f"Outlet {k}"),
                t0 + timedelta(hours=k * 2 + rng.random()), i, i)
        if i < len(donors):
            f_title, f_paras = follow_up(title, paras, donors[i][1][1:6], rng)
            add(f"https://s3.example/{i}", "s3", f_title, f_paras, t0 + timedelta(hours=20 + 10 * rng.random()), -1, i)
    for j, title in enumerate(["Council approves harbour budget", "Teachers end strike", "Storm closes airport",
                               "Minister resigns over expenses", "Club signs new striker"]):
        story = 1000 + j
        add(f"https://s{j % 4}.example/stub{j}", f"s{j % 4}", title, [PAYWALL],
            NOW - timedelta(days=5, hours=j), -1 - story, story)
    pages.sort(key=lambda p: p[0])
    return [p for _, p in pages], labels


def pair_scores(predicted: dict[str, object], truth: dict[str, object]) -> tuple[float, float]:
    """Return pairwise (precision, recall) of 'same cluster' (None never clusters)."""
    urls = sorted(truth)
    tp = fp = fn = 0
    for a, b in itertools.combinations(urls, 2):
        p = predicted[a] is not None and predicted[a] == predicted[b]
        t = truth[a] is not None and truth[a] == truth[b]
        tp += p and t
        fp += p and not t
        fn += t and not p
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def predictions(url: str) -> tuple[dict[str, object], dict[str, object]]:
    """Return url -> original id (self for an original that has copies, else None) and url -> story id."""
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT a.url, coalesce(a.duplicate_of, CASE WHEN EXISTS (SELECT 1 FROM articles c"
                    " WHERE c.duplicate_of = a.id) THEN a.id END), a.story_id FROM articles a")
        got = cur.fetchall()
    conn.close()
    return {u: d for u, d, _ in got}, {u: s for u, _, s in got}


def quality(server: Server, dev_set: Path) -> None:
    articles = dev_articles(dev_set)
    pages, labels = fixture(articles)
    url = server.fresh()
    conn = db.connect(url)
    for k in range(0, len(pages), 20):
        store_pages(conn, pages[k:k + 20])
    dup_truth = {u: (g if g >= 0 else None) for u, (g, _) in labels.items()}
    story_truth = {u: s for u, (_, s) in labels.items()}
    n_dup_pairs = sum(1 for a, b in itertools.combinations(labels, 2)
                      if dup_truth[a] is not None and dup_truth[a] == dup_truth[b])
    n_story_pairs = sum(1 for a, b in itertools.combinations(labels, 2) if story_truth[a] == story_truth[b])
    print(f"\n(a) quality: {len(pages)} labelled pages from {len(articles)} real dev-set pages "
          f"({n_dup_pairs} near-duplicate pairs, {n_story_pairs} same-story pairs)\n")
    print("| dedup thr | story thr | dup P | dup R | story P | story R | stories (true) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    n_true = len(set(story_truth.values()))
    default = (Thresholds().duplicate, Thresholds().story)
    for dup_t, story_t in [default, (0.4, default[1]), (0.6, default[1]), (0.5, 0.06), (0.5, 0.14), (0.5, 0.2)]:
        if (dup_t, story_t) != default:
            relink(conn, Thresholds(duplicate=dup_t, story=story_t), batch_size=500)
        dups, story_pred = predictions(url)
        dp, dr = pair_scores(dups, dup_truth)
        sp, sr = pair_scores(story_pred, story_truth)
        mark = " (default, live store)" if (dup_t, story_t) == default else ""
        print(f"| {dup_t}{mark} | {story_t} | {dp:.3f} | {dr:.3f} | {sp:.3f} | {sr:.3f} | "
              f"{len(set(story_pred.values()))} ({n_true}) |")
    conn.close()


# ------------------------------------------------------------------ (b) cost

class TextModel:
    """Draws news-like text from the dev set's word frequencies (a unigram model)."""

    def __init__(self, articles: list[tuple[str, list[str]]]) -> None:
        counts = Counter(w for _, paras in articles for p in paras for w in p.split())
        self.words, weights = zip(*counts.most_common(), strict=True)
        self.cum = list(itertools.accumulate(weights))

    def text(self, rng: random.Random, n: int) -> str:
        return " ".join(rng.choices(self.words, cum_weights=self.cum, k=n))

    def article(self, rng: random.Random) -> tuple[str, str]:
        title = self.text(rng, 9).title()
        body = "\n\n".join(self.text(rng, rng.randint(40, 90)) + "." for _ in range(rng.randint(4, 8)))
        return title, body


def _copy_rows(cur: object, table: str, columns: str, rows: list[tuple[object, ...]]) -> None:
    """COPY rows (already text or None) into table(columns)."""
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v).replace("\\", "\\\\").replace("\t", " ")
                            .replace("\n", "\\n") for v in row) + "\n")
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buf)  # type: ignore[attr-defined]


def load_background(url: str, model: TextModel, n: int, start_id: int = 1) -> None:
    """Bulk-load `n` background articles (ids start_id..) with their stories, fingerprints, word counts and index rows."""
    rng = random.Random(n)
    conn = psycopg2.connect(url)
    chunk = 10000
    df: dict[int, int] = {}
    with conn, conn.cursor() as cur:
        for base in range(0, n, chunk):
            arts, fps, bands, keys, sts, cents = [], [], [], [], [], []
            for i in range(base, min(n, base + chunk)):
                aid = start_id + i
                title, body = model.article(rng)
                at = NOW - timedelta(days=(n - i) / PER_DAY)
                fp = dedup.fingerprint(body)
                tm = terms.event_terms(title, body)
                for w in tm.words.tolist():
                    df[w] = df.get(w, 0) + 1
                vec = stories.weigh(tm, terms.Rarity(df, i + 1))
                sts.append((aid, title, at.isoformat(), at.isoformat(), 1, 1))
                cents.append((aid, _hex(stories.vector_bytes(vec)), at.isoformat(), at.isoformat(), 1))
                arts.append((f"https://bg{i % 20}.example/{aid}", f"bg{i % 20}", title, body,
                             hashlib.sha256(body.encode()).hexdigest(), at.isoformat(), at.isoformat(),
                             at.isoformat(), at.isoformat(), aid))
                fps.append((aid, _hex(dedup.signature_bytes(fp.signature)), _hex(stories.vector_bytes(vec)),
                            fp.shingle_count, at.isoformat()))
                bands.extend((k, aid) for k in fp.band_keys)
                keys.extend((k, at.isoformat(), aid) for k in stories.key_terms(vec))
            _copy_rows(cur, "stories", "id, title, first_seen_at, last_seen_at, article_count, source_count", sts)
            _copy_rows(cur, "story_centroids", "story_id, centroid, first_event_at, last_event_at, articles", cents)
            _copy_rows(cur, "articles", "url, source, title, body, content_hash, published_at, first_seen_at, "
                                        "last_seen_at, changed_at, story_id", arts)
            _copy_rows(cur, "article_fingerprints", "article_id, body_signature, story_vector, shingle_count, "
                                                    "event_at", fps)
            _copy_rows(cur, "dedup_bands", "band_key, article_id", bands)
            _copy_rows(cur, "story_keys", "term, event_at, article_id", keys)
        _copy_rows(cur, "term_frequencies", "term, articles", sorted(df.items()))
        cur.execute("UPDATE term_totals SET articles = %s", (n,))
        cur.execute("SELECT setval(pg_get_serial_sequence('stories', 'id'), %s)", (start_id + n,))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()


def _hex(data: bytes | None) -> str | None:
    return None if data is None else "\\x" + data.hex()


def new_pages(model: TextModel, url: str, n: int, tag: str) -> list[FetchedPage]:
    """Return `n` new pages fetched now; every fifth is an edited copy of a recent background article."""
    rng = random.Random(tag)
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT title, body FROM articles ORDER BY first_seen_at DESC LIMIT %s", (n,))
        recent = cur.fetchall()
    conn.close()
    pages = []
    for i in range(n):
        if i % 5 == 0 and recent:
            title, body = recent[i % len(recent)]
            body = "\n\n".join(edited_copy(body.split("\n\n"), rng, "Copy Desk"))
        else:
            title, body = model.article(rng)
        at = NOW + timedelta(seconds=i)
        pages.append(FetchedPage(f"new-{tag}", f"https://new.example/{tag}/{i}", f"https://new.example/{tag}/{i}",
                                 Article(url=f"https://new.example/{tag}/{i}", title=title, body=body,
                                         published_at=at), at))
    return pages


def timed_store(url: str, pages: list[FetchedPage], link: bool, batch: int = 50) -> float:
    """Store `pages` in batches; return the seconds spent in store_pages."""
    conn = db.connect(url)
    spent = 0.0
    for k in range(0, len(pages), batch):
        t = time.perf_counter()
        store_pages(conn, pages[k:k + batch], link=link)
        spent += time.perf_counter() - t
    conn.close()
    return spent


def timed_relink(url: str) -> tuple[int, float]:
    """Run relink over the whole database; return (articles, seconds)."""
    conn = db.connect(url)
    t = time.perf_counter()
    counts = relink(conn, Thresholds(), batch_size=1000)
    seconds = time.perf_counter() - t
    conn.close()
    return counts.articles, seconds


def cost(server: Server, dev_set: Path, sizes: list[int], measure: int) -> None:
    model = TextModel(dev_articles(dev_set))
    print(f"\n(b) cost per stored article ({measure} new articles per mode, batches of 50, "
          "on/off interleaved; background bulk-loaded)\n")
    print("| articles in db | load s | linking on ms/article | off ms/article | linking alone ms | on art/s | off art/s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    results = {}
    relink_rate: dict[int, tuple[int, float]] = {}
    for size in sizes:
        url = server.fresh()
        t = time.perf_counter()
        load_background(url, model, size)
        load = time.perf_counter() - t
        on = off = 0.0
        rounds = 4
        for r in range(rounds):  # interleaved, so drift on a shared machine hits both modes
            on += timed_store(url, new_pages(model, url, measure // rounds, f"on{r}"), True)
            off += timed_store(url, new_pages(model, url, measure // rounds, f"off{r}"), False)
        n = rounds * (measure // rounds)
        results[size] = (on / n * 1000, off / n * 1000)
        print(f"| {size} | {load:.0f} | {on / n * 1000:.2f} | {off / n * 1000:.2f} | "
              f"{(on - off) / n * 1000:.2f} | {n / on:.0f} | {n / off:.0f} |", flush=True)
        if size == sizes[0]:
            relink_rate[size] = timed_relink(url)
    for size, (n, seconds) in relink_rate.items():
        print(f"\nscraper relink of the {size}-article database ({n} articles): {seconds:.0f} s, "
              f"{n / seconds:.0f} articles/s")
    if len(sizes) >= 2:
        lo, hi = results[sizes[0]], results[sizes[-1]]
        print(f"\nratio {sizes[-1]}/{sizes[0]}: linking on {hi[0] / lo[0]:.2f}, off {hi[1] / lo[1]:.2f}, "
              f"linking alone {(hi[0] - hi[1]) / max(lo[0] - lo[1], 1e-9):.2f} (target: under 1.5)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-set", type=Path, default=REPO.parent / "shared" / "extraction-dev")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--measure", type=int, default=1000, help="new articles stored per mode and size")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-cost", action="store_true")
    args = parser.parse_args()
    if not (args.dev_set / "ground-truth.json").is_file():
        print(f"bench_dedup: no dev set at {args.dev_set} (set DEV_SET)", file=sys.stderr)
        return 2
    server = Server()
    try:
        if not args.skip_quality:
            quality(server, args.dev_set)
        if not args.skip_cost:
            cost(server, args.dev_set, sorted(args.sizes), args.measure)
    finally:
        server.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
