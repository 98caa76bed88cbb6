"""Expansion: every index term a query word may match, from a list of small expanders.

A word expander looks at one word (``WordContext``) and adds to its ``WordSpec``: its stem in each
weighted field, singulars Porter misses, "als1" as "als 1", abbreviations and everyday words,
run-together words, typo fixes, words close in meaning, completions of a word still being typed.
A query expander then looks across neighbouring words: "light box" is lightbox, "behind the ear"
is BTE, "type 3" is type III, "1 liter" is 1000 cc.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .query import ParsedQuery
from .snapshot import Snapshot
from .text import STOP_WORDS, singulars, stem
from .weights import Weights

ROMAN = dict(zip("2 3 4 5 6 7 8 9 10 11 12 13".split(), "ii iii iv v vi vii viii ix x xi xii xiii".split()))
ROMAN_CONTEXT = {"type", "stage", "class", "level", "grade", "phase", "factor", "group", "tier", "category"}
LITRES = {"liter", "liters", "litre", "litres", "l"}
LETTERS_DIGITS = re.compile(r"^([a-z]{2,})(\d{1,2})$")


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
    boosts: dict[str, float] = field(default_factory=dict, repr=False)  # field -> boost, for also_matches

    def also_matches(self, stemmed: str) -> None:
        """Let the word match another index term too, in every weighted field ("feet": foot)."""
        self.stems.add(stemmed)
        self.terms += [(name, stemmed, boost) for name, boost in self.boosts.items()]


@dataclass
class WordContext:
    """What the expanders know of one word: where it stands, how common it is, what it is being typed into."""

    word: str
    last: bool  # the query's last word
    typing: bool  # the query has no trailing space: its last word may be incomplete
    paired: bool  # the word and a neighbour form one of our multi-word names ("solu medrol")
    words_in_query: int
    frequency: int  # codes holding the word (raised by a typo fix)
    corrected: bool = False


WordExpander = Callable[[WordSpec, WordContext, Snapshot, Weights], None]


def stem_terms(spec: WordSpec, ctx: WordContext, snapshot: Snapshot, weights: Weights) -> None:
    """The word's stem in every weighted field, and the singulars Porter stems apart ("feet": foot)."""
    spec.terms = [(name, stem(ctx.word), boost) for name, boost in spec.boosts.items()]
    for singular in singulars(ctx.word):
        spec.also_matches(stem(singular))


def letters_digits(spec: WordSpec, ctx: WordContext, snapshot: Snapshot, weights: Weights) -> None:
    """ "als1" is also "als 1", side by side."""
    split = LETTERS_DIGITS.match(ctx.word)
    if split:
        parts = [stem(part) for part in split.groups()]
        spec.stems.update(parts)
        spec.groups.append((parts, weights.letters_digits_boost))
        spec.adjacent.add(tuple(parts))


def glossary(spec: WordSpec, ctx: WordContext, snapshot: Snapshot, weights: Weights) -> None:
    """CMS abbreviations and units, everyday words (not inside a multi-word name), and for a rare word
    the clinical abbreviations it may stand for: each expansion counts when all its words are present."""
    everyday = [] if ctx.paired else snapshot.lay.get(ctx.word, [])
    expansions = (snapshot.vocabulary.get(ctx.word, []) + everyday)[: weights.expansions_per_word]
    if ctx.frequency <= weights.abbreviation_max_frequency:  # "aid" in "hearing aid" is a word, not AID
        expansions = expansions + snapshot.clinical.get(ctx.word, [])
    for expansion in expansions:
        stems = [stem(w) for w in expansion if w not in STOP_WORDS]
        if stems:
            spec.stems.update(stems)
            spec.groups.append((stems, weights.expansion_boost))


