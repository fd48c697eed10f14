"""Extraction quality on the dev set, beside trafilatura: body P/R/F1, sidebar P/R/F1, pages/s.

Our numbers come from the real CLI (`scraper extract --url-map`), run as a subprocess over
every page; speed is measured in-process for both extractors on the same decoded pages.

    python scripts/eval.py --dev-set ../shared/extraction-dev [--per-page] [--no-trafilatura]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import metrics  # noqa: E402

OURS = "ours (scraper extract)"
TUNE_PREFIXES = tuple("0123456789ab")  # keys starting with these were looked at while tuning


def load_dev_set(root: Path) -> tuple[dict[str, dict], dict[str, dict], dict[str, Path]]:
    """Return (ground truth by key, sidebar labels by key, page path by key)."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    sidebar_path = root / "sidebar-truth.json"
    sidebar = {r["key"]: r for r in json.loads(sidebar_path.read_text(encoding="utf-8"))} if sidebar_path.exists() else {}
    paths = {key: root / "html" / f"{key}.html.gz" for key in truth}
    return truth, sidebar, paths


def run_cli(truth: Mapping[str, dict], paths: Mapping[str, Path]) -> dict[str, dict]:
    """Return the CLI's JSON output per key, from one `scraper extract --url-map` run over all pages."""
    scraper = Path(sys.executable).with_name("scraper")
    command = [str(scraper)] if scraper.exists() else [sys.executable, "-m", "scraper"]
    with tempfile.TemporaryDirectory() as tmp:
        url_map = Path(tmp) / "urls.json"
        url_map.write_text(json.dumps({str(paths[k]): truth[k]["url"] for k in truth}), encoding="utf-8")
        out = subprocess.run([*command, "extract", "--url-map", str(url_map), *map(str, paths.values())],
                             capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    by_path = {row["path"]: row for row in rows}
    return {k: by_path[str(paths[k])] for k in truth}


def time_pages(extract: Callable[[bytes, str], object], pages: Mapping[str, bytes],
               urls: Mapping[str, str]) -> tuple[float, float]:
    """Return (wall-clock, CPU) pages per second of `extract` over all pages, single process."""
    wall, cpu = time.perf_counter(), time.process_time()
    for key, html in pages.items():
        extract(html, urls[key])
    return len(pages) / (time.perf_counter() - wall), len(pages) / (time.process_time() - cpu)


def trafilatura_extractors() -> dict[str, Callable[[bytes, str], str]]:
    """Return trafilatura's default and tuned configurations as (html, url) -> text functions."""
    import trafilatura

    def make(**options: bool) -> Callable[[bytes, str], str]:
        def extract(html: bytes, url: str) -> str:
            return trafilatura.extract(html, url=url, output_format="txt", include_comments=False, **options) or ""
        return extract

    return {"trafilatura (default)": make(), "trafilatura (favor_precision)": make(favor_precision=True),
            "trafilatura (favor_recall)": make(favor_recall=True)}


def median_speeds(extractors: Mapping[str, Callable[[bytes, str], object]], pages: Mapping[str, bytes],
                  urls: Mapping[str, str], rounds: int) -> dict[str, tuple[float, float]]:
    """Return each extractor's median (wall, CPU) pages/s over `rounds` interleaved passes.

    The machine is shared and single passes vary by up to 2x; interleaving gives every extractor
    the same conditions and the median drops the outliers.
    """
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in extractors}
    for _ in range(rounds):
        for name, extract in extractors.items():
            runs[name].append(time_pages(extract, pages, urls))
    return {name: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r)) for name, r in runs.items()}


def score(truth: Mapping[str, dict], sidebar: Mapping[str, dict], bodies: Mapping[str, str],
          headlines: Mapping[str, list[str]] | None, keys: set[str]) -> dict[str, float | None]:
    """Return body and sidebar figures over `keys`."""
    true_bodies = {k: truth[k]["articleBody"] for k in truth if k in keys}
    figures: dict[str, float | None] = dict(metrics.evaluate_bodies(true_bodies, bodies))
    labelled = {k: [h["title"] for h in sidebar[k]["headlines"]] for k in sidebar if k in keys}
    if headlines is None or not labelled:
        figures.update(s_precision=None, s_recall=None, s_f1=None, leakage=None)
    else:
        s = metrics.evaluate_sidebars(labelled, headlines, true_bodies)
        figures.update(s_precision=s["precision"], s_recall=s["recall"], s_f1=s["f1"], leakage=s["leakage"])
    return figures


