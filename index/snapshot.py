"""One opened build, read into memory: stored columns, BM25 length norms, cached postings and the
query-time vocabulary. It holds no ranking decisions; one thread uses it.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from .build import MANIFEST, NEIGHBORS, SPELLED_OUT, SPELLED_OUT_MAX_FREQUENCY
from .guide import Guide
from .qualifiers import by_family, descriptor_qualifiers
from .schema import TEXT_FIELDS
from .semantic import load_neighbors
from .spelling import Speller
from .text import TEXT_WORD, stem, words
from .vocab import load_vocabulary, spelled_out_table
from .weights import DEFAULT, Weights


class Snapshot:
    """One opened build: its searcher, per-document columns and vocabulary. Used by one thread."""

    def __init__(self, folder: Path, weights: Weights = DEFAULT):
        self.folder = folder
        self.weights = weights
        self.manifest = json.loads((folder / MANIFEST).read_text())  # no manifest: not a finished build
        self.ix = whoosh_index.open_dir(str(folder))
        try:
            self._load(folder)
        except Exception:
            self.close()
            raise

    def _load(self, folder: Path) -> None:
        """Open the searcher and read the columns and vocabulary into memory."""
        self.searcher = self.ix.searcher()
        self.reader = self.searcher.reader()
        self.guide = Guide(folder)
        self._columns()
        self._norms()
        self.vocabulary, self.clinical, self.lay, self.mined = load_vocabulary(folder)
        # Word pairs of our multi-word everyday and drug names ("solu medrol", "depo medrol"): inside
        # such a pair a word is not expanded on its own ("medrol" alone means the oral tablets).
        self.glossary_pairs = {
            pair
            for names in self.glossary_of
            for name in names
            for tokens in [words(name)]
            for pair in zip(tokens, tokens[1:])
        }
        self.neighbors = load_neighbors(folder / NEIGHBORS)
        # The same tables by stem, for a word typed in another form than their entries ("heartbeats",
        # "rinsed"): every entry of that stem, merged.
        self.neighbors_by_stem = _by_stem(self.neighbors)
        self.spelled_out = self._load_spelled_out(folder)
        lexicon = (t.decode() if isinstance(t, bytes) else t for t in self.reader.lexicon("words"))
        self.speller = Speller(lexicon, self.document_frequency)
        self.scored = lru_cache(maxsize=8192)(self._scored)
        self.positions = lru_cache(maxsize=2048)(self._positions)
        self.name_stems = lru_cache(maxsize=4096)(self._name_stems)
        self.completions = lru_cache(maxsize=4096)(self._completions)
        self.document_frequency = lru_cache(maxsize=65536)(self._document_frequency)  # type: ignore[method-assign]
        self.part_frequency = lru_cache(maxsize=16384)(self._part_frequency)  # type: ignore[method-assign]
        self.tokens = lru_cache(maxsize=8192)(self._tokens)
        # Search results of this build, most recent last: a search box repeats queries (every
        # user types the same prefixes); a new build gets a new, empty cache.
        self.results: OrderedDict = OrderedDict()
        self.memo: dict = {}  # per-build values other stages derive once (index.factors: priors)
        self.doc_count = self.reader.doc_count()

    def _columns(self) -> None:
        """Per-document columns, by document number: ranking needs no stored-field loads (about 80 us each)."""
        reader = self.reader
        self.code_of = list(reader.column_reader("code"))
        self.status_of = list(reader.column_reader("status"))
        self.flags_of = [set(f.split()) for f in reader.column_reader("flags")]
        self.lengths_of = [tuple(int(n) for n in (v or "1 1 1").split()) for v in reader.column_reader("lengths")]
        self.short_of = [v.decode("utf-8") if v else "" for v in reader.column_reader("short_description")]
        self.long_of = [v.decode("utf-8") if v else "" for v in reader.column_reader("long_description")]
        # docnum -> qualifiers by family, for the few hundred codes that state any ("per diem", "group").
        self.qualifiers_of = {
            d: found for d, text in enumerate(self.long_of) if (found := by_family(descriptor_qualifiers(text)))
        }
        self.glossary_of = (
            [v.decode("utf-8").split("\n") if v else [] for v in reader.column_reader("glossary")]
            if reader.has_column("glossary")
            else [[] for _ in self.code_of]
        )
        self.size = len(self.code_of)
        self.live_mask = np.array([bool(code) for code in self.code_of])
        self.status_mask = {
            status: self.live_mask & np.array([st == status for st in self.status_of])
            for status in ("active", "terminated")
        }
        self.doc_of = {code: docnum for docnum, code in enumerate(self.code_of) if code}
        self.codes = sorted(self.doc_of)
        self.code_array = np.array([code or "" for code in self.code_of])  # for sorting ties by code
        self.terminated = {c for c, st in zip(self.code_of, self.status_of) if st == "terminated"}
        self.modifiers = frozenset(c for c in self.codes if len(c) == 2)

    def _norms(self) -> None:
        """BM25's length normalisation, per weighted field and document, computed once."""
        live = [lengths for code, lengths in zip(self.code_of, self.lengths_of) if code]
        self.average_length = [max(1.0, sum(x[i] for x in live) / max(1, len(live))) for i in range(len(TEXT_FIELDS))]
        k1, b = self.weights.k1, self.weights.b
        self.norm_of = [
            np.array([k1 * (1 - b + b * lengths[i] / self.average_length[i]) for lengths in self.lengths_of])
            for i in range(len(TEXT_FIELDS))
        ]

    def _load_spelled_out(self, folder: Path) -> dict[tuple[str, ...], set[str]]:
        """The spelled-out phrases the build found for our abbreviations (computed here for an older build)."""
        path = folder / SPELLED_OUT
        if path.is_file():
            return {tuple(key.split()): set(abbrs) for key, abbrs in json.loads(path.read_text()).items()}
        return spelled_out_table(
            self.vocabulary, self.clinical, self.lay, self.mined, self.reader, SPELLED_OUT_MAX_FREQUENCY
        )

    def release(self) -> None:
        """Close the files and drop every cache and column, so a replaced build leaves no memory behind."""
        self.close()
        for name in (
            "scored",
            "positions",
            "name_stems",
            "completions",
            "document_frequency",
            "part_frequency",
            "tokens",
        ):
            getattr(self, name).cache_clear()
        self.results.clear()
        self.memo.clear()
        self.__dict__.clear()

    def close(self) -> None:
        """Release the searcher's files."""
        if getattr(self, "searcher", None) is not None:
            self.searcher.close()
        if getattr(self, "guide", None) is not None:
            self.guide.close()
        if getattr(self, "ix", None) is not None:
            self.ix.close()

    def docnum(self, code: str) -> int | None:
        """Document number of a code, or None."""
        return self.doc_of.get(code)

    def ndc_codes(self, ndc: str) -> list[str]:
        """The codes the ASP crosswalk maps an 11-digit NDC (no dashes) to."""
        if ("ndc", ndc) not in self.reader:
            return []
        return [self.code_of[d] for d in self.reader.postings("ndc", ndc).all_ids() if self.code_of[d]]

    def stored(self, docnum: int) -> dict:
        """Stored fields of a document."""
        return self.searcher.stored_fields(docnum)

    def record(self, docnum: int) -> dict:
        """The full corpus record of a document."""
        return json.loads(self.stored(docnum)["record"])

    def _postings(self, name: str, text: str) -> tuple[tuple[int, float], ...]:
        """(docnum, term frequency) of a term in a field; empty when absent."""
        if (name, text) not in self.reader:
            return ()
        return tuple(self.reader.postings(name, text).items_as("weight"))

    def bm25_idf(self, frequency: int) -> float:
        """BM25's inverse document frequency (the weight of a term in a score)."""
        return math.log(1 + (self.doc_count - frequency + 0.5) / (frequency + 0.5))

    def coverage_idf(self, frequency: int) -> float:
        """The weight of a query word in coverage: rarer words count more, every word some."""
        return math.log((self.doc_count + 1) / (frequency + 1)) + self.weights.coverage_idf_floor

    def _scored(self, name: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc numbers, BM25 term weight without IDF in each) of a term in a field; weights are 1
        outside the weighted text fields. Cached per build."""
        postings = self._postings(name, text)
        ids = np.fromiter((d for d, _tf in postings), dtype=np.int64, count=len(postings))
        if name not in TEXT_FIELDS or not len(ids):
            return ids, np.ones(len(ids))
        tf = np.fromiter((t for _d, t in postings), dtype=np.float64, count=len(postings))
        norm = self.norm_of[TEXT_FIELDS.index(name)][ids]
        return ids, tf * (self.weights.k1 + 1) / (tf + norm)

    def _name_stems(self, docnum: int) -> tuple[frozenset[str], tuple[tuple[str, frozenset[str]], ...]]:
        """(stems of a code's long descriptor, (name, its stems) for each of its everyday and drug
        names). Cached per build."""
        return (
            frozenset(stem(w) for w in words(self.long_of[docnum])),
            tuple((name, frozenset(stem(w) for w in words(name))) for name in self.glossary_of[docnum]),
        )

    def _completions(self, prefix: str) -> tuple[str, ...]:
        """The index words a typed prefix may be completing, the most used first (at most
        ``prefix_terms``: "ma" is "mask" and "machine" before "macugen"). Cached per build."""
        found = []
        for text in self.reader.expand_prefix("words", prefix):
            word = text.decode() if isinstance(text, bytes) else text
            found.append((-self.reader.doc_frequency("words", word), word))
        return tuple(word for _n, word in heapq.nsmallest(self.weights.prefix_terms, found))

    def _positions(self, name: str, text: str) -> dict[int, tuple[int, ...]]:
        """docnum -> word positions of a term in a field. Cached per build."""
        if (name, text) not in self.reader:
            return {}
        matcher = self.reader.postings(name, text)
        found = {}
        while matcher.is_active():
            found[matcher.id()] = tuple(matcher.value_as("positions"))
            matcher.next()
        return found

    def document_frequency(self, word: str) -> int:
        """How many codes contain an (unstemmed) word. Cached per build."""
        return self._document_frequency(word)

    def _document_frequency(self, word: str) -> int:
        return self.reader.doc_frequency("words", word)

    def part_frequency(self, part: str) -> int:
        """How many codes hold a word, as typed or by its stem in any weighted field ("beats"). Cached per build."""
        return self._part_frequency(part)

    def _part_frequency(self, part: str) -> int:
        return max(
            [self.document_frequency(part)] + [self.reader.doc_frequency(name, stem(part)) for name in TEXT_FIELDS]
        )

    def _tokens(self, docnum: int) -> tuple[tuple[int, int, str, str], ...]:
        """(start, end, lower-cased word, stem) of every word of a code's long descriptor, for highlighting.
        Cached per build."""
        return tuple(
            (m.start(), m.end(), m.group(0).lower(), stem(m.group(0).lower()))
            for m in TEXT_WORD.finditer(self.long_of[docnum])
        )


def _by_stem(table: dict[str, list[tuple[str, float]]]) -> dict[str, list[tuple[str, float]]]:
    """A word -> (neighbour, similarity) table keyed by the words' stems, each stem's neighbours merged
    (best similarity kept), best first."""
    merged: dict[str, dict[str, float]] = {}
    for word, found in table.items():
        best = merged.setdefault(stem(word), {})
        for neighbor, similarity in found:
            best[neighbor] = max(similarity, best.get(neighbor, 0.0))
    return {key: sorted(best.items(), key=lambda item: -item[1]) for key, best in merged.items()}


OpenIndex = Snapshot  # the name the rest of the code base and its tests know
