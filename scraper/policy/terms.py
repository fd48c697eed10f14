"""Event terms: what an article says about its event, as weighted term hashes, and rarity weights.

Pure: takes text, returns numbers. `scraper.policy.stories` compares the
vectors; the database edge keeps the document frequencies (`Rarity`) and the
vectors of stored articles.

An article's *event terms* are its content words (stop words, digits and
tokens under three characters dropped) and the adjacent pairs of them, from
the title and the whole body. An occurrence counts more where reporters put
the event's facts: in the title (`TITLE_WEIGHT`), in the lead (the first
`LEAD_TOKENS` body tokens, `LEAD_WEIGHT`), and as a name (a capitalised word
inside a sentence: people, places, streets; `NAME_WEIGHT`). A term's count is
damped (1 + ln count), then multiplied by its rarity in the archive (inverse
document frequency of its words, `Rarity.idf`), so that "shot" says little
and "Englewood" a lot. A word pair gets the mean rarity of its two words: the
archive keeps frequencies of single words only, which keeps that state small.

Text in a script written without spaces (Chinese, Japanese, Thai, ...) is not
split into words by the tokenizer: its body gives no terms, so such an article
is placed by its title alone (character pairs), like an article with no body.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from scraper.policy import dedup

TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
NAME_WEIGHT = 2.0
PAIR_WEIGHT = 1.0
LEAD_TOKENS = 60
MAX_BODY_TOKENS = 2000  # a very long body says nothing more about its event
MIN_BODY_TERMS = 15  # fewer content words: the body is a stub (teaser, paywall notice, unsplit script)
# Function words of the languages most sources write in; they say nothing about the event.
STOPWORDS = frozenset("""
a an and are as at be been being but by for from had has have he her hers him his i in into is it
its of on or our ours she that the their theirs them there these they this those to was were which
who whom whose will with would after before over under about than then also more most new not now
said says say saying told just what when where why how all any can could may might must shall
should do does did done one two out up down off you your we us me my mine if so such very no nor
only own same too each few other some both again further once here while during through against
between above below because until upon within without around across among along since via per
get got like back even still yet ever year years day days time week weeks month months today
yesterday tomorrow last next first according people many much well way make made
le la les des du un une et est dans pour par sur der die das und ist mit von den dem ein eine zu
im el los las del por para con
""".split())
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_SENTENCE_END = frozenset('.!?:;"“”\n')


def term_hash(term: str) -> int:
    """Return the 32-bit hash of a term (CRC-32 of its UTF-8), the key of its frequency in the archive."""
    return zlib.crc32(term.encode("utf-8"))


@dataclass(frozen=True)
class Token:
    """One word of a text: case-folded, with whether it reads as a name."""

    word: str
    name: bool


def _tokens(text: str, names: bool) -> list[Token]:
    """Return the words of `text`; with `names`, capitalised words inside a sentence are marked as names."""
    text = unicodedata.normalize("NFKC", text)
    out: list[Token] = []
    for m in _WORD.finditer(text):
        w = m.group()
        if dedup.unspaced(w[0]):
            out.extend(Token(c, False) for c in w)  # unspaced script: one token per character
            continue
        is_name = names and w[0].isupper() and _inside_sentence(text, m.start())
        out.append(Token(w.casefold(), is_name))
    return out


def _inside_sentence(text: str, start: int) -> bool:
    """Return True when the word at `start` does not open the text, a sentence or a line."""
    before = text[max(0, start - 8):start]
    stripped = before.rstrip(" \t\u00a0")
    if not stripped:
        return start > len(before)  # only spaces in view: a long run of them, not the text's start
    return stripped[-1] not in _SENTENCE_END and "\n" not in before[len(stripped):]


def _content(tok: Token) -> bool:
    """Return True when a token is a content word (not a stop word, digit or short word)."""
    return len(tok.word) >= 3 and tok.word not in STOPWORDS and not tok.word.isdigit()


def _title_terms(title: str) -> dict[str, float]:
    """Return the title's terms with their counts: content words and pairs, character pairs in unspaced scripts."""
    toks = _tokens(title, names=False)
    counts: dict[str, float] = {}
    unspaced = "".join(t.word for t in toks if dedup.unspaced(t.word))
    for i in range(len(unspaced) - 1):
        counts[unspaced[i:i + 2]] = counts.get(unspaced[i:i + 2], 0.0) + 1.0
    words = [t.word for t in toks if not dedup.unspaced(t.word) and _content(t)]
    _add_words(counts, words, 1.0)
    return counts


def _add_words(counts: dict[str, float], words: list[str], weight: float) -> None:
    """Add `weight` per occurrence of each word and of each adjacent pair of them to `counts`."""
    for w in words:
        counts[w] = counts.get(w, 0.0) + weight
    for a, b in zip(words, words[1:], strict=False):
        pair = f"{a} {b}"
        counts[pair] = counts.get(pair, 0.0) + weight * PAIR_WEIGHT


