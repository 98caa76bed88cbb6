"""Ranking, pure: a parsed query and a snapshot (and the weights) in, a ranked list out.

Order: exact codes, then a code prefix's codes in code order (active first), then modifiers and NDC
matches, then words ranked by IDF-weighted coverage and BM25F over weighted fields, times the factors
(index.factors) and a phrase bonus for the leading codes.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

import numpy as np

from .expand import WordSpec, corrections, expand, may_be_typo
from .factors import FACTORS, Context, phrase_bonus
from .query import ParsedQuery, parse
from .retrieve import soft_vectors, spec_vector
from .snapshot import Snapshot
from .text import STOP_WORDS
from .weights import Weights


@dataclass
class Ranking:
    """What one query ranked to: direct matches, then scored text matches."""

    parsed: ParsedQuery
    direct: list[tuple[str, str]]  # (code, how: code, prefix, modifier, ndc)
    text: list[tuple[float, int, str]]  # (score, docnum, code), best first, direct codes left out
    total: int
    did_you_mean: str | None = None
    words: list[str] = field(default_factory=list)  # the counted words
    specs: list[WordSpec] = field(default_factory=list)


def counted_places(parsed: ParsedQuery, snapshot: Snapshot) -> list[int]:
    """Places (in parsed.words) of the words that count: not stop words, except a last word still
    being typed after other words that index words start with ("hospital be" is on its way to "bed")."""
    words = parsed.words

    def typing_last(i: int) -> bool:
        return (
            parsed.typing
            and i == len(words) - 1
            and i > 0
            and len(words[i]) >= 2
            and words[i].isalpha()
            and any(w not in STOP_WORDS for w in words[:i])
            and bool(snapshot.completions(words[i]))
        )

    return [i for i, w in enumerate(words) if w not in STOP_WORDS or typing_last(i)]


def allowed(code: str, snapshot: Snapshot, status: str | None) -> bool:
    """True when the status filter admits a code."""
    return not status or (code in snapshot.terminated) == (status == "terminated")


def prefix_codes(prefix: str, snapshot: Snapshot) -> list[str]:
    """Codes starting with a prefix: active ones in code order, then terminated."""
    codes = snapshot.codes
    matching = []
    for code in codes[bisect.bisect_left(codes, prefix) :]:
        if not code.startswith(prefix):
            break
        matching.append(code)
    return sorted(matching, key=lambda c: c in snapshot.terminated)


def direct_codes(parsed: ParsedQuery, snapshot: Snapshot, status: str | None) -> list[tuple[str, str]]:
    """(code, how matched) for exact codes, prefix codes, modifiers and NDCs, in that order."""
    direct = [(c, "code") for c in parsed.codes if snapshot.docnum(c) is not None]
    if parsed.prefix:
        direct += [(c, "prefix") for c in prefix_codes(parsed.prefix, snapshot)]
    direct += [(m, "modifier") for m in parsed.modifiers if snapshot.docnum(m) is not None]
    direct += [(c, "ndc") for ndc in parsed.ndcs for c in snapshot.ndc_codes(ndc)]
    direct = list(dict.fromkeys(direct))
    return [(c, how) for c, how in direct if allowed(c, snapshot, status)]


def suggestion(parsed: ParsedQuery, snapshot: Snapshot, weights: Weights) -> str | None:
    """The query with unknown words replaced by their likeliest spelling."""
    changed, out = False, []
    for word in parsed.words:
        fixes = (
            corrections(word, snapshot, weights)
            if may_be_typo(word, snapshot.document_frequency(word), weights)
            else []
        )
        out.append(fixes[0] if fixes else word)
        changed |= bool(fixes)
    return " ".join(out) if changed else None


@dataclass
class TextMatches:
    """Scored text matches and what the scoring learnt on the way."""

    ranked: list[tuple[float, int, str]]
    total: int
    specs: list[WordSpec]
    suggest: bool  # a typo was fixed or the best score is low: offer "did you mean"


def _weights_from_matches(
    specs: list[WordSpec], values: list[np.ndarray], snapshot: Snapshot, weights: Weights
) -> None:
    """A word no code says may still match through an expansion ("hfcwo" -> high frequency chest wall
    oscillation) or a word close in meaning ("drink" -> alcohol): it weighs as much as the codes it
    matches. Otherwise it is noise ("grandma's"), not a rare term."""
    for spec, value in zip(specs, values):
        if not spec.weight:
            matches = int(np.count_nonzero(value))
            if not matches and spec.soft:
                matches = int(np.count_nonzero(soft_vectors(spec, snapshot, weights)[0]))
            spec.weight = snapshot.coverage_idf(matches) if matches else 1.0


def _coverage(
    specs: list[WordSpec], values: list[np.ndarray], snapshot: Snapshot, weights: Weights
) -> tuple[np.ndarray, np.ndarray]:
    """(IDF-weighted coverage of the query's words, summed BM25F), per code."""
    covered, bm25 = np.zeros(snapshot.size), np.zeros(snapshot.size)
    for spec, value in zip(specs, values):
        matched = value > 0
        exact = matched if not (spec.prefix and spec.known) else value > spec.weight * spec.prefix_boost
        covered += spec.weight * np.where(exact, 1.0, weights.partial_coverage * matched)
        bm25 += value
        if spec.soft:  # a neighbour earns partial credit only where the word itself is absent
            soft_value, similarity = soft_vectors(spec, snapshot, weights)
            covered += np.where(matched, 0.0, spec.weight * weights.neighbor_credit * similarity)
            bm25 += np.where(matched, 0.0, soft_value)
    return covered, bm25


def text_matches(
    parsed: ParsedQuery,
    places: list[int],
    snapshot: Snapshot,
    weights: Weights,
    status: str | None,
    needed: int,
    every_word: bool = False,
) -> TextMatches:
    """(score, docnum, code) of text matches: IDF-weighted coverage of the query's words,
    then BM25F over the weighted fields, times the factors and proximity."""
    words = [parsed.words[i] for i in places]
    if not words:
        return TextMatches([], 0, [], False)
    expanded = expand(parsed, places, snapshot, weights)
    specs = expanded.specs
    values = [spec_vector(spec, snapshot, weights) for spec in specs]
    _weights_from_matches(specs, values, snapshot, weights)
    total_weight = sum(s.weight for s in specs) or 1.0
    covered, bm25 = _coverage(specs, values, snapshot, weights)
    mask = snapshot.status_mask[status] if status else snapshot.live_mask
    candidates = np.flatnonzero((covered > 0) & mask)
    if every_word and len(values) > 1:  # as NLM's CTSS: every word matches (the last as a prefix) ...
        everywhere = np.logical_and.reduce([value > 0 for value in values])
        if (everywhere & mask).any():  # ... unless none does: then the best partial matches
            candidates = np.flatnonzero(everywhere & mask)
    if not len(candidates):
        return TextMatches([], 0, specs, False)
    total = len(candidates)
    # The score is bounded by coverage, so only the best-covered codes can reach the top.
    depth = max(weights.candidates, needed)
    scored = max(weights.scored, depth)
    if len(candidates) > scored:
        candidates = candidates[np.argpartition(-covered[candidates], scored - 1)[:scored]]
    coverage = covered[candidates] / total_weight
    scores = coverage * coverage + weights.bm25_share * coverage * bm25[candidates] / (bm25[candidates].max() or 1.0)
    ctx = Context(snapshot, weights, parsed.text, parsed.words, words, specs, values)
    scores *= FACTORS[0](ctx, candidates)
    rest = np.ones(len(candidates))
    for factor in FACTORS[1:]:
        rest = rest * factor(ctx, candidates)
    scores *= rest
    # Proximity can lift a score by a few percent: check it for the leading codes only.
    lead = candidates[np.argsort(-scores)[: weights.proximity_checked]]
    bonus = phrase_bonus(ctx, set(lead.tolist()))
    if bonus:
        where = np.flatnonzero(np.isin(candidates, list(bonus)))
        scores[where] *= np.array([bonus[int(candidates[i])] for i in where])
    best = np.lexsort((snapshot.code_array[candidates], -scores))[:depth]  # by score, ties by code
    ranked = [(float(scores[i]), int(candidates[i]), snapshot.code_of[candidates[i]]) for i in best]
    return TextMatches(ranked, total, specs, expanded.corrected or ranked[0][0] < weights.did_you_mean_below)


def _known(word: str, snapshot: Snapshot) -> bool:
    """True for a word the index or its vocabulary knows."""
    return bool(
        word in snapshot.vocabulary
        or word in snapshot.clinical
        or word in snapshot.lay
        or snapshot.document_frequency(word)
    )


def _stop_word_fragment(first: str, second: str, snapshot: Snapshot) -> bool:
    """True when a stop word stands beside a word that needs no joining: two stop words ("to a": not TOA),
    or a stop word beside a word known on its own ("a pap" is a Pap test, not APAP)."""
    stops = [w in STOP_WORDS for w in (first, second)]
    if all(stops):
        return True
    return any(stops) and _known(second if stops[0] else first, snapshot)


def merged_fragments(words: list[str], snapshot: Snapshot, typing: bool = False) -> list[str]:
    """Words with a letter or two split off a known term joined back ("c pap", "c-pap": cpap; "bi pap": bipap;
    "t ens": tens): a pair joins when one part is at most two letters and the whole is a word the index or
    its vocabulary knows; not a short last word still being typed ("flu sh" is on its way to "flu shot")."""
    out: list[str] = []
    for i, word in enumerate(words):
        being_typed = typing and i == len(words) - 1 and len(word) <= 2
        if out and word.isalpha() and out[-1].isalpha() and min(len(out[-1]), len(word)) <= 2 and not being_typed:
            joined = out[-1] + word
            if not _stop_word_fragment(out[-1], word, snapshot) and _known(joined, snapshot):
                out[-1] = joined
                continue
        out.append(word)
    return out


def understood(parsed: ParsedQuery, snapshot: Snapshot) -> ParsedQuery:
    """The query as ranked: a code prefix no code has is words ("o2"), split-off letters joined back."""
    if parsed.prefix and not prefix_codes(parsed.prefix, snapshot):
        parsed = parse(parsed.text + ("" if parsed.typing else " "), snapshot.modifiers, prefixes=False)
    words = merged_fragments(parsed.words, snapshot, parsed.typing)
    return parsed if words == parsed.words else replace(parsed, words=words)


def first_letter(letter: str, snapshot: Snapshot, status: str | None) -> list[tuple[str, str]]:
    """For a single letter typed: the codes whose short descriptor starts with a word starting with it,
    the families of the commonest such words first, then in code order (active codes only, unless asked)."""
    key = ("letter", letter, status)
    if key not in snapshot.memo:
        found = []
        for docnum, short in enumerate(snapshot.short_of):
            code = snapshot.code_of[docnum]
            first = short.split(" ", 1)[0].lower().strip(",;:")
            if code and len(code) > 2 and first.startswith(letter) and allowed(code, snapshot, status or "active"):
                found.append((-snapshot.document_frequency(first), code))
        snapshot.memo[key] = [(code, "prefix") for _n, code in sorted(found)]
    return snapshot.memo[key]


def rank(
    parsed: ParsedQuery,
    snapshot: Snapshot,
    weights: Weights,
    status: str | None = None,
    needed: int = 0,
    every_word: bool = False,
) -> Ranking:
    """Everything one query ranks to, at least ``needed`` text matches deep (``every_word``: only codes
    matching every word, when any does)."""
    parsed = understood(parsed, snapshot)
    if (
        not parsed.codes
        and not parsed.prefix
        and len(parsed.words) == 1
        and len(parsed.words[0]) == 1
        and parsed.words[0].isalpha()
        and not parsed.modifiers
    ):
        letter = first_letter(parsed.words[0], snapshot, status)
        return Ranking(parsed, letter, [], len(letter))
    direct = direct_codes(parsed, snapshot, status)
    places = counted_places(parsed, snapshot)
    words = [parsed.words[i] for i in places]
    found = text_matches(parsed, places, snapshot, weights, status, needed, every_word)
    seen = {c for c, _ in direct}
    text = [r for r in found.ranked if r[2] not in seen]
    did_you_mean = suggestion(parsed, snapshot, weights) if found.suggest else None
    if not direct and not text and did_you_mean is None and words:
        did_you_mean = suggestion(parsed, snapshot, weights)
    # Text matches beyond the re-ranked candidates still count (a direct code may be among them).
    total = len(direct) + max(len(text), found.total - len(direct))
    return Ranking(parsed, direct, text, total, did_you_mean, words, found.specs)
