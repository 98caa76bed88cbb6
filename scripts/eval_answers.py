#!/usr/bin/env python3
"""Score question answering on ../shared/eval/dev_qa.jsonl and dev_answer_facts.jsonl.

Prints intent accuracy and code accuracy (the code the answer is about, or for find_code the
top suggested code, is in `relevant`), overall and per intent; then, for the answer-facts file, the
pass rate by kind (an answer passes when every `must` group has one alternative in its text,
case-insensitive); then, for the off-topic file (eval/offtopic_questions.jsonl), the share answered
as it should be: intent `unknown` at low confidence, with the CPT or ICD-10 note where one is expected.

    python scripts/eval_answers.py [--questions FILE] [--facts FILE] [--offtopic FILE] [--index DIR] [--show-misses]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.answer import Answerer  # noqa: E402
from index.search import CodeIndex  # noqa: E402
from service.config import from_environment  # noqa: E402


def main() -> int:
    """Answer every question and print the accuracy table."""
    settings = from_environment()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", default=str(ROOT.parent / "shared" / "eval" / "dev_qa.jsonl"))
    ap.add_argument("--facts", default=str(ROOT.parent / "shared" / "eval" / "dev_answer_facts.jsonl"),
                    help="answer-facts file ('' to skip)")
    ap.add_argument("--offtopic", default=str(ROOT / "eval" / "offtopic_questions.jsonl"),
                    help="off-topic and unanswerable questions ('' to skip)")
    ap.add_argument("--index", default=settings["INDEX_DIR"])
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args()
    answerer = Answerer(CodeIndex(args.index))
    rows = [json.loads(line) for line in Path(args.questions).read_text().splitlines() if line.strip()]
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    misses = []
    for row in rows:
        answer = answerer.answer(row["question"])
        intent_ok = answer.intent == row["intent"]
        code_ok = answer.code in set(row["relevant"])
        for key in ("all", row["intent"]):
            stats[key][0] += intent_ok
            stats[key][1] += code_ok
            stats[key][2] += 1
        if not (intent_ok and code_ok):
            misses.append(f"MISS {row['question']!r}: want {row['intent']}/{row['relevant']} "
                          f"got {answer.intent}/{answer.code}")
    print(f"{'intent':<12}{'n':>4}  {'intent acc':>10}  {'code acc':>8}")
    for key in ["all"] + sorted(k for k in stats if k != "all"):
        ok_intent, ok_code, n = stats[key]
        print(f"{key:<12}{n:>4}  {ok_intent / n:>10.3f}  {ok_code / n:>8.3f}")
    if args.show_misses:
        print("\n".join(misses))
    if args.facts:
        score_facts(answerer, Path(args.facts), args.show_misses)
    if args.offtopic:
        score_offtopic(answerer, Path(args.offtopic), args.show_misses)
    return 0


NOTES = {"cpt_note": ("cpt", "CPT"), "icd_note": ("icd10", "ICD-10")}


def offtopic_ok(answer, expect: str) -> bool:
    """True when an off-topic question got `unknown` at low confidence, with the expected note (a CPT
    question may instead get the CPT note beside the nearest HCPCS codes, at confidence 0.5 or less)."""
    if expect == "cpt_note" and answer.facts.get("note") == "cpt" and answer.confidence <= 0.5:
        return "CPT" in answer.answer
    if answer.intent != "unknown" or answer.confidence > 0.3:
        return False
    if expect in NOTES:
        note, word = NOTES[expect]
        return answer.facts.get("note") == note and word in answer.answer
    return True


def score_offtopic(answerer: Answerer, path: Path, show_misses: bool) -> None:
    """Print the share of off-topic questions answered as unknown (with the CPT/ICD note where due)."""

    def judge(row: dict, answer) -> str | None:
        if offtopic_ok(answer, row["expect"]):
            return None
        return (f"MISS [{row['expect']}] {row['question']!r}: {answer.intent}/{answer.code} "
                f"({answer.confidence}) {answer.answer[:160]}")

    tally(answerer, path, "expect", judge, ("off-topic", "answered ok"), show_misses)


def tally(answerer: Answerer, path: Path, group: str, judge, header: tuple[str, str], show_misses: bool) -> None:
    """Answer every question of a file, print the pass rate overall and by the row's ``group`` field, and
    the misses when asked; ``judge(row, answer)`` returns None for a pass, else the miss line."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for row in rows:
        miss = judge(row, answerer.answer(row["question"]))
        for key in ("all", row[group]):
            stats[key][0] += miss is None
            stats[key][1] += 1
        if miss is not None:
            misses.append(miss)
    width = len(header[1])
    print(f"\n{header[0]:<16}{'n':>4}  {header[1]:>{width}}")
    for key in ["all"] + sorted(k for k in stats if k != "all"):
        ok, n = stats[key]
        print(f"{key:<16}{n:>4}  {ok / n:>{width}.3f}")
    if show_misses:
        print("\n".join(misses))


def passes(text: str, must: list[list[str]]) -> list[list[str]]:
    """The `must` groups none of whose alternatives occur in the answer text (empty: the answer passes)."""
    lowered = f"\n{text.lower()}\n"
    return [group for group in must if not any(alt.lower() in lowered for alt in group)]


def score_facts(answerer: Answerer, path: Path, show_misses: bool) -> None:
    """Print the answer-facts pass rate by kind."""

    def judge(row: dict, answer) -> str | None:
        missing = passes(answer.answer, row["must"])
        if not missing:
            return None
        return (f"MISS [{row['kind']}] {row['question']!r} ({answer.intent}/{answer.code}) lacks "
                f"{[g[:3] for g in missing]}\n     {answer.answer[:400]}")

    tally(answerer, path, "kind", judge, ("kind", "facts pass"), show_misses)


if __name__ == "__main__":
    raise SystemExit(main())