def body_terms(body: str) -> dict[str, float]:
    """Return the body's terms with weighted counts (lead and names count more); {} for a stub body."""
    toks = [t for t in _tokens(body, names=True)[:MAX_BODY_TOKENS] if not dedup.unspaced(t.word)]
    content = [(i, t) for i, t in enumerate(toks) if _content(t)]
    if len(content) < MIN_BODY_TERMS:
        return {}
    counts: dict[str, float] = {}
    prev: tuple[int, Token] | None = None
    for i, t in content:
        weight = (LEAD_WEIGHT if i < LEAD_TOKENS else 1.0) * (NAME_WEIGHT if t.name else 1.0)
        counts[t.word] = counts.get(t.word, 0.0) + weight
        if prev is not None and prev[0] == i - 1:  # pairs of adjacent content words only
            pair = f"{prev[1].word} {t.word}"
            counts[pair] = counts.get(pair, 0.0) + weight * PAIR_WEIGHT
        prev = (i, t)
    return counts


@dataclass(frozen=True)
class Terms:
    """An article's event terms: sorted distinct hashes, damped weights before rarity, and word parts of pairs."""

    hashes: np.ndarray  # uint32, sorted, distinct
    counts: np.ndarray  # float32: 1 + ln(weighted count)
    first: np.ndarray  # uint32: hash of the (first) word, the term itself for a word
    second: np.ndarray  # uint32: hash of the second word of a pair, the term itself for a word
    title_only: bool  # no usable body: placed by its title alone

    @property
    def words(self) -> np.ndarray:
        """Return the distinct word hashes these terms need rarities for."""
        return np.unique(np.concatenate([self.first, self.second]))


def event_terms(title: str, body: str) -> Terms:
    """Return the event terms of an article (title terms only when the body is a stub)."""
    counts = _title_terms(title)
    for term in counts:
        counts[term] *= TITLE_WEIGHT
    bterms = body_terms(body)
    for term, c in bterms.items():
        counts[term] = counts.get(term, 0.0) + c
    return terms_from_counts(counts, title_only=not bterms)


def terms_from_counts(counts: Mapping[str, float], title_only: bool) -> Terms:
    """Return Terms of term -> weighted count."""
    rows = sorted((term_hash(t), 1.0 + math.log(c) if c >= 1 else c, *_parts(t)) for t, c in counts.items())
    dedup_rows = list({r[0]: r for r in rows}.values())  # a 32-bit collision keeps one term
    if not dedup_rows:
        empty = np.zeros(0, dtype=np.uint32)
        return Terms(empty, np.zeros(0, dtype=np.float32), empty, empty, title_only)
    cols = list(zip(*dedup_rows, strict=True))
    return Terms(np.array(cols[0], dtype=np.uint32), np.array(cols[1], dtype=np.float32),
                 np.array(cols[2], dtype=np.uint32), np.array(cols[3], dtype=np.uint32), title_only)


def _parts(term: str) -> tuple[int, int]:
    """Return the hashes of the words of a term (a word twice for a single word; a character pair is a word)."""
    a, _, b = term.partition(" ")
    return (term_hash(a), term_hash(b or a))


def terms_bytes(terms: Terms) -> bytes:
    """Return Terms packed for storage: a flag byte, then hashes, counts, first and second word (little-endian)."""
    return (bytes([1 if terms.title_only else 0]) + terms.hashes.astype("<u4").tobytes()
            + terms.counts.astype("<f4").tobytes() + terms.first.astype("<u4").tobytes()
            + terms.second.astype("<u4").tobytes())


def terms_from_bytes(data: bytes | memoryview) -> Terms:
    """Return the Terms stored by `terms_bytes`."""
    raw = bytes(data)
    n = (len(raw) - 1) // 16
    parts = [np.frombuffer(raw, dtype=d, count=n, offset=1 + 4 * n * i) for i, d in
             enumerate(("<u4", "<f4", "<u4", "<u4"))]
    return Terms(parts[0].astype(np.uint32), parts[1].astype(np.float32), parts[2].astype(np.uint32),
                 parts[3].astype(np.uint32), raw[0] == 1)


@dataclass(frozen=True)
class Rarity:
    """Document frequencies of words in the archive: how many articles hold each word, of how many."""

    df: Mapping[int, int]  # word hash -> articles holding it
    articles: int  # articles counted

    def idf(self, words: np.ndarray) -> np.ndarray:
        """Return the smoothed inverse document frequency ln((N + 1) / (df + 1)) + 1 of each word hash."""
        df = np.fromiter((self.df.get(int(w), 0) for w in words), dtype=np.float64, count=len(words))
        return np.log((self.articles + 1.0) / (df + 1.0)) + 1.0

    def share(self, words: np.ndarray, prior: float) -> np.ndarray:
        """Return the share of the articles holding each word, shrunk towards 0 by `prior` unseen articles."""
        df = np.fromiter((self.df.get(int(w), 0) for w in words), dtype=np.float64, count=len(words))
        return df / (self.articles + prior)


def document_words(terms: Iterable[Terms]) -> dict[int, int]:
    """Return word hash -> number of the given articles holding it (what they add to the frequencies)."""
    out: dict[int, int] = {}
    for t in terms:
        for w in t.words.tolist():
            out[w] = out.get(w, 0) + 1
    return out
