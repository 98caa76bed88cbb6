"""Vocabulary built from data at import time: abbreviations and lay terms.

* CMS abbreviations are mined from each code's short/long descriptor pair
  ("Interv req for leak" <-> "Intervention ... leak ... required").
* Clinical abbreviations come from the Wikipedia list (CC BY-SA) and are kept
  only where their long form occurs in a descriptor.
* Lay terms come from ``corpus/vocab/lay_terms.csv`` and ``corpus/vocab/lay/*.csv``, our own
  glossaries of clinical phrases and the everyday words people use for them.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from .text import DESCRIPTOR_FILLER, WORD, stem, words  # noqa: F401 (WORD, words: vocab's callers)

STOP = DESCRIPTOR_FILLER


def _is_abbreviation(short: str, long: str) -> bool:
    """True when ``short`` can abbreviate ``long``: same first letter, a subsequence."""
    if len(short) < 2 or len(long) <= len(short) or short[0] != long[0] or short.isdigit():
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


def _acronym(short_word: str, long_words: list[str]) -> str | None:
    """The run of long words whose initials spell ``short_word`` ("ots" -> "off the shelf")."""
    n = len(short_word)
    if n < 2:
        return None
    for i in range(len(long_words) - n + 1):
        run = long_words[i : i + n]
        if "".join(w[0] for w in run) == short_word:
            return " ".join(run)
    return None


def _candidates(short_word: str, long_words: list[str]) -> str | None:
    """The long word (or acronym run) a short-descriptor word most likely abbreviates."""
    acronym = _acronym(short_word, long_words)
    if acronym:
        return acronym
    prefix = [w for w in long_words if w.startswith(short_word) and len(w) > len(short_word)]
    if prefix:
        return prefix[0]
    subseq = [w for w in long_words if _is_abbreviation(short_word, w)]
    return subseq[0] if subseq else None


def mine_descriptor_abbreviations(
    rows: list[dict], min_count: int = 2, english: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Abbreviation -> expansion, mined from all short/long descriptor pairs."""
    pairs: Counter = Counter()
    seen: Counter = Counter()
    initials: set[tuple[str, str]] = set()  # exact initials of 3+ words: one pair is evidence enough
    in_long = Counter(w for row in rows for w in set(words(row["long_description"])))
    for row in rows:
        all_long = words(row["long_description"])
        long_words = [w for w in all_long if w not in STOP]
        for short_word in set(words(row["short_description"])):
            if short_word in STOP or not short_word.isalpha():
                continue
            acronym = _acronym(short_word, all_long)
            if acronym:
                pairs[(short_word, acronym)] += 1
                if len(short_word) >= 3:
                    initials.add((short_word, acronym))
                seen[short_word] += 1
                continue
            seen[short_word] += 1
            # A word that CMS spells out somewhere is a word, not an abbreviation (but see below).
            expansion = None if short_word in in_long else _candidates(short_word, long_words)
            if expansion:
                pairs[(short_word, expansion)] += 1
    best: dict[str, tuple[str, int]] = {}
    for (short_word, expansion), count in pairs.items():
        if short_word in in_long and not _mostly_initials(short_word, expansion, count, in_long, english):
            continue
        if (count >= min_count or (short_word, expansion) in initials) and count > best.get(short_word, ("", 0))[1]:
            best[short_word] = (expansion, count)
    return {s: e for s, (e, c) in sorted(best.items()) if c * 2 >= seen[s]}


def _mostly_initials(short_word: str, expansion: str, count: int, in_long: Counter, english: frozenset[str]) -> bool:
    """True for initials that long descriptors also write now and then ("ak", "afo", "rbc": in
    quotes or parentheses), but short descriptors far more often stand for the phrase: at least
    three pairs, more than the long descriptors that hold the word, and not an English word."""
    return (
        " " in expansion
        and count >= 3
        and in_long[short_word] < count
        and short_word not in english
        and len(short_word) >= 2
    )


ACRONYM_SKIP = frozenset("a an and by for in of on or the to with".split())  # letters acronyms leave out
ACRONYM_BREAK = frozenset(
    """patient patients beneficiary has had have is are was were be been not no more less than
    other others any all each per this that these those who which when where use used using only also may must
    one two three four five six seven eight nine ten first second third""".split()
)


