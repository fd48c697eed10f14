"""The `scraper` command: one function per subcommand and a single error boundary.

Exit codes: 0 success; 1 a failed crawl, an unreachable database or another
error; 2 bad configuration, bad arguments or a refused URL; 3 a crawl of that
source is already running; 130 interrupted.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scraper.errors import ConfigError, RefusedURL, ScraperError, one_line
from scraper.settings import Settings, declared, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line in `argv` and return its exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings({"config": args.config, "host": getattr(args, "host", None),
                                  "port": getattr(args, "port", None)})
        return int(args.func(args, settings) or 0)
    except ScraperError as exc:
        print(f"scraper: {one_line(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("scraper: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, with the traceback on request
        if os.environ.get("SCRAPER_LOG_LEVEL", "").upper() == "DEBUG":
            traceback.print_exc()
        print(f"scraper: unexpected error: {type(exc).__name__}: {one_line(exc)} "
              "(set SCRAPER_LOG_LEVEL=DEBUG for the traceback)", file=sys.stderr)
        return 1


def _settings_help() -> str:
    """Return the settings the environment (or .env) may set, with defaults: the --help epilog."""
    lines = ["settings (environment or .env; crawl knobs also per source in [sources.settings]):"]
    for d in declared():
        default = "unset" if d.default is None else d.default
        lines.append(f"  {d.env} (default: {default})\n      {d.help.replace('`', '')}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scraper", description="News-aggregation scraper service.",
                                     epilog=_settings_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=None, help="sources file (default: $SCRAPER_CONFIG or sources.toml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="the daemon: migrate, schedule every source, serve the ops page")
    run.add_argument("--config", default=argparse.SUPPRESS, help="sources file")
    run.add_argument("--host", help="ops page address (default 127.0.0.1)")
    run.add_argument("--port", type=int, help="ops page port (default 8080)")
    run.set_defaults(func=cmd_run)

    crawl = sub.add_parser("crawl", help="crawl one source now, or fetch one article with --url")
    crawl.add_argument("source", nargs="?", help="source name from the sources file")
    crawl.add_argument("--url", help="fetch and store this one article page")
    crawl.add_argument("--config", default=argparse.SUPPRESS, help="sources file")
    crawl.add_argument("--trigger", choices=["manual", "schedule", "api"], default="manual",
                       help=argparse.SUPPRESS)
    crawl.set_defaults(func=cmd_crawl)

    extract = sub.add_parser("extract", help="offline: extract article JSON from saved pages")
    extract.add_argument("files", nargs="+", metavar="FILE", help="HTML files (.gz read transparently)")
    extract.add_argument("--url", help="the page address, when one file is given")
    extract.add_argument("--url-map", metavar="JSON", help="a JSON file mapping each FILE to its page address")
    extract.add_argument("--source", help="apply this source's [sources.extraction] selectors (from --config)")
    extract.add_argument("--explain", action="store_true", help="print every block's label and reason, not JSON")
    extract.add_argument("--config", default=argparse.SUPPRESS, help="sources file")
    extract.set_defaults(func=cmd_extract)

    dbp = sub.add_parser("db", help="database maintenance")
    dbsub = dbp.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = dbsub.add_parser("upgrade", help="apply pending migrations")
    upgrade.set_defaults(func=cmd_db_upgrade)

    relink = sub.add_parser("relink", help="rebuild near-duplicate and story links from stored articles")
    relink.add_argument("--batch-size", type=int, default=1000, help="articles per transaction (default 1000)")
    relink.set_defaults(func=cmd_relink)

    status = sub.add_parser("status", help="recent crawl runs per source, with counts and errors")
    status.add_argument("--limit", type=int, default=5, help="runs per source (default 5)")
    status.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    status.set_defaults(func=cmd_status)
    return parser


def cmd_crawl(args: argparse.Namespace, settings: Settings) -> int:
    """Crawl a source now (or one URL); print the summary; 0 on success."""
    from scraper.crawling.runner import run_crawl, source_for_url
    from scraper.sources import load_sources

    if bool(args.source) == bool(args.url):
        raise ConfigError("crawl takes a SOURCE name or --url URL, not both or neither")
    config = load_sources(settings.config)
    if args.url:
        source, refuse_private = source_for_url(config, args.url)
        summary = run_crawl(settings, source, args.trigger, only_urls=[args.url],
                            refuse_private=refuse_private, lock_name=f"{source.name} url {args.url}")
        if summary.refused:
            raise RefusedURL(f"{args.url}: {summary.error}; set allow_private_addresses = true in "
                             f"{config.path} to allow it")
    else:
        summary = run_crawl(settings, config.get(args.source), args.trigger)
    print(summary.line())
    if summary.status != "succeeded":
        print(f"scraper: crawl of {summary.source} failed: {summary.error}", file=sys.stderr)
        return 1
    return 0


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    """Print one JSON line per input file, in input order; 1 when any file could not be read or is binary.

    Without --url/--url-map a page's own address (rel=canonical, og:url, JSON-LD url) is used.
    """
    from scraper.extraction import analyse_page
    from scraper.sources import load_sources

    if args.url and len(args.files) != 1:
        raise ConfigError("--url takes exactly one FILE; use --url-map for several")
    urls = _url_map(args.url_map) if args.url_map else {}
    rules = load_sources(settings.config).get(args.source).extraction if args.source else None
    failed = 0
    for name in args.files:
        given = args.url or urls.get(name) or ""
        try:
            data = _read_page(Path(name))
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            failed += 1
            print(f"scraper: {name}: cannot read: {exc}", file=sys.stderr)
            print(json.dumps({"path": name, "url": given or Path(name).resolve().as_uri(), "error": f"cannot read: {exc}"}))
            continue
        analysis = analyse_page(data, given, rules)
        failed += _warn_extract(name, given, analysis)
        if args.explain:
            _print_explanation(name, analysis)
        else:
            print(json.dumps(_article_json(name, analysis.article), ensure_ascii=False))
    return 1 if failed else 0


def _warn_extract(name: str, given: str, analysis: Any) -> int:
    """Say on stderr what the user must know about one page; return 1 when it counts as failed."""
    if analysis.article.reason.startswith("binary"):
        print(f"scraper: {name}: binary content, not an HTML page: body left empty", file=sys.stderr)
        return 1
    if not given and not analysis.address_from:
        print(f"scraper: {name}: the page names no address of its own (rel=canonical, og:url, JSON-LD url) "
              "and no --url was given: relative links cannot be resolved, no headlines are found", file=sys.stderr)
    return 0


def _print_explanation(name: str, analysis: Any) -> None:
    """Print the page's address and body source, then one line per block: index, label, reason, text."""
    article = analysis.article
    print(f"# {name}  url={article.url or '-'} ({analysis.address_from or 'no address'})  "
          f"body from {analysis.body_from}  is_article={article.is_article} {article.reason}".rstrip())
    for item in analysis.blocks:
        text = " ".join(item.block.text.split())
        print(f"{item.block.index:5d}  {item.label:<13}  {item.reason[:60]:<60}  | {text[:80]}")


