#!/usr/bin/env python3
"""Count, over all active codes, how many get a substantive "who uses" and a "when is it used" that states
at least two facts beyond the descriptor.

"Who" is substantive when the answer names who bills the code: specialties from claims, the billing
channel read from CMS fields, or the typical orderers/providers of the curated table (not only "no
specialty breakdown is held"). "When" counts the facts of the answer's `context` (each from a CMS file or
a glossary, none a restatement of the descriptor). Answers are composed exactly as /v1/answer composes
them, from the corpus records.

    python scripts/count_answers.py [--corpus DIR] [--show N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.answer import compose  # noqa: E402


def who_is_substantive(facts: dict) -> bool:
    """The who answer names at least one kind of biller."""
    who = facts.get("who") or {}
    return bool(who.get("claims") or who.get("provider_types") or who.get("typical"))


def when_facts(facts: dict, without: frozenset[str] = frozenset()) -> list[dict]:
    """The facts of a when answer beyond the descriptor (leaving out those from the ``without`` sources)."""
    return [item for item in facts.get("context") or [] if item["source"] not in without]


def main() -> int:
    """Print the who/when coverage table over the active codes of a corpus."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("--show", type=int, default=0, help="print N random failing codes of each kind")
    ap.add_argument(
        "--without", action="append", default=[], metavar="SOURCE",
        help="count a when answer without the facts of this source (typical_use, glossary, guide; repeatable)",
    )
    args = ap.parse_args()
    with gzip.open(Path(args.corpus) / "codes.jsonl.gz", "rt", encoding="utf-8") as handle:
        records = [r for r in map(json.loads, handle) if r["status"] == "active"]
    rows = {"procedure": [0, 0, 0], "modifier": [0, 0, 0]}
    sources: Counter = Counter()
    channels: Counter = Counter()
    who_misses, when_misses = [], []
    for record in records:
        _, who = compose("who_uses", record)
        _, when = compose("when_used", record)
        stated = when_facts(when, frozenset(args.without))
        sources.update({item["source"] for item in stated})
        w = who.get("who") or {}
        channels["claims" if w.get("claims") else "channel" if w.get("provider_types") else
                 "typical only" if w.get("typical") else "none"] += 1
        row = rows[record["kind"]]
        row[0] += who_is_substantive(who)
        row[1] += len(stated) >= 2
        row[2] += 1
        if not who_is_substantive(who):
            who_misses.append(record["code"])
        if len(stated) < 2:
            when_misses.append(record["code"])
    print(f"{'active records':<16}{'n':>6}  {'who':>7}  {'when':>7}")
    total = [sum(col) for col in zip(*rows.values())]
    for name, (who_ok, when_ok, n) in [*rows.items(), ("all", total)]:
        print(f"{name:<16}{n:>6}  {who_ok / n:>7.1%}  {when_ok / n:>7.1%}")
    print("\nwho, by its strongest basis: " + ", ".join(f"{k} {v}" for k, v in channels.most_common()))
    print("when, codes stating a fact from each source: " + ", ".join(f"{k} {v}" for k, v in sources.most_common()))
    if args.show:
        rng = random.Random(0)
        print("\nwho misses:", rng.sample(who_misses, min(args.show, len(who_misses))))
        print("when misses:", rng.sample(when_misses, min(args.show, len(when_misses))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
