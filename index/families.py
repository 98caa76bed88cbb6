"""Similar codes and how a code compares with its section: siblings whose descriptors differ in a few
words, and where the code stands (work RVU percentile, share without work RVUs).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from difflib import SequenceMatcher

from .text import GENERIC
from .text import PHRASE_WORD as WORD
from .text import SIBLING_FILLER as STOP


def words(text: str) -> list[str]:
    """Lower-case descriptor words without stop words, in order."""
    return [w for w in WORD.findall(text.lower()) if w not in STOP]


def _spans(text: str) -> tuple[list[str], list[str]]:
    """The descriptor's words as written, and each one's comparable form (lower case, no punctuation)."""
    raw = text.split()
    return raw, [" ".join(WORD.findall(w.lower())) for w in raw]


def _phrase(tokens: list[str], keys: list[str]) -> str:
    """A run of descriptor words as written, without edge punctuation; '' when it is only filler."""
    if all(not k or all(w in STOP for w in k.split()) for k in keys):
        return ""
    text = " ".join(tokens).strip(" ,;:.")
    if text.count("(") < text.count(")"):
        text = text.rstrip(")")
    if text.count("(") > text.count(")"):
        text = text.lstrip("(")
    return text.strip(" ,;:.")


def difference(mine: str, theirs: str) -> tuple[list[str], list[str]]:
    """(phrases only in mine, phrases only in theirs), each as written and in descriptor order."""
    a_raw, a = _spans(mine)
    b_raw, b = _spans(theirs)
    regions: list[list[int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if regions and i1 - regions[-1][1] <= 2 and j1 - regions[-1][3] <= 2:
            regions[-1][1], regions[-1][3] = i2, j2  # a word or two in common between changes: one phrase
        else:
            regions.append([i1, i2, j1, j2])
    only_mine = [_phrase(a_raw[i1:i2], a[i1:i2]) for i1, i2, _, _ in regions]
    only_theirs = [_phrase(b_raw[j1:j2], b[j1:j2]) for _, _, j1, j2 in regions]
    return [p for p in only_mine if p], [p for p in only_theirs if p]


def _joined(phrases: list[str], limit: int = 14) -> str:
    """Phrases joined with an ellipsis, cut after ``limit`` words."""
    words_out = " … ".join(phrases).split()
    return " ".join(words_out[:limit]) + (" …" if len(words_out) > limit else "")


def _jaccard(a: set[str], b: set[str]) -> float:
    """Word overlap of two descriptors."""
    return len(a & b) / len(a | b) if a and b else 0.0


class Families:
    """Code groups for similar codes and comparisons: the RBCS family, else the code's 4-character block."""

    def __init__(self, records: list[dict]):
        self.by_code = {r["code"]: r for r in records}
        self.groups: dict[str, list[str]] = defaultdict(list)
        self.sections: dict[str, list[dict]] = defaultdict(list)
        for r in records:
            if r["kind"] == "modifier":
                continue
            self.groups[self.group(r)].append(r["code"])
            self.sections[r["section"]].append(r)
        self.words = {
            r["code"]: {
                w for w in words(r["long_description"]) if w not in GENERIC and not any(ch.isdigit() for ch in w)
            }
            for r in records
        }
        self.work = {
            name: sorted(
                r["pfs"]["work_rvu"]
                for r in rows
                if r["status"] == "active" and r.get("pfs") and r["pfs"].get("work_rvu")
            )
            for name, rows in self.sections.items()
        }
        self.active = {name: sum(r["status"] == "active" for r in rows) for name, rows in self.sections.items()}

    @staticmethod
    def group(record: dict) -> str:
        """The group key of a record."""
        family = (record.get("rbcs") or {}).get("family")
        return f"rbcs:{family}" if family else f"block:{record['code'][:4]}"

    def similar(self, record: dict, limit: int = 5) -> list[dict]:
        """Up to ``limit`` siblings, closest wording first, each with the words that set it apart."""
        code = record["code"]
        mine = self.words[code]
        pool = [c for c in self.groups.get(self.group(record), []) if c != code]
        if len(pool) < 2:
            pool += [c for key, codes in self.groups.items() if key == f"block:{code[:4]}" for c in codes if c != code]
        scored = []
        for other in dict.fromkeys(pool):
            sibling = self.by_code[other]
            if sibling["status"] == "terminated" and record["status"] == "active":
                continue
            score = _jaccard(mine, self.words[other])
            if score >= 0.3:
                distance = abs(int(other[1:]) - int(code[1:])) if other[0] == code[0] else 10**5
                scored.append((other[0] != code[0], -score, distance, other))
        out = []
        for *_, other in sorted(scored)[:limit]:
            sibling = self.by_code[other]
            only_mine, only_theirs = difference(record["long_description"], sibling["long_description"])
            out.append(
                {
                    "code": other,
                    "short_description": sibling["short_description"],
                    "status": sibling["status"],
                    "this_code_says": _joined(only_mine),
                    "other_says": _joined(only_theirs),
                }
            )
        return out

    def comparison(self, record: dict) -> dict | None:
        """Where a code stands in its section: work RVU percentile, share of active codes without work RVUs."""
        if record["kind"] == "modifier":
            return None
        section = record["section"]
        with_work, active = self.work.get(section, []), self.active.get(section, 0)
        if not active:
            return None
        work = (record.get("pfs") or {}).get("work_rvu") or 0.0
        out = {
            "section": section,
            "active_codes": active,
            "share_without_work_rvu": round(1 - len(with_work) / active, 3),
            "work_rvu": work or None,
            "work_rvu_percentile": None,
            "codes_with_work_rvu": len(with_work),
        }
        if work and with_work:
            out["work_rvu_percentile"] = round(100 * bisect_left(with_work, work) / len(with_work))
        return out
