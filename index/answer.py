"""Question answering: intent from a fixed vocabulary (``index.intents``), the codes asked about,
and an answer composed only from those codes' records, or from the general FAQ.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import faq, guide, questions
from .facts import SOURCES, mue_sentence
from .intents import (  # noqa: F401
    CPT_LIKE,
    CPT_WORD,
    FIND_CODE,
    INTENTS,
    PERSONAL,
    QUESTION_START,
    Parsed,
    classify,
    code_less_intent,
    leftover_words,
    not_held,
    parse_question,
    search_text,
)
from .query import MODIFIER_ALIASES, normalize
from .search import CodeIndex, Hit

PAYERS = {"medicar", "medicaid"}  # stems a description may hold that no descriptor needs to
SECTION_CODES = re.compile(r"\b([a-v])[- ]?codes\b|\b([a-v])[- ]?code (section|series|range|category)\b")
LETTER_CODE = re.compile(r"\b([a-v])[- ]?code\b")
SPELL_OUT = re.compile(r"\b(stands? for|acronym|abbreviat\w*|full form|spelled out|short for)\b")
FAQ_COVERAGE = 0.6  # share of a code-less question's words an FAQ entry must hold to answer it
FAQ_EXACT = 0.9  # an entry phrased with the question's own words answers it even when a code would match
FAQ_COVERAGE_FIND = 0.85  # the same, for a question worded as a code search ("code for a walker")
DESCRIBED = 0.5  # share of a description's words a top code must hold when it is not worded as a code search
DESCRIBED_QUESTION = 0.75  # the same, for a question ("when is open enrollment" is not a code's description)


@dataclass
class Answer:
    """An answer and the evidence behind it."""

    question: str
    intent: str
    code: str | None
    answer: str
    facts: dict = field(default_factory=dict)
    source: str | None = None
    confidence: float = 0.0
    results: list[Hit] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


class Answerer:
    """Answers questions from the records of one index."""

    def __init__(self, index: CodeIndex, public_url: str = ""):
        self.index = index
        self.public_url = public_url.rstrip("/")

    def source(self, code: str, base_url: str | None = None) -> str:
        """The code page URL of a code (the human-readable page; /v1/codes/<code> serves the same facts as JSON)."""
        return f"{(base_url or self.public_url).rstrip('/')}/codes/{code}"

    def answer(self, raw: str, limit: int = 5, base_url: str | None = None) -> Answer:
        """The answer to one question; code-page links start with ``base_url`` (the request's host) when given."""
        answer = self._answer(normalize(raw), limit)
        if answer.code and answer.source:
            answer.source = self.source(answer.code, base_url)
        return answer

    def _answer(self, question: str, limit: int) -> Answer:
        """The answer to one normalised question (code-page links relative to the configured public URL)."""
        opened = self.index.open()
        found = parse_question(question, opened.modifiers)
        intent, confidence = classify(question, found)
        if intent == "ndc" and not found.codes:
            return self._ndc(question, found, limit)
        if intent == "compare" and found.modifiers:
            return self._modifiers_compared(question, found.modifiers, limit)
        if intent in ("billed_together", "compare"):
            return self._two_codes(question, intent, confidence, found, limit)
        if intent == "find_code":
            return self._general(question, confidence, limit)
        if intent == "unknown":
            return self._unknown(question, found)
        code = found.codes[0] if found.codes else found.modifier
        if code is None:
            return self._unknown(question, found)
        if code in MODIFIER_ALIASES:
            return self._modifier_alias(question, intent, code, limit)
        record = self.index.get(code)
        if record is None:
            return self._no_such_code(question, intent, code)
        missing = not_held(question) if intent not in ("billed_together", "compare", "mue", "units") else None
        if missing:
            return self._not_held(question, record, *missing)
        if intent == "what_is" and len(set(leftover_words(question, code)) - _words_of(record)) >= 2:
            return self._unknown(question, found, record)
        return self._about(question, intent, confidence, record, limit)

    def _about(self, question: str, intent: str, confidence: float, record: dict, limit: int) -> Answer:
        """An answer about one known code, composed from its facts, with the facts and their sources."""
        text, facts = compose(intent, record, question)
        results = self.index.search(record["code"], limit=limit).hits
        return Answer(
            question,
            intent,
            record["code"],
            text,
            facts,
            self.source(record["code"]),
            confidence,
            results,
            [record["code"]],
        )

    def _two_codes(self, question: str, intent: str, confidence: float, found: Parsed, limit: int) -> Answer:
        """Two codes billed together, or side by side; an unknown or CPT code is named, not guessed."""
        asked = (found.codes + found.cpt)[:2]
        records = [r for r in (self.index.get(c) for c in found.codes[:2]) if r]
        hits = [h for c in asked for h in self.index.search(c, limit=1).hits if h.code == c]
        if len(records) == 2:
            pair = questions.billed_together_answer if intent == "billed_together" else questions.compare_answer
            text, facts = pair(*records)
        elif len(records) == 1 and found.cpt and intent == "billed_together":
            text, facts = questions.not_level_two_pair(records[0], found.cpt[0])
        else:
            text = questions.unknown_codes_answer(asked, records)
            facts = {"codes": asked, "unknown": [c for c in asked if c not in {r["code"] for r in records}]}
            confidence = 0.5
        facts["sources"] = _sources("ptp", "hcpcs", "pfs", "opps", "asp")
        first = records[0]["code"] if records else None
        return Answer(
            question, intent, first, text, facts, self.source(first) if first else None, confidence, hits[:limit], asked
        )

    def _modifiers_compared(self, question: str, names: list[str], limit: int) -> Answer:
        """Two or more modifiers side by side: what each means, then how they are used where the FAQ says."""
        records = [r for r in (self.index.get(m) for m in names[:3]) if r]
        parts = [f"{r['code']}: {r['long_description'].rstrip('.')}." for r in records]
        guidance = [c["text"] for r in records for c in r.get("context", []) if c["source"] == "guide"]
        parts += [f"In practice: {text}" for text in dict.fromkeys(guidance)]
        codes = [r["code"] for r in records]
        facts = {"modifiers": codes, "sources": _sources("hcpcs", *(["guide"] if guidance else []))}
        first = codes[0] if codes else None
        hits = [h for c in codes for h in self.index.search(c, limit=1).hits if h.code == c]
        return Answer(
            question,
            "compare",
            first,
            " ".join(parts),
            facts,
            self.source(first) if first else None,
            0.9,
            hits[:limit],
            codes,
        )

    def _ndc(self, question: str, found: Parsed, limit: int) -> Answer:
        """The code an NDC is billed with (every 10-digit layout tried), or that none is listed."""
        result = self.index.search(" ".join(found.ndcs), limit=limit)
        records = [r for r in (self.index.get(h.code) for h in result.hits) if r]
        text, facts = questions.ndc_answer(found.ndc_text or found.ndcs[0], records, found.ndcs)
        facts["sources"] = _sources("ndc")
        if not records:
            facts["search"] = "/v1/search?q="
            return Answer(question, "ndc", None, text, facts, None, 0.6, [], [])
        code = records[0]["code"]
        return Answer(
            question, "ndc", code, text, facts, self.source(code), 0.95, result.hits, [r["code"] for r in records]
        )

    def _general(self, question: str, confidence: float, limit: int) -> Answer:
        """A question naming no code: the general FAQ when an entry covers it and the question does not
        name an item; a question about a described item; else the code it describes."""
        cue = code_less_intent(question)
        section = self._section_entry(question) or self._abbreviation_entry(question)
        if section:
            return self._faq_answer(question, [section])
        hits = self.index.open().guide.search(question)
        needed = FAQ_COVERAGE_FIND if FIND_CODE.search(question.lower()) else FAQ_COVERAGE
        item = cue[1] if cue else search_text(question)
        if (
            hits
            and hits[0].coverage >= needed
            and (max(hits[0].exact, hits[0].asked_as) >= FAQ_EXACT or not self._names_an_item(item))
        ):
            return self._faq_answer(question, hits)
        return (self._about_described(question, cue, limit) if cue else None) or self._find_code(
            question, confidence, limit
        )

    def _faq_answer(self, question: str, hits: list) -> Answer:
        """The top FAQ entry's answer, the abbreviations it uses spelled out."""
        top = hits[0]
        facts = {
            "faq": [{"id": h.id, "question": h.question, "source": h.source, "coverage": h.coverage} for h in hits],
            "sources": [{"key": "faq", "source": top.source}],
        }
        spelled = self.index.open().guide.spelled_out(top.answer)
        text = top.answer + (f" (Abbreviations: {spelled}.)" if spelled else "")
        return Answer(question, "faq", None, text, facts, None, round(min(0.95, top.coverage), 2), [], [])

    def _abbreviation_entry(self, question: str):
        """The entry spelling out the one abbreviation a question asks about ('what does DMEPOS actually
        stand for'), or None."""
        if not SPELL_OUT.search(question.lower()):
            return None
        guide_ = self.index.open().guide
        named = guide_.abbreviations_in(question)
        named = [s for s in named if not any(s != other and s in other for other in named)]  # DME MAC, not DME
        return guide_.entry_for_abbreviation(named[0]) if len(named) == 1 else None

    def _section_entry(self, question: str):
        """The FAQ entry of a letter section a question asks about as a whole ('are S codes billable to
        Medicare'), when it names no item ('the j code for zofran' names one)."""
        asked = SECTION_CODES.search(question.lower())
        if not asked:
            return None
        item = SECTION_CODES.sub(" ", search_text(question))
        cue = code_less_intent(SECTION_CODES.sub(" ", question.lower()))
        if self._names_an_item(cue[1] if cue else item):
            return None
        return self.index.open().guide.entry(f"{asked.group(1) or asked.group(2)}-codes")

    def _about_described(self, question: str, cue: tuple[str, str], limit: int) -> Answer | None:
        """A question that describes the code instead of naming it ("who bills oxygen concentrators"):
        answered for the code that holds every word of the description, and said so; None otherwise."""
        intent, item = cue
        hits = self.index.search(item, limit=3).hits
        if not hits or self._described_share(item, hits[:1]) < 1.0 or hits[0].kind == "modifier":
            return None
        record = self.index.get(hits[0].code)
        if record is None:
            return None
        text, facts = compose(intent, record, question)
        lead = (
            f"Taking the code to be {record['code']} ({record['short_description']}), the nearest match for “{item}”: "
        )
        others = [h.code for h in hits[1:]]
        tail = f" Other close codes: {', '.join(others)}." if others else ""
        facts["described_as"] = item
        return Answer(
            question,
            intent,
            record["code"],
            lead + text + tail,
            facts,
            self.source(record["code"]),
            0.6,
            self.index.search(item, limit=limit).hits,
            [record["code"]],
        )

    def _find_code(self, question: str, confidence: float, limit: int) -> Answer:
        """The codes that best match a described item or service."""
        result = self.index.search(search_text(question), limit=limit)
        lowered = question.lower()
        asked = bool(QUESTION_START.match(lowered))
        needed = DESCRIBED_QUESTION if asked else DESCRIBED
        if PERSONAL.search(lowered) or (
            not FIND_CODE.search(lowered) and self._described_share(question, result.hits, naming_only=asked) < needed
        ):
            return self._unknown(question)
        cpt = bool(CPT_WORD.search(lowered))
        if not result.hits:
            hint = f" Did you mean: {result.did_you_mean}?" if result.did_you_mean else ""
            return Answer(
                question,
                "find_code",
                None,
                "No HCPCS Level II code matches that description." + hint,
                {"search": result.query},
                None,
                0.1,
            )
        letter = LETTER_CODE.search(lowered)
        if letter:  # "the j code for zofran": codes of that letter first, in their ranked order
            result.hits.sort(key=lambda h: not h.code.lower().startswith(letter.group(1)))
        top = result.hits[0]
        others = ", ".join(h.code for h in result.hits[1:4])
        text = f"The closest HCPCS Level II code is {top.code}: {top.long_description}"
        if cpt:
            text = "CPT codes (AMA, Level I) are not carried here; " + text[:1].lower() + text[1:]
            confidence = min(confidence, 0.5)
        text += "" if text.endswith(".") else "."
        if top.status == "terminated":
            text += f" Note: {top.code} is terminated."
        if others:
            text += f" Also consider: {others}."
        facts = {"search": result.query, "top_code": top.code, "top_status": top.status, "note": "cpt" if cpt else None}
        return Answer(question, "find_code", top.code, text, facts, self.source(top.code), confidence, result.hits)

    def _names_an_item(self, item: str) -> bool:
        """True when one of the top codes holds every word of a description ("hospital bed")."""
        return bool(item) and self._described_share(item, self.index.search(item, limit=3).hits) >= 1.0

    def _described_share(self, question: str, hits: list[Hit], naming_only: bool = False) -> float:
        """The largest share of a question's words that one of the top codes' descriptors, names and lay
        terms hold: a question that does not describe a code ("what is the weather") scores low. With
        ``naming_only`` the long descriptor does not count: a question asks about what the code is called
        ("what is a knee scooter"), not a word in its fine print ("what time is it")."""
        wanted = set(guide.stems(search_text(question))) - PAYERS
        if not wanted or not hits:
            return 0.0
        best = 0.0
        for hit in hits[:3]:
            record = self.index.get(hit.code) or {}
            texts = _texts_of(record)
            have = set(guide.stems(" ".join(texts[:1] + texts[2:] if naming_only else texts)))
            best = max(best, len(wanted & have) / len(wanted))
        return best

    def _modifier_alias(self, question: str, intent: str, alias: str, limit: int) -> Answer:
        """CPT's modifier 59 and its four HCPCS Level II subsets."""
        subsets = MODIFIER_ALIASES[alias]
        records = [self.index.get(code) for code in subsets]
        listed = "; ".join(f"{r['code']}: {r['long_description']}" for r in records if r)
        text = (
            f"Modifier {alias} is a CPT modifier (AMA) for a distinct procedural service; HCPCS Level II "
            f"defines four more specific modifiers for it: {listed}."
        )
        hits = self.index.search(" ".join(subsets), limit=limit).hits
        return Answer(
            question,
            "modifier",
            subsets[0],
            text,
            {"alias_of": alias, "modifiers": subsets},
            self.source(subsets[0]),
            0.85,
            hits,
        )

    def _no_such_code(self, question: str, intent: str, code: str) -> Answer:
        """A clear answer for a code that is not in HCPCS Level II, with close codes."""
        near = self.index.suggest_codes(code)
        text = f"{code} does not exist in the HCPCS Level II code set (January 2026)."
        if len(code) == 2:
            text = (
                f"Modifier {code} is not a HCPCS Level II modifier; numeric modifiers such as 25 or 59 "
                f"are CPT modifiers, maintained by the AMA."
            )
        elif CPT_LIKE.fullmatch(code):
            text = (
                f"{code} looks like a CPT code; CPT is maintained by the AMA and is not part of the "
                f"HCPCS Level II set covered here."
            )
        if near:
            text += " Close codes: " + ", ".join(near) + "."
        hits = [h for c in near[:3] for h in self.index.search(c, limit=1).hits]
        return Answer(question, intent, code, text, {"exists": False, "suggestions": near}, None, 0.9, hits)

    def _not_held(self, question: str, record: dict, topic: str, where: str) -> Answer:
        """A question about a code on something no file here states: say so once and where it is written,
        then what the files do state (what it is, coverage, the daily limit)."""
        code = record["code"]
        parts = [
            f"The CMS files held here do not state {topic} for {code}: {where}.",
            f"What they do state: {faq.what_is_answer(record)}",
            faq.coverage_sentence(record) or "",
            mue_sentence(record.get("mue") or []),
        ]
        text = " ".join(p if p.endswith(".") else p + "." for p in parts if p)
        facts = {"code": code, "status": record["status"], "not_held": topic, "where": where, "note": None}
        facts["sources"] = _sources("hcpcs", "hcpcs_admin", "mue")
        return Answer(question, "unknown", code, text, facts, self.source(code), 0.3, [], [code])

    def _unknown(self, question: str, found: Parsed | None = None, record: dict | None = None) -> Answer:
        """A question we cannot place: say so, name the codes it mentions, and note CPT and ICD-10 codes."""
        found = found or Parsed()
        notes = []
        if found.cpt:
            notes.append(
                f"{', '.join(found.cpt)} {'looks' if len(found.cpt) == 1 else 'look'} like CPT (AMA "
                f"Level I), which this service does not carry: it answers for HCPCS Level II codes only."
            )
        elif found.icd:
            notes.append(
                "That looks like an ICD-10-CM diagnosis question: this service carries HCPCS Level II "
                "procedure and supply codes only, not diagnosis codes."
            )
        else:
            notes.append(
                "This service cannot answer that: it answers questions about HCPCS Level II codes "
                "(what a code is, who bills it, when it is used, its modifiers, payment, coverage, units, "
                "MUEs, NCCI pairs, NDCs) and general HCPCS billing questions."
            )
        if record:
            notes.append(f"The question mentions {record['code']}: {record['long_description']}")
        elif not found.cpt:
            notes.append(
                "Try 'what is E0601', 'who bills G0439', 'can G0438 and G0439 be billed together' or "
                "'code for a walker'."
            )
        text = " ".join(n if n.endswith(".") else n + "." for n in notes)
        note = "cpt" if found.cpt else "icd10" if found.icd else None
        codes = [record["code"]] if record else found.cpt
        return Answer(
            question,
            "unknown",
            record["code"] if record else None,
            text,
            {"note": note, "codes": codes},
            self.source(record["code"]) if record else None,
            0.2 if record else 0.1,
            [],
            codes,
        )


def _texts_of(record: dict) -> list[str]:
    """A record's descriptors, names, synonyms and lay terms."""
    return [
        record.get("short_description", ""),
        record.get("long_description", ""),
        *record.get("lay_terms", []),
        *record.get("drug_names", []),
        *record.get("synonyms", []),
    ]


def _words_of(record: dict) -> set[str]:
    """Lower-case words of a record's descriptors, names and lay terms."""
    return set(re.findall(r"[a-z][a-z'-]{2,}", " ".join(_texts_of(record)).lower()))


def _sources(*keys: str) -> list[dict]:
    """The files and editions behind an answer."""
    return [{"key": k, "source": SOURCES[k]} for k in dict.fromkeys(keys) if k in SOURCES]


# intent -> (composer of the answer text from the record and the question, the record fields the answer
# states, the sources behind it); who_uses and when_used add sources that depend on the record.
FIELD_ANSWERS: dict[str, tuple[Callable[[dict, str], str], tuple[str, ...], tuple[str, ...]]] = {
    "rvu": (faq.rvu_sentence, ("pfs", "payment"), ("pfs",)),
    "payment": (lambda r, q: faq.payment_answer(r), ("payment", "pfs"), ("pfs", "opps", "asp")),
    "coverage": (
        lambda r, q: faq.coverage_answer(r),
        ("coverage", "statute", "manual_references"),
        ("hcpcs_admin", "pfs"),
    ),
    "modifiers_for_code": (lambda r, q: faq.modifiers_answer(r), ("modifiers",), ("pfs", "hcpcs_admin", "ptp")),
    "status": (
        lambda r, q: faq.status_sentence(r),
        ("terminated_date", "status_basis", "history"),
        ("record_2024", "hcpcs", "hcpcs_admin"),
    ),
    "what_is": (
        lambda r, q: faq.what_is_answer(r),
        ("kind", "long_description", "section", "drug_names"),
        ("hcpcs",),
    ),
}
# intent -> (composer returning the text and its own facts, the sources behind it)
COMPOSED_ANSWERS: dict[str, tuple[Callable[[dict, str], tuple[str, dict]], tuple[str, ...]]] = {
    "units": (questions.units_answer, ("asp", "hcpcs", "mue")),
    "mue": (questions.mue_answer, ("mue",)),
    "replaced_by": (lambda r, q: questions.replaced_by_answer(r), ("record_2024", "hcpcs")),
    "ndc": (lambda r, q: questions.ndcs_of_code(r), ("ndc",)),
}


def compose(intent: str, record: dict, question: str = "") -> tuple[str, dict]:
    """(answer text, facts used, with their sources) for one intent about one record."""
    base = {"code": record["code"], "status": record["status"]}
    if intent in COMPOSED_ANSWERS:
        own, sources = COMPOSED_ANSWERS[intent]
        text, facts = own(record, question)
        return text, {**base, **facts, "sources": _sources(*sources)}
    if intent == "who_uses":
        who = record.get("who") or {}
        keys = (
            (["claims"] if who.get("claims") else [])
            + ["hcpcs_admin", "pfs"]
            + (["typical"] if who.get("typical") else [])
        )
        return faq.who_uses_answer(record), {
            **base,
            "who": who,
            "specialties": record.get("specialties"),
            "sources": _sources(*keys),
        }
    if intent == "when_used":
        context = record.get("context") or []
        return faq.when_used_answer(record), {
            **base,
            "long_description": record["long_description"],
            "context": context,
            "sources": _sources("hcpcs", *(c["source"] for c in context)),
        }
    text_of, fields, sources = FIELD_ANSWERS.get(intent, FIELD_ANSWERS["what_is"])
    return text_of(record, question), {**base, **{f: record.get(f) for f in fields}, "sources": _sources(*sources)}