def _acronym_runs(text: str, shortest: int, longest: int):
    """(initials, phrase) of every run of ``shortest``..``longest`` content words in a descriptor
    clause; function words may sit inside a run, numbers and generic words end it."""
    for clause in re.split(r"[,;:()\[\]/.]", text.lower().replace("-", " ")):
        tokens = WORD.findall(clause)
        for i, first in enumerate(tokens):
            if first in ACRONYM_SKIP or first in ACRONYM_BREAK or not first[0].isalpha():
                continue
            run: list[str] = []
            for token in tokens[i:]:
                if token in ACRONYM_SKIP:
                    continue
                if token in ACRONYM_BREAK or not token[0].isalpha() or len(run) == longest:
                    break
                run.append(token)
                if len(run) >= shortest:
                    yield "".join(w[0] for w in run), " ".join(run)


ENGLISH_WORDS = Path("/usr/share/dict/words")  # Debian's wamerican (SCOWL); see corpus/README.md


def english_words(path: Path = ENGLISH_WORDS, among: frozenset[str] | None = None) -> frozenset[str]:
    """Lower-case entries of a general English word list ("cab", "fare"), only those ``among`` the
    given words when given (to keep little in memory); empty when the list is missing: such words
    are not taken for acronyms of descriptor phrases."""
    if not path.is_file():
        return frozenset()
    with open(path, encoding="utf-8", errors="replace") as handle:
        found = (line.strip() for line in handle)
        return frozenset(w for w in found if w.islower() and (among is None or w in among))


Expansions = dict[str, list[list[str]]]


def load_vocabulary(folder: Path) -> tuple[Expansions, Expansions, Expansions, frozenset[str]]:
    """(word -> expansions, rare word -> expansions as a clinical abbreviation or an acronym of
    descriptor words, everyday word -> the clinical phrases of our glossaries, the acronyms mined
    from initials), as word lists, from the corpus vocabulary copied into a build."""
    path = folder / "vocabulary.json"
    if not path.is_file():
        return {}, {}, {}, frozenset()
    data = json.loads(path.read_text(encoding="utf-8"))
    table: dict[str, list[list[str]]] = {}
    for abbr, expansion in data.get("cms_abbreviations", {}).items():
        table.setdefault(abbr, []).append(expansion.split())
    clinical = {
        abbr: [e.split() for e in expansions[:2]] for abbr, expansions in data.get("clinical_abbreviations", {}).items()
    }
    for initials, phrases in data.get("acronyms", {}).items():
        if initials not in table and initials not in clinical:
            clinical[initials] = [phrase.split() for phrase in phrases]
    for unit, aliases in data.get("units", {}).items():
        table.setdefault(unit, [])[:0] = [[alias] for alias in aliases]
    lay = {
        word: [phrase.split() for phrase in phrases[:3]] for word, phrases in data.get("lay_to_clinical", {}).items()
    }
    mined = frozenset(
        initials for initials in data.get("acronyms", {}) if initials not in data.get("clinical_abbreviations", {})
    )
    return table, clinical, lay, mined


def spelled_out_table(
    vocabulary: Expansions, clinical: Expansions, lay: Expansions, mined: frozenset[str], reader, max_frequency: int
) -> dict[tuple[str, ...], set[str]]:
    """Stems of a spelled-out phrase -> the abbreviations our descriptors use for it ("behind the
    ear" -> bte, "continuous positive airway pressure" -> cpap): rare, non-English abbreviations
    of two- to five-word phrases, from CMS descriptor pairs, the clinical list and our glossaries
    (not initials merely mined from descriptors: "eligible clinician group" is not ECG). Needs the
    index ``reader`` (descriptor frequencies) and the system word list: the build computes it once."""
    tables = (vocabulary, clinical, lay)
    english = english_words(among=frozenset(abbr for table in tables for abbr in table))
    found: dict[tuple[str, ...], set[str]] = {}
    for table in tables:
        for abbr, expansions in table.items():
            if not abbr.isalpha() or abbr in english or abbr in mined:
                continue
            frequency = reader.doc_frequency("descriptor", stem(abbr))
            if not 0 < frequency <= max_frequency:
                continue
            for expansion in expansions:
                if 2 <= len(expansion) <= 5:
                    found.setdefault(tuple(stem(w) for w in expansion), set()).add(abbr)
    return found


