"""Spelling correction over the index's own vocabulary (the unstemmed ``words`` field).

Whoosh's corrector walks the lexicon with an automaton (about 13 ms a word here); this
keeps the vocabulary in memory, bucketed by first letter, and ranks candidates with
rapidfuzz's Levenshtein distance (C++), then by how many codes use them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein


class Speller:
    """Suggests in-vocabulary spellings for a word."""

    def __init__(self, vocabulary, frequency: Callable[[str], int]):
        self.frequency = frequency
        self.by_letter: dict[str, list[str]] = defaultdict(list)
        for word in vocabulary:
            if word.isalpha() and len(word) >= 3:
                self.by_letter[word[0]].append(word)
        self.suggest = lru_cache(maxsize=4096)(self._suggest)

    def _suggest(self, word: str, maxdist: int, limit: int = 2) -> tuple[str, ...]:
        """Up to ``limit`` words within ``maxdist`` edits (same first letter), closest and most used first."""
        bucket = self.by_letter.get(word[:1], [])
        found = process.extract(word, bucket, scorer=Levenshtein.distance, score_cutoff=maxdist, limit=20)
        ranked = sorted(
            (distance, -self.frequency(candidate), candidate) for candidate, distance, _i in found if candidate != word
        )
        return tuple(candidate for _d, _f, candidate in ranked[:limit])
