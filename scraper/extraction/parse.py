"""Decoding and parsing: bytes of any quality in, one lxml tree (or None) out."""

from __future__ import annotations

import re

import lxml.html  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]
from w3lib.encoding import html_to_unicode

# Bigger pages are cut: real articles are far below this, and parse time grows with size.
MAX_CHARS = 6_000_000
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)


def _undeclared_encoding(data: bytes) -> str | None:
    """Return the encoding of a page that declares none: utf-8 when it decodes, else Windows-1252 (old sites)."""
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def valid_utf8(data: bytes) -> str | None:
    """Return `data` decoded as UTF-8 when it is valid UTF-8 holding non-ASCII text, else None.

    Such bytes are almost never a legacy encoding by chance: a page whose bytes are valid UTF-8
    but whose <meta charset> names a legacy one is UTF-8 with a stale declaration.
    """
    if data.isascii():
        return None  # 7-bit pages (ASCII, ISO-2022-JP escapes) read the same or need their declaration
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _header_charset(content_type: str | None) -> bool:
    return "charset=" in (content_type or "").lower()


def repair_mislabelled_utf8(body: bytes, text: str, encoding: str, content_type: str | None = None) -> str:
    """Return `text` (body decoded as declared), or `body` re-read where the declaration was a mislabel.

    Without a charset in the HTTP header (`content_type`), valid UTF-8 bytes are read as UTF-8
    whatever the page's <meta> says.

    Old sites serve Windows-1252 under a UTF-8 header or meta tag. Such bytes
    almost never form a valid multi-byte UTF-8 sequence, while a real UTF-8
    page with non-ASCII text is full of them: so a page declared UTF-8 that
    does not decode, and holds no valid non-ASCII character at all, is read as
    Windows-1252 instead of losing every accented letter and curly quote.
    """
    is_utf8 = encoding.lower().replace("-", "").replace("_", "") == "utf8"
    if not is_utf8 and not _header_charset(content_type):
        return valid_utf8(body) or text
    if not is_utf8 or "\ufffd" not in text:
        return text
    decoded = body.decode("utf-8", errors="replace")
    if "\ufffd" not in decoded or any(ord(c) > 127 and c != "\ufffd" for c in decoded):
        return text  # valid UTF-8 (the replacement character is content), or UTF-8 with a few stray bytes
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError:  # one of the five bytes Windows-1252 leaves undefined
        return text


_CONTROL = frozenset(range(0, 9)) | frozenset(range(14, 32))


def looks_binary(html: bytes | str) -> bool:
    """Return True when the start of `html` is binary data (images, archives, PDFs), not a text page."""
    if isinstance(html, str):
        return False
    head = bytes(html[:8192])
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False  # a byte-order mark: UTF-16 or UTF-8 text
    controls = sum(1 for byte in head if byte in _CONTROL)
    return controls > 0.01 * len(head)  # a few NULs in a text page are noise; images and archives are full of them


def decode_html(html: bytes | str) -> str:
    """Return `html` as text: valid UTF-8, then BOM, <meta charset>/http-equiv, cp1252, utf-8 with replacement."""
    if isinstance(html, str):
        text = html
    elif not html.startswith((b"\xff\xfe", b"\xfe\xff")) and (utf8 := valid_utf8(bytes(html))) is not None:
        text = utf8  # valid UTF-8 beats a legacy <meta charset>: no HTTP header came with these bytes
    else:
        try:
            _, text = html_to_unicode(None, bytes(html), auto_detect_fun=_undeclared_encoding)
        except Exception:  # w3lib trusts declared charsets; a bogus one must not stop us
            text = bytes(html).decode("utf-8", errors="replace")
    text = text[:MAX_CHARS].lstrip("\ufeff")
    if "\x00" in text:  # NUL is never content (and PostgreSQL text refuses it); libxml2 copes with other controls
        text = text.replace("\x00", "")
    if text[:200].lstrip()[:5].lower() == "<?xml":  # lxml refuses str input that declares an encoding
        text = _XML_DECL.sub("", text, count=1)
    return text


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """Return the document root of `text`, or None when there is nothing parseable."""
    if not text or text.isspace():
        return None
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError, TypeError):
        return None
    return root if root is not None and len(root) else None
