#!/usr/bin/env python3
"""In-process search latency and index build cost: our Whoosh index against SQLite FTS5 and tantivy.

Every engine indexes the same corpus (corpus/codes.jsonl.gz) and answers the same queries in the
same run, interleaved query by query, so the ratios hold even on a busy machine. Queries: the dev
set (/work/shared/eval/dev_search.jsonl, by its ``kind``), code prefixes ("prefix") and one-word
type-ahead prefixes ("typeahead").

    python scripts/bench_search.py                      # builds ours into a temp dir, then measures
    python scripts/bench_search.py --index var/index    # reuse a built index (no build timing for ours)
    python scripts/bench_search.py --repeat 10 --json bench.json

tantivy is optional (``pip install -e '.[bench]'``); without it that column is skipped.
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEV_QUERIES = Path(os.environ.get("CODESEARCH_DEV_QUERIES", ROOT.parent / "shared" / "eval" / "dev_search.jsonl"))
PREFIX_QUERIES = ["E0", "J12", "G93", "A04", "L38", "K0"]
TYPEAHEAD_QUERIES = ["whe", "oxy", "cath", "insu", "amb", "glu"]
TOKEN = re.compile(r"[a-z0-9]+")


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (0-100) of values, linearly interpolated between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def load_queries(path: Path) -> list[tuple[str, str]]:
    """(query, kind) pairs: the dev set plus code prefixes and type-ahead prefixes."""
    queries = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                queries.append((row["query"], row.get("kind", "dev")))
    else:
        print(f"note: {path} not found; using prefixes and type-ahead queries only", file=sys.stderr)
    queries += [(q, "prefix") for q in PREFIX_QUERIES]
    queries += [(q, "typeahead") for q in TYPEAHEAD_QUERIES]
    return queries


def load_corpus(corpus: Path) -> list[dict]:
    """Every record of the corpus file."""
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def folder_size(path: Path) -> int:
    """Bytes of the files under path (symlinks not followed)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def terms_text(record: dict) -> str:
    """Synonyms, lay terms and drug names as one text."""
    return " ; ".join(record["synonyms"] + record["lay_terms"] + record["drug_names"])


def tokens(query: str) -> list[str]:
    """Lower-cased word tokens of a query."""
    return TOKEN.findall(query.lower())


# -- engines ------------------------------------------------------------------------------------
class Ours:
    """codesearch's own Whoosh index (index.search.CodeIndex)."""

    name = "ours"

    def __init__(self, corpus_dir: Path, index_dir: Path | None, workdir: Path):
        from index.build import build_index, live_build
        from index.search import CodeIndex

        self.build_seconds = None
        if index_dir is None:
            index_dir = workdir / "whoosh"
            started = time.perf_counter()
            build_index(corpus_dir, index_dir, progress=False)
            self.build_seconds = time.perf_counter() - started
        self.size = folder_size(live_build(index_dir))
        self.index = CodeIndex(index_dir)

    def search(self, query: str, kind: str) -> list[str]:
        return [hit.code for hit in self.index.search(query, limit=10).hits]


class Fts5:
    """SQLite FTS5 in memory: porter-stemmed columns, bm25, query tokens quoted and OR-ed."""

    name = "fts5"

    def __init__(self, records: list[dict]):
        started = time.perf_counter()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute("CREATE VIRTUAL TABLE codes USING fts5(code, short, long, terms, "
                        "tokenize='porter unicode61')")
        self.db.executemany("INSERT INTO codes VALUES (?, ?, ?, ?)",
                            [(r["code"], r["short_description"], r["long_description"], terms_text(r))
                             for r in records])
        self.db.execute("INSERT INTO codes(codes) VALUES ('optimize')")
        self.db.commit()
        self.build_seconds = time.perf_counter() - started
        self.size = len(self.db.serialize())

    def search(self, query: str, kind: str) -> list[str]:
        words = tokens(query)
        if not words:
            return []
        quoted = [f'"{w}"' for w in words]
        if kind in ("prefix", "typeahead"):
            quoted[-1] += "*"
        rows = self.db.execute("SELECT code FROM codes WHERE codes MATCH ? ORDER BY bm25(codes) LIMIT 10",
                               (" OR ".join(quoted),))
        return [row[0] for row in rows]


class Tantivy:
    """tantivy in a temporary directory: en_stem text fields, query tokens OR-ed."""

    name = "tantivy"
    FIELDS = ["code", "short", "long", "terms"]

    def __init__(self, records: list[dict], workdir: Path):
        import tantivy

        self.tantivy = tantivy
        started = time.perf_counter()
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("code", stored=True)
        for field in self.FIELDS[1:]:
            builder.add_text_field(field, stored=False, tokenizer_name="en_stem")
        self.schema = builder.build()
        folder = workdir / "tantivy"
        folder.mkdir()
        self.index = tantivy.Index(self.schema, path=str(folder))
        writer = self.index.writer(heap_size=128_000_000, num_threads=2)
        for r in records:
            writer.add_document(tantivy.Document(code=r["code"], short=r["short_description"],
                                                 long=r["long_description"], terms=terms_text(r)))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        self.build_seconds = time.perf_counter() - started
        self.size = folder_size(folder)

    def search(self, query: str, kind: str) -> list[str]:
        words = tokens(query)
        if not words:
            return []
        parsed = self.index.parse_query(" OR ".join(f'"{w}"' for w in words), self.FIELDS)
        if kind in ("prefix", "typeahead"):
            Query, Occur = self.tantivy.Query, self.tantivy.Occur
            regexes = [(Occur.Should, Query.regex_query(self.schema, f, re.escape(words[-1]) + ".*"))
                       for f in self.FIELDS]
            parsed = Query.boolean_query([(Occur.Should, parsed)] + regexes)
        result = self.searcher.search(parsed, 10)
        return [self.searcher.doc(address)["code"][0] for _score, address in result.hits]


