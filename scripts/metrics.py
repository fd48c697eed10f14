"""Scoring for extraction quality: the body shingle metric and the headline-sidebar matcher.

Dev tooling only (used by scripts/eval.py and the golden tests); the runtime never imports it.
Body metric: scrapinghub article-extraction-benchmark, as in extraction-dev/README.md.
Sidebar matching: extraction-dev/SIDEBAR.md.
"""

from __future__ import annotations

import re
import statistics
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

_TOKEN = re.compile(r"\w+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'})
_PUNCT = string.punctuation + "\u2013\u2014\u2026\u00ab\u00bb\u2039\u203a\u00b7\u2022|"


def tokens(text: str | None) -> list[str]:
    """Return the `\\w+` tokens of `text`, in order, case kept."""
    return _TOKEN.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter[tuple[str, ...]]:
    """Return the multiset of `n`-token shingles of `text` (one short shingle for 1..n-1 tokens)."""
    t = tokens(text)
    return Counter(tuple(t[i:i + n]) for i in range(max(1, len(t) - n + 1)) if t[i:i + n])


def page_counts(true: str | None, pred: str | None) -> tuple[float, float, float]:
    """Return (tp, fp, fn) of one page, normalised to sum to 1 (all zero when both are empty)."""
    a, b = shingles(true), shingles(pred)
    keys = a | b
    tp = sum(min(a[s], b[s]) for s in keys)
    fp = sum(max(0, b[s] - a[s]) for s in keys)
    fn = sum(max(0, a[s] - b[s]) for s in keys)
    tot = tp + fp + fn
    return (tp / tot, fp / tot, fn / tot) if tot else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    return 1.0 if fp == fn == 0 else 0.0 if tp == fn == 0 else tp / (tp + fn)


def page_f1(true: str | None, pred: str | None) -> float:
    """Return the F1 of one page's predicted body against its true body."""
    c = page_counts(true, pred)
    p, r = _precision(*c), _recall(*c)
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate_bodies(truth: Mapping[str, str], preds: Mapping[str, str | None]) -> dict[str, float]:
    """Return macro precision, recall, F1 and token accuracy over the pages of `truth`."""
    counts = [page_counts(truth[k], preds.get(k)) for k in truth]
    ps = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    rs = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.mean(ps) if ps else 0.0
    r = statistics.mean(rs) if rs else 0.0
    acc = statistics.mean(float(tokens(truth[k]) == tokens(preds.get(k))) for k in truth) if truth else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "accuracy": acc}


def normalise_title(title: str) -> str:
    """Return `title` NFKC-normalised, quotes folded, lower-cased, spaces collapsed, end punctuation stripped."""
    t = unicodedata.normalize("NFKC", title or "").translate(_QUOTES).lower()
    return " ".join(t.split()).strip(_PUNCT + " ")


def titles_match(a: str, b: str) -> bool:
    """Return True when two normalised titles are equal or one is a >=90%-length prefix of the other."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return long_.startswith(short) and len(short) >= 0.9 * len(long_)


def match_headlines(true: Iterable[str], pred: Iterable[str]) -> tuple[int, int, int]:
    """Return (tp, fp, fn) of one page: one-to-one matching, repeated predicted titles ignored."""
    gold = [normalise_title(t) for t in true]
    seen: set[str] = set()
    guesses = []
    for title in pred:
        n = normalise_title(title)
        if n not in seen:
            seen.add(n)
            guesses.append(n)
    used = [False] * len(gold)
    tp = 0
    for g in guesses:
        for i, t in enumerate(gold):
            if not used[i] and titles_match(g, t):
                used[i] = True
                tp += 1
                break
    return tp, len(guesses) - tp, len(gold) - tp


def leaked(pred: Iterable[str], body: str) -> int:
    """Return how many predicted headline titles appear inside the true article body."""
    norm_body = " ".join(unicodedata.normalize("NFKC", body).translate(_QUOTES).lower().split())
    count = 0
    for title in {normalise_title(t) for t in pred}:
        if len(title) >= 3 and title in norm_body:
            count += 1
    return count


def evaluate_sidebars(truth: Mapping[str, list[str]], preds: Mapping[str, list[str]],
                      bodies: Mapping[str, str]) -> dict[str, float]:
    """Return micro precision, recall, F1 and leakage (count and share) over the labelled pages."""
    tp = fp = fn = leak = total = 0
    for key, gold in truth.items():
        pred = preds.get(key, [])
        a, b, c = match_headlines(gold, pred)
        tp, fp, fn = tp + a, fp + b, fn + c
        leak += leaked(pred, bodies.get(key, ""))
        total += len({normalise_title(t) for t in pred})
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "leakage": float(leak), "leakage_share": leak / total if total else 0.0}
