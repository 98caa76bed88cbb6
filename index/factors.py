"""The factors: pure multipliers on a text match's score, each from one fact about the code and the
query. ``FACTORS`` lists them; each takes the ranking's context and the candidate doc numbers and
returns one multiplier per candidate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .expand import WordSpec
from .qualifiers import by_family, conflicts, query_qualifiers
from .snapshot import Snapshot
from .text import NEGATIONS, STOP_WORDS, stem, words
from .weights import Weights

# A query with one of these asks for a part or supply: accessories are not ranked down for it.
PART_WORDS = {
    "replacement",
    "replace",
    "replacing",
    "part",
    "parts",
    "accessory",
    "accessories",
    "attachment",
    "supply",
    "supplies",
    "refill",
    "spare",
    "battery",
    "batteries",
}


@dataclass
class Context:
    """What the factors may look at: the query, its expanded words and their score vectors."""

    snapshot: Snapshot
    weights: Weights
    text: str  # the query as typed (normalised)
    typed: list[str]  # every word of the query
    words: list[str]  # the counted words
    specs: list[WordSpec]
    values: list[np.ndarray]  # per counted word, its score in every code


def prior(status: str, flags: set[str], negated_query: bool, part_query: bool, weights: Weights) -> float:
    """Multiplier from what a code is: terminated, reporting-only, negated, not otherwise classified,
    an accessory. A descriptor that says something was not done is not penalised for a query that says
    so too, nor a replacement part for a query that asks for one."""
    factor = weights.terminated if status == "terminated" else 1.0
    table = weights.prior()
    for flag in flags:
        if not (flag == "negated" and negated_query) and not (flag == "accessory" and part_query):
            factor *= table.get(flag, 1.0)
    return factor


def priors(snapshot: Snapshot, weights: Weights, negated_query: bool, part_query: bool) -> np.ndarray:
    """Every code's prior for a kind of query, computed once per build and weights."""
    key = ("priors", weights, negated_query, part_query)
    if key not in snapshot.memo:
        snapshot.memo[key] = np.array(
            [prior(st, fl, negated_query, part_query, weights) for st, fl in zip(snapshot.status_of, snapshot.flags_of)]
        )
    return snapshot.memo[key]


def what_the_code_is(ctx: Context, candidates: np.ndarray) -> np.ndarray:
    """Priors: terminated, reporting-only, negated, NOC, accessory codes rank lower (see ``prior``)."""
    negated, part = bool(NEGATIONS & set(ctx.typed)), bool(PART_WORDS & set(ctx.typed))
    return priors(ctx.snapshot, ctx.weights, negated, part)[candidates]


def rarest_word(ctx: Context, candidates: np.ndarray) -> np.ndarray:
    """When one typed word is far rarer than the others and only a few codes hold it (a drug or
    device name: "naltrexone extended release injection"), codes without it rank lower, however
    many of the common words they hold."""
    ones = np.ones(len(candidates))
    specs, w = ctx.specs, ctx.weights
    known = sorted(((s.weight, i) for i, s in enumerate(specs) if s.known and s.word.isalpha()), reverse=True)
    if len(specs) < 2 or not known:
        return ones
    weight, rarest = known[0]
    matches = int(np.count_nonzero(ctx.values[rarest]))
    others = max(s.weight for i, s in enumerate(specs) if i != rarest)
    if not 0 < matches <= w.rarest_max_codes or weight < w.rarest_ratio * others:
        return ones
    return np.where(ctx.values[rarest][candidates] > 0, 1.0, w.rarest_factor)


def other_qualifier(ctx: Context, candidates: np.ndarray) -> np.ndarray:
    """Codes that state another qualifier of a family than the query names ("crisis help, 15
    minutes" is not the per-hour code, "one on one" not the group one) rank lower."""
    asked = by_family(query_qualifiers(ctx.text))
    if not asked:
        return np.ones(len(candidates))
    stated = ctx.snapshot.qualifiers_of
    return np.array(
        [ctx.weights.qualifier_conflict if d in stated and conflicts(asked, stated[d]) else 1.0 for d in candidates]
    )


MODIFIER_WORDS = {"modifier", "modifiers", "mod", "mods"}


def item_before_modifier(ctx: Context, candidates: np.ndarray) -> np.ndarray:
    """A two-character modifier ranks below the codes of the items and services themselves ("ambulance" is
    the ambulance services, not QM and QN), unless the query asks for modifiers."""
    if MODIFIER_WORDS & set(ctx.text.lower().split()):
        return np.ones(len(candidates))
    key = "modifier_mask"
    if key not in ctx.snapshot.memo:
        ctx.snapshot.memo[key] = np.array([len(code) == 2 for code in ctx.snapshot.code_of])
    return np.where(ctx.snapshot.memo[key][candidates], ctx.weights.modifier_in_text, 1.0)


