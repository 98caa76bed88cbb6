"""Word neighbours: everyday words -> index words of close meaning, from a table built offline.

The table (corpus/vocab/word_neighbors.json.gz, made by scripts/build_word_neighbors.py with
all-MiniLM-L6-v2) maps a lower-case word to its nearest index-vocabulary words and their
cosine similarities. Reading it needs neither torch nor the model.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "corpus" / "vocab" / "word_neighbors.json.gz"

_table: dict[str, list[tuple[str, float]]] | None = None


def load_neighbors(
    path: str | Path = DEFAULT_PATH, min_sim: float = 0.0, top_k: int | None = None
) -> dict[str, list[tuple[str, float]]]:
    """{word: [(neighbor, sim), ...]} best first, keeping sims >= min_sim and at most top_k each.

    A missing file gives an empty table (the search then works without neighbours).
    """
    path = Path(path)
    if not path.is_file():
        return {}
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        raw = json.load(handle)
    table: dict[str, list[tuple[str, float]]] = {}
    for word, pairs in raw.items():
        kept = sorted(((str(n), float(s)) for n, s in pairs if float(s) >= min_sim), key=lambda p: -p[1])
        if top_k is not None:
            kept = kept[:top_k]
        if kept:
            table[word.lower()] = kept
    return table


def neighbors(word: str, table: dict[str, list[tuple[str, float]]] | None = None) -> list[tuple[str, float]]:
    """Neighbours of a word (case-insensitive), best first; [] when it has none.

    Without ``table``, uses the default table, read once per process.
    """
    global _table
    if table is None:
        if _table is None:
            _table = load_neighbors()
        table = _table
    return list(table.get(word.lower(), []))
