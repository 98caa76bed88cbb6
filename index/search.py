"""Searching the index: an open-index handle per worker, query building and ranking.

Ranking order: exact codes, then a code prefix's codes in code order (active first),
then modifiers, then words ranked by BM25F over weighted fields, re-ranked by how many
of the query's words a code matches, with phrase matches boosted, and terminated codes,
codes stating another qualifier than the query (index.qualifiers), codes without its one rare word
and unasked-for accessories ranked lower.
"""
from __future__ import annotations

import bisect
from collections import OrderedDict
import heapq
import html
import json
import logging
import math
import os
import re
import threading
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.lang.porter import stem as porter_stem

from .build import MANIFEST, NEIGHBORS
from .guide import Guide
from .semantic import load_neighbors
from .query import ParsedQuery, parse
from .schema import STOP_WORDS, TEXT_FIELDS
from .spelling import Speller
from .qualifiers import by_family, conflicts, descriptor_qualifiers, query_qualifiers
from .vocab import english_words, words as words_of

log = logging.getLogger("codesearch")
stem = lru_cache(maxsize=100_000)(porter_stem)  # Porter stemming is pure and hot
FIELD_BOOSTS = {"descriptor": 1.0, "short": 0.7, "terms": 0.7}
CANDIDATES = 120
SCORED = 400  # codes fully scored, chosen by coverage
PROXIMITY_CHECKED = 150  # leading codes whose descriptor is checked for adjacent query words
TERMINATED_FACTOR = 0.4
K1, B = 1.2, 0.75  # BM25 parameters
NEIGHBOR_BOOST = 0.3  # BM25 boost of a word close in meaning (times its similarity)
NEIGHBOR_CREDIT = 0.3  # coverage credit of such a word (times its similarity)
NEIGHBOR_MAX_FREQUENCY = 5000  # words used by more codes than this need no neighbours
PHRASE_BONUS = 1.1
PAIR_BONUS = 0.1  # spread over the query's adjacent word pairs
PREFIX_TERMS = 100  # words a typed prefix may expand to
ABBREVIATION_MAX_FREQUENCY = 30  # a word in more codes than this is not expanded as a clinical abbreviation
SPLIT_MIN, SPLIT_MIN_FREQUENCY = 3, 2  # a run-together word splits into parts this long, each in this many codes
RAREST_MAX_CODES, RAREST_RATIO, RAREST_FACTOR = 10, 1.3, 0.7  # see Ranker._rarest_factor
QUALIFIER_CONFLICT_FACTOR = 0.6  # a code stating another time unit, session size, age or power than asked
ROMAN = dict(zip("2 3 4 5 6 7 8 9 10 11 12 13".split(), "ii iii iv v vi vii viii ix x xi xii xiii".split()))
ROMAN_CONTEXT = {"type", "stage", "class", "level", "grade", "phase", "factor", "group", "tier", "category"}
LITRES = {"liter", "liters", "litre", "litres", "l"}
RARE = 2  # a word in at most this many codes may be a misspelling (CMS text has a few)
BM25_SHARE = 1.0  # BM25F (scaled by coverage) beside squared coverage; 0.8-1.5 score alike on the dev set


class IndexUnavailable(RuntimeError):
    """No usable index at the configured location."""


@dataclass
class Hit:
    """One ranked code."""

    code: str
    short_description: str
    long_description: str
    status: str
    kind: str
    score: float
    highlight: str = ""
    matched: str = "text"
    also_called: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    """A page of ranked codes and what the query was understood as."""

    query: str
    interpretation: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    did_you_mean: str | None = None
    shaped: dict | None = field(default=None, repr=False, compare=False)  # the API's body, kept when cached


Expansions = dict[str, list[list[str]]]


def _load_vocabulary(folder: Path) -> tuple[Expansions, Expansions, Expansions, frozenset[str]]:
    """(word -> expansions, rare word -> expansions as a clinical abbreviation or an acronym of
    descriptor words, everyday word -> the clinical phrases of our glossaries, the acronyms mined
    from initials), as word lists, from the corpus vocabulary copied into the build."""
    path = folder / "vocabulary.json"
    if not path.is_file():
        return {}, {}, {}, frozenset()
    data = json.loads(path.read_text(encoding="utf-8"))
    table: dict[str, list[list[str]]] = {}
    for abbr, expansion in data.get("cms_abbreviations", {}).items():
        table.setdefault(abbr, []).append(expansion.split())
    clinical = {abbr: [e.split() for e in expansions[:2]]
                for abbr, expansions in data.get("clinical_abbreviations", {}).items()}
    for initials, phrases in data.get("acronyms", {}).items():
        if initials not in table and initials not in clinical:
            clinical[initials] = [phrase.split() for phrase in phrases]
    for unit, aliases in data.get("units", {}).items():
        table.setdefault(unit, [])[:0] = [[alias] for alias in aliases]
    lay = {word: [phrase.split() for phrase in phrases[:3]] for word, phrases in data.get("lay_to_clinical", {}).items()}
    mined = frozenset(initials for initials in data.get("acronyms", {}) if initials not in data.get("clinical_abbreviations", {}))
    return table, clinical, lay, mined


