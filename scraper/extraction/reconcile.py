"""Choosing between the DOM body and a JSON-LD articleBody, which is often truncated or stale."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+")


def _shingles(text: str) -> set[tuple[str, ...]]:
    t = _TOKEN.findall(text)
    return {tuple(t[i:i + 4]) for i in range(max(1, len(t) - 3))}


def choose_body(dom: str, ld: str) -> str:
    """Return the body to keep: the DOM text, unless JSON-LD agrees with it and is clearly more complete."""
    if not ld:
        return dom
    if not dom:
        return ld if len(ld) >= 250 else dom
    a, b = _shingles(dom), _shingles(ld)
    common = len(a & b)
    if common < 0.5 * len(b):
        return dom  # JSON-LD says something else (another story, a stub): the page is the truth
    if len(b) > 1.15 * len(a) and common > 0.8 * len(a):
        return ld  # the DOM lost paragraphs that JSON-LD still has
    return dom
