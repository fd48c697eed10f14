"""Near-duplicate detection: text normalisation, shingles, MinHash signatures and LSH band keys.

Pure: takes text, returns numbers. The database edge (`scraper.storage.linking`)
stores the band keys in an indexed table, so finding the candidates for a new
article is one index lookup per band, never a scan of all articles.

Method (Broder's shingling + MinHash, banded LSH as in Leskovec et al.,
*Mining of Massive Datasets*, ch. 3):

- the text is normalised (NFKC, case-folded) and cut into tokens: words in
  scripts that separate words with spaces (Latin, Cyrillic, Greek, Arabic,
  Hebrew, Devanagari, ...), single characters in scripts that do not (Chinese,
  Japanese kana, Thai, Lao, Khmer, Myanmar);
- a document is the set of its overlapping token n-grams ("shingles"): 3
  words, or 5 characters for the unspaced scripts (a Chinese word is one or
  two characters, so five characters span two or three words);
- MinHash gives a `NUM_PERM`-value signature whose share of equal positions
  estimates the Jaccard similarity of two shingle sets;
- the signature is cut into `BANDS` bands of `ROWS` values; two documents
  that agree on a whole band become candidates. The chance of that is
  1 - (1 - J^ROWS)^BANDS: 32 bands of 4 rows find 87 % of the pairs at
  J = 0.5 and 99.9 % at J = 0.7, but only 3 % at J = 0.2. Candidates are then
  verified on the estimated Jaccard (`estimate_jaccard`).

Why hand code and not `datasketch`: datasketch pulls in scipy and keeps its
LSH in memory or Redis/Cassandra, while we keep ours in PostgreSQL; what we
need of it (the signature) is a few lines of numpy, the same formula
datasketch uses.

Guard rails against false merges ("bad input"): a body with fewer than
`MIN_SHINGLES` shingles gets no signature at all (empty pages, teasers,
"please enable JavaScript" or paywall stubs are never duplicates), and two
pages of one source with different titles are never copies (one site's
template text, not a syndicated story; see `scraper.policy.stories.is_copy`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
WORD_SHINGLE = 3
CHAR_SHINGLE = 5
MIN_SHINGLES = 30
_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)

# Scripts written without spaces between words: every character is a token.
_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\U00020000-\U0002fa1f"
)
_TOKEN = re.compile(rf"[{_UNSPACED}]|[^\W{_UNSPACED}]+")
_UNSPACED_CHAR = re.compile(rf"[{_UNSPACED}]")


def _permutations(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the (a, b) coefficients of `n` universal hash functions, fixed by `seed`."""
    rng = np.random.RandomState(seed)
    a = rng.randint(1, int(_PRIME), size=n, dtype=np.uint64)
    b = rng.randint(0, int(_PRIME), size=n, dtype=np.uint64)
    return a, b


# Fixed seeds: signatures stored today must compare with those computed next year.
_PERMS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _perms(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the hash coefficients for signatures of length `n` (cached)."""
    if n not in _PERMS:
        _PERMS[n] = _permutations(n, seed=20261127 + n)
    return _PERMS[n]


def unspaced(token: str) -> bool:
    """Return True when `token` is one character of a script written without spaces."""
    return bool(_UNSPACED_CHAR.fullmatch(token))


def normalise(text: str) -> str:
    """Return `text` NFKC-normalised and case-folded, so that typographic variants compare equal."""
    return unicodedata.normalize("NFKC", text).casefold()


def tokens(text: str) -> list[str]:
    """Return the word tokens of `text` (single characters for scripts written without spaces)."""
    return _TOKEN.findall(normalise(text))


def shingles(text: str) -> set[str]:
    """Return the set of overlapping token n-grams of `text` (see the module docstring for n)."""
    toks = tokens(text)
    n_unspaced = sum(1 for t in toks if unspaced(t))
    k = CHAR_SHINGLE if n_unspaced * 2 > len(toks) else WORD_SHINGLE
    if len(toks) < k:
        return set()
    return {" ".join(toks[i:i + k]) for i in range(len(toks) - k + 1)}


def term_hashes(items: Iterable[str]) -> np.ndarray:
    """Return the sorted distinct 32-bit hashes (CRC-32 of UTF-8) of a set of strings."""
    return np.unique(np.fromiter((zlib.crc32(s.encode("utf-8")) for s in items), dtype=np.uint32))


def minhash(items: Iterable[str], num_perm: int = NUM_PERM) -> np.ndarray:
    """Return the MinHash signature (uint32 array of `num_perm`) of a set of strings; all-max if empty."""
    return minhash_hashes(term_hashes(items), num_perm)


def minhash_hashes(hashes: np.ndarray, num_perm: int = NUM_PERM) -> np.ndarray:
    """Return the MinHash signature of a set given as its 32-bit hashes (see `term_hashes`)."""
    if hashes.size == 0:
        return np.full(num_perm, _MAX_HASH, dtype=np.uint32)
    a, b = _perms(num_perm)
    # (a*x + b) mod p, truncated to 32 bits; uint64 wrap-around as in datasketch.
    values = np.bitwise_and((np.outer(a, hashes.astype(np.uint64)) + b[:, None]) % _PRIME, _MAX_HASH)
    return values.min(axis=1).astype(np.uint32)


def hashes_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Return the exact Jaccard similarity of two sets given as sorted distinct hashes (0.0 if either is empty)."""
    if a.size == 0 or b.size == 0:
        return 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Return the share of equal positions of two signatures: an estimate of their sets' Jaccard similarity."""
    if len(sig_a) != len(sig_b) or len(sig_a) == 0:
        return 0.0
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)


def band_keys(signature: np.ndarray, bands: int, namespace: bytes = b"body") -> list[int]:
    """Return one signed 64-bit key per band of `signature`; equal keys mean an equal band (and namespace)."""
    rows = len(signature) // bands
    keys = []
    for i in range(bands):
        chunk = signature[i * rows:(i + 1) * rows].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=namespace[:16],
                                 salt=i.to_bytes(2, "big")).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


@dataclass(frozen=True)
class Fingerprint:
    """The near-duplicate fingerprint of one article body: signature and band keys, or none for short text."""

    signature: np.ndarray | None  # uint32[NUM_PERM]; None when the body is too short to judge
    shingle_count: int

    @property
    def band_keys(self) -> list[int]:
        """Return the LSH band keys of the signature ([] when there is none)."""
        return [] if self.signature is None else band_keys(self.signature, BANDS, b"body")


def fingerprint(body: str, min_shingles: int = MIN_SHINGLES) -> Fingerprint:
    """Return the fingerprint of an article body; signature None when it has fewer than `min_shingles` shingles."""
    grams = shingles(body)
    if len(grams) < min_shingles:
        return Fingerprint(None, len(grams))
    return Fingerprint(minhash(grams), len(grams))


def signature_bytes(signature: np.ndarray | None) -> bytes | None:
    """Return a signature as bytes for storage (little-endian uint32), None stays None."""
    return None if signature is None else signature.astype("<u4").tobytes()


def signature_from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    """Return the signature stored by `signature_bytes`."""
    return None if data is None else np.frombuffer(bytes(data), dtype="<u4").astype(np.uint32)


def exact_jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """Return the Jaccard similarity of two sets of strings (0.0 when either is empty)."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)
