"""Regenerate machine-read fields of the golden pages' expected.json from the current extraction.

Only the fields named are rewritten, for the pages named, and every change is printed; the
hand-checked fields (true_body, body_starts/ends, headlines_include/exclude, min_f1) are never
touched. Use it when extraction got better and say why in the commit.

    python scripts/golden.py --field authors KEY [KEY...]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

PAGES = Path(__file__).resolve().parents[1] / "tests" / "data" / "pages"
FIELDS = ("title", "published_at", "authors", "language")


def current(key: str, url: str) -> dict[str, object]:
    """Return the machine-read fields the extractor gives the golden page `key` now."""
    from scraper.extraction import extract_article

    article = extract_article(gzip.decompress((PAGES / f"{key}.html.gz").read_bytes()), url)
    return {"title": article.title, "language": article.language, "authors": list(article.authors),
            "published_at": article.published_at.isoformat() if article.published_at else None}


def main(argv: list[str] | None = None) -> int:
    """Rewrite the named fields of the named pages; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--field", action="append", choices=FIELDS, required=True)
    parser.add_argument("keys", nargs="+", help="page keys (a unique prefix is enough)")
    args = parser.parse_args(argv)
    path = PAGES / "expected.json"
    expected = json.loads(path.read_text(encoding="utf-8"))
    for prefix in args.keys:
        (key,) = [k for k in expected if k.startswith(prefix)]
        now = current(key, expected[key]["url"])
        for field in args.field:
            if expected[key].get(field) != now[field]:
                print(f"{key[:12]} {field}: {expected[key].get(field)!r} -> {now[field]!r}")
                expected[key][field] = now[field]
    path.write_text(json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
