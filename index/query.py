"""Query understanding: what did the user type? Codes, prefixes, modifiers, words.

Pure functions on strings; no Whoosh here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .text import QUERY_WORD

CODE_IN_TEXT = re.compile(r"(?<![a-z0-9])([a-v])\s?-?\s?(\d{4})(?![0-9])", re.I)
PREFIX_ONLY = re.compile(r"^([a-v])\s?(\d{1,3})$", re.I)
WORD = QUERY_WORD
POSSESSIVE = re.compile(r"['’]s$")
MODIFIER_WORDS = {"modifier", "modifiers", "mod"}
# The distinct-procedure modifier 59 is CPT's; HCPCS names its four subsets X{E,P,S,U}.
MODIFIER_ALIASES = {"59": ["XE", "XP", "XS", "XU"]}
# A National Drug Code as written: 5-4-2, 4-4-2, 5-3-2 or 5-4-1 with dashes (or spaces), or 10/11 digits.
NDC_DASHED = re.compile(r"(?<![\d-])(\d{4,5})[- ](\d{3,4})[- ](\d{1,2})(?![\d-])")
NDC_DIGITS = re.compile(r"(?<![\d-])(\d{10,11})(?![\d-])")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class QueryError(ValueError):
    """The query cannot be used; the message says why."""


@dataclass
class ParsedQuery:
    """What a query asks for: exact codes, a code prefix, modifiers, and free words."""

    text: str
    codes: list[str] = field(default_factory=list)
    prefix: str | None = None
    modifiers: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    ndcs: list[str] = field(default_factory=list)  # 11-digit candidates of an NDC typed in any layout
    typing: bool = False  # the last word may be incomplete (no trailing space)

    @property
    def kind(self) -> str:
        """code, prefix, modifier or text: the first thing the query asks for."""
        if self.codes:
            return "code"
        if self.prefix:
            return "prefix"
        if self.modifiers:
            return "modifier"
        if self.ndcs:
            return "ndc"
        return "text"


def ndc_candidates(text: str) -> tuple[list[str], str]:
    """(the 11-digit 5-4-2 forms an NDC in the text may stand for, the text without it).

    A dashed NDC has one reading (the short segment gets its leading zero); ten bare digits
    may be 4-4-2, 5-3-2 or 5-4-1, so all three readings are tried."""
    found: list[str] = []
    for match in NDC_DASHED.finditer(text):
        labeler, product, package = match.groups()
        if (len(labeler), len(product), len(package)) in ((5, 4, 2), (4, 4, 2), (5, 3, 2), (5, 4, 1)):
            found.append(labeler.zfill(5) + product.zfill(4) + package.zfill(2))
    for match in NDC_DIGITS.finditer(text):
        d = match.group(1)
        found += [d] if len(d) == 11 else ["0" + d, d[:5] + "0" + d[5:], d[:9] + "0" + d[9:]]
    rest = NDC_DIGITS.sub(" ", NDC_DASHED.sub(" ", text)) if found else text
    return list(dict.fromkeys(found)), rest


def normalize(raw: str, max_length: int = 512) -> str:
    """Unicode-normalised, whitespace-collapsed query text; QueryError if unusable."""
    if raw is None:
        raise QueryError("query is required")
    if len(raw) > max_length:
        raise QueryError(f"query is longer than {max_length} characters")
    if CONTROL.search(raw):
        raise QueryError("query contains control characters")
    text = unicodedata.normalize("NFKC", raw)
    text = " ".join(text.split())
    if not text:
        raise QueryError("query is empty")
    return text


def _modifiers(tokens: list[str], known_modifiers: frozenset[str]) -> tuple[list[str], list[str]]:
    """(modifier codes asked for, tokens left) from a token list."""
    named = any(t in MODIFIER_WORDS for t in tokens)
    rest = [t for t in tokens if t not in MODIFIER_WORDS]
    found: list[str] = []
    if named or len(rest) == 1:
        for token in rest:
            upper = token.upper()
            if upper in MODIFIER_ALIASES and (named or len(rest) == 1):
                found.extend(MODIFIER_ALIASES[upper])
            elif len(token) == 2 and upper in known_modifiers:
                found.append(upper)
    if named:
        rest = [t for t in rest if t.upper() not in found and t.upper() not in MODIFIER_ALIASES]
    return found, rest


CPT_SHAPED_QUERY = re.compile(r"^\s*(cpt\s*)?(\d{5}|\d{4}[ftu])\s*$", re.I)
ICD_SHAPED_QUERY = re.compile(r"^\s*(icd[- ]?10\s*)?[a-tv-z]\d[0-9a-z]\.[0-9a-z]{1,4}\s*$|^\s*icd[- ]?10\b", re.I)


def outside_level_two(text: str) -> str | None:
    """A note for input shaped like a code of another code set (CPT, ICD-10-CM), or None."""
    if CPT_SHAPED_QUERY.match(text):
        return (
            "This looks like a CPT code (AMA, Level I): this service carries HCPCS Level II codes only; "
            "CPT descriptors are licensed by the AMA."
        )
    if ICD_SHAPED_QUERY.match(text):
        return (
            "This looks like an ICD-10-CM diagnosis code: this service carries HCPCS Level II procedure and "
            "supply codes only."
        )
    return None


def parse(
    raw: str, known_modifiers: frozenset[str] = frozenset(), max_length: int = 512, prefixes: bool = True
) -> ParsedQuery:
    """Split a query into codes, a code prefix (unless ``prefixes`` is off), modifiers and words."""
    text = normalize(raw, max_length)
    query = ParsedQuery(text=text, typing=not raw.endswith(" "))
    lowered = text.lower()
    query.codes = list(dict.fromkeys(f"{m.group(1).upper()}{m.group(2)}" for m in CODE_IN_TEXT.finditer(lowered)))
    remaining = CODE_IN_TEXT.sub(" ", lowered)
    query.ndcs, remaining = ndc_candidates(remaining)
    if query.ndcs:
        remaining = re.sub(r"\bndcs?\b", " ", remaining)
    prefix = PREFIX_ONLY.match(remaining.strip())
    if prefix and not query.codes and prefixes:
        query.prefix = f"{prefix.group(1).upper()}{prefix.group(2)}"
        remaining = ""
    tokens = [POSSESSIVE.sub("", token) for token in WORD.findall(remaining)]  # "patient's": patient
    query.modifiers, tokens = _modifiers(tokens, known_modifiers)
    query.words = tokens
    return query
