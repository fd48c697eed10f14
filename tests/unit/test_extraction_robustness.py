"""extract_article never raises: random bytes and mangled real pages give an Article, with a reason when empty."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.extraction import Article, extract_article
from scraper.extraction.parse import repair_mislabelled_utf8

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
# One small real page, cut to keep each example fast.
SAMPLE = gzip.decompress(sorted(PAGES.glob("*.html.gz"), key=lambda p: p.stat().st_size)[0].read_bytes())[:60_000]
TAGS = [m.start() for m in re.finditer(rb"<", SAMPLE)]
URLS = st.sampled_from(["https://example.com/news/2024/01/02/a-story", "", "not a url", "http://[::1", "ftp://x/y",
                        "https://example.com/" + "a/" * 300])
CHARSETS = st.sampled_from([b"utf-8", b"latin-1", b"utf-16", b"shift_jis", b"no-such-charset", b"\xff\xfe", b""])

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(article: object) -> None:
    assert isinstance(article, Article)
    assert isinstance(article.body, str) and isinstance(article.title, str)
    assert article.is_article or article.reason
    assert article.published_at is None or article.published_at.tzinfo is not None


@FAST
@given(st.binary(max_size=4000), URLS)
def test_random_bytes(data: bytes, url: str) -> None:
    _check(extract_article(data, url))


@FAST
@given(st.text(max_size=2000), URLS)
def test_random_text(data: str, url: str) -> None:
    _check(extract_article(data, url))


@st.composite
def mutated_pages(draw: st.DrawFn) -> bytes:
    page = SAMPLE
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["truncate", "delete_tag", "duplicate_tag", "nest", "charset", "garbage"]))
        at = TAGS[draw(st.integers(0, len(TAGS) - 1))] if TAGS else 0
        if op == "truncate":
            page = page[:draw(st.integers(0, len(page)))]
        elif op == "delete_tag":
            end = page.find(b">", at)
            page = page[:at] + page[end + 1:] if end > 0 else page
        elif op == "duplicate_tag":
            end = page.find(b">", at)
            page = page[:end + 1] + page[at:end + 1] * draw(st.integers(1, 50)) + page[end + 1:] if end > 0 else page
        elif op == "nest":
            depth = draw(st.integers(1, 5000))
            tag = draw(st.sampled_from([b"div", b"span", b"a", b"table", b"p", b"ul"]))
            page = page[:at] + b"<" + tag + b">" * 1 + (b"<" + tag + b">") * depth + b"text" + page[at:]
        elif op == "charset":
            page = b'<meta charset="' + draw(CHARSETS) + b'">' + page
        else:
            page = page[:at] + draw(st.binary(max_size=200)) + page[at:]
    return page


@FAST
@given(mutated_pages(), URLS)
def test_mutated_real_page(page: bytes, url: str) -> None:
    _check(extract_article(page, url))


def test_deep_nesting_and_huge_flat_page() -> None:
    deep = b"<html><body>" + b"<div>" * 100_000 + b"<p>deep text</p>" + b"</div>" * 100_000
    flat = b"<html><body>" + b"<p>word word word, word.</p>" * 40_000
    for page in (deep, flat):
        _check(extract_article(page, "https://example.com/a/b-c-d"))


def test_wrongly_declared_charset_still_decodes() -> None:
    page = '<html><head><meta charset="ascii"></head><body><p>Café crème — déjà vu</p></body></html>'.encode()
    article = extract_article(page, "https://example.com/x")
    _check(article)
    assert "Caf" in article.body


def test_a_windows_1252_page_that_declares_no_charset_is_read_as_such() -> None:
    sentence = "Caf\xe9 owners in Orl\xe9ans said the \u2018new rules\u2019 would cost them dearly this winter. "
    html = ("<html><body><article><h1>Caf\xe9s</h1>" + f"<p>{sentence * 4}</p>" * 4 + "</article></body></html>")
    article = extract_article(html.encode("cp1252"), "https://example.com/2024/01/01/cafes-count-the-cost.html")
    assert article.is_article
    assert article.body.startswith("Caf\xe9 owners in Orl\xe9ans said the \u2018new rules\u2019")


def test_windows_1252_served_as_utf8_is_read_as_windows_1252_but_real_utf8_is_kept() -> None:
    text = "Zürich café — “quoted” €5"
    cp1252 = f"<p>{text}</p>".encode("cp1252")
    assert repair_mislabelled_utf8(cp1252, cp1252.decode("utf-8", "replace"), "utf-8") == f"<p>{text}</p>"
    # a UTF-8 page with one stray byte keeps its UTF-8 reading
    mostly_utf8 = f"<p>{text}</p>".encode() + b"\x96"
    declared = mostly_utf8.decode("utf-8", "replace")
    assert repair_mislabelled_utf8(mostly_utf8, declared, "UTF-8") == declared
    # another declared charset is trusted as it is
    assert repair_mislabelled_utf8(cp1252, "as declared", "iso-8859-2") == "as declared"


def test_valid_utf8_beats_a_legacy_meta_charset_unless_the_http_header_names_one() -> None:
    sentence = "Zürich café owners said the “new rules” would cost them €5 a day this winter. "
    html = ('<html><head><meta charset="iso-8859-1"></head><body><article><h1>Cafés</h1>'
            + f"<p>{sentence * 4}</p>" * 4 + "</article></body></html>").encode("utf-8")
    article = extract_article(html, "https://example.com/2024/01/01/cafes-count-the-cost.html")
    assert article.body.startswith("Zürich café owners said the “new rules”")
    declared = html.decode("iso-8859-1")
    assert repair_mislabelled_utf8(html, declared, "iso-8859-1") == html.decode("utf-8")
    header = "text/html; charset=iso-8859-1"  # a server that names the charset is believed
    assert repair_mislabelled_utf8(html, declared, "iso-8859-1", header) == declared


def test_a_text_page_with_a_few_nul_bytes_is_not_binary_but_random_bytes_are() -> None:
    from scraper.extraction.parse import looks_binary

    page = ("<html><head><title>Nul\x00 in the\x00 title</title></head><body>"
            + "<p>A paragraph of text with a NUL\x00 byte.</p>" + "<p>A paragraph of plain text.</p>" * 20
            + "</body></html>").encode()
    assert not looks_binary(page)
    assert looks_binary(bytes((i * 7919 + 13) % 256 for i in range(5000)))
    assert not looks_binary("\x00 text given as str is never binary")
