"""Extraction quality and speed, tune and check splits side by side, beside trafilatura on the same pages.

Our figures come from the real CLI (`scraper extract --url-map`, one run per set); trafilatura runs
in-process on the same pages in the same run. Speed is pages/s of extraction alone, in-process, on the
same decompressed pages, for both extractors. Check pages are only ever scored in aggregate:
`--per-page` lists tune pages only.

    python scripts/eval.py [--shared ../shared] [--sets dev,more,snippets] [--no-trafilatura] [--per-page]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evalsets  # noqa: E402
import metrics  # noqa: E402
from evalsets import CHECK, TUNE, EvalSet, Page  # noqa: E402

FOLDERS = {"dev": "extraction-dev", "more": "extraction-more", "snippets": "extraction-snippets"}
Output = dict[str, dict[str, Any]]  # key -> {"body", "headlines", "published_at", ...}


def run_cli(pages: tuple[Page, ...]) -> Output:
    """Return the CLI's JSON output per key, from one `scraper extract --url-map` run over `pages`."""
    scraper = Path(sys.executable).with_name("scraper")
    command = [str(scraper)] if scraper.exists() else [sys.executable, "-m", "scraper"]
    with tempfile.TemporaryDirectory() as tmp:
        url_map = Path(tmp) / "urls.json"
        url_map.write_text(json.dumps({str(p.path): p.url for p in pages if p.url}), encoding="utf-8")
        out = subprocess.run([*command, "extract", "--url-map", str(url_map), *(str(p.path) for p in pages)],
                             capture_output=True, text=True)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    by_path = {row["path"]: row for row in rows}
    return {p.key: by_path.get(str(p.path), {}) for p in pages}


def trafilatura_extract() -> Callable[[bytes, str], dict[str, Any]]:
    """Return trafilatura (its comparison's settings, with metadata) as (html, url) -> {"body", "date", ...}."""
    import trafilatura

    def extract(html: bytes, url: str) -> dict[str, Any]:
        found = trafilatura.extract(html, url=url or None, output_format="json", with_metadata=True,
                                    include_comments=False, include_tables=True, include_formatting=False)
        data = json.loads(found) if found else {}
        return {"body": data.get("text") or "", "published_at": data.get("date"), "title": data.get("title") or "",
                "authors": [a.strip() for a in (data.get("author") or "").split(";") if a.strip()]}
    return extract


def ours_extract() -> Callable[[bytes, str], object]:
    """Return our extraction entry point, imported in-process for timing."""
    from scraper.extraction import extract_article
    return extract_article


def timed(extract: Callable[[bytes, str], Any], pages: tuple[Page, ...],
          data: Mapping[str, bytes]) -> tuple[dict[str, Any], float]:
    """Return (result per key, pages/s wall clock) of one in-process pass of `extract` over `pages`."""
    start = time.perf_counter()
    results = {p.key: extract(data[p.key], p.url) for p in pages}
    return results, len(pages) / max(1e-9, time.perf_counter() - start)


def body_figures(pages: tuple[Page, ...], out: Output) -> dict[str, float]:
    """Return the shingle body P/R/F1 of `out` over `pages`."""
    truth = {p.key: p.body or "" for p in pages}
    return metrics.evaluate_bodies(truth, {k: (out.get(k) or {}).get("body") or "" for k in truth})


def sidebar_figures(pages: tuple[Page, ...], out: Output) -> dict[str, float]:
    """Return micro sidebar P/R/F1 and leakage of `out` over the labelled `pages`."""
    labelled = {p.key: list(p.headlines) for p in pages if p.headlines is not None}
    preds = {k: [h["title"] for h in (out.get(k) or {}).get("headlines", [])] for k in labelled}
    bodies = {p.key: p.body or "" for p in pages}
    return metrics.evaluate_sidebars(labelled, preds, bodies)


def snippet_figures(pages: tuple[Page, ...], out: Output, scorer: Any) -> dict[str, float]:
    """Return the snippets set's P/R/F1 (its own score.py) of `out` over `pages`."""
    tp = fn = tn = fp = 0
    for p in pages:
        item = {"with": list(p.with_snippets), "without": list(p.without_snippets)}
        a, b, c, d, _, _ = scorer.count_page(item, (out.get(p.key) or {}).get("body") or "")
        tp, fn, tn, fp = tp + a, fn + b, tn + c, fp + d
    precision, recall, f1, _ = scorer.scores(tp, fn, tn, fp)
    return {"precision": precision, "recall": recall, "f1": f1}


def date_figure(pages: tuple[Page, ...], out: Output) -> float | None:
    """Return the share of dated pages whose extracted publication day equals the gold day."""
    dated = [p for p in pages if p.date]
    if not dated:
        return None
    same = sum(str((out.get(p.key) or {}).get("published_at") or "")[:10] == p.date for p in dated)
    return same / len(dated)


