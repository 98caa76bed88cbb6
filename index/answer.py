"""Question answering: intent from a fixed vocabulary, the code asked about, and an answer
composed only from that code's record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import faq
from .facts import SOURCES
from .query import CODE_IN_TEXT, MODIFIER_ALIASES, normalize
from .search import CodeIndex, Hit

INTENTS = ("what_is", "who_uses", "when_used", "find_code", "rvu", "status", "modifier", "modifiers_for_code",
           "payment", "coverage", "unknown")

RULES: list[tuple[str, re.Pattern]] = [
    ("rvu", re.compile(r"\b(w?rvus?|relative values?|value units?|work values?|values? of|worth|"
                       r"practice expense|malpractice)\b")),
    ("payment", re.compile(r"\b(how much|payments?|pay(ment)? rates?|rates?|amounts?|payment limit|payment allowance|allowance|"
                           r"allowable|fees?|fee schedule amount|reimburs\w*|prices?|pricing|costs?|dollars?|asp|"
                           r"what (does|do|will|would) [\w ]{0,30}\bpay|what medicare pays|paid)\b|\$")),
    ("coverage", re.compile(r"\b((will|does|would|do) medicare (pay|cover|reimburse)|medicare (cover\w*|pays? for)|"
                            r"(bill|billable|billed|charge|submit|send)( it)? to medicare|(can|may|should) (i|we|you) "
                            r"(bill|charge) medicare|covered by medicare|medicare coverage|medicare benefit)\b")),
    ("status", re.compile(r"\b(status|active|inactive|terminated|deleted|discontinued|retired|obsolete|expired|valid|"
                          r"billable|still|replaced|replacement|current|in effect|effective|happened|new code|"
                          r"(use|bill|report) (now|instead))\b")),
    ("coverage", re.compile(r"\b(cover(ed|s|age)?|payable|non-?covered|pay(s)? for|(will|does|would) medicare pay|"
                            r"(can|may|should) (i|we|you) (bill|charge|submit (it )?to) medicare|"
                            r"bill(ed|able)? to medicare|medicare (pay|cover)\w*|excluded)\b")),
    ("who_uses", re.compile(r"\b(who|whom|which (specialt\w+|providers?|doctors?|physicians?|clinicians?)|"
                            r"what (kind|type|sort)s? of (providers?|doctors?|physicians?|specialt\w+|clinicians?)|"
                            r"what (providers?|doctors?|physicians?|clinicians?|suppliers?)|"
                            r"specialt(y|ies))\b")),
    ("when_used", re.compile(r"\b(when|in what (case|situation)s?|under what|how (do|should|can) (i|we|you) "
                             r"(use|bill|report|code)|how to (use|bill|report)|usage|appropriate)\b")),
    ("what_is", re.compile(r"\b(what('?s| is| are| does| do)|whats|define|definition|explain|meaning|means?|"
                           r"describe|description|tell me about|info(rmation)? (on|about))\b")),
]
FIND_CODE = re.compile(r"\b(code|codes|hcpcs|cpt)\b.*\b(for|of|is|used for)\b|\b(which|what) (code|hcpcs)|"
                       r"\b(code|hcpcs|billing code) for\b|^(code|hcpcs)\b")
MODIFIER_WORD = re.compile(r"\b(modifier|modifiers|mod|mods)\b", re.I)
PCTC_WORDS = re.compile(r"\bprofessional (and|or|&) technical (component|part)s?\b")
FILLER = re.compile(
    r"\b(what('?s| is| are)?|whats|which|is|the|a|an|hcpcs|cpt|level ii|billing|code|codes|for|of|to|use|used|"
    r"do|does|i|we|you|can|tell|me|please|find|need|looking|bill|get|there|that|this|with)\b")
CPT_LIKE = re.compile(r"(?<![a-z0-9])\d{4}[0-9ftum](?![a-z0-9])", re.I)
ANY_CODE = re.compile(r"(?<![a-z0-9])([a-z]\d{4}|\d{4}[0-9ftum])(?![a-z0-9])", re.I)


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


def classify(question: str, codes: list[str], modifier: str | None) -> tuple[str, float]:
    """(intent, confidence) of a normalised question, given the codes found in it."""
    lowered = question.lower()
    if modifier and not codes:
        for intent, pattern in RULES[:1]:  # rvu; otherwise it is about the modifier
            if pattern.search(lowered):
                return intent, 0.9
        return "modifier", 0.95
    if codes:
        if MODIFIER_WORD.search(lowered) or PCTC_WORDS.search(lowered) or _names_a_modifier(question):
            return "modifiers_for_code", 0.9
        for intent, pattern in RULES:
            if pattern.search(lowered):
                return intent, 0.95
        return "what_is", 0.7
    if FIND_CODE.search(lowered) or re.search(r"\w{3,}", lowered):
        return "find_code", 0.8 if FIND_CODE.search(lowered) else 0.5
    return "unknown", 0.0


NUMERIC_MODIFIERS = {"22", "25", "26", "50", "51", "52", "59", "62", "66", "76", "77", "78", "79", "80", "82", "91"}
DOSE_WORDS = re.compile(r"\b(mg|mcg|ml|units?|grams?|gm|dose|doses|iu|vials?|minutes?|mins?|hours?|miles?)\b", re.I)
LETTER_MODIFIER = re.compile(r"(?<![A-Za-z0-9])(TC|RT|LT|RR|NU|UE|KX|KH|KI|KJ|JW|JZ|GY|GA|GZ|XE|XP|XS|XU|QW|AS)"
                             r"(?![A-Za-z0-9])")


def _names_a_modifier(question: str) -> bool:
    """A question about a code that names a modifier by itself ('does G0130 need 26 or TC?')."""
    if LETTER_MODIFIER.search(question):
        return True
    numbers = set(re.findall(r"(?<![\w.])\d{2}(?![\w.])", question))
    return bool(numbers & NUMERIC_MODIFIERS) and not DOSE_WORDS.search(question)


def _modifier_in(question: str, modifiers: frozenset[str]) -> str | None:
    """The modifier a question asks about: a two-character token named with the word 'modifier'
    (known or not: CPT's numeric modifiers get an honest answer), or a known one in capitals."""
    named = MODIFIER_WORD.search(question)
    tokens = re.findall(r"(?<![A-Za-z0-9])[A-Za-z0-9]{2}(?![A-Za-z0-9])", question)
    for token in tokens:
        if token.upper() in modifiers and (named or token.isupper()):
            return token.upper()
    if named:
        unknown = [t for t in tokens if t.isdigit() or (t.isupper() and t.isalpha())]
        return unknown[0].upper() if unknown else None
    return None


def _search_text(question: str) -> str:
    """The description part of a find-code question."""
    text = FILLER.sub(" ", question.lower())
    return " ".join(re.findall(r"[a-z0-9][a-z0-9.\-/']*", text)) or question


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
        codes = list(dict.fromkeys(f"{m.group(1).upper()}{m.group(2)}" for m in CODE_IN_TEXT.finditer(question)))
        # Code-shaped but outside HCPCS Level II (W-Z letters, CPT's five digits): still a code question.
        codes = codes or [m.group(1).upper() for m in ANY_CODE.finditer(question)]
        modifier = _modifier_in(question, opened.modifiers) if not codes else None
        intent, confidence = classify(question, codes, modifier)
        if intent == "find_code":
            return self._find_code(question, confidence, limit)
        if intent == "unknown":
            return self._unknown(question)
        code = codes[0] if codes else modifier
        if code in MODIFIER_ALIASES:
            return self._modifier_alias(question, intent, code, limit)
        record = self.index.get(code)
        if record is None:
            return self._no_such_code(question, intent, code)
        return self._about(question, intent, confidence, record, limit)

    def _about(self, question: str, intent: str, confidence: float, record: dict, limit: int) -> Answer:
        """An answer about one known code, composed from its facts, with the facts and their sources."""
        text, facts = compose(intent, record, question)
        results = self.index.search(record["code"], limit=limit).hits
        return Answer(question, intent, record["code"], text, facts, self.source(record["code"]), confidence, results)

    def _find_code(self, question: str, confidence: float, limit: int) -> Answer:
        """The codes that best match a described item or service."""
        result = self.index.search(_search_text(question), limit=limit)
        weak = not result.hits or (result.hits[0].matched == "text" and result.hits[0].score < 0.5)
        if weak and not FIND_CODE.search(question.lower()):
            return self._unknown(question)
        if not result.hits:
            hint = f" Did you mean: {result.did_you_mean}?" if result.did_you_mean else ""
            return Answer(question, "find_code", None, "No HCPCS Level II code matches that description." + hint,
                          {"search": result.query}, None, 0.1)
        top = result.hits[0]
        others = ", ".join(h.code for h in result.hits[1:4])
        text = f"The closest HCPCS Level II code is {top.code}: {top.long_description}"
        text += "" if text.endswith(".") else "."
        if top.status == "terminated":
            text += f" Note: {top.code} is terminated."
        if others:
            text += f" Also consider: {others}."
        facts = {"search": result.query, "top_code": top.code, "top_status": top.status}
        return Answer(question, "find_code", top.code, text, facts, self.source(top.code), confidence, result.hits)

    def _modifier_alias(self, question: str, intent: str, alias: str, limit: int) -> Answer:
        """CPT's modifier 59 and its four HCPCS Level II subsets."""
        subsets = MODIFIER_ALIASES[alias]
        records = [self.index.get(code) for code in subsets]
        listed = "; ".join(f"{r['code']}: {r['long_description']}" for r in records if r)
        text = (f"Modifier {alias} is a CPT modifier (AMA) for a distinct procedural service; HCPCS Level II "
                f"defines four more specific modifiers for it: {listed}.")
        hits = self.index.search(" ".join(subsets), limit=limit).hits
        return Answer(question, "modifier", subsets[0], text, {"alias_of": alias, "modifiers": subsets},
                      self.source(subsets[0]), 0.85, hits)

    def _no_such_code(self, question: str, intent: str, code: str) -> Answer:
        """A clear answer for a code that is not in HCPCS Level II, with close codes."""
        near = self.index.suggest_codes(code)
        text = f"{code} does not exist in the HCPCS Level II code set (January 2026)."
        if len(code) == 2:
            text = (f"Modifier {code} is not a HCPCS Level II modifier; numeric modifiers such as 25 or 59 "
                    f"are CPT modifiers, maintained by the AMA.")
        elif CPT_LIKE.fullmatch(code):
            text = (f"{code} looks like a CPT code; CPT is maintained by the AMA and is not part of the "
                    f"HCPCS Level II set covered here.")
        if near:
            text += " Close codes: " + ", ".join(near) + "."
        hits = [h for c in near[:3] for h in self.index.search(c, limit=1).hits]
        return Answer(question, intent, code, text, {"exists": False, "suggestions": near}, None, 0.9, hits)

    def _unknown(self, question: str) -> Answer:
        """An answer for a question we cannot place."""
        cpt = CPT_LIKE.search(question)
        text = ("CPT codes (five digits) are maintained by the AMA and are not covered here; ask about a HCPCS "
                "Level II code such as E0601." if cpt else
                "Ask about a HCPCS Level II code (for example 'what is E0601' or 'who bills G0439'), "
                "or describe an item or service ('code for a walker').")
        return Answer(question, "unknown", None, text, {}, None, 0.0)


def _sources(*keys: str) -> list[dict]:
    """The files and editions behind an answer."""
    return [{"key": k, "source": SOURCES[k]} for k in dict.fromkeys(keys) if k in SOURCES]


def compose(intent: str, record: dict, question: str = "") -> tuple[str, dict]:
    """(answer text, facts used, with their sources) for one intent about one record."""
    base = {"code": record["code"], "status": record["status"]}
    if intent == "rvu":
        return faq.rvu_sentence(record, question), {**base, "pfs": record.get("pfs"),
                                                    "payment": record.get("payment"), "sources": _sources("pfs")}
    if intent == "payment":
        return faq.payment_answer(record), {**base, "payment": record.get("payment"), "pfs": record.get("pfs"),
                                            "sources": _sources("pfs", "opps", "asp")}
    if intent == "coverage":
        return faq.coverage_answer(record), {**base, "coverage": record.get("coverage"),
                                             "statute": record.get("statute"),
                                             "manual_references": record.get("manual_references"),
                                             "sources": _sources("hcpcs_admin", "pfs")}
    if intent == "modifiers_for_code":
        return faq.modifiers_answer(record), {**base, "modifiers": record.get("modifiers"),
                                              "sources": _sources("pfs", "hcpcs_admin", "ptp")}
    if intent == "status":
        return faq.status_sentence(record), {**base, "terminated_date": record.get("terminated_date"),
                                             "status_basis": record.get("status_basis"),
                                             "history": record.get("history"),
                                             "sources": _sources("record_2024", "hcpcs", "hcpcs_admin")}
    if intent == "who_uses":
        who = record.get("who") or {}
        keys = (["claims"] if who.get("claims") else []) + ["hcpcs_admin", "pfs"] + (["typical"] if who.get("typical") else [])
        return faq.who_uses_answer(record), {**base, "who": who, "specialties": record.get("specialties"),
                                             "sources": _sources(*keys)}
    if intent == "when_used":
        context = record.get("context") or []
        return faq.when_used_answer(record), {**base, "long_description": record["long_description"],
                                              "context": context,
                                              "sources": _sources("hcpcs", *(c["source"] for c in context))}
    return faq.what_is_answer(record), {**base, "kind": record["kind"], "long_description": record["long_description"],
                                        "section": record.get("section"), "drug_names": record.get("drug_names"),
                                        "sources": _sources("hcpcs")}