# Where a descriptor's leading noun phrase ends: a comma or semicolon, or a word that starts what the
# thing is for, of, used with or made of ("Assessment for hearing aid", "Infusion set for external insulin
# pump", "Fitting/orientation/checking of hearing aid", "Ambulance waiting time (als or bls), ...").
HEAD_END = re.compile(
    r"[,;:]|\b(?:for|of|with|without|used|using|to|in|into|on|by|from|per|at|via|than|that|which|when|"
    r"including|includes|include|e\.g|i\.e|each|any|other than)\b"
)
PARENTHESIS = re.compile(r"\([^()]*\)")
# Trailing words that name no thing of their own: "ambulance service" is the ambulance, "oxygen system"
# the oxygen, "tens device" the TENS.
GENERIC_HEADS = frozenset(
    {"service", "services", "device", "devices", "system", "systems", "equipment", "unit", "units", "machine"}
)


# A leading phrase that names only the form of a drug: the next phrase names the drug ("Injection,
# dexamethasone sodium phosphate, 1 mg" is dexamethasone), any of its words.
FORM_HEADS = frozenset({"injection"})


def descriptor_head(text: str) -> tuple[str, ...]:
    """The head words of a descriptor's leading noun phrase: its last word (parentheses left out, cut at
    the first comma or preposition, a generic last word such as "service" or "device" dropped), or after
    a dosage form alone ("Injection, ..."), every word of the drug's phrase."""
    phrases = HEAD_END.split(PARENTHESIS.sub(" ", text.lower()), maxsplit=2)
    found = words(phrases[0])
    while len(found) > 1 and found[-1] in GENERIC_HEADS:
        found.pop()
    if len(found) == 1 and found[0] in FORM_HEADS and len(phrases) > 1:
        return tuple(words(phrases[1])) or tuple(found)
    return tuple(found[-1:])


def head_nouns(snapshot: Snapshot) -> list[tuple[tuple[str, str], ...]]:
    """(head word, its stem) pairs of every code's long descriptor, once per build."""
    key = "head_nouns"
    if key not in snapshot.memo:
        snapshot.memo[key] = [tuple((w, stem(w)) for w in descriptor_head(text)) for text in snapshot.long_of]
    return snapshot.memo[key]


NameHeads = tuple[tuple[frozenset[str], tuple[tuple[str, str], ...]], ...]


def name_heads(snapshot: Snapshot, docnum: int) -> NameHeads:
    """(stems of the name, its head words and their stems) of each everyday name of a code; cached per
    build, one code at a time (a search looks at a few hundred)."""
    cache = snapshot.memo.setdefault("name_heads", {})
    if docnum not in cache:
        cache[docnum] = tuple(
            (frozenset(stem(w) for w in words(name)), tuple((w, stem(w)) for w in descriptor_head(name)))
            for name in snapshot.glossary_of[docnum]
        )
    return cache[docnum]


def _heads_match(heads: tuple[tuple[str, str], ...], stems: set[str], prefix: str | None) -> bool:
    """True when a head word is one of the stems, or starts with the prefix being typed."""
    return any(s in stems or bool(prefix and w.startswith(prefix)) for w, s in heads)


def query_head(ctx: Context) -> int:
    """Which counted word is the query's head noun, read as a descriptor is: the last word of its leading
    phrase ("walker with wheels": walker; "tens unit": tens), else its last word."""
    head = descriptor_head(" ".join(ctx.typed))
    spoken = [spec.word for spec in ctx.specs]
    return spoken.index(head[-1]) if len(head) == 1 and head[-1] in spoken else len(spoken) - 1


def names_the_item(ctx: Context, candidates: np.ndarray) -> np.ndarray:
    """A code that is the thing a short query names ranks up: the query's head noun ("aid" of "hearing aid",
    "walker" of "walker with wheels") is the head noun of the descriptor's leading phrase, and the code holds
    the query's other words. "Hearing aid, digital, ..." is a hearing aid; "Assessment for hearing aid",
    "Infusion set for external insulin pump" and "Ambulance waiting time" are about one. A code one of
    whose everyday names is so headed and holds every query word as typed ranks up too ("knee brace":
    "Knee orthosis, ..."); both multiply."""
    ones = np.ones(len(candidates))
    w = ctx.weights
    if not ctx.specs or len(ctx.specs) > w.head_max_words or MODIFIER_WORDS & set(ctx.text.lower().split()):
        return ones  # a query for modifiers names a kind of code, not an item
    at = query_head(ctx)
    head = ctx.specs[at]
    heads = head_nouns(ctx.snapshot)
    typed = [{stem(s.word)} | {text for _name, text, _boost in s.terms} for s in ctx.specs]
    others = [t for i, t in enumerate(typed) if i != at]
    holds = np.ones(len(candidates), dtype=bool)
    for i, value in enumerate(ctx.values):
        if i != at:
            holds &= value[candidates] > 0

    # Everyday names are many and short: a head of one or two letters still being typed starts too many.
    by_name = not head.prefix or len(head.prefix) >= w.prefix_min_length

    def factor(docnum: int) -> float:
        found = w.head_match if _heads_match(heads[docnum], head.stems, head.prefix) else 1.0
        for stems, name_head in name_heads(ctx.snapshot, docnum) if by_name else ():
            if _heads_match(name_head, typed[at], head.prefix) and all(t & stems for t in others):
                return found * w.name_match
        return found

    return np.array([factor(int(d)) if held else 1.0 for d, held in zip(candidates, holds)])