def load_scorer(folder: Path) -> Any:
    """Return the snippets set's own score.py as a module."""
    spec = importlib.util.spec_from_file_location("snippets_score", folder / "score.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def figures(kind: str, pages: tuple[Page, ...], out: Output, scorer: Any, sidebar: bool) -> dict[str, float | None]:
    """Return every figure of one extractor's output on one split of one set."""
    if kind == "snippets":
        f: dict[str, float | None] = {f"snippets {k}": v for k, v in snippet_figures(pages, out, scorer).items()}
        f["date same day"] = date_figure(pages, out)
        return f
    b = body_figures(pages, out)
    f = {"body P": b["precision"], "body R": b["recall"], "body F1": b["f1"]}
    if sidebar:
        s = sidebar_figures(pages, out)
        f.update({"sidebar P": s["precision"], "sidebar R": s["recall"], "sidebar F1": s["f1"],
                  "sidebar leakage": s["leakage"]})
    return f


def evaluate_set(kind: str, dataset: EvalSet, folder: Path, traf: bool, rounds: int) -> dict[str, Any]:
    """Return the figures and speeds of ours (CLI) and trafilatura on one set, per split."""
    data = {p.key: gzip.decompress(p.path.read_bytes()) for p in dataset.pages}
    scorer = load_scorer(folder) if kind == "snippets" else None
    ours_out = run_cli(dataset.pages)
    speeds: dict[str, list[float]] = {"ours": [], "trafilatura": []}
    traf_out: Output = {}
    ours, theirs = ours_extract(), trafilatura_extract() if traf else None
    first = dataset.pages[:3]  # warm up both (imports, lazily built tables) before anything is timed
    timed(ours, first, data)
    if theirs is not None:
        timed(theirs, first, data)
    for _ in range(rounds):
        speeds["ours"].append(timed(ours, dataset.pages, data)[1])
        if theirs is not None:
            result, speed = timed(theirs, dataset.pages, data)
            traf_out = traf_out or result
            speeds["trafilatura"].append(speed)
    table: dict[str, dict[str, float | None]] = {}
    for split in (TUNE, CHECK):
        pages = dataset.split(split)
        table[f"ours {split}"] = figures(kind, pages, ours_out, scorer, sidebar=kind == "dev")
        if traf:
            table[f"trafilatura {split}"] = figures(kind, pages, traf_out, scorer, sidebar=False)
    return {"table": table, "speeds": {k: statistics.median(v) for k, v in speeds.items() if v},
            "sizes": {s: len(dataset.split(s)) for s in (TUNE, CHECK)}, "ours": ours_out}


def print_set(name: str, result: dict[str, Any]) -> None:
    """Print one set's figures as a markdown table: figures down, extractor x split across."""
    table, sizes = result["table"], result["sizes"]
    columns = list(table)
    names = list(dict.fromkeys(f for col in columns for f in table[col]))
    print(f"\n### {name}: tune {sizes[TUNE]} pages, check {sizes[CHECK]} pages\n")
    print("| figure | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for figure in names:
        cells = [table[c].get(figure) for c in columns]
        digits = 0 if "leakage" in figure else 3
        print(f"| {figure} | " + " | ".join("-" if v is None else f"{v:.{digits}f}" for v in cells) + " |")
    s = result["speeds"]
    ratio = f", ours/trafilatura {s['ours'] / s['trafilatura']:.2f}x" if "trafilatura" in s else ""
    print(f"\npages/s (in-process, all {sizes[TUNE] + sizes[CHECK]} pages): ours {s['ours']:.1f}"
          + (f", trafilatura {s['trafilatura']:.1f}" if "trafilatura" in s else "") + ratio)


def print_tune_pages(kind: str, dataset: EvalSet, out: Output) -> None:
    """Print per-page body F1 (worst first) and sidebar counts, for TUNE pages only."""
    pages = [p for p in dataset.split(TUNE) if p.body is not None]
    print(f"\n{dataset.name}: tune pages, worst body F1 first (check pages are never listed)")
    for p in sorted(pages, key=lambda p: metrics.page_f1(p.body, (out.get(p.key) or {}).get("body"))):
        print(f"  {p.key[:24]} {metrics.page_f1(p.body, (out.get(p.key) or {}).get('body')):.3f} {p.url[:70]}")
    for p in dataset.split(TUNE):
        if p.headlines is not None:
            got = [h["title"] for h in (out.get(p.key) or {}).get("headlines", [])]
            print(f"  sidebar {p.key[:12]} (tp, fp, fn) {metrics.match_headlines(p.headlines, got)}")


def main(argv: list[str] | None = None) -> int:
    """Print the evaluation tables; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"), help="folder holding the sets")
    parser.add_argument("--sets", default="dev,more,snippets", help="comma-separated: dev, more, snippets")
    parser.add_argument("--no-trafilatura", action="store_true", help="only our extractor (faster)")
    parser.add_argument("--rounds", type=int, default=1, help="timing passes per extractor; the median is reported")
    parser.add_argument("--per-page", action="store_true", help="also list tune pages' scores (never check pages)")
    args = parser.parse_args(argv)
    for kind in args.sets.split(","):
        folder = args.shared / FOLDERS[kind]
        dataset = evalsets.LOADERS[kind](folder)
        result = evaluate_set(kind, dataset, folder, not args.no_trafilatura, max(1, args.rounds))
        print_set(dataset.name, result)
        if args.per_page and kind != "snippets":
            print_tune_pages(kind, dataset, result["ours"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