class OpenIndex:
    """One opened build: its searcher, per-document columns and vocabulary. Used by one thread."""

    def __init__(self, folder: Path):
        self.folder = folder
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
        # Columns, by document number: ranking needs no stored-field loads (about 80 us each).
        self.code_of = list(self.reader.column_reader("code"))
        self.status_of = list(self.reader.column_reader("status"))
        self.flags_of = [set(f.split()) for f in self.reader.column_reader("flags")]
        self.lengths_of = [tuple(int(n) for n in (v or "1 1 1").split()) for v in self.reader.column_reader("lengths")]
        live = [lengths for code, lengths in zip(self.code_of, self.lengths_of) if code]
        self.average_length = [max(1.0, sum(x[i] for x in live) / max(1, len(live))) for i in range(len(TEXT_FIELDS))]
        # BM25's length normalisation, per field and document, computed once.
        self.norm_of = [np.array([K1 * (1 - B + B * lengths[i] / self.average_length[i]) for lengths in self.lengths_of])
                        for i in range(len(TEXT_FIELDS))]
        self.short_of = [v.decode("utf-8") if v else "" for v in self.reader.column_reader("short_description")]
        self.long_of = [v.decode("utf-8") if v else "" for v in self.reader.column_reader("long_description")]
        # docnum -> qualifiers by family, for the few hundred codes that state any ("per diem", "group").
        self.qualifiers_of = {d: found for d, text in enumerate(self.long_of) if (found := by_family(descriptor_qualifiers(text)))}
        self.glossary_of = ([v.decode("utf-8").split("\n") if v else [] for v in self.reader.column_reader("glossary")]
                            if self.reader.has_column("glossary") else [[] for _ in self.code_of])
        self.size = len(self.code_of)
        # Priors by (query says "not", query asks for a part).
        self.priors = {(negated, part): np.array([_prior(st, fl, negated, part) for st, fl in zip(self.status_of, self.flags_of)])
                       for negated in (False, True) for part in (False, True)}
        self.live_mask = np.array([bool(code) for code in self.code_of])
        self.status_mask = {status: self.live_mask & np.array([st == status for st in self.status_of])
                            for status in ("active", "terminated")}
        self.doc_of = {code: docnum for docnum, code in enumerate(self.code_of) if code}
        self.codes = sorted(self.doc_of)
        self.terminated = {c for c, st in zip(self.code_of, self.status_of) if st == "terminated"}
        self.modifiers = frozenset(c for c in self.codes if len(c) == 2)
        self.vocabulary, self.clinical, self.lay, self.mined = _load_vocabulary(folder)
        # Word pairs of our multi-word everyday and drug names ("solu medrol", "depo medrol"): inside
        # such a pair a word is not expanded on its own ("medrol" alone means the oral tablets).
        self.glossary_pairs = {pair for names in self.glossary_of for name in names
                               for tokens in [words_of(name)] for pair in zip(tokens, tokens[1:])}
        self.neighbors = load_neighbors(folder / NEIGHBORS)
        self.spelled_out = self._spelled_out()
        words = (t.decode() if isinstance(t, bytes) else t for t in self.reader.lexicon("words"))
        self.speller = Speller(words, self.document_frequency)
        self.scored = lru_cache(maxsize=8192)(self._scored)
        self.positions = lru_cache(maxsize=2048)(self._positions)
        self.name_stems = lru_cache(maxsize=4096)(self._name_stems)
        self.completions = lru_cache(maxsize=4096)(self._completions)
        # Search results of this build, most recent last: a search box repeats queries (every
        # user types the same prefixes); a new build gets a new, empty cache.
        self.results: OrderedDict = OrderedDict()
        self.doc_count = self.reader.doc_count()

    def _spelled_out(self) -> dict[tuple[str, ...], set[str]]:
        """Stems of a spelled-out phrase -> the abbreviations our descriptors use for it ("behind the
        ear" -> bte, "continuous positive airway pressure" -> cpap): rare, non-English abbreviations
        of two- to five-word phrases, from CMS descriptor pairs, the clinical list and our glossaries
        (not initials merely mined from descriptors: "eligible clinician group" is not ECG)."""
        tables = (self.vocabulary, self.clinical, self.lay)
        english, found = english_words(among=frozenset(abbr for table in tables for abbr in table)), {}
        for table in tables:
            for abbr, expansions in table.items():
                if not abbr.isalpha() or abbr in english or abbr in self.mined:
                    continue
                frequency = self.reader.doc_frequency("descriptor", porter_stem(abbr))
                if not 0 < frequency <= ABBREVIATION_MAX_FREQUENCY:
                    continue
                for expansion in expansions:
                    if 2 <= len(expansion) <= 5:
                        found.setdefault(tuple(stem(w) for w in expansion), set()).add(abbr)
        return found

    def close(self) -> None:
        """Release the searcher's files."""
        if getattr(self, "searcher", None) is not None:
            self.searcher.close()
        if getattr(self, "guide", None) is not None:
            self.guide.close()
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

    def _postings(self, name: str, text: str) -> tuple[tuple[int, float], ...]:
        """(docnum, term frequency) of a term in a field; empty when absent."""
        if (name, text) not in self.reader:
            return ()
        return tuple(self.reader.postings(name, text).items_as("weight"))

    def bm25_idf(self, frequency: int) -> float:
        """BM25's inverse document frequency."""
        return math.log(1 + (self.doc_count - frequency + 0.5) / (frequency + 0.5))

    def _scored(self, name: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc numbers, BM25 term weight without IDF in each) of a term in a field; weights are 1
        outside the weighted text fields. Cached per build."""
        postings = self._postings(name, text)
        ids = np.fromiter((d for d, _tf in postings), dtype=np.int64, count=len(postings))
        if name not in TEXT_FIELDS or not len(ids):
            return ids, np.ones(len(ids))
        tf = np.fromiter((t for _d, t in postings), dtype=np.float64, count=len(postings))
        norm = self.norm_of[TEXT_FIELDS.index(name)][ids]
        return ids, tf * (K1 + 1) / (tf + norm)

    def _name_stems(self, docnum: int) -> tuple[frozenset[str], tuple[tuple[str, frozenset[str]], ...]]:
        """(stems of a code's long descriptor, (name, its stems) for each of its everyday and drug
        names). Cached per build."""
        return (frozenset(stem(w) for w in words_of(self.long_of[docnum])),
                tuple((name, frozenset(stem(w) for w in words_of(name))) for name in self.glossary_of[docnum]))

    def _completions(self, prefix: str) -> tuple[str, ...]:
        """The index words a typed prefix may be completing, the most used first (at most
        PREFIX_TERMS: "ma" is "mask" and "machine" before "macugen"). Cached per build."""
        found = []
        for text in self.reader.expand_prefix("words", prefix):
            word = text.decode() if isinstance(text, bytes) else text
            found.append((-self.reader.doc_frequency("words", word), word))
        return tuple(word for _n, word in heapq.nsmallest(PREFIX_TERMS, found))

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
        """How many codes contain an (unstemmed) word."""
        return self.reader.doc_frequency("words", word)


def _prior(status: str, flags: set[str], negated_query: bool, part_query: bool = False) -> float:
    """Multiplier from what a code is: terminated, reporting-only, negated, not otherwise classified,
    an accessory. A descriptor that says something was not done is not penalised for a query that says
    so too, nor a replacement part for a query that asks for one."""
    factor = TERMINATED_FACTOR if status == "terminated" else 1.0
    for flag in flags:
        if not (flag == "negated" and negated_query) and not (flag == "accessory" and part_query):
            factor *= PRIORS.get(flag, 1.0)
    return factor


class CodeIndex:
    """The live index of a directory, opened lazily per thread and reopened when ``current`` moves."""

    def __init__(self, index_dir: str | Path, cache_size: int = 0):
        self.index_dir = Path(index_dir)
        self.cache_size = cache_size
        self._local = threading.local()

    def _target(self) -> Path:
        """The build folder ``current`` points at now (resolved only when the link text changes)."""
        try:
            text = os.readlink(self.index_dir / "current")
        except OSError as err:
            raise IndexUnavailable(f"no index at {self.index_dir}; run 'codesearch build-index'") from err
        cached = getattr(self._local, "link", None)
        if cached is None or cached[0] != text:
            cached = self._local.link = (text, (self.index_dir / text).resolve())
        return cached[1]

    def open(self) -> OpenIndex:
        """This thread's open index, reopened (never refreshed) when ``current`` moves.

        A build that cannot be opened is remembered, logged once and not retried until
        ``current`` moves again; meanwhile the index already open keeps serving."""
        target = self._target()
        local = self._local
        current: OpenIndex | None = getattr(local, "open_index", None)
        if current is not None and current.folder == target:
            return current
        if getattr(local, "failed", None) == target:
            if current is not None:
                return current
            raise IndexUnavailable(f"index at {target} cannot be opened")
        try:
            fresh = OpenIndex(target)
        except Exception as err:  # corrupt or incomplete build: keep what we have
            local.failed = target
            log.warning("cannot open index at %s: %s", target, err)
            if current is not None:
                return current
            raise IndexUnavailable(f"index at {target} cannot be opened: {err}") from err
        local.open_index, local.failed = fresh, None
        if current is not None:
            current.close()
        return fresh

    def manifest(self) -> dict:
        """The live build's manifest."""
        return self.open().manifest

    def get(self, code: str) -> dict | None:
        """The full record of a code (case-insensitive), or None."""
        opened = self.open()
        docnum = opened.docnum(code.strip().upper())
        return None if docnum is None else json.loads(opened.stored(docnum)["record"])

    def search(self, raw: str, limit: int = 10, offset: int = 0, status: str | None = None,
               max_length: int = 512, highlights: bool = True) -> SearchResult:
        """Ranked codes for a query as typed into a search box (``highlights=False``: no <mark> text)."""
        opened = self.open()
        key = (raw, limit, offset, status, max_length, highlights)
        cached = opened.results.get(key) if self.cache_size else None
        if cached is None:
            parsed = parse(raw, opened.modifiers, max_length)
            cached = Ranker(opened, parsed, status, needed=offset + limit).page(limit, offset, highlights)
            if self.cache_size:
                opened.results[key] = cached
                if len(opened.results) > self.cache_size:
                    opened.results.popitem(last=False)
        else:
            opened.results.move_to_end(key)
        return cached

    def suggest_codes(self, code: str, limit: int = 5) -> list[str]:
        """Existing codes closest to an unknown one (same letter, nearest numbers)."""
        opened = self.open()
        code = code.strip().upper()
        i = bisect.bisect_left(opened.codes, code)
        near = [c for c in opened.codes[max(0, i - limit):i + limit] if c[:1] == code[:1] and len(c) == len(code)]
        return sorted(near, key=lambda c: abs(_numeric(c) - _numeric(code)))[:limit]


