"""How many new versions would a re-fetch create: dev-set pages re-rendered with cosmetic noise or a real edit.

For every extraction-dev page: extract it; re-render the HTML with cosmetic
noise in its article text (a "Updated 3 minutes ago" line, share and comment
counters, NBSP, soft hyphens, zero-width spaces) and, separately, with a real
edit (a correction paragraph); extract both again. Prints how many re-fetches
count as new versions by the whitespace-only hash used before migration 0005
(`whitespace_hash` below, kept here as the baseline) and by the content
fingerprint now used (`revisions.content_fingerprint`).

    python scripts/revisions_eval.py [--dev-set ../shared/extraction-dev]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
from pathlib import Path

import lxml.html

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scraper.extraction import extract_article  # noqa: E402
from scraper.extraction.page import decode_html  # noqa: E402
from scraper.policy.revisions import content_fingerprint  # noqa: E402


def content_hash(title: str, body: str) -> str:
    """Return the whitespace-only hash the store used before migration 0005 (the baseline)."""
    normalised = " ".join(title.split()) + "\n\n" + " ".join(body.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


CORRECTION = ("Correction: an earlier version of this article misstated the date on which the "
              "agreement was signed; it was signed on Tuesday.")


def rerender(html: bytes, first_paragraph: str, last_paragraph: str, noise: bool) -> bytes | None:
    """Return the page with noise (or a correction) around the article's text; None when it can't be placed."""
    root = lxml.html.document_fromstring(decode_html(html))
    first = _element_with(root, first_paragraph)
    last = _element_with(root, last_paragraph)
    if first is None or last is None:
        return None
    if noise:
        stamp = lxml.html.fragment_fromstring("<p>Updated 3 minutes ago</p>")
        first.addprevious(stamp)
        first.text = (first.text or "").replace(" ", "\u00a0", 2).replace("the", "t\u00adhe", 1) + "\u200b"
        for text in ("Comments (41)", "1.2K shares"):
            last.addnext(lxml.html.fragment_fromstring(f"<p>{text}</p>"))
    else:
        last.addnext(lxml.html.fragment_fromstring(f"<p>{CORRECTION}</p>"))
    return lxml.html.tostring(root, encoding="utf-8")


def _element_with(root: lxml.html.HtmlElement, paragraph: str) -> lxml.html.HtmlElement | None:
    """Return the innermost element whose text starts with the paragraph's first words."""
    probe = " ".join(paragraph.split())[:30]
    found = None
    for el in root.iter("p", "div", "li", "span", "h2"):
        if probe and " ".join(el.text_content().split()).startswith(probe):
            found = el  # later matches are nested deeper
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev-set", type=Path, default=REPO.parent / "shared" / "extraction-dev")
    args = parser.parse_args()
    files = sorted((args.dev_set / "html").glob("*.html.gz"))
    placed = old_cosmetic = new_cosmetic = old_edit = new_edit = reached = 0
    for path in files:
        html = gzip.decompress(path.read_bytes())
        url = f"https://dev.example/{path.name.removesuffix('.html.gz')}"
        art = extract_article(html, url)
        paragraphs = [p for p in art.body.split("\n\n") if p.strip()]
        if not art.is_article or not paragraphs:
            continue
        noisy = rerender(html, paragraphs[0], paragraphs[-1], noise=True)
        edited = rerender(html, paragraphs[0], paragraphs[-1], noise=False)
        if noisy is None or edited is None:
            continue
        placed += 1
        a, n, e = art, extract_article(noisy, url), extract_article(edited, url)
        reached += n.body != a.body
        old_cosmetic += content_hash(n.title, n.body) != content_hash(a.title, a.body)
        new_cosmetic += content_fingerprint(n.title, n.body) != content_fingerprint(a.title, a.body)
        old_edit += content_hash(e.title, e.body) != content_hash(a.title, a.body)
        new_edit += content_fingerprint(e.title, e.body) != content_fingerprint(a.title, a.body)
    print(f"dev-set pages re-rendered: {placed} of {len(files)} (noise placed in the article text)")
    print(f"  cosmetic re-render changed the extracted body on {reached} pages")
    print(f"  new versions from the cosmetic re-render: before 0005 (whitespace hash) {old_cosmetic}, "
          f"now (fingerprint) {new_cosmetic}")
    print(f"  new versions from a real correction paragraph: before {old_edit}, now {new_edit}")


if __name__ == "__main__":
    main()