def mine_acronyms(descriptions: list[str], keep: int = 5, shortest: int = 3, longest: int = 6) -> dict[str, list[str]]:
    """Initials -> the descriptor phrases they can stand for, most frequent first
    ("npwt" -> "negative pressure wound therapy"): coder acronyms are mostly the initials of a
    CMS phrase. Query-time context (the other words typed) chooses among the candidates."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for text in descriptions:
        for initials, phrase in _acronym_runs(text, shortest, longest):
            counts[initials][phrase] += 1
    return {
        initials: [p for p, _n in sorted(phrases.items(), key=lambda item: (-item[1], item[0]))[:keep]]
        for initials, phrases in sorted(counts.items())
    }


def record_abbreviations(row: dict, mined: dict[str, str]) -> list[str]:
    """'abbr = expansion' pairs that link this record's short descriptor to its long one."""
    long_text = " " + " ".join(words(row["long_description"])) + " "
    found = []
    for short_word in dict.fromkeys(words(row["short_description"])):
        expansion = mined.get(short_word)
        if expansion and f" {expansion} " in long_text and f" {short_word} " not in long_text:
            found.append(f"{short_word} = {expansion}")
    return found


class PhraseMatcher:
    """Finds glossary phrases (as whole-word sequences) in a descriptor."""

    def __init__(self, entries: dict[str, list[str]]):
        self.entries = entries
        self.by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for phrase in entries:
            key = tuple(words(phrase))
            if key:
                self.by_first[key[0]].append(key)

    def find(self, text: str) -> list[str]:
        """Phrases of the glossary that occur in text, in order of first occurrence, except where the
        text excludes them ("non-electric", "without mattress", "other than knee")."""
        tokens = words(text)
        found = []
        for i, token in enumerate(tokens):
            if _excluded(tokens, i):
                continue
            for key in self.by_first.get(token, ()):
                if tuple(tokens[i : i + len(key)]) == key:
                    found.append(" ".join(key))
        return list(dict.fromkeys(found))


EXCLUDING = frozenset("non not without no excluding excludes except".split())


def _excluded(tokens: list[str], i: int) -> bool:
    """True when the word at ``i`` follows a word that excludes it ("with or without" excludes nothing)."""
    if tokens[max(0, i - 3) : i] == ["with", "or", "without"]:
        return False
    return (i > 0 and tokens[i - 1] in EXCLUDING) or tokens[max(0, i - 2) : i] == ["other", "than"]


def clinical_abbreviations(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Long form -> abbreviations, keeping multi-word long forms and 2+ letter abbreviations."""
    table: dict[str, list[str]] = defaultdict(list)
    for abbr, long_form in pairs:
        abbr_clean = abbr.strip().lower()
        long_clean = " ".join(words(long_form))
        if (
            len(abbr_clean) < 2
            or not abbr_clean.isascii()
            or not re.fullmatch(r"[a-z0-9]+", abbr_clean)
            or len(long_clean.split()) < 2
        ):
            continue
        if abbr_clean not in table[long_clean]:
            table[long_clean].append(abbr_clean)
    return dict(table)


def load_lay_terms(*paths: Path) -> dict[str, list[str]]:
    """Our glossaries merged: clinical phrase -> everyday phrases (``;``-separated in the files),
    each phrase once, in file order."""
    table: dict[str, list[str]] = {}
    for path in paths:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                term = " ".join(words(row["term"]))
                lay = [" ".join(x.lower().split()) for x in (row["lay"] or "").split(";") if x.strip()]
                if term and lay:
                    known = table.setdefault(term, [])
                    known.extend(x for x in lay if x not in known)
    return table


# Units as CMS writes them and as people type them.
UNIT_ALIASES = {
    "g": ["gm", "gram"],
    "gm": ["g", "gram"],
    "gram": ["g", "gm"],
    "grams": ["g", "gm"],
    "mg": ["milligram"],
    "milligram": ["mg"],
    "milligrams": ["mg"],
    "mcg": ["microgram"],
    "microgram": ["mcg"],
    "micrograms": ["mcg"],
    "ml": ["cc", "milliliter"],
    "cc": ["ml"],
    "milliliter": ["ml"],
    "milliliters": ["ml"],
    "l": ["liter"],
    "liter": ["l"],
    "liters": ["l"],
    "kg": ["kilogram"],
    "lb": ["pound"],
    "lbs": ["pound"],
    "hr": ["hour"],
    "hrs": ["hour"],
    "hour": ["hr"],
    "min": ["minutes"],
    "mins": ["minutes"],
    "minutes": ["min"],
    "mo": ["month"],
    "wk": ["week"],
    "yr": ["year"],
    "oz": ["ounce"],
    "ounce": ["oz"],
    "ft": ["foot"],
    "in": ["inch"],
    "sq": ["square"],
    "cm": ["centimeter"],
}
