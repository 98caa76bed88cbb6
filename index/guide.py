"""The general FAQ: questions about HCPCS Level II and Medicare billing that name no code
("what does HCPCS stand for", "how often are codes updated"), from ``corpus/faq/*.jsonl``.

The build validates every entry and writes them into their own Whoosh index (``indexname="faq"``)
in the same build folder as the codes; ``Guide`` searches it and says how well the best entry
covers the question.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from marshmallow import Schema, fields, validate
from whoosh import analysis
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, STORED, TEXT
from whoosh.fields import Schema as WhooshSchema
from whoosh.query import Or, Term

from .records import checked_line
from .schema import committed

INDEX_NAME = "faq"
FOLDER = "faq"
# Words that say a question is a question, not what it is about.
QUESTION_WORDS = frozenset(
    """
    a an and are as at be by can could do does did for from have how i if in is it its me my of on or our should
    so tell than that the their there this to us was we what whats what's when where which who why will with
    would you your please know explain mean means meaning get
    """.split()
)
FIELD_BOOSTS = {"question": 2.0, "alternatives": 1.5, "answer": 0.5}
NUMBERED_LEVEL = re.compile(r"\blevel\s*(1|one|2|two)\b", re.I)


class GuideError(ValueError):
    """A bad FAQ file; the message names the file and line."""


class Abbreviation(Schema):
    """An abbreviation an entry spells out."""

    short = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,15}$"))
    long = fields.String(required=True, validate=validate.Length(min=3, max=120))


class FaqEntry(Schema):
    """One general question, the other ways people ask it, our answer and its source."""

    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]*$"))
    question = fields.String(required=True, validate=validate.Length(min=5, max=300))
    alternatives = fields.List(fields.String(validate=validate.Length(min=2, max=300)), required=True)
    answer = fields.String(required=True, validate=validate.Length(min=20, max=3000))
    topics = fields.List(fields.String(), load_default=list)
    modifiers = fields.List(fields.String(validate=validate.Regexp(r"^[A-Z0-9]{2}$")), load_default=list)
    abbreviation = fields.Nested(Abbreviation, load_default=None)
    source = fields.String(required=True, validate=validate.Length(min=3))


ENTRY_SCHEMA = FaqEntry()


def analyzer():
    """Lower-case, Porter-stemmed words without question words: what an FAQ entry and a question share."""
    return analysis.StemmingAnalyzer(stoplist=QUESTION_WORDS, minsize=1)


def _spelled(text: str) -> str:
    """'level 2' and 'level two' written as 'level ii', as the entries write them."""
    return NUMBERED_LEVEL.sub(lambda m: "level " + ("i" if m.group(1).lower() in ("1", "one") else "ii"), text)


def stems(text: str) -> list[str]:
    """The content stems of a text, in order."""
    return [t.text for t in analyzer()(_spelled(text))]


def whoosh_schema() -> WhooshSchema:
    """The FAQ index: the question and its alternatives weighted above the answer."""
    return WhooshSchema(
        id=ID(stored=True, unique=True),
        question=TEXT(analyzer=analyzer()),
        alternatives=TEXT(analyzer=analyzer()),
        answer=TEXT(analyzer=analyzer()),
        topics=KEYWORD(commas=True),
        entry=STORED,
    )


def read_entries(folder: Path) -> list[dict]:
    """Every entry of every ``*.jsonl`` in the FAQ folder, validated; GuideError names file and line."""
    entries: list[dict] = []
    seen: dict[str, int] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            entries.append(_entry(path, number, line, seen))
    return entries


def _entry(path: Path, number: int, line: str, seen: dict) -> dict:
    """One FAQ line checked: JSON, the schema, a unique id."""
    entry = checked_line(path, number, line, ENTRY_SCHEMA, GuideError, "an FAQ entry")[1]
    if entry["id"] in seen:
        raise GuideError(f"{path}:{number}: id '{entry['id']}' already used on line {seen[entry['id']]}")
    seen[entry["id"]] = number
    return entry


def write_index(folder: Path, entries: list[dict]) -> None:
    """Write the FAQ entries into their own Whoosh index inside a build folder."""
    with committed(whoosh_index.create_in(str(folder), whoosh_schema(), indexname=INDEX_NAME)) as writer:
        for entry in entries:
            writer.add_document(
                id=entry["id"],
                question=entry["question"],
                alternatives="\n".join(entry["alternatives"]),
                answer=entry["answer"],
                topics=",".join(entry["topics"]),
                entry=json.dumps(entry, ensure_ascii=False),
            )


@dataclass
class FaqHit:
    """An FAQ entry found for a question, with how much of the question its wording covers (0..1)."""

    id: str
    question: str
    answer: str
    source: str
    score: float
    coverage: float
    exact: float = 0.0  # the best two-way match with one phrasing: the question holds it and it holds the question
    asked_as: float = 0.0  # how much of the question the entry's own question (not an alternative) covers


class Guide:
    """The FAQ index of one build folder (absent in a build without FAQ files)."""

    def __init__(self, folder: Path):
        self.ix = (
            whoosh_index.open_dir(str(folder), indexname=INDEX_NAME)
            if whoosh_index.exists_in(str(folder), indexname=INDEX_NAME)
            else None
        )
        self.searcher = self.ix.searcher() if self.ix else None
        # Per entry: the stems of each phrasing (question, alternatives) and of the answer; and the
        # weight of a stem (rarer across entries: more telling).
        self.phrasings: dict[str, tuple[list[set[str]], set[str]]] = {}
        frequency: dict[str, int] = {}
        self._entries = (
            [json.loads(fields["entry"]) for fields in self.searcher.all_stored_fields()] if self.searcher else []
        )
        self.by_id = {e["id"]: e for e in self._entries}
        entries = self._entries
        for entry in entries:
            phrasings = [set(stems(p)) for p in [entry["question"], *entry["alternatives"]]]
            answer = set(stems(entry["answer"]))
            self.phrasings[entry["id"]] = (phrasings, answer)
            for stem in set().union(*phrasings, answer):
                frequency[stem] = frequency.get(stem, 0) + 1
        total = len(self.phrasings)
        self.weight = {stem: math.log((total + 1) / (n + 0.5)) for stem, n in frequency.items()}
        self.abbreviations = {
            e["abbreviation"]["short"]: e["abbreviation"]["long"] for e in entries if e.get("abbreviation")
        }
        # per abbreviation: the entry spelling it out, and the word as written (case kept, then any case)
        self._abbreviation_entry = {e["abbreviation"]["short"]: e["id"] for e in entries if e.get("abbreviation")}
        self._abbreviation_word = {
            short: (
                re.compile(rf"(?<![\w-]){re.escape(short)}(?![\w-])"),
                re.compile(rf"(?<![\w-]){re.escape(short)}(?![\w-])", re.I),
            )
            for short in self.abbreviations
        }
        self.unseen_weight = math.log((total + 1) / 1.5)  # as telling as a stem of one entry

    def __len__(self) -> int:
        return self.searcher.doc_count() if self.searcher else 0

    def entries(self) -> list[dict]:
        """Every entry, in file order (read once, when the build is opened)."""
        return list(self._entries)

    def entry(self, entry_id: str, coverage: float = 0.9) -> FaqHit | None:
        """One entry by its id, as a hit (None when no entry has it)."""
        found = self.by_id.get(entry_id)
        if found is None:
            return None
        return FaqHit(found["id"], found["question"], found["answer"], found["source"], 0.0, coverage)

    def entry_for_abbreviation(self, short: str) -> FaqHit | None:
        """The entry that spells out an abbreviation."""
        entry_id = self._abbreviation_entry.get(short)
        return self.entry(entry_id) if entry_id else None

    def abbreviations_in(self, text: str) -> list[str]:
        """The abbreviations a text names, in any case ('what does dmepos stand for')."""
        return [short for short, (_exact, any_case) in self._abbreviation_word.items() if any_case.search(text)]

    def spelled_out(self, text: str) -> str:
        """The abbreviations a text uses without spelling them out, e.g. 'ASP = average sales price; ...'."""
        used = [
            f"{short} = {long}"
            for short, long in self.abbreviations.items()
            if self._abbreviation_word[short][0].search(text) and long.lower() not in text.lower()
        ]
        return "; ".join(used)

    def search(self, question: str, limit: int = 3) -> list[FaqHit]:
        """The entries that best match a question, best first."""
        wanted = list(dict.fromkeys(stems(question)))
        if not self.searcher or not wanted:
            return []
        query = Or([Term(name, stem, boost=boost) for stem in wanted for name, boost in FIELD_BOOSTS.items()])
        hits = []
        for hit in self.searcher.search(query, limit=limit):
            entry = json.loads(hit["entry"])
            hits.append(
                FaqHit(
                    entry["id"],
                    entry["question"],
                    entry["answer"],
                    entry["source"],
                    round(hit.score, 4),
                    self.coverage(wanted, entry["id"]),
                    self.exactness(wanted, entry["id"]),
                    self.coverage(wanted, entry["id"], own_question=True),
                )
            )
        return sorted(hits, key=lambda h: (-h.coverage, -max(h.exact, h.asked_as), len(h.question), -h.score))

    def exactness(self, wanted: list[str], entry_id: str) -> float:
        """Over an entry's phrasings, the best share of words held both ways: 1.0 when a phrasing and the
        question have the same content words ("what is a capped rental" and "capped rental")."""
        asked, best = set(wanted), 0.0
        for held in self.phrasings[entry_id][0]:
            if held and asked:
                both = len(asked & held)
                best = max(best, min(both / len(asked), both / len(held)))
        return round(best, 3)

    def _weight(self, stem: str) -> float:
        """How telling a stem is: rarer across entries, more."""
        return self.weight.get(stem, self.unseen_weight)

    def coverage(self, wanted: list[str], entry_id: str, own_question: bool = False) -> float:
        """How much of a question one entry covers, 0..1: over its phrasings, the largest weighted share
        of the question's stems that one phrasing holds, a stem held only by its answer counting half."""
        phrasings, answer = self.phrasings[entry_id]
        phrasings = phrasings[:1] if own_question else phrasings
        weights = {s: self._weight(s) for s in wanted}
        total = sum(weights.values())
        best = 0.0
        for held in phrasings:
            score = sum(w if s in held else w / 2 if s in answer else 0.0 for s, w in weights.items())
            best = max(best, score / total)
        return round(best, 3)

    def close(self) -> None:
        """Release the searcher and its files."""
        if self.searcher:
            self.searcher.close()
        if self.ix:
            self.ix.close()
