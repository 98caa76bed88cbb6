"""index.semantic: reading a word-neighbour table (no torch, no model)."""
from __future__ import annotations

import gzip
import json

from index import semantic


def _table(tmp_path):
    path = tmp_path / "word_neighbors.json.gz"
    data = {"cab": [["taxi", 0.71], ["taxicab", 0.66]],
            "House": [["home", 0.80], ["residential", 0.70], ["room", 0.63]],
            "grandma": [["elderly", 0.61]]}
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)
    return path


def test_load_and_lookup(tmp_path):
    table = semantic.load_neighbors(_table(tmp_path))
    assert table["cab"] == [("taxi", 0.71), ("taxicab", 0.66)]
    assert semantic.neighbors("CAB", table) == [("taxi", 0.71), ("taxicab", 0.66)]
    assert semantic.neighbors("house", table)[0] == ("home", 0.80)  # keys are lower-cased
    assert semantic.neighbors("unknownword", table) == []


def test_min_sim_and_top_k(tmp_path):
    table = semantic.load_neighbors(_table(tmp_path), min_sim=0.65, top_k=1)
    assert table["house"] == [("home", 0.80)]
    assert table["cab"] == [("taxi", 0.71)]
    assert "grandma" not in table  # nothing left above the threshold


def test_missing_file_is_empty(tmp_path):
    assert semantic.load_neighbors(tmp_path / "absent.json.gz") == {}


def test_shipped_table_is_well_formed():
    table = semantic.load_neighbors()
    if not table:  # the table is optional
        return
    for word, pairs in list(table.items())[:500]:
        assert word == word.lower() and pairs
        assert all(isinstance(n, str) and 0.0 < s <= 1.0 for n, s in pairs)
        assert [s for _n, s in pairs] == sorted((s for _n, s in pairs), reverse=True)
