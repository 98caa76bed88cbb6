"""Retrieval: for one expanded query word, its BM25F score in every code (0 where it does not match),
over all the ways it can match, and the partial credit of words close in meaning.
"""

from __future__ import annotations

import numpy as np

from .expand import WordSpec
from .snapshot import Snapshot
from .text import stem
from .weights import DEFAULT, Weights


def spec_vector(spec: WordSpec, snapshot: Snapshot, weights: Weights = DEFAULT) -> np.ndarray:
    """BM25F score of one query word for every code (0 where it does not match), over all the
    ways it can match: its stem in each field, expansions (all words present), a typed prefix."""
    value = np.zeros(snapshot.size)
    for name, text, boost in spec.terms:
        ids, units = snapshot.scored(name, text)
        value[ids] += boost * snapshot.bm25_idf(len(ids)) * units
    for stems, boost in spec.groups:
        # An expansion counts as one unit: its IDF is that of the codes holding all its words.
        group, present = np.zeros(snapshot.size), np.ones(snapshot.size, dtype=bool)
        fields = ("descriptor", "terms") if tuple(stems) in spec.spread else ("descriptor",)
        for text in stems:
            here, units = np.zeros(snapshot.size, dtype=bool), np.zeros(snapshot.size)
            for name in fields:
                ids, found = snapshot.scored(name, text)
                here[ids] = True
                np.maximum.at(units, ids, found)
            present &= here
            group += units
        if tuple(stems) in spec.adjacent:
            present &= side_by_side(stems, snapshot)
        np.maximum(value, boost * snapshot.bm25_idf(int(present.sum())) * group * present, out=value)
    if spec.prefix:
        _completed(spec, snapshot, weights, value)
    return value


def _completed(spec: WordSpec, snapshot: Snapshot, weights: Weights, value: np.ndarray) -> None:
    """Codes holding a word the typed prefix completes to: its BM25F for the commonest completions (so
    "wheelch" ranks wheelchairs by how much they are about wheelchairs), a flat floor for the rest."""
    floor = (spec.weight or 1.0) * spec.prefix_boost
    completed = np.zeros(snapshot.size)
    for rank_, text in enumerate(snapshot.completions(spec.prefix)):
        ids, _units = snapshot.scored("words", text)
        if rank_ < weights.completions_scored:
            stemmed = stem(text)
            for name, boost in spec.boosts.items():
                where, units = snapshot.scored(name, stemmed)
                np.maximum.at(
                    completed, where, weights.completion_share * boost * snapshot.bm25_idf(len(where)) * units
                )
        completed[ids] = np.maximum(completed[ids], floor)
    np.copyto(value, np.where(value > 0, value, completed))


def side_by_side(stems: list[str], snapshot: Snapshot) -> np.ndarray:
    """Codes whose descriptor holds the stems next to each other, in order ("als 2")."""
    found = np.zeros(snapshot.size, dtype=bool)
    positions = [snapshot.positions("descriptor", text) for text in stems]
    for docnum, starts in positions[0].items():
        spots = set(starts)
        for following in positions[1:]:
            spots = {i + 1 for i in spots} & set(following.get(docnum, ()))
        found[docnum] = bool(spots)
    return found


def soft_vectors(spec: WordSpec, snapshot: Snapshot, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
    """(BM25 score, best similarity) of the words close in meaning to a query word, per code."""
    value, similarity = np.zeros(snapshot.size), np.zeros(snapshot.size)
    for text, sim in spec.soft.items():
        scores = np.zeros(snapshot.size)
        for name in ("descriptor", "terms"):
            ids, units = snapshot.scored(name, text)
            scores[ids] += weights.neighbor_boost * sim * snapshot.bm25_idf(len(ids)) * units
        np.maximum(value, scores, out=value)
        np.maximum(similarity, np.where(scores > 0, sim, 0.0), out=similarity)
    return value, similarity
