"""The factors: pure multipliers on a text match's score, each from one fact about the code and the
query. ``FACTORS`` lists them; each takes the ranking's context and the candidate doc numbers and
returns one multiplier per candidate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .expand import WordSpec
from .qualifiers import by_family, conflicts, query_qualifiers
from .snapshot import Snapshot
from .text import NEGATIONS, stem
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


FACTORS: list[Callable[[Context, np.ndarray], np.ndarray]] = [
    what_the_code_is,
    rarest_word,
    other_qualifier,
    item_before_modifier,
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