def _url_map(path: str) -> dict[str, str]:
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--url-map {path}: cannot read a JSON object of file -> URL: {exc}") from None
    if not isinstance(mapping, dict):
        raise ConfigError(f"--url-map {path}: expected a JSON object mapping each file to its URL")
    return {str(k): str(v) for k, v in mapping.items()}


def _read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _article_json(path: str, article: Any) -> dict[str, Any]:
    return {
        "path": path,
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "authors": list(article.authors),
        "language": article.language,
        "image_url": article.image_url,
        "paywalled": article.paywalled,
        "is_article": article.is_article,
        "reason": article.reason,
        "headlines": [{"title": h.title, "url": h.url, "block": h.block} for h in article.headlines],
    }


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending migrations and say which."""
    from scraper.storage import db

    conn = db.connect(db.resolve_database_url(settings.database_url, settings.data_dir))
    try:
        applied = db.migrate(conn)
        if settings.reader_password:
            db.set_reader_password(conn, settings.reader_password)
    finally:
        conn.close()
    print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "database is up to date")
    return 0


def cmd_relink(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild dedup and story links in batches, printing progress; 0 on success."""
    from scraper.storage import db
    from scraper.storage.linking import LinkCounts, relink, thresholds_from

    if args.batch_size < 1:
        raise ConfigError(f"--batch-size {args.batch_size}: give a whole number of at least 1")

    def progress(done: int, total: int, counts: LinkCounts) -> None:
        print(f"relinked {done}/{total} articles: {counts.duplicates} copies, "
              f"{counts.new_stories} stories", flush=True)

    conn = db.connect(db.resolve_database_url(settings.database_url, settings.data_dir))
    try:
        db.migrate(conn)
        counts = relink(conn, thresholds_from(settings), args.batch_size, progress)
    finally:
        conn.close()
    print(f"done: {counts.articles} articles, {counts.duplicates} near-duplicate copies, "
          f"{counts.new_stories} stories ({counts.merged} merged into older ones); story ids kept")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """Print one line per source (last run, outcome, counts, next run, health), then its recent runs."""
    from datetime import UTC, datetime

    from scraper.service.schedule import next_run_estimate
    from scraper.service.status import source_statuses, status_lines
    from scraper.storage import db, runs

    now = datetime.now(UTC)

    def estimate(source: Any, latest: dict[str, Any] | None) -> datetime:
        return next_run_estimate(source, latest["started_at"] if latest else None, now)

    conn = db.connect(db.resolve_database_url(settings.database_url, settings.data_dir))
    try:
        db.migrate(conn)
        statuses = source_statuses(conn, _configured_sources(settings), estimate, unconfigured=True)
        recent = {s.name: runs.recent_runs(conn, limit=args.limit, source=s.name) for s in statuses}
    finally:
        conn.close()
    if not statuses:
        print(f"no crawl has run yet, and there is no sources file at {settings.config}")
        return 0
    if args.json:
        for row in (r for rows in recent.values() for r in rows):
            print(json.dumps(row, default=str))
        return 0
    print("\n".join(status_lines(statuses, recent, now, args.limit)))
    return 0


def _configured_sources(settings: Settings) -> list[Any]:
    """Return the sources of the sources file, or [] when there is none (status works without one)."""
    from scraper.sources import load_sources

    if not Path(settings.config).is_file():
        return []
    return list(load_sources(settings.config).sources)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the daemon until SIGTERM/SIGINT."""
    from scraper.service.main import run_daemon

    return run_daemon(settings)