def run_together(spec: WordSpec, ctx: WordContext, snapshot: Snapshot, weights: Weights) -> None:
    """A word no code says may be two words run together ("bloodsugar", "eyedrops"): the split
    whose parts are both words of the index, the commoner the better, counts as an expansion."""
    word, best = ctx.word, None
    if ctx.frequency or not word.isalpha():
        return
    for i in range(weights.split_min, len(word) - weights.split_min + 1):
        head, tail = word[:i], word[i:]
        least = min(snapshot.part_frequency(head), snapshot.part_frequency(tail))
        if least >= weights.split_min_frequency and (best is None or least > best[0]):
            best = (least, [stem(head), stem(tail)])
    if best:
        spec.stems.update(best[1])
        spec.groups.append((best[1], weights.expansion_boost))
        spec.spread.add(tuple(best[1]))


def may_be_typo(word: str, frequency: int, weights: Weights) -> bool:
    """Unknown or very rare alphabetic words may be misspelt (never codes or numbers)."""
    return word.isalpha() and len(word) >= weights.typo_min_length and frequency <= weights.rare


def corrections(word: str, snapshot: Snapshot, weights: Weights) -> list[str]:
    """Likely intended spellings of a word, each far more common than the word itself."""
    maxdist = 2 if len(word) >= weights.typo_long else 1
    floor = max(1, snapshot.document_frequency(word) * weights.typo_more_common)
    fixes = snapshot.speller.suggest(word, maxdist, 3)
    return [f for f in fixes if f != word and snapshot.document_frequency(f) >= floor][: weights.typo_fixes]


def typo_fixes(spec: WordSpec, ctx: WordContext, snapshot: Snapshot, weights: Weights) -> None:
    """A rare or unknown word also matches its likely spellings (not a last word being typed: "wheelch")."""
    completing = ctx.last and ctx.typing and bool(snapshot.completions(ctx.word))
    if not may_be_typo(ctx.word, ctx.frequency, weights) or completing:
        return
    for fix in corrections(ctx.word, snapshot, weights):
        ctx.corrected = True
        spec.stems.add(stem(fix))
        ctx.frequency = max(ctx.frequency, snapshot.document_frequency(fix))
        spec.terms += [
            ("descriptor", stem(fix), weights.typo_descriptor_boost),
            ("terms", stem(fix), weights.typo_terms_boost),
        ]


def neighbours(spec: WordSpec, ctx: WordContext, snapshot: Snapshot, weights: Weights) -> None:
    """Words close in meaning earn partial credit, for a word not already common in the index."""
    if ctx.frequency <= weights.neighbor_max_frequency and ctx.word.isalpha():
        found = snapshot.neighbors.get(ctx.word, []) + snapshot.neighbors_by_stem.get(stem(ctx.word), [])
        for neighbor, similarity in found:
            if len(spec.soft) >= weights.neighbors_per_word:
                break
            if stem(neighbor) not in spec.stems:
                spec.soft.setdefault(stem(neighbor), similarity)


def completion(spec: WordSpec, ctx: WordContext, snapshot: Snapshot, weights: Weights) -> None:
    """A last word still being typed also matches the index words it starts."""
    shortest = weights.prefix_min_length_after if ctx.words_in_query > 1 else weights.prefix_min_length
    if ctx.last and ctx.typing and len(ctx.word) >= shortest and not ctx.word.isdigit():
        spec.prefix = ctx.word
        spec.prefix_boost = weights.prefix_boost_known if spec.known else weights.prefix_boost_unknown


WORD_EXPANDERS: list[WordExpander] = [
    stem_terms,
    letters_digits,
    glossary,
    run_together,
    typo_fixes,
    neighbours,
    completion,
]


def expand_word(ctx: WordContext, snapshot: Snapshot, weights: Weights) -> WordSpec:
    """Every way one query word can match, and its weight (0: set later from its matches)."""
    spec = WordSpec(ctx.word, {stem(ctx.word)}, 0.0, known=ctx.frequency > 0, boosts=weights.field_boost())
    for expander in WORD_EXPANDERS:
        expander(spec, ctx, snapshot, weights)
    spec.weight = snapshot.coverage_idf(ctx.frequency) if ctx.frequency else 0.0
    return spec


