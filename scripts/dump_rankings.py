#!/usr/bin/env python3
"""Dump what every eval query ranks to and every eval question answers, for comparing two versions.

Writes JSON: for each query of ../shared/eval/dev_search.jsonl and eval/*.jsonl (as typed, and with a
trailing space), the interpretation, total, did-you-mean and the top 10 (code, score, how matched,
highlight, also called); for each question of the answer files, the intent, code, answer, confidence and
codes behind it. Two dumps that compare equal mean a change left ranking and answers as they were.

    python scripts/dump_rankings.py OUT.json [--index DIR]
    python -c "import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); print(a==b)" A.json B.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.answer import Answerer  # noqa: E402
from index.search import CodeIndex  # noqa: E402
from service.config import from_environment  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def main() -> int:
    """Write the dump."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--index", default=from_environment()["INDEX_DIR"])
    args = ap.parse_args()
    index = CodeIndex(args.index)
    answerer = Answerer(index)
    dump = []
    for path in [EVAL / "dev_search.jsonl", *sorted((ROOT / "eval").glob("*.jsonl"))]:
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            if "query" not in row:
                continue
            for typed in (row["query"], row["query"] + " "):
                result = index.search(typed, limit=10)
                dump.append([typed, result.interpretation, result.total, result.did_you_mean,
                             [(h.code, h.score, h.matched, h.highlight, h.also_called) for h in result.hits]])
    for path in [EVAL / "dev_qa.jsonl", EVAL / "dev_answer_facts.jsonl", ROOT / "eval" / "offtopic_questions.jsonl"]:
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
            answer = answerer.answer(row["question"])
            dump.append([row["question"], answer.intent, answer.code, answer.answer, answer.confidence, answer.codes])
    Path(args.out).write_text(json.dumps(dump, indent=0))
    print(f"{len(dump)} queries and questions -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