# Head nouns of a part or supply for another item ("Addition to tlso, ...", "Power wheelchair accessory, ...").
PART_HEADS = frozenset(
    {"addition", "additions", "accessory", "accessories", "attachment", "replacement", "battery", "batteries"}
    | {"part", "parts", "supply", "supplies"}
)


def part_by_head(ctx: Context, candidates: np.ndarray) -> np.ndarray:
    """A code whose leading phrase is headed by a part word is a part: it ranks as an accessory does (the
    build flags only "for use with", "replacement" and the like), unless the query asks for parts."""
    ones = np.ones(len(candidates))
    if PART_WORDS & set(ctx.typed):
        return ones
    key = "part_heads"
    if key not in ctx.snapshot.memo:  # once per build: headed by a part word and not already an accessory
        heads, flags = head_nouns(ctx.snapshot), ctx.snapshot.flags_of
        ctx.snapshot.memo[key] = np.array(
            [any(w in PART_HEADS for w, _s in heads[d]) and "accessory" not in flags[d] for d in range(len(heads))],
            dtype=bool,
        )
    return np.where(ctx.snapshot.memo[key][candidates], ctx.weights.prior().get("accessory", 1.0), 1.0)


def name_stem_runs(snapshot: Snapshot, docnum: int) -> tuple[tuple[str, ...], ...]:
    """Stems of each everyday name of two or more words of a code that says something its long descriptor
    does not ("flu shot", not "all electric hospital bed"), stop words left out; cached per build."""
    cache = snapshot.memo.setdefault("name_runs", {})
    if docnum not in cache:
        described = {stem(w) for w in words(snapshot.long_of[docnum])}
        runs = (tuple(stem(w) for w in words(name) if w not in STOP_WORDS) for name in snapshot.glossary_of[docnum])
        cache[docnum] = tuple(run for run in runs if len(run) >= 2 and not described.issuperset(run))
    return cache[docnum]


def says_its_name(ctx: Context, candidates: np.ndarray) -> np.ndarray:
    """A code one of whose everyday names of two or more words the query says word for word, in order
    (stop words aside: "sleep apnea mask", "flu shot"), ranks up: the query names it as people do."""
    ones = np.ones(len(candidates))
    said = [stem(w) for w in ctx.words]
    if len(said) < 2:
        return ones
    w = ctx.weights

    said_set = frozenset(said)
    # Only a code whose everyday names hold two of the query's words can have one said: count them from the
    # glossary field's postings, and look at the names of those codes alone.
    named = np.zeros(ctx.snapshot.size, dtype=np.int8)
    for text in said_set:
        named[ctx.snapshot.scored("terms", text)[0]] += 1
    eligible = named[candidates] >= 2

    def factor(docnum: int) -> float:
        names = name_stem_runs(ctx.snapshot, docnum)
        return (
            w.name_said
            if any(said_set.issuperset(name) and _said_in_order(name, said, w.name_gap) for name in names)
            else 1.0
        )

    return np.array([factor(int(d)) if ok else 1.0 for d, ok in zip(candidates, eligible)])


def _said_in_order(name: tuple[str, ...], said: list[str], gap: int) -> bool:
    """True when the name's stems stand in ``said`` in order, at most ``gap`` other words among them."""
    for start, first in enumerate(said):
        if first != name[0]:
            continue
        at, skipped = start, 0
        for part in name[1:]:
            nxt = next((j for j in range(at + 1, min(len(said), at + 2 + gap - skipped)) if said[j] == part), None)
            if nxt is None:
                break
            skipped += nxt - at - 1
            at = nxt
        else:
            return True
    return False


FACTORS: list[Callable[[Context, np.ndarray], np.ndarray]] = [
    what_the_code_is,
    rarest_word,
    other_qualifier,
    item_before_modifier,
    names_the_item,
    part_by_head,
    says_its_name,
]


def phrase_bonus(ctx: Context, docnums: set[int]) -> dict[int, float]:
    """docnum -> multiplier, among ``docnums``, for long descriptors that hold adjacent query words
    next to each other (in order), and more for holding all the query's words so."""
    if len(ctx.words) < 2:
        return {}
    stems = [stem(w) for w in ctx.words]
    positions = [ctx.snapshot.positions("descriptor", s) for s in stems]
    pairs = len(stems) - 1
    bonus: dict[int, float] = {}
    for docnum in docnums:
        together = 0
        for first, second in zip(positions, positions[1:]):
            a, b = first.get(docnum), second.get(docnum)
            if a and b and not set(b).isdisjoint(i + 1 for i in a):
                together += 1
        if together:
            bonus[docnum] = (1 + ctx.weights.pair_bonus * together / pairs) * (
                ctx.weights.phrase_bonus if together == pairs else 1.0
            )
    return bonus
