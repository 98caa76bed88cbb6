"""Every tuning number of the ranking, in one frozen object.

``DEFAULT`` is what the service ranks with. ``scripts/eval_search.py --weight name=value`` ranks
with other values to see what a number does; the README points here instead of retelling them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Weights:
    """The ranking's parameters, each with what it does."""

    # BM25F over the weighted text fields
    k1: float = 1.2
    b: float = 0.75
    field_boosts: tuple[tuple[str, float], ...] = (("descriptor", 1.0), ("short", 0.7), ("terms", 0.7))
    bm25_share: float = 1.0  # BM25F (scaled by coverage) beside squared coverage; 0.8-1.5 score alike on dev
    coverage_idf_floor: float = 0.5  # added to a word's coverage IDF, log((N+1)/(f+1)) + this
    partial_coverage: float = 0.5  # coverage credit of a word matched only as a typed prefix
    # how deep the ranking looks
    candidates: int = 120  # text hits re-ranked and returned at least
    scored: int = 400  # codes fully scored, chosen by coverage
    proximity_checked: int = 150  # leading codes whose descriptor is checked for adjacent query words
    # what a word may also match
    expansions_per_word: int = 4  # abbreviation and everyday-word expansions tried per word
    expansion_boost: float = 0.8  # an expansion (all its words present) against the word itself
    letters_digits_boost: float = 0.9  # "als1" as "als 1", side by side
    roman_boost: float = 0.9  # "type 3" as "type iii", side by side
    split_min: int = 3  # a run-together word splits into parts this long ...
    split_min_frequency: int = 2  # ... each in this many codes
    abbreviation_max_frequency: int = 30  # a word in more codes is not expanded as a clinical abbreviation
    neighbor_boost: float = 0.3  # BM25 boost of a word close in meaning (times its similarity)
    neighbor_credit: float = 0.3  # coverage credit of such a word (times its similarity)
    neighbor_max_frequency: int = 5000  # words used by more codes than this need no neighbours
    neighbors_per_word: int = 3  # neighbours of the word as typed first, then of other words of its stem
    # typing and typos
    prefix_terms: int = 100  # index words a typed prefix may expand to
    prefix_min_length: int = 3  # a last word this long is completed ...
    prefix_min_length_after: int = 1  # ... or this long after other words ("knee b": brace)
    completions_scored: int = 20  # the commonest completions of a typed prefix are scored by BM25F, not a flat floor
    completion_share: float = 0.5  # a completion's BM25F counts this much of the whole word's
    prefix_boost_known: float = 0.2  # score floor of a completion when the typed word is itself a word
    prefix_boost_unknown: float = 0.6  # the same when it is not
    rare: int = 2  # a word in at most this many codes may be a misspelling (CMS text has a few)
    typo_min_length: int = 4
    typo_long: int = 6  # a word this long may be two edits away, shorter ones one
    typo_more_common: int = 10  # a fix must be this many times commoner than the typed word
    typo_fixes: int = 2
    typo_descriptor_boost: float = 0.75
    typo_terms_boost: float = 0.6
    did_you_mean_below: float = 0.6  # a top score under this offers a spelling suggestion
    # multipliers (index.factors)
    terminated: float = 0.4
    priors: tuple[tuple[str, float], ...] = (("measure", 0.9), ("negated", 0.85), ("noc", 0.9), ("accessory", 0.85))
    phrase_bonus: float = 1.1  # every adjacent query-word pair side by side in the descriptor
    pair_bonus: float = 0.1  # spread over the query's adjacent word pairs
    rarest_max_codes: int = 10  # see factors.rarest
    rarest_ratio: float = 1.3
    rarest_factor: float = 0.7
    qualifier_conflict: float = 0.6  # a code stating another time unit, session size, age or power than asked
    modifier_in_text: float = 0.5  # a modifier matched by words, for a query that does not ask for modifiers
    head_match: float = 1.2  # the query's head noun is the head noun of the descriptor's leading phrase
    name_match: float = 1.3  # ... of one of its everyday names holding all the query's words (both multiply)
    head_max_words: int = 3  # ... for queries of at most this many counted words
    name_said: float = 1.1  # the query says one of a code's everyday names of two or more words, in order
    name_gap: int = 1  # ... with at most this many other words among the name's
    # presentation
    also_called: int = 3  # everyday names shown with a hit

    def field_boost(self) -> dict[str, float]:
        """Field name -> BM25F boost."""
        return dict(self.field_boosts)

    def prior(self) -> dict[str, float]:
        """Ranking flag -> multiplier."""
        return dict(self.priors)

    def with_values(self, assignments: list[str]) -> Weights:
        """A copy with ``name=value`` assignments applied (numbers only); ValueError names a bad one."""
        known = {f.name: f for f in fields(self) if f.name not in ("field_boosts", "priors")}
        changes: dict[str, Any] = {}
        for assignment in assignments:
            name, _, value = assignment.partition("=")
            if name not in known or not value:
                raise ValueError(f"unknown weight {name!r}; weights: {', '.join(sorted(known))}")
            kind = type(getattr(self, name))
            changes[name] = kind(float(value)) if kind is int else float(value)
        return replace(self, **changes)


DEFAULT = Weights()
