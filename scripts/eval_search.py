#!/usr/bin/env python3
"""Score search ranking on a query file (format of ../shared/eval/dev_search.jsonl).

Prints MRR@10, recall@1 and recall@5, overall and per kind (and recall@3 overall), for our index and, in the
same run, for an SQLite FTS5 bm25 baseline over the same corpus (short + long
descriptors, query tokens quoted and OR-ed).

    python scripts/eval_search.py [--queries FILE] [--index DIR] [--corpus DIR] [--show-misses]
                                  [--typing N]

--typing N scores the queries as a search box sees them mid-word: the last word cut to its
first N letters (queries whose last word is shorter than N + 2 letters, and code queries, are left out).
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.search import CodeIndex  # noqa: E402
from index.weights import DEFAULT  # noqa: E402
from service.config import from_environment  # noqa: E402


def load_queries(path: Path) -> list[dict]:
    """The query rows of a JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def fts5_baseline(corpus: Path):
    """A function query -> ranked codes, backed by an in-memory SQLite FTS5 table."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE codes USING fts5(code UNINDEXED, short, long)")
    with gzip.open(corpus / "codes.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [(r["code"], r["short_description"], r["long_description"]) for r in map(json.loads, handle)]
    db.executemany("INSERT INTO codes VALUES (?, ?, ?)", rows)

    def run(query: str, limit: int = 10) -> list[str]:
        tokens = re.findall(r"\w+", query.lower())
        if not tokens:
            return []
        match = " OR ".join(f'"{t}"' for t in tokens)
        return [r[0] for r in db.execute(
            "SELECT code FROM codes WHERE codes MATCH ? ORDER BY bm25(codes) LIMIT ?", (match, limit))]
    return run


def score(ranked: list[str], relevant: set[str]) -> tuple[float, float, float]:
    """(reciprocal rank within 10, hit@1, hit@5) of one ranked list."""
    rr = next((1.0 / (i + 1) for i, code in enumerate(ranked[:10]) if code in relevant), 0.0)
    return rr, float(bool(ranked[:1]) and ranked[0] in relevant), float(any(c in relevant for c in ranked[:5]))


def evaluate(rows: list[dict], engine) -> dict[str, tuple[float, float, float, int]]:
    """Metrics per kind and overall ('all')."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for row in rows:
        metrics = score(engine(row["query"]), set(row["relevant"]))
        for key in ("all", row.get("kind", "all")):
            if key == "all" and row.get("kind") == "all":
                continue
            entry = sums[key]
            for i, value in enumerate(metrics):
                entry[i] += value
            entry[3] += 1
    return {k: (v[0] / v[3], v[1] / v[3], v[2] / v[3], v[3]) for k, v in sums.items()}


def typed_so_far(rows: list[dict], letters: int) -> list[dict]:
    """The rows whose last word is long enough, with that word cut to its first ``letters`` letters."""
    cut = []
    for row in rows:
        words = row["query"].split()
        if row.get("kind") != "code" and words and len(words[-1]) >= letters + 2:
            cut.append(dict(row, query=" ".join(words[:-1] + [words[-1][:letters]])))
    return cut


def main() -> int:
    """Run both engines over the query file and print the table."""
    settings = from_environment()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", default=str(ROOT.parent / "shared" / "eval" / "dev_search.jsonl"))
    ap.add_argument("--index", default=settings["INDEX_DIR"])
    ap.add_argument("--corpus", default=settings["CORPUS_DIR"])
    ap.add_argument("--show-misses", action="store_true", help="print queries whose first hit is wrong")
    ap.add_argument("--typing", type=int, metavar="N", help="cut each query's last word to its first N letters")
    ap.add_argument("--weight", action="append", default=[], metavar="NAME=VALUE",
                    help="rank with another value of a field of index.weights.Weights (repeatable)")
    args = ap.parse_args()
    rows = load_queries(Path(args.queries))
    if args.typing:
        rows = typed_so_far(rows, args.typing)
    try:
        weights = DEFAULT.with_values(args.weight)
    except ValueError as err:
        ap.error(str(err))
    index = CodeIndex(args.index, weights=weights)

    def ours(query: str) -> list[str]:
        return [h.code for h in index.search(query, limit=10).hits]

    results = {"codesearch": evaluate(rows, ours), "fts5-bm25": evaluate(rows, fts5_baseline(Path(args.corpus)))}
    kinds = ["all"] + sorted(k for k in results["codesearch"] if k != "all")
    print(f"{'kind':<12}{'n':>4}  " + "  ".join(f"{name + ' MRR@10/R@1/R@5':<34}" for name in results))
    for kind in kinds:
        n = results["codesearch"][kind][3]
        cells = ["{:.3f} / {:.3f} / {:.3f}".format(*results[name][kind][:3]).ljust(34) for name in results]
        print(f"{kind:<12}{n:>4}  " + "  ".join(cells))
    engines = {"codesearch": ours, "fts5-bm25": fts5_baseline(Path(args.corpus))}
    at3 = {name: sum(any(c in set(r["relevant"]) for c in engine(r["query"])[:3]) for r in rows) / max(1, len(rows))
           for name, engine in engines.items()}
    print("\nrecall@3 (all): " + ", ".join(f"{name} {value:.3f}" for name, value in at3.items()))
    ours_mrr, base_mrr = results["codesearch"]["all"][0], results["fts5-bm25"]["all"][0]
    print(f"\nMRR@10 ratio codesearch / fts5 = {ours_mrr / base_mrr if base_mrr else float('inf'):.2f}")
    if args.show_misses:
        for row in rows:
            ranked = ours(row["query"])
            if not ranked or ranked[0] not in row["relevant"]:
                print(f"MISS [{row.get('kind')}] {row['query']!r}: want {row['relevant']} got {ranked[:5]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
