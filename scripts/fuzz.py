"""Coverage-guided fuzzing (atheris/libFuzzer) of what reads untrusted input, for a fixed time.

Targets: extract_article (HTML bytes), parse_listing (feeds, sitemaps, sections) and
canonical_url. The first input byte picks the target. Seeds: the real pages in
tests/data/pages and the feeds and sitemaps of the local test site. Any exception is a
crash: libFuzzer prints it, writes the input to ./crash-*, and this exits non-zero.
The bounded hypothesis tests in tests/unit/test_fuzz.py run in `make test`; this does not.

    python scripts/fuzz.py [--seconds 120]        (make fuzz; needs the `fuzz` extra: atheris)
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import atheris

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

with atheris.instrument_imports():
    from scraper.extraction import extract_article
    from scraper.extraction.listings import parse_listing
    from scraper.extraction.urls import canonical_url

URL = "https://news.example/2026/03/01/a-story.html"
CONTENT_TYPES = [None, "text/html", "application/rss+xml", "application/xml", "application/json"]


def one_input(data: bytes) -> None:
    if not data:
        return
    target, body = data[0] % 3, data[1:]
    if target == 0:
        extract_article(body, URL)
    elif target == 1:
        parse_listing(body, URL, CONTENT_TYPES[len(body) % len(CONTENT_TYPES)])
    else:
        text = body.decode("utf-8", "replace")
        canonical_url(text, base=URL if len(body) % 2 else None)


def seed_corpus(directory: Path) -> None:
    """Write seeds: real pages (for extraction) and the test site's listings (for discovery)."""
    from tests.newssite.pages import Entry, atom_xml, rss_xml, sitemap_xml

    for i, path in enumerate(sorted((REPO / "tests" / "data" / "pages").glob("*.html.gz"))[:20]):
        (directory / f"page-{i}").write_bytes(b"\x00" + gzip.decompress(path.read_bytes())[:100_000])
    now = datetime(2026, 3, 1, tzinfo=UTC)
    entries = [Entry(f"https://news.example/2026/02/{i}/story.html", f"Story {i}", now) for i in range(3)]
    for name, body in (("rss", rss_xml(entries, URL)), ("atom", atom_xml(entries, URL, now)),
                       ("sitemap", sitemap_xml(entries, news=True))):
        (directory / name).write_bytes(b"\x01" + body)
    (directory / "url").write_bytes(b"\x02http://Example.COM:80/a/../b?utm_source=x&b=1#frag")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120)
    args, rest = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as corpus:
        seed_corpus(Path(corpus))
        atheris.Setup([sys.argv[0], f"-max_total_time={args.seconds}", "-rss_limit_mb=2048",
                       "-timeout=20", *rest, corpus], one_input)
        atheris.Fuzz()


if __name__ == "__main__":
    main()
