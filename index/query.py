"""Query understanding: what did the user type? Codes, prefixes, modifiers, words.

Pure functions on strings; no Whoosh here.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

CODE_IN_TEXT = re.compile(r"(?<![a-z0-9])([a-v])\s?-?\s?(\d{4})(?![0-9])", re.I)
PREFIX_ONLY = re.compile(r"^([a-v])\s?(\d{1,3})$", re.I)
WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
POSSESSIVE = re.compile(r"['’]s$")
MODIFIER_WORDS = {"modifier", "modifiers", "mod"}
# The distinct-procedure modifier 59 is CPT's; HCPCS names its four subsets X{E,P,S,U}.
MODIFIER_ALIASES = {"59": ["XE", "XP", "XS", "XU"]}
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
        return "text"


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


def parse(raw: str, known_modifiers: frozenset[str] = frozenset(), max_length: int = 512) -> ParsedQuery:
    """Split a query into codes, a code prefix, modifiers and words."""
    text = normalize(raw, max_length)
    query = ParsedQuery(text=text, typing=not raw.endswith(" "))
    lowered = text.lower()
    query.codes = list(dict.fromkeys(f"{m.group(1).upper()}{m.group(2)}" for m in CODE_IN_TEXT.finditer(lowered)))
    remaining = CODE_IN_TEXT.sub(" ", lowered)
    prefix = PREFIX_ONLY.match(remaining.strip())
    if prefix and not query.codes:
        query.prefix = f"{prefix.group(1).upper()}{prefix.group(2)}"
        remaining = ""
    tokens = [POSSESSIVE.sub("", token) for token in WORD.findall(remaining)]  # "patient's": patient
    query.modifiers, tokens = _modifiers(tokens, known_modifiers)
    query.words = tokens
    return query