# -- across neighbouring words ----------------------------------------------------------------

QueryExpander = Callable[[list[WordSpec], list[str], list[int], Snapshot, Weights], None]


def join_pairs(
    specs: list[WordSpec], typed: list[str], places: list[int], snapshot: Snapshot, weights: Weights
) -> None:
    """Two typed words that the index writes as one ("light box": lightbox, "bed sores":
    bedsores) match that word too, each of them."""
    for first, second in zip(specs, specs[1:]):
        joined = first.word + second.word
        whole = all(w.isalpha() and len(w) >= 3 for w in (first.word, second.word))  # not "flu sh": flush
        if whole and snapshot.document_frequency(joined):
            first.also_matches(stem(joined))
            second.also_matches(stem(joined))


def spelled_out(
    specs: list[WordSpec], typed: list[str], places: list[int], snapshot: Snapshot, weights: Weights
) -> None:
    """Words that spell out an abbreviation our descriptors use ("behind the ear": BTE) match
    the abbreviation too, each of them (``places``: where each spec's word stands in ``typed``)."""
    spec_at = dict(zip(places, specs))
    for start in range(len(typed)):
        for end in range(start + 2, min(start + 5, len(typed)) + 1):
            for abbr in snapshot.spelled_out.get(tuple(stem(w) for w in typed[start:end]), ()):
                for i in range(start, end):
                    if i in spec_at:
                        spec_at[i].stems.add(stem(abbr))
                        spec_at[i].groups.append(([stem(abbr)], weights.expansion_boost))


def roman_numerals(
    specs: list[WordSpec], typed: list[str], places: list[int], snapshot: Snapshot, weights: Weights
) -> None:
    """A number after "type", "stage", "class", "factor"... also matches its Roman numeral, as CMS
    writes them ("type 3": type III, "factor 8": factor VIII)."""
    for first, second in zip(specs, specs[1:]):
        roman = ROMAN.get(second.word)
        if first.word in ROMAN_CONTEXT and roman:
            second.also_matches(roman)
            pair = [stem(first.word), roman]  # "type iii" side by side beats a stray "3"
            second.groups.append((pair, weights.roman_boost))
            second.adjacent.add(tuple(pair))


def litres(specs: list[WordSpec], typed: list[str], places: list[int], snapshot: Snapshot, weights: Weights) -> None:
    """A volume in litres also matches the same volume in cc and ml, as CMS writes IV fluids
    ("1 liter": 1000 cc)."""
    for amount, unit in zip(specs, specs[1:]):
        if unit.word in LITRES and re.fullmatch(r"\d{1,2}", amount.word):
            amount.also_matches(str(int(amount.word) * 1000))
            unit.also_matches("cc")
            unit.also_matches("ml")


QUERY_EXPANDERS: list[QueryExpander] = [join_pairs, spelled_out, roman_numerals, litres]


@dataclass
class Expanded:
    """The specs of a query's words, and whether a typo fix was taken."""

    specs: list[WordSpec]
    corrected: bool


def expand(parsed: ParsedQuery, places: list[int], snapshot: Snapshot, weights: Weights) -> Expanded:
    """The WordSpec of every counted word (``places``: their positions in ``parsed.words``)."""
    counted = [parsed.words[i] for i in places]
    pairs = snapshot.glossary_pairs
    specs, corrected = [], False
    for i, word in enumerate(counted):
        paired = (i > 0 and (counted[i - 1], word) in pairs) or (
            i + 1 < len(counted) and (word, counted[i + 1]) in pairs
        )
        ctx = WordContext(
            word, i == len(counted) - 1, parsed.typing, paired, len(counted), snapshot.document_frequency(word)
        )
        specs.append(expand_word(ctx, snapshot, weights))
        corrected |= ctx.corrected
    for expander in QUERY_EXPANDERS:
        expander(specs, parsed.words, places, snapshot, weights)
    return Expanded(specs, corrected)