def print_table(title: str, rows: list[tuple[str, dict[str, float | None], float | None, float | None]]) -> None:
    """Print one markdown table of figures."""
    def cell(v: float | None, digits: int = 3) -> str:
        return "-" if v is None else f"{v:.{digits}f}" if digits else f"{v:.0f}"

    print(f"\n{title}\n")
    print("| extractor | body P | body R | body F1 | accuracy | sidebar P | sidebar R | sidebar F1 | leakage | pages/s | ours/this speed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, f, speed, ratio in rows:
        print(f"| {name} | {cell(f['precision'])} | {cell(f['recall'])} | {cell(f['f1'])} | {cell(f['accuracy'])} "
              f"| {cell(f['s_precision'])} | {cell(f['s_recall'])} | {cell(f['s_f1'])} | {cell(f['leakage'], 0)} "
              f"| {cell(speed, 1)} | {cell(ratio, 2)} |")


def main(argv: list[str] | None = None) -> int:
    """Print the evaluation tables; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-set", type=Path, default=Path("../shared/extraction-dev"))
    parser.add_argument("--no-trafilatura", action="store_true", help="only our extractor")
    parser.add_argument("--rounds", type=int, default=5, help="timing passes per extractor; the median is reported")
    parser.add_argument("--per-page", action="store_true", help="also print per-page body F1 and sidebar counts")
    args = parser.parse_args(argv)

    from scraper.extraction import extract_article

    truth, sidebar, paths = load_dev_set(args.dev_set)
    urls = {k: v["url"] for k, v in truth.items()}
    pages = {k: gzip.decompress(p.read_bytes()) for k, p in paths.items()}
    cli = run_cli(truth, paths)
    ours_bodies = {k: row.get("body") or "" for k, row in cli.items()}
    ours_headlines = {k: [h["title"] for h in row.get("headlines", [])] for k, row in cli.items()}
    others = {} if args.no_trafilatura else trafilatura_extractors()
    other_bodies = {name: {k: extract(pages[k], urls[k]) for k in truth} for name, extract in others.items()}
    speeds = median_speeds({OURS: extract_article, **others}, pages, urls, args.rounds)
    ours_speed = speeds[OURS][0]
    in_own_body = sum(metrics.leaked(ours_headlines[k], ours_bodies[k]) for k in sidebar)
    runs = {name: (other_bodies[name], speeds[name][0]) for name in others}

    splits = {"all pages": set(truth), "tuning split (keys 0-9a-b)": {k for k in truth if k.startswith(TUNE_PREFIXES)},
              "held-out split (keys c-f)": {k for k in truth if not k.startswith(TUNE_PREFIXES)}}
    for split, keys in splits.items():
        rows = [(OURS, score(truth, sidebar, ours_bodies, ours_headlines, keys), ours_speed, 1.0)]
        for label, (bodies, speed) in runs.items():
            rows.append((label, score(truth, sidebar, bodies, None, keys), speed, ours_speed / speed))
        n_side = len([k for k in sidebar if k in keys])
        print_table(f"### {split}: {len(keys)} pages ({n_side} with sidebar labels)", rows)
    print(f"\nsidebar headlines whose text is inside our own body: {in_own_body}")
    print(f"speed: median of {args.rounds} interleaved passes over the same {len(pages)} decompressed pages, "
          "time.perf_counter, one process; in CPU time (time.process_time), pages/s:")
    for name, (_, cpu) in speeds.items():
        print(f"  {name}: {cpu:.1f} (ours/this {speeds[OURS][1] / cpu:.2f})")
    if args.per_page:
        print_per_page(truth, sidebar, ours_bodies, ours_headlines)
    return 0


def print_per_page(truth: Mapping[str, dict], sidebar: Mapping[str, dict], bodies: Mapping[str, str],
                   headlines: Mapping[str, list[str]]) -> None:
    """Print each page's body F1 (worst first) and each labelled page's sidebar (tp, fp, fn)."""
    print("\nper page body F1 (worst first)")
    for key in sorted(truth, key=lambda k: metrics.page_f1(truth[k]["articleBody"], bodies[k])):
        print(f"  {key[:12]} {metrics.page_f1(truth[key]['articleBody'], bodies[key]):.3f} {truth[key]['url'][:70]}")
    print("\nper page sidebar (tp, fp, fn)")
    for key, record in sidebar.items():
        print(f"  {key[:12]} {metrics.match_headlines([h['title'] for h in record['headlines']], headlines[key])}")


if __name__ == "__main__":
    sys.exit(main())
