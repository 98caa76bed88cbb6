"""Searching the index, in stages, one module each:

- ``index.text``: the one text analysis (words, stems, stop words, plurals, negations, NOC);
- ``index.handle``: the live index, opened per worker, reopened and the old one released on a swap;
- ``index.snapshot``: one opened build in memory (columns, norms, cached postings, vocabulary);
- ``index.query``: what the user typed (codes, prefix, modifiers, NDCs, words);
- ``index.expand``: every index term a query word may match (a list of small expanders);
- ``index.retrieve``: BM25F score vectors of an expanded word;
- ``index.weights``: every tuning number, in one frozen object;
- ``index.factors``: the multipliers (priors, rarest word, qualifiers, phrase bonus);
- ``index.rank``: query + snapshot + weights -> a ranking, nothing mutated;
- ``index.present``: hits, paging, highlights, everyday names.

This module keeps the names the service and the scripts import.
"""

from __future__ import annotations

from .handle import CodeIndex, IndexUnavailable
from .present import Hit, SearchResult, highlight
from .snapshot import OpenIndex, Snapshot

__all__ = ["CodeIndex", "IndexUnavailable", "Hit", "SearchResult", "highlight", "OpenIndex", "Snapshot"]
