"""Deduplication fingerprints: an exact content hash over normalised text, and a 64-bit
Simhash (trafilatura's) split into four 16-bit bands so that the database can find
near-duplicate candidates by index; syndicated copies are linked, never dropped."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from trafilatura.deduplication import Simhash

# Near-duplicates are found in two steps: Simhash as a cheap filter (unrelated news texts
# measured 16-44 bits apart, a lightly edited copy 10), then the share of 4-word shingles
# the two texts have in common, which decides.
SIMHASH_PREFILTER_BITS = 20
SHINGLE_OVERLAP = 0.5
CANDIDATE_WINDOW_DAYS = 3
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Fingerprint:
    content_hash: str
    simhash: int  # signed 64-bit, as databases store BIGINT
    bands: tuple[int, int, int, int]


def normalize(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= (1 << 63) else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def fingerprint(title: str, text: str) -> Fingerprint:
    normal = normalize(text)
    digest = hashlib.sha1(normal.encode("utf-8")).hexdigest()
    value = Simhash(f"{normalize(title)} {normal}").hash
    bands = tuple((value >> shift) & 0xFFFF for shift in (0, 16, 32, 48))
    return Fingerprint(digest, to_signed(value), bands)  # type: ignore[arg-type]


def distance(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()


def shingles(text: str, n: int = 4) -> set[int]:
    words = normalize(text).split()
    return {hash(tuple(words[i : i + n])) for i in range(max(len(words) - n + 1, 1))}


def overlap(a: str, b: str) -> float:
    """Shared 4-word shingles over the smaller text's: 1.0 when one contains the other."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def is_near_duplicate(simhash_a: int, text_a: str, simhash_b: int, text_b: str) -> bool:
    if distance(simhash_a, simhash_b) > SIMHASH_PREFILTER_BITS:
        return False
    return overlap(text_a, text_b) >= SHINGLE_OVERLAP
