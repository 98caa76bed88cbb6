"""What a question asks: its intent, from the codes, modifiers, NDCs and words in it.

Pure functions on strings; no index here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .query import CODE_IN_TEXT, NDC_DASHED, NDC_DIGITS, ndc_candidates
from .questions import DOSE

INTENTS = (
    "what_is",
    "who_uses",
    "when_used",
    "find_code",
    "rvu",
    "status",
    "modifier",
    "modifiers_for_code",
    "payment",
    "coverage",
    "billed_together",
    "units",
    "mue",
    "compare",
    "replaced_by",
    "ndc",
    "faq",
    "unknown",
)

RULES: list[tuple[str, re.Pattern]] = [
    (
        "rvu",
        re.compile(
            r"\b(w?rvus?|relative values?|value units?|work values?|values? of|worth|"
            r"practice expense|malpractice)\b"
        ),
    ),
    (
        "payment",
        re.compile(
            r"\b(how much|payments?|pay(ment)? rates?|rates?|amounts?|payment limit|payment allowance|allowance|"
            r"allowable|fees?|fee schedule amount|reimburs\w*|prices?|pricing|costs?|dollars?|asp|"
            r"what (does|do|will|would) [\w ]{0,30}\bpay|what medicare pays|paid)\b|\$"
        ),
    ),
    (
        "coverage",
        re.compile(
            r"\b((will|does|would|do) medicare (pay|cover|reimburse)|medicare (cover\w*|pays? for)|"
            r"(bill|billable|billed|charge|submit|send)( it| [a-z]\d{4})? to medicare|bill(s|ed|ing)? medicare|"
            r"(can|may|should) (i|we|you) "
            r"(bill|charge) medicare|covered by medicare|medicare coverage|medicare benefit)\b"
        ),
    ),
    (
        "replaced_by",
        re.compile(
            r"\b(replac\w*|instead|in place of|(took|take|takes|taken) the place|successor|"
            r"superseded|supersede[sd]?|"
            r"(use|bill|report|code) now|new code)\b"
        ),
    ),
    (
        "status",
        re.compile(
            r"\b(status|active|inactive|terminated|deleted|discontinued|retired|obsolete|expired|valid|"
            r"billable|still|current|in effect|effective|happened)\b"
        ),
    ),
    (
        "coverage",
        re.compile(
            r"\b(cover(ed|s|age)?|payable|non-?covered|pay(s)? for|(will|does|would) medicare pay|"
            r"(can|may|should) (i|we|you) (bill|charge|submit (it )?to) medicare|"
            r"bill(ed|able)? to medicare|medicare (pay|cover)\w*|excluded)\b"
        ),
    ),
    (
        "who_uses",
        re.compile(
            r"\b(who|whom|which (specialt\w+|providers?|doctors?|physicians?|clinicians?)|"
            r"(what|which) (kind|type|sort)s? of (providers?|doctors?|physicians?|specialt\w+|clinicians?|"
            r"specialists?|practices?|facilit\w+|suppliers?)|(main|top|biggest|largest|usual|typical) billers?|"
            r"billers?|billed (mostly |mainly |usually )?by|"
            r"what (providers?|doctors?|physicians?|clinicians?|suppliers?)|"
            r"specialt(y|ies)|"
            r"(can|may|could|does|do|is|are) (a|an|the|our)? ?(\w+ )?(nurse|nps?|pas?|physician|doctor|therapist|"
            r"chiropractor|podiatrist|pharmac\w*|dietitian|psychologist|social worker|hospital|clinic|fqhc|rhc|"
            r"supplier|provider|optometrist|audiologist|midwi\w*|dentist|lab|laboratory|agency)\w*"
            r"( \w+)? (bill|report|perform|order|provide|use|submit|allowed to))\b"
        ),
    ),
    (
        "when_used",
        re.compile(
            r"\b(when|in what (case|situation)s?|under what|how (do|should|can) (i|we|you) "
            r"(use|bill|report|code)|how to (use|bill|report)|usage|appropriate)\b"
        ),
    ),
    (
        "what_is",
        re.compile(
            r"\b(what('?s| is| are| does| do)|whats|define|definition|explain|meaning|means?|"
            r"describe|description|tell me about|info(rmation)? (on|about))\b"
        ),
    ),
]
TOGETHER = re.compile(
    r"\b(together|same[- ](day|date|dos|visit|claim|session|encounter|time|patient|service|trip|transport|"
    r"surgery|operation|procedure|order|run)|"
    r"one claim|one (day|date|visit)|with each other|bundl\w*|unbundl\w*|ncci|ptp|"
    r"procedure[- ]to[- ]procedure|mutually exclusive|column (1|2|one|two))\b"
)
COMPARE = re.compile(
    r"\b(differ\w*|difference|vs\.?|versus|compare\w*|comparison|distinguish\w*|"
    r"which (one|is better|should)|same as|or)\b"
)
MUE_WORDS = re.compile(
    r"\b(mues?|medically unlikely|max(imum)?( number of)? units|units? (limit|max|maximum|cap|"
    r"ceiling)|(limit|max|maximum|cap|ceiling) (of|on|for) units|per (day|date of service|dos|date)|"
    r"units? per (day|date|dos)|most units|hitting the edit|unit edit)\b"
)
PER_UNIT = re.compile(r"\bper (\d+ )?[a-z]+", re.I)  # "per 30 minutes", "per 10 mg": a billing unit, not a dose
UNITS_WORDS = re.compile(
    r"\b(how many (billable |billing |service )?units|units? (of|for|to bill|should)|"
    r"billing units?|bill(ing)? per)\b"
)
GLOBAL_WORDS = re.compile(r"\bglobal (period|days?|surgery|package)\b|\bpost-?op(erative)? (period|days?)\b")
MAKER_WORDS = re.compile(r"\b(manufactur\w*|labell?ers?|who makes|made by|brands?|drug company)\b")
NDC_WORDS = re.compile(r"\b(ndcs?|national drug codes?)\b")
FIND_CODE = re.compile(
    r"\b(code|codes|hcpcs|cpt)\b.*\b(for|of|is|used for)\b|\b(which|what) (code|hcpcs)|"
    r"\b(code|hcpcs|billing code) for\b|^(code|hcpcs)\b"
)
CPT_WORD = re.compile(r"\bcpt\b")
QUESTION_START = re.compile(r"^(what|when|where|why|who|how|is|are|can|could|does|do|did|will|would|should|which)\b")
# Questions about one's own coverage or account, which no code file answers.
PERSONAL = re.compile(
    r"\b(my|our) (deductible|copay|co-pay|coinsurance|premium|plan|claim|bill|insurance|insurer|"
    r"doctor|account|password|policy|benefits?|card|refund|appeal|prescription|pharmacy|network)\b|"
    r"\b(phone number|password|log ?in|sign ?in|in[- ]network|open enrollment)\b"
)
MODIFIER_WORD = re.compile(r"\b(modifier|modifiers|mod|mods)\b", re.I)
PCTC_WORDS = re.compile(
    r"\bprofessional (and|or|&) technical (component|part)s?\b|\b(professional|technical) (component|part|only)\b|"
    r"\b(interpretation|the read|reading) only\b|\binterpret\w*\b|\bthe( \w+)? read\b|"
    r"\b(furnish\w*|suppl\w*|provid\w*|owns?) the (device|equipment|machine|scanner|unit|monitor)\b|"
    r"\bsplit\b.*\bclaims?\b|\bonly (do|doing|does|perform|provide)s? the (interpretation|read|"
    r"reading|technical)\b|\bowns? the (machine|equipment|scanner|unit)\b|"
    r"\b(both|two|each of the|left and right|right and left) (eyes|sides|knees|ears|legs|arms|feet|hands|breasts|"
    r"hips|shoulders|wrists|ankles|elbows|lungs|kidneys)\b|\bbilateral(ly)?\b|\b(rent\w*|purchas\w*|buy|"
    r"bought|capped rental)\b"
)
FILLER = re.compile(
    r"\b(what('?s| is| are)?|whats|which|is|the|a|an|hcpcs|cpt|level ii|billing|code|codes|for|of|to|use|used|"
    r"do|does|i|we|you|can|tell|me|please|find|need|looking|bill|get|there|that|this|with)\b"
)
CPT_LIKE = re.compile(r"(?<![a-z0-9])\d{4}[0-9ftum](?![a-z0-9])", re.I)
ANY_CODE = re.compile(r"(?<![a-z0-9])([a-z]\d{4}|\d{4}[0-9ftum])(?![a-z0-9])", re.I)
# ICD-10-CM: a letter, two characters, and usually a dot ("E11.9", "Z79.4", "I10"); or words that name it.
ICD_SHAPED = re.compile(
    r"(?<![a-z0-9.])[a-tv-z]\d[0-9a-z](\.[0-9a-z]{1,4})(?![a-z0-9])|(?<![a-z0-9])i10(?![a-z0-9])", re.I
)
ICD_WORDS = re.compile(r"\b(icd[- ]?(10|9)?(-?cm)?|diagnosis codes?|dx codes?|diagnostic codes?)\b", re.I)

NUMERIC_MODIFIERS = {"22", "25", "26", "50", "51", "52", "59", "62", "66", "76", "77", "78", "79", "80", "82", "91"}
DOSE_WORDS = re.compile(r"\b(mg|mcg|ml|units?|grams?|gm|dose|doses|iu|vials?|minutes?|mins?|hours?|miles?)\b", re.I)
LETTER_MODIFIER = re.compile(
    r"(?<![A-Za-z0-9])(TC|RT|LT|RR|NU|UE|KX|KH|KI|KJ|JW|JZ|GY|GA|GZ|XE|XP|XS|XU|QW|AS)"
    r"(?![A-Za-z0-9])"
)


@dataclass
class Parsed:
    """The things a question names."""

    codes: list[str] = field(default_factory=list)  # HCPCS-shaped, then other code-shaped (CPT), in order
    modifier: str | None = None
    ndcs: list[str] = field(default_factory=list)
    ndc_text: str = ""
    cpt: list[str] = field(default_factory=list)
    icd: bool = False
    modifiers: list[str] = field(default_factory=list)  # every modifier named, when a question names several


def parse_question(question: str, modifiers: frozenset[str]) -> Parsed:
    """The codes, modifier, NDC candidates and outside-code-set mentions of a normalised question."""
    found = Parsed()
    found.codes = list(dict.fromkeys(f"{m.group(1).upper()}{m.group(2)}" for m in CODE_IN_TEXT.finditer(question)))
    found.cpt = [m.group(1).upper() for m in ANY_CODE.finditer(question) if CPT_LIKE.fullmatch(m.group(1))]
    found.ndcs, _rest = ndc_candidates(question)
    if found.ndcs:
        written = NDC_DASHED.search(question) or NDC_DIGITS.search(question)
        found.ndc_text = written.group(0) if written else ""
        found.cpt = []
    found.icd = bool(ICD_SHAPED.search(question) or ICD_WORDS.search(question)) and not found.codes
    if not found.codes and not found.cpt:
        found.modifier = modifier_in(question, modifiers)
        found.modifiers = modifiers_compared(question, modifiers)
    return found


def classify(question: str, found: Parsed) -> tuple[str, float]:
    """(intent, confidence) of a normalised question, given what it names."""
    lowered = question.lower()
    codes = found.codes
    if found.ndcs and not codes:
        return "ndc", 0.95
    if len(found.modifiers) >= 2 and not codes:
        return "compare", 0.9
    if found.modifier and not codes:
        return ("rvu", 0.9) if RULES[0][1].search(lowered) else ("modifier", 0.95)
    if len(codes) + len(found.cpt) >= 2:
        if TOGETHER.search(lowered):
            return "billed_together", 0.9
        if COMPARE.search(lowered):
            return "compare", 0.9
    if codes:
        return _about_a_code(question, lowered, len(codes) + len(found.cpt) >= 2)
    if found.cpt:
        return "unknown", 0.2
    if found.icd:
        return "unknown", 0.1
    return "find_code", 0.8 if FIND_CODE.search(lowered) else 0.5


def _about_a_code(question: str, lowered: str, two: bool) -> tuple[str, float]:
    """The intent of a question about one code (or two, when no two-code intent fits)."""
    if NDC_WORDS.search(lowered):
        return "ndc", 0.9
    if MUE_WORDS.search(lowered):
        return "mue", 0.9
    if DOSE.search(PER_UNIT.sub(" ", CODE_IN_TEXT.sub(" ", question))) and not MODIFIER_WORD.search(lowered):
        return "units", 0.9
    if MODIFIER_WORD.search(lowered) or PCTC_WORDS.search(lowered) or _names_a_modifier(question):
        return "modifiers_for_code", 0.9
    if GLOBAL_WORDS.search(lowered):
        return "rvu", 0.9
    if MAKER_WORDS.search(lowered):
        return "ndc", 0.9
    for intent, pattern in RULES[:2]:  # rvu, payment: "relative value units", "payment limit per unit"
        if pattern.search(lowered):
            return intent, 0.95
    if UNITS_WORDS.search(lowered):
        return "units", 0.9
    for intent, pattern in RULES[2:]:
        if pattern.search(lowered):
            return intent, 0.95
    return ("compare", 0.6) if two else ("what_is", 0.7)


# Things people ask about a code that none of the files held here state: (topic, where it is written, pattern).
NOT_HELD: list[tuple[str, str, re.Pattern]] = [
    (
        "documentation requirements",
        "they are in the Medicare contractor's LCD and its policy article (the DME MAC's for DMEPOS items) "
        "and the CMS manuals",
        re.compile(r"\b(document\w*|paperwork|chart notes?|medical records?|records? (needed|required))\b"),
    ),
    (
        "prior authorization rules",
        "Medicare's Required Prior Authorization List (DMEPOS) and each payer's own policy say which items need it",
        re.compile(r"\b(prior auth\w*|pre-?auth\w*|pre-?cert\w*|authoriz\w*|precertif\w*)\b"),
    ),
    (
        "frequency limits",
        "they are set by the national or local coverage determination (NCD, LCD) or the benefit's own rules",
        re.compile(
            r"\b(how often|frequency|how frequently|once (a|per|every) (year|month|week|lifetime)|"
            r"per (year|month|week|lifetime)|every \d+ (days|months|years)|(yearly|annual|lifetime) limit)\b"
        ),
    ),
    (
        "competitive bidding status",
        "the DMEPOS Competitive Bidding Program's product category lists say which codes are bid",
        re.compile(r"\b(competitive(ly)? bid\w*|bid (program|item|category)|contract supplier)\b"),
    ),
    (
        "covered diagnosis codes",
        "the LCD or NCD and its billing and coding article list the ICD-10-CM codes that support it",
        re.compile(r"\b(diagnos[ie]s|dx|icd[- ]?10(-?cm)?|icd[- ]?9)\b"),
    ),
    (
        "the place of service to report",
        "the CMS place-of-service code set and the payer's rules decide it; the PFS amounts held here differ "
        "only between facility and non-facility settings",
        re.compile(r"\b(place of service|pos code|pos \d\d)\b"),
    ),
    (
        "340B status",
        "340B pricing belongs to the covered entity that bought the drug, not to the code; modifiers JG and TB "
        "mark a 340B-acquired drug on the claim",
        re.compile(r"\b340 ?b\b"),
    ),
    (
        "revenue codes",
        "a hospital chooses the revenue code for the cost center under the NUBC UB-04 rules; the files here "
        "give the code's OPPS status and APC",
        re.compile(r"\b(revenue codes?|rev codes?)\b"),
    ),
    (
        "what the patient pays",
        "cost sharing is set by the patient's coverage (under Original Medicare Part B, usually 20% of the "
        "approved amount after the yearly deductible) and is not in these files",
        re.compile(r"\b(copay\w*|co-pay\w*|coinsurance|deductible|out of pocket|patient responsibility)\b"),
    ),
    (
        "order and certificate requirements",
        "the DME MAC's LCD, policy article and CMS's standard written order and face-to-face rules say what is needed",
        re.compile(
            r"\b(face[- ]to[- ]face|written order|swo|cmn|certificate of medical necessity|"
            r"detailed written order|dwo|prescription requirements?)\b"
        ),
    ),
]


def not_held(question: str) -> tuple[str, str] | None:
    """(topic, where it is written) of a question about something no file held here states, or None."""
    lowered = question.lower()
    return next(((topic, where) for topic, where, pattern in NOT_HELD if pattern.search(lowered)), None)


ITEM_NOISE = re.compile(
    r"\b(hcpcs|cpt|codes?|bill(s|ed|ing)?|claims?|patients?|day|date|"
    r"per|units?|dose|given|how|many|much|does|do|is|are|can|will|would|what|who|when|which|"
    r"go|goes|needed|needs?|require[sd]?|required|put|add|append|apply|applies|typically|usually|"
    r"orders?|ordered|ordering|prescrib\w*|provid\w*|perform\w*|uses?|used|"
    r"creat\w*|maintain\w*|publish\w*|assign\w*|updat\w*|plus|minus|"
    # payer, file and calendar words, doses and routes: not the item's name
    r"medicare|medicaid|part [abd]|limits?|asp|based|allowable|allowed|payable|jan(uary)?|feb(ruary)?|"
    r"mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|oct(ober)?|nov(ember)?|dec(ember)?|"
    r"(19|20)\d\d|q[1-4]|quarter|current|latest|one|single|we|our|us|they|them|something|anything|ok|okay|"
    r"clinic|office|in-office|practice|infusion center|in|at|on|by|from|"
    r"mg|mcg|ml|grams?|gm|iu|sq|subq|sub-?q|subcut\w*|iv|im|intraven\w*|intramusc\w*|\d+(\.\d+)?)\b"
)


def code_less_intent(question: str) -> tuple[str, str] | None:
    """(intent, the words naming the item) of a question about a code it describes instead of naming
    ("how many units of keytruda for 200 mg", "does medicare cover a cpap machine"), or None."""
    lowered = question.lower()
    cues = [
        ("mue", MUE_WORDS),
        ("units", DOSE),
        ("modifiers_for_code", MODIFIER_WORD),
        ("rvu", RULES[0][1]),
        ("payment", RULES[1][1]),
        ("units", UNITS_WORDS),
    ]
    cues += [(intent, pattern) for intent, pattern in RULES[2:] if intent not in ("what_is", "status", "replaced_by")]
    for intent, pattern in cues:
        if pattern.search(lowered):
            item = lowered
            for _name, other in cues:
                item = other.sub(" ", item)
            item = ITEM_NOISE.sub(" ", search_text(item))
            item = " ".join(re.findall(r"[a-z0-9][a-z0-9'-]*", item))
            return (intent, item) if item else None
    return None


def _names_a_modifier(question: str) -> bool:
    """A question about a code that names a modifier by itself ('does G0130 need 26 or TC?')."""
    if LETTER_MODIFIER.search(question):
        return True
    numbers = set(re.findall(r"(?<![\w.])\d{2}(?![\w.])", question))
    return bool(numbers & NUMERIC_MODIFIERS) and not DOSE_WORDS.search(question)


ENGLISH_PAIRS = frozenset("is it in on of to or an as at be by do go he if me my no so up us we".split())


def modifier_in(question: str, modifiers: frozenset[str]) -> str | None:
    """The modifier a question asks about: a known one in capitals or digits, a lower-case one right
    beside the word 'modifier' ('the go modifier'; an English word such as 'is' only after 'the'), or,
    with the word 'modifier', an unknown one (CPT's numeric modifiers get an honest answer)."""
    named = MODIFIER_WORD.search(question)
    tokens = re.findall(r"(?<![A-Za-z0-9])[A-Za-z0-9]{2}(?![A-Za-z0-9])", question)
    marked = [t for t in tokens if t.isupper() or t.isdigit()]
    beside = [t for t in tokens if t.islower() and t in _beside_modifier_word(question)] if named else []
    for token in marked + beside:
        if token.upper() in modifiers and (token in marked or named):
            return token.upper()
    if named:
        unknown = marked + beside
        return unknown[0].upper() if unknown else None
    return None


def modifiers_compared(question: str, modifiers: frozenset[str]) -> list[str]:
    """The modifiers of a question comparing two or more ('JW vs JZ', 'difference between the ga and gz
    modifiers'): known modifiers in capitals, or any case beside the word 'modifier'; [] otherwise."""
    lowered = question.lower()
    if not (MODIFIER_WORD.search(question) and COMPARE.search(lowered)):
        return []
    tokens = re.findall(r"(?<![A-Za-z0-9])[A-Za-z0-9]{2}(?![A-Za-z0-9])", question)
    named = [t.upper() for t in tokens if t.upper() in modifiers and (t.isupper() or t.lower() not in ENGLISH_PAIRS)]
    named = list(dict.fromkeys(named))
    return named if len(named) >= 2 else []


def _beside_modifier_word(question: str) -> set[str]:
    """The word right before 'modifier' ('the go modifier'; an English word only after 'the' or 'a'), and the
    one after it ('modifier rt'; an English word only when it ends the question: not 'modifiers go with')."""
    words = re.findall(r"[a-z0-9]+", question.lower())
    found = set()
    for i, word in enumerate(words):
        if not MODIFIER_WORD.fullmatch(word):
            continue
        if i > 0 and (words[i - 1] not in ENGLISH_PAIRS or (i > 1 and words[i - 2] in ("the", "a"))):
            found.add(words[i - 1])
        if i + 1 < len(words) and (words[i + 1] not in ENGLISH_PAIRS or i == len(words) - 2):
            found.add(words[i + 1])
    return found


def search_text(question: str) -> str:
    """The description part of a find-code question."""
    text = FILLER.sub(" ", question.lower())
    return " ".join(re.findall(r"[a-z0-9][a-z0-9.\-/']*", text)) or question


def leftover_words(question: str, code: str) -> list[str]:
    """The words of a question about a code besides the code, question words and filler."""
    text = FILLER.sub(" ", question.lower().replace(code.lower(), " "))
    return [
        w
        for w in re.findall(r"[a-z][a-z'-]{2,}", text)
        if w not in {"are", "and", "about", "mean", "meaning", "hcpcs", "please", "code", "this", "that"}
    ]