IRREGULAR_PLURALS = {"feet": "foot", "children": "child", "women": "woman", "men": "man",
                     "people": "person", "mice": "mouse", "geese": "goose", "lice": "louse"}


@lru_cache(maxsize=20_000)
def _singulars(word: str) -> tuple[str, ...]:
    """Singular forms of a plural that Porter stems apart from its singular: "feet" (foot),
    "diagnoses" (diagnosis), "calves" (calf, calfe). Forms no code uses match nothing."""
    if word in IRREGULAR_PLURALS:
        return (IRREGULAR_PLURALS[word],)
    if len(word) > 5 and word.endswith("ses"):
        return (word[:-2] + "is",)
    if len(word) > 4 and word.endswith("ves"):
        return (word[:-3] + "f", word[:-3] + "fe")
    return ()


def _numeric(code: str) -> int:
    """The digits of a code as a number (0 when none)."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits) if digits else 0


@dataclass
class WordSpec:
    """One query word: the index terms that count as matching it, and its weight."""

    word: str
    stems: set[str]
    weight: float
    prefix: str | None = None
    known: bool = True
    terms: list[tuple[str, str, float]] = field(default_factory=list)  # (field, term, boost)
    groups: list[tuple[list[str], float]] = field(default_factory=list)  # all-of descriptor terms, boost
    adjacent: set[tuple[str, ...]] = field(default_factory=set)  # groups whose terms must stand side by side
    spread: set[tuple[str, ...]] = field(default_factory=set)  # groups whose terms may sit in any text field
    prefix_boost: float = 0.0
    soft: dict[str, float] = field(default_factory=dict)  # neighbour stem -> similarity (partial credit)

    def also_matches(self, stemmed: str) -> None:
        """Let the word match another index term too, in every weighted field ("feet": foot)."""
        self.stems.add(stemmed)
        self.terms += [(name, stemmed, boost) for name, boost in FIELD_BOOSTS.items()]


NEGATIONS = {"no", "not", "without", "none", "never", "declined", "refused", "absent"}
PRIORS = {"measure": 0.9, "negated": 0.85, "noc": 0.9, "accessory": 0.85}
# A query with one of these asks for a part or supply: accessories are not ranked down for it.
PART_WORDS = {"replacement", "replace", "replacing", "part", "parts", "accessory", "accessories",
              "attachment", "supply", "supplies", "refill", "spare", "battery", "batteries"}
LETTERS_DIGITS = re.compile(r"^([a-z]{2,})(\d{1,2})$")


class Ranker:
    """Ranks codes for one parsed query against one open index."""

    def __init__(self, opened: OpenIndex, parsed: ParsedQuery, status: str | None, needed: int = 0):
        self.opened = opened
        self.candidates = max(CANDIDATES, needed)  # text hits ranked: at least as deep as the page asked for
        self.parsed = parsed
        self.status = status
        # Places (in parsed.words) of the words that count: not stop words, except a last word
        # still being typed ("hospital be" is on its way to "bed").
        self.places = [i for i, w in enumerate(parsed.words) if w not in STOP_WORDS or self._typing_last(i)]
        self.words = [parsed.words[i] for i in self.places]
        self.specs: list[WordSpec] = []
        self.did_you_mean: str | None = None
        self.corrected = False
        self.text_total = 0
        self.negated_query = bool(NEGATIONS & set(parsed.words))
        self.part_query = bool(PART_WORDS & set(parsed.words))

    def _typing_last(self, i: int) -> bool:
        """True for a stop word typed last, after other words, that index words start with."""
        words = self.parsed.words
        return (self.parsed.typing and i == len(words) - 1 and i > 0 and len(words[i]) >= 2
                and words[i].isalpha() and any(w not in STOP_WORDS for w in words[:i])
                and bool(self.opened.completions(words[i])))

    # -- the parts of the ranked list -----------------------------------------
    def _allowed(self, code: str) -> bool:
        """True when the status filter admits a code."""
        if not self.status:
            return True
        return (code in self.opened.terminated) == (self.status == "terminated")

    def _prefix_codes(self) -> list[str]:
        """Codes starting with the query's prefix: active ones in code order, then terminated."""
        prefix = self.parsed.prefix
        codes = self.opened.codes
        start = bisect.bisect_left(codes, prefix)
        matching = []
        for code in codes[start:]:
            if not code.startswith(prefix):
                break
            matching.append(code)
        return sorted(matching, key=lambda c: c in self.opened.terminated)

    def _direct_codes(self) -> list[tuple[str, str]]:
        """(code, how matched) for exact codes, prefix codes and modifiers, in that order."""
        direct = [(c, "code") for c in self.parsed.codes if self.opened.docnum(c) is not None]
        if self.parsed.prefix:
            direct += [(c, "prefix") for c in self._prefix_codes()]
        direct += [(m, "modifier") for m in self.parsed.modifiers if self.opened.docnum(m) is not None]
        direct += [(c, "ndc") for ndc in self.parsed.ndcs for c in self.opened.ndc_codes(ndc)]
        direct = list(dict.fromkeys(direct))
        return [(c, how) for c, how in direct if self._allowed(c)]

    # -- the text query ----------------------------------------------------------
    def _idf(self, frequency: int) -> float:
        """Inverse document frequency of a word seen in ``frequency`` codes."""
        return math.log((self.opened.doc_count + 1) / (frequency + 1)) + 0.5

    def _paired(self, i: int) -> bool:
        """True when the i-th query word and a neighbour form a pair of one of our multi-word names."""
        words, pairs = self.words, self.opened.glossary_pairs
        return ((i > 0 and (words[i - 1], words[i]) in pairs)
                or (i + 1 < len(words) and (words[i], words[i + 1]) in pairs))

    def _spec(self, word: str, last: bool, paired: bool = False) -> WordSpec:
        """Every way one query word can match: stem, abbreviation, typo fix, prefix (no everyday-word
        expansion for a word ``paired`` into a longer name)."""
        stemmed = stem(word)
        frequency = self.opened.document_frequency(word)
        spec = WordSpec(word, {stemmed}, 0.0, known=frequency > 0)
        spec.terms = [(name, stemmed, boost) for name, boost in FIELD_BOOSTS.items()]
        for singular in _singulars(word):
            spec.also_matches(stem(singular))
        split = LETTERS_DIGITS.match(word)  # "als1" is also "als 1"
        if split:
            parts = [stem(part) for part in split.groups()]
            spec.stems.update(parts)
            spec.groups.append((parts, 0.9))
            spec.adjacent.add(tuple(parts))
        everyday = [] if paired else self.opened.lay.get(word, [])
        expansions = (self.opened.vocabulary.get(word, []) + everyday)[:4]
        if frequency <= ABBREVIATION_MAX_FREQUENCY:  # "aid" in "hearing aid" is a word, not AID
            expansions = expansions + self.opened.clinical.get(word, [])
        for expansion in expansions:
            stems = [stem(w) for w in expansion if w not in STOP_WORDS]
            if stems:
                spec.stems.update(stems)
                spec.groups.append((stems, 0.8))
        if not frequency and word.isalpha():
            self._split(spec)
        completing = last and self.parsed.typing and bool(self.opened.completions(word))
        if self._may_be_typo(word, frequency) and not completing:  # "wheelch" is being typed, not misspelt
            for fix in self._corrections(word):
                self.corrected = True
                spec.stems.add(stem(fix))
                frequency = max(frequency, self.opened.document_frequency(fix))
                spec.terms += [("descriptor", stem(fix), 0.75), ("terms", stem(fix), 0.6)]
        if frequency <= NEIGHBOR_MAX_FREQUENCY and word.isalpha():
            for neighbor, similarity in self.opened.neighbors.get(word, []):
                if stem(neighbor) not in spec.stems:
                    spec.soft.setdefault(stem(neighbor), similarity)
        if last and self.parsed.typing and len(word) >= (2 if len(self.words) > 1 else 3) and not word.isdigit():
            spec.prefix = word
            spec.prefix_boost = 0.2 if spec.known else 0.6
        spec.weight = self._idf(frequency) if frequency else 0.0  # 0: set from its matches (_text_hits)
        return spec

    def _split(self, spec: WordSpec) -> None:
        """A word no code says may be two words run together ("bloodsugar", "eyedrops"): the split
        whose parts are both words of the index, the commoner the better, counts as an expansion."""
        word, best = spec.word, None
        for i in range(SPLIT_MIN, len(word) - SPLIT_MIN + 1):
            head, tail = word[:i], word[i:]
            least = min(self._part_frequency(head), self._part_frequency(tail))
            if least >= SPLIT_MIN_FREQUENCY and (best is None or least > best[0]):
                best = (least, [stem(head), stem(tail)])
        if best:
            spec.stems.update(best[1])
            spec.groups.append((best[1], 0.8))
            spec.spread.add(tuple(best[1]))

    def _roman_numerals(self) -> None:
        """A number after "type", "stage", "class", "factor"... also matches its Roman numeral, as CMS
        writes them ("type 3": type III, "factor 8": factor VIII)."""
        for first, second in zip(self.specs, self.specs[1:]):
            roman = ROMAN.get(second.word)
            if first.word in ROMAN_CONTEXT and roman:
                second.also_matches(roman)
                pair = [stem(first.word), roman]  # "type iii" side by side beats a stray "3"
                second.groups.append((pair, 0.9))
                second.adjacent.add(tuple(pair))

    def _litres(self) -> None:
        """A volume in litres also matches the same volume in cc and ml, as CMS writes IV fluids
        ("1 liter": 1000 cc)."""
        for amount, unit in zip(self.specs, self.specs[1:]):
            if unit.word in LITRES and re.fullmatch(r"\d{1,2}", amount.word):
                amount.also_matches(str(int(amount.word) * 1000))
                unit.also_matches("cc")
                unit.also_matches("ml")

    def _part_frequency(self, part: str) -> int:
        """How many codes hold a word, as typed or by its stem in any weighted field ("beats")."""
        reader = self.opened.reader
        return max([self.opened.document_frequency(part)] + [reader.doc_frequency(name, stem(part)) for name in TEXT_FIELDS])

    def _join_pairs(self) -> None:
        """Two typed words that the index writes as one ("light box": lightbox, "bed sores":
        bedsores) match that word too, each of them."""
        for first, second in zip(self.specs, self.specs[1:]):
            joined = first.word + second.word
            whole = all(w.isalpha() and len(w) >= 3 for w in (first.word, second.word))  # not "flu sh": flush
            if whole and self.opened.document_frequency(joined):
                first.also_matches(stem(joined))
                second.also_matches(stem(joined))

    def _abbreviate_runs(self) -> None:
        """Words that spell out an abbreviation our descriptors use ("behind the ear": BTE) match
        the abbreviation too, each of them."""
        typed = self.parsed.words
        spec_at = dict(zip(self.places, self.specs))
        for start in range(len(typed)):
            for end in range(start + 2, min(start + 5, len(typed)) + 1):
                for abbr in self.opened.spelled_out.get(tuple(stem(w) for w in typed[start:end]), ()):
                    for i in range(start, end):
                        if i in spec_at:
                            spec_at[i].stems.add(stem(abbr))
                            spec_at[i].groups.append(([stem(abbr)], 0.8))

    @staticmethod
    def _may_be_typo(word: str, frequency: int) -> bool:
        """Unknown or very rare alphabetic words may be misspelt (never codes or numbers)."""
        return word.isalpha() and len(word) >= 4 and frequency <= RARE

    def _corrections(self, word: str) -> list[str]:
        """Likely intended spellings of a word, each far more common than the word itself."""
        maxdist = 2 if len(word) >= 6 else 1
        floor = max(1, self.opened.document_frequency(word) * 10)
        fixes = self.opened.speller.suggest(word, maxdist, 3)
        return [f for f in fixes if f != word and self.opened.document_frequency(f) >= floor][:2]

    def _spec_vector(self, spec: WordSpec) -> np.ndarray:
        """BM25F score of one query word for every code (0 where it does not match), over all the
        ways it can match: its stem in each field, expansions (all words present), a typed prefix."""
        opened = self.opened
        value = np.zeros(opened.size)
        for name, text, boost in spec.terms:
            ids, units = opened.scored(name, text)
            value[ids] += boost * opened.bm25_idf(len(ids)) * units
        for stems, boost in spec.groups:
            # An expansion counts as one unit: its IDF is that of the codes holding all its words.
            group, present = np.zeros(opened.size), np.ones(opened.size, dtype=bool)
            fields = ("descriptor", "terms") if tuple(stems) in spec.spread else ("descriptor",)
            for text in stems:
                here, units = np.zeros(opened.size, dtype=bool), np.zeros(opened.size)
                for name in fields:
                    ids, found = opened.scored(name, text)
                    here[ids] = True
                    np.maximum.at(units, ids, found)
                present &= here
                group += units
            if tuple(stems) in spec.adjacent:
                present &= self._side_by_side(stems)
            np.maximum(value, boost * opened.bm25_idf(int(present.sum())) * group * present, out=value)
        if spec.prefix:
            floor = (spec.weight or 1.0) * spec.prefix_boost
            for text in opened.completions(spec.prefix):
                ids, _units = opened.scored("words", text)
                value[ids] = np.where(value[ids] > 0, value[ids], floor)
        return value

    def _side_by_side(self, stems: list[str]) -> np.ndarray:
        """Codes whose descriptor holds the stems next to each other, in order ("als 2")."""
        found = np.zeros(self.opened.size, dtype=bool)
        positions = [self.opened.positions("descriptor", text) for text in stems]
        for docnum, starts in positions[0].items():
            spots = set(starts)
            for following in positions[1:]:
                spots = {i + 1 for i in spots} & set(following.get(docnum, ()))
            found[docnum] = bool(spots)
        return found

    def _soft_vectors(self, spec: WordSpec) -> tuple[np.ndarray, np.ndarray]:
        """(BM25 score, best similarity) of the words close in meaning to a query word, per code."""
        opened = self.opened
        value, similarity = np.zeros(opened.size), np.zeros(opened.size)
        for text, sim in spec.soft.items():
            scores = np.zeros(opened.size)
            for name in ("descriptor", "terms"):
                ids, units = opened.scored(name, text)
                scores[ids] += NEIGHBOR_BOOST * sim * opened.bm25_idf(len(ids)) * units
            np.maximum(value, scores, out=value)
            np.maximum(similarity, np.where(scores > 0, sim, 0.0), out=similarity)
        return value, similarity

    def _phrase_bonus(self, docnums: set[int]) -> dict[int, float]:
        """docnum -> multiplier, among ``docnums``, for long descriptors that hold adjacent query words
        next to each other (in order), and more for holding all the query's words so."""
        if len(self.words) < 2:
            return {}
        stems = [stem(w) for w in self.words]
        positions = [self.opened.positions("descriptor", s) for s in stems]
        pairs = len(stems) - 1
        bonus: dict[int, float] = {}
        for docnum in docnums:
            together = 0
            for first, second in zip(positions, positions[1:]):
                a, b = first.get(docnum), second.get(docnum)
                if a and b and not set(b).isdisjoint(i + 1 for i in a):
                    together += 1
            if together:
                bonus[docnum] = (1 + PAIR_BONUS * together / pairs) * (PHRASE_BONUS if together == pairs else 1.0)
        return bonus

    def _text_hits(self) -> list[tuple[float, int, str]]:
        """(score, docnum, code) of text matches: IDF-weighted coverage of the query's words,
        then BM25F over the weighted fields, times proximity and priors."""
        if not self.words:
            return []
        opened = self.opened
        self.specs = [self._spec(w, i == len(self.words) - 1, self._paired(i)) for i, w in enumerate(self.words)]
        self._join_pairs()
        self._abbreviate_runs()
        self._roman_numerals()
        self._litres()
        values = [self._spec_vector(spec) for spec in self.specs]
        for spec, value in zip(self.specs, values):
            if not spec.weight:
                # A word no code says may still match through an expansion ("hfcwo" -> high frequency
                # chest wall oscillation) or a word close in meaning ("drink" -> alcohol): it weighs as
                # much as the codes it matches. Otherwise it is noise ("grandma's"), not a rare term.
                matches = int(np.count_nonzero(value))
                if not matches and spec.soft:
                    matches = int(np.count_nonzero(self._soft_vectors(spec)[0]))
                spec.weight = self._idf(matches) if matches else 1.0
        total_weight = sum(s.weight for s in self.specs) or 1.0
        covered, bm25 = np.zeros(opened.size), np.zeros(opened.size)
        for spec, value in zip(self.specs, values):
            matched = value > 0
            exact = matched if not (spec.prefix and spec.known) else value > spec.weight * spec.prefix_boost
            covered += spec.weight * np.where(exact, 1.0, 0.5 * matched)
            bm25 += value
            if spec.soft:  # a neighbour earns partial credit only where the word itself is absent
                soft_value, similarity = self._soft_vectors(spec)
                covered += np.where(matched, 0.0, spec.weight * NEIGHBOR_CREDIT * similarity)
                bm25 += np.where(matched, 0.0, soft_value)
        allowed = opened.status_mask[self.status] if self.status else opened.live_mask
        candidates = np.flatnonzero((covered > 0) & allowed)
        self.text_total = len(candidates)
        if not len(candidates):
            return []
        # The score is bounded by coverage, so only the best-covered codes can reach the top.
        scored = max(SCORED, self.candidates)
        if len(candidates) > scored:
            candidates = candidates[np.argpartition(-covered[candidates], scored - 1)[:scored]]
        coverage = covered[candidates] / total_weight
        priors = opened.priors[self.negated_query, self.part_query]
        scores = coverage * coverage + BM25_SHARE * coverage * bm25[candidates] / (bm25[candidates].max() or 1.0)
        scores *= priors[candidates]
        scores *= self._rarest_factor(values, candidates) * self._qualifier_factor(candidates)
        # Proximity can lift a score by a few percent: check it for the leading codes only.
        lead = candidates[np.argsort(-scores)[:PROXIMITY_CHECKED]]
        bonus = self._phrase_bonus(set(lead.tolist()))
        ranked = [(float(score) * bonus.get(int(docnum), 1.0), int(docnum), opened.code_of[docnum])
                  for score, docnum in zip(scores, candidates)]
        ranked = heapq.nsmallest(self.candidates, ranked, key=lambda r: (-r[0], r[2]))
        if self.corrected or ranked[0][0] < 0.6:
            self.did_you_mean = self._suggestion()
        return ranked

    def _rarest_factor(self, values: list[np.ndarray], candidates: np.ndarray) -> np.ndarray:
        """Multiplier per candidate: when one typed word is far rarer than the others and only a few
        codes hold it (a drug or device name: "naltrexone extended release injection"), codes
        without it rank lower, however many of the common words they hold."""
        ones = np.ones(len(candidates))
        known = sorted(((s.weight, i) for i, s in enumerate(self.specs) if s.known and s.word.isalpha()), reverse=True)
        if len(self.specs) < 2 or not known:
            return ones
        weight, rarest = known[0]
        matches = int(np.count_nonzero(values[rarest]))
        others = max(s.weight for i, s in enumerate(self.specs) if i != rarest)
        if not 0 < matches <= RAREST_MAX_CODES or weight < RAREST_RATIO * others:
            return ones
        return np.where(values[rarest][candidates] > 0, 1.0, RAREST_FACTOR)

    def _qualifier_factor(self, candidates: np.ndarray) -> np.ndarray:
        """Multiplier per candidate: codes that state another qualifier of a family than the query
        names ("crisis help, 15 minutes" is not the per-hour code, "one on one" not the group one)."""
        asked = by_family(query_qualifiers(self.parsed.text))
        if not asked:
            return np.ones(len(candidates))
        stated = self.opened.qualifiers_of
        return np.array([QUALIFIER_CONFLICT_FACTOR if d in stated and conflicts(asked, stated[d]) else 1.0
                         for d in candidates])

    def _suggestion(self) -> str | None:
        """The query with unknown words replaced by their likeliest spelling."""
        changed, out = False, []
        for word in self.parsed.words:
            fixes = self._corrections(word) if self._may_be_typo(word, self.opened.document_frequency(word)) else []
            out.append(fixes[0] if fixes else word)
            changed |= bool(fixes)
        return " ".join(out) if changed else None

    # -- the page ------------------------------------------------------------------
    def page(self, limit: int, offset: int, highlights: bool = True) -> SearchResult:
        """The ranked list, cut to one page, with highlights unless told not to."""
        direct = self._direct_codes()
        seen = {c for c, _ in direct}
        text = [r for r in self._text_hits() if r[2] not in seen]
        if not direct and not text and self.did_you_mean is None and self.words:
            self.did_you_mean = self._suggestion()
        # Text matches beyond the re-ranked candidates still count (a direct code may be among them).
        total = len(direct) + max(len(text), self.text_total - len(direct))
        entries = [(c, how, None) for c, how in direct] + [(c, "text", s) for s, _d, c in text]
        hits = [self._hit(code, how, score if score is not None else 1000.0 - position, highlights)
                for position, (code, how, score) in enumerate(entries[offset:offset + limit], start=offset)]
        return SearchResult(self.parsed.text, self.parsed.kind, total, hits, self.did_you_mean)

    def _hit(self, code: str, how: str, score: float, highlights: bool = True) -> Hit:
        """A Hit with the matched words of its descriptor marked (or just escaped)."""
        opened, docnum = self.opened, self.opened.docnum(code)
        stems = set().union(*(s.stems for s in self.specs)) if self.specs else set()
        prefixes = [s.prefix for s in self.specs if s.prefix]
        long_description = opened.long_of[docnum]
        return Hit(code=code, short_description=opened.short_of[docnum], long_description=long_description,
                   status=opened.status_of[docnum], kind="modifier" if len(code) == 2 else "procedure",
                   score=round(score, 4), matched=how,
                   highlight=highlight(long_description, stems, prefixes) if highlights else html.escape(long_description),
                   also_called=self._also_called(docnum) if how == "text" else self._products(docnum) if how == "ndc" else [])

    def _products(self, docnum: int) -> list[str]:
        """The product names of the NDCs a query typed that map to this code ("Keytruda")."""
        wanted = set(self.parsed.ndcs)
        record = json.loads(self.opened.stored(docnum)["record"])
        return list(dict.fromkeys(n["drug_name"] for n in record.get("ndcs", []) if n["ndc"].replace("-", "") in wanted))

    def _also_called(self, docnum: int, most: int = 3) -> list[str]:
        """The code's everyday names and drug names that hold a word of the query the CMS descriptor
        does not ("knee scooter" for E0118, "Keytruda" for J9271): why a lay query found it."""
        own, names = self.opened.name_stems(docnum)
        wanted = {stem(w) for w in self.words} - own
        if not wanted:
            return []
        found: dict[str, tuple[int, str]] = {}  # lower-cased name -> (query words held, name)
        for name, stems in names:
            held = len(wanted & stems)
            if held and name.lower() not in found:
                found[name.lower()] = (held, name)
        return [name for _held, name in sorted(found.values(), key=lambda item: -item[0])][:most]


def highlight(text: str, stems: set[str], prefixes: list[str]) -> str:
    """HTML-escaped text with the words matching the query wrapped in <mark>."""
    out, last = [], 0
    for match in re.finditer(r"[A-Za-z0-9]+", text):
        word = match.group(0).lower()
        if stem(word) in stems or any(word.startswith(p) for p in prefixes):
            out.append(html.escape(text[last:match.start()]))
            out.append(f"<mark>{html.escape(match.group(0))}</mark>")
            last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)
