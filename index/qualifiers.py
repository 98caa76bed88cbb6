"""Qualifiers that tell sibling codes apart, as descriptors and queries state them.

Sibling codes often differ only in one qualifier: the time unit they bill by (H2011 crisis
intervention per 15 minutes, S9484 per hour, S9485 per diem), individual or group sessions (G0108,
G0109), a manual or a powered device, a pediatric or an adult size, portable or stationary, rental
or purchase, disposable or reusable, one ear or both, with or without a part (A4412 without filter,
A4413 with one). A query that states a qualifier
rules out the codes that state a different one of the same family; codes that state none are left alone.
"""

from __future__ import annotations

import re

from whoosh.lang.porter import stem

Patterns = tuple[tuple[re.Pattern, str], ...]

_MINUTES = re.compile(r"\b(\d+)[\s-]*(?:minutes?|mins?)\b")
_AGE = re.compile(r"\b(\d+)[\s-]*(?:years?|yrs?|yo)[\s-]*old\b|\b(\d+)\s*yo\b")


def _patterns(*pairs: tuple[str, str]) -> Patterns:
    """Compiled (regular expression, qualifier) pairs."""
    return tuple((re.compile(pattern), name) for pattern, name in pairs)


DESCRIPTOR = _patterns(
    (r"\bhalf[\s-]+day\b", "half day"),
    (r"\bper\s+diem\b|\bper\s+day\b|\bdaily\b|\bper\s+24\s+hours\b", "day"),
    (r"\bper\s+hour\b|\beach\s+hour\b|\bhourly\b", "hour"),
    (r"\bper\s+week\b|\bweekly\b", "week"),
    (r"\bper\s+(?:calendar\s+)?month\b|\bmonthly\b", "month"),
    (r"(?<!per )\bindividual\b(?!s| home)", "individual"),
    (r"\bgroup\b(?! health plan)(?!\s*\d)", "group"),  # not "power wheelchair, group 5"
    (r"\bpediatric\b", "pediatric"),
    (r"\badult\b", "adult"),
    (r"\bmanual\b|\bnon-?electric\b|\bnon-?powered\b", "manual"),
    (r"(?<![-\w])(?:semi-|total\s+)?electric\b|\bpower(?:ed)?\b(?! pack)|\bmotori[sz]ed\b", "powered"),
    (r"\bportable\b", "portable"),
    (r"\bstationary\b", "stationary"),
    (r"\brental\b", "rental"),
    (r"\bpurchase\b", "purchase"),
    (r"(?<!non-)(?<!non)\bdisposable\b", "disposable"),
    (r"\breusable\b|\bnon-?disposable\b", "reusable"),
    (r"\bmonaural\b", "one ear"),
    (r"\bbinaural\b", "both ears"),
)

# How people say them: "15 min", "a quarter hour", "whole day", "one on one", "plugs in", "for my
# 6 year old". A bare "day" or "hour" names no unit ("day program", "24 hour nurse line").
QUERY = _patterns(
    (r"\bquarter\s+(?:of\s+an\s+)?hour\b", "15 minutes"),
    (r"\bhalf\s+(?:an\s+)?hour\b", "30 minutes"),
    (r"\bhalf[\s-]+(?:a\s+)?day\b", "half day"),
    (r"\bper\s+diem\b|\b(?:per|a|each|every|whole|full|all|one|1)\s+day\b|\bdaily\b", "day"),
    (r"\b(?:per|an|each|every|one|1)\s+hour\b|\bhourly\b", "hour"),
    (r"\b(?:per|a|each|every|one|1)\s+week\b|\bweekly\b", "week"),
    (r"\b(?:per|a|each|every|one|1)\s+month\b|\bmonthly\b", "month"),
    (r"\bone[\s-]+on[\s-]+one\b|\b1\s*(?::|on|to)\s*1\b|\bindividual(?:ly)?\b|\bprivate\b", "individual"),
    (r"\bgroups?\b(?!\s*\d)|\bclass(?:es)?\b", "group"),
    (r"\bp(?:a)?ediatric\b|\bchild(?:ren)?\b|\bkids?\b|\binfants?\b|\bbab(?:y|ies)\b|\btoddlers?\b", "pediatric"),
    (r"\badults?\b", "adult"),
    (r"\bmanual\b|\bnon-?electric\b|\bhand[\s-]*(?:operated|powered|crank)\b|\bno\s+plug\b", "manual"),
    (r"\belectric\b|\bpowered\b|\bmotori[sz]ed\b|\bplugs?[\s-]+in\b|\bplug-in\b", "powered"),
    (
        r"\bportable\b|\bto\s+carry\b|\bcarry\s+(?:around|with)\b|\btravel(?:ing|ling)?\b|\btrips?\b|\bon\s+the\s+go\b",
        "portable",
    ),
    (r"\bstationary\b", "stationary"),
    (r"\brent(?:al|ed|ing)?\b", "rental"),
    (r"\bpurchas(?:e|ed|ing)\b|\bbuy(?:ing)?\b", "purchase"),
    (r"(?<!non-)(?<!non)\bdisposable\b|\bsingle[\s-]+use\b|\bthrow[\s-]*away\b", "disposable"),
    (r"\breusable\b|\bwashable\b|\bnon-?disposable\b", "reusable"),
    (r"\bmonaural\b|\bone\s+ear\b|\bsingle\s+ear\b", "one ear"),
    (r"\bbinaural\b|\bboth\s+ears\b|\btwo\s+ears\b", "both ears"),
)