# -- measuring ----------------------------------------------------------------------------------
def measure(engines: list, queries: list[tuple[str, str]], repeat: int) -> dict[str, dict[str, list[float]]]:
    """Milliseconds per (engine, kind): each query warmed once, then run ``repeat`` times, interleaved."""
    for engine in engines:
        for query, kind in queries:
            engine.search(query, kind)
    timings: dict[str, dict[str, list[float]]] = {e.name: {} for e in engines}
    for _round in range(repeat):
        for query, kind in queries:
            for engine in engines:
                started = time.perf_counter()
                engine.search(query, kind)
                elapsed = (time.perf_counter() - started) * 1000
                timings[engine.name].setdefault(kind, []).append(elapsed)
                timings[engine.name].setdefault("all", []).append(elapsed)
    return timings


def summary(timings: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, dict[str, float]]]:
    """p50/p95/p99 per engine and kind."""
    return {engine: {kind: {f"p{p}": round(percentile(values, p), 3) for p in (50, 95, 99)} | {"n": len(values)}
                     for kind, values in by_kind.items()}
            for engine, by_kind in timings.items()}


def print_report(stats: dict, engines: list) -> None:
    """The latency table, the build table and the ratios."""
    names = [e.name for e in engines]
    kinds = [k for k in stats["ours"] if k != "all"] + ["all"]
    header = f"{'kind':<11}{'n':>5}" + "".join(f"{n + ' p50/p95/p99 ms':>30}" for n in names)
    print(header)
    print("-" * len(header))
    for kind in kinds:
        cells = "".join(f"{'{p50:.2f} / {p95:.2f} / {p99:.2f}'.format(**stats[n][kind]):>30}" for n in names)
        print(f"{kind:<11}{stats['ours'][kind]['n']:>5}{cells}")
    print()
    print(f"{'engine':<10}{'build s':>10}{'size MB':>10}")
    for e in engines:
        build = "-" if e.build_seconds is None else f"{e.build_seconds:.2f}"
        print(f"{e.name:<10}{build:>10}{e.size / 1e6:>10.1f}")
    print()
    for peer in names[1:]:
        parts = [f"{p} {stats['ours'][k][p] / max(stats[peer][k][p], 1e-9):.1f}x"
                 for k in ("all",) for p in ("p50", "p95", "p99")]
        print(f"ours/{peer} (all queries): " + ", ".join(parts))
    print(f"p50 ours/{'/'.join(names[1:])} per kind: " + "; ".join(
        f"{k} " + " ".join(f"{stats['ours'][k]['p50'] / max(stats[p][k]['p50'], 1e-9):.1f}x" for p in names[1:])
        for k in kinds if k != "all"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(ROOT / "corpus"), help="corpus folder (codes.jsonl.gz)")
    parser.add_argument("--index", default=None, help="reuse this built index dir instead of building ours")
    parser.add_argument("--queries", default=str(DEV_QUERIES), help="dev queries (jsonl with query, kind)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query (after one warm-up)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.repeat = max(1, min(args.repeat, 100))

    corpus_dir = Path(args.corpus)
    corpus_file = corpus_dir if corpus_dir.is_file() else corpus_dir / "codes.jsonl.gz"
    queries = load_queries(Path(args.queries))
    with tempfile.TemporaryDirectory(prefix="codesearch-bench-") as tmp:
        workdir = Path(tmp)
        print(f"building indexes of {corpus_file} ...", file=sys.stderr)
        ours = Ours(corpus_dir, Path(args.index) if args.index else None, workdir)
        started = time.perf_counter()
        records = load_corpus(corpus_file)
        load_seconds = time.perf_counter() - started  # peers' build time includes reading the corpus
        engines = [ours, Fts5(records)]
        engines[-1].build_seconds += load_seconds
        try:
            engines.append(Tantivy(records, workdir))
            engines[-1].build_seconds += load_seconds
        except ImportError:
            print("tantivy not installed (pip install -e '.[bench]'): skipping it")
        print(f"{len(queries)} queries x {args.repeat} runs per engine, {len(records)} records", file=sys.stderr)
        stats = summary(measure(engines, queries, args.repeat))
        print_report(stats, engines)
        if args.json:
            Path(args.json).write_text(json.dumps({
                "latency_ms": stats,
                "build": {e.name: {"seconds": e.build_seconds, "bytes": e.size} for e in engines},
            }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