FAMILIES = {
    "unit": lambda q: q.endswith("minutes") or q in {"half day", "day", "hour", "week", "month"},
    "session": lambda q: q in {"individual", "group"},
    "age": lambda q: q in {"pediatric", "adult"},
    "power": lambda q: q in {"manual", "powered"},
    "mobility": lambda q: q in {"portable", "stationary"},
    "ownership": lambda q: q in {"rental", "purchase"},
    "use": lambda q: q in {"disposable", "reusable"},
    "ears": lambda q: q in {"one ear", "both ears"},
}


# "with mattress", "without filter", "w/o arms", "no mattress" (queries): the word after is what is
# included or not. "With or without" states neither.
_WITH = re.compile(r"(?<!with or )(?<!and )\b(with|without|w/o|w/|no)\s+(?:the\s+|a\s+|an\s+|any\s+)?([a-z][a-z-]+)")
_NOT_OBJECTS = frozenset("or and or/and and/or a an the any other than use".split())


def _with_without(text: str, query: bool) -> set[str]:
    """'with:<stem>' and 'without:<stem>' for what a text says is included or left out."""
    found = set()
    for cue, word in _WITH.findall(text):
        if word in _NOT_OBJECTS or (cue == "no" and not query):
            continue
        found.add(("with:" if cue in ("with", "w/") else "without:") + stem(word))
    return found


def _read(text: str, patterns: Patterns, query: bool) -> frozenset[str]:
    """The qualifiers a text states, minutes counted out ("60 minutes" is an hour); a query's ages
    ("6 year old") and "no <part>" count too."""
    text = text.lower()
    found = {name for pattern, name in patterns if pattern.search(text)}
    found |= _with_without(text, query)
    for match in _MINUTES.finditer(text):
        minutes = int(match.group(1))
        found.add("hour" if minutes == 60 else f"{minutes} minutes")
    for match in _AGE.finditer(text) if query else ():
        years = int(match.group(1) or match.group(2))
        found.add("pediatric" if years <= 10 else "adult" if years >= 18 else "")
    found.discard("")
    if "half day" in found:
        found.discard("day")
    return frozenset(found)


def descriptor_qualifiers(text: str) -> frozenset[str]:
    """Qualifiers a CMS descriptor states (empty for most codes)."""
    return _read(text, DESCRIPTOR, query=False)


def query_qualifiers(text: str) -> frozenset[str]:
    """Qualifiers a query asks for (empty when it names none)."""
    return _read(text, QUERY, query=True)


def family(qualifier: str) -> str:
    """The family a qualifier belongs to: its rivals are the other members ("with:filter" and
    "without:filter" are the family "part:filter")."""
    kind, _, word = qualifier.partition(":")
    if word:
        return "part:" + word
    return next((name for name, member in FAMILIES.items() if member(qualifier)), qualifier)


def by_family(qualifiers: frozenset[str]) -> dict[str, frozenset[str]]:
    """Qualifiers grouped by family (an empty dict for none)."""
    grouped: dict[str, set[str]] = {}
    for qualifier in qualifiers:
        grouped.setdefault(family(qualifier), set()).add(qualifier)
    return {name: frozenset(members) for name, members in grouped.items()}


def conflicts(asked: dict[str, frozenset[str]], stated: dict[str, frozenset[str]]) -> bool:
    """True when, in some family, the query asks for qualifiers and the code states only others
    (both grouped by ``by_family``); "with" a part and "without" it are rivals."""
    for name, wanted in asked.items():
        has = stated.get(name)
        if has and not wanted & has:
            return True
    return False
