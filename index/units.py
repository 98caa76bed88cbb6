"""Time units of service: "per 15 minutes", "per hour", "per diem", as descriptors and queries state them.

Sibling codes often differ only in their unit (H2011 crisis intervention per 15 minutes, S9484 per
hour, S9485 per diem). A query that states a unit rules out the codes that state a different one.
"""
from __future__ import annotations

import re

_MINUTES = re.compile(r"\b(\d+)[\s-]*(?:minutes?|mins?)\b")

DESCRIPTOR_UNITS = (
    (re.compile(r"\bhalf[\s-]+day\b"), "half day"),
    (re.compile(r"\bper\s+diem\b|\bper\s+day\b|\bdaily\b|\bper\s+24\s+hours\b"), "day"),
    (re.compile(r"\bper\s+hour\b|\beach\s+hour\b|\bhourly\b"), "hour"),
    (re.compile(r"\bper\s+week\b|\bweekly\b"), "week"),
    (re.compile(r"\bper\s+(?:calendar\s+)?month\b|\bmonthly\b"), "month"),
)

# How people say a unit: "15 min", "a quarter hour", "whole day", "per diem", "monthly". A bare
# "day" or "hour" is not a unit ("day program", "24 hour nurse line").
QUERY_UNITS = (
    (re.compile(r"\bquarter\s+(?:of\s+an\s+)?hour\b"), "15 minutes"),
    (re.compile(r"\bhalf\s+(?:an\s+)?hour\b"), "30 minutes"),
    (re.compile(r"\bhalf[\s-]+(?:a\s+)?day\b"), "half day"),
    (re.compile(r"\bper\s+diem\b|\b(?:per|a|each|every|whole|full|all|one|1)\s+day\b|\bdaily\b"), "day"),
    (re.compile(r"\b(?:per|an|each|every|one|1)\s+hour\b|\bhourly\b"), "hour"),
    (re.compile(r"\b(?:per|a|each|every|one|1)\s+week\b|\bweekly\b"), "week"),
    (re.compile(r"\b(?:per|a|each|every|one|1)\s+month\b|\bmonthly\b"), "month"),
)


def _units(text: str, patterns) -> frozenset[str]:
    """The unit names a text states, minutes counted out ("60 minutes" is an hour)."""
    text = text.lower()
    found = set()
    for match in _MINUTES.finditer(text):
        minutes = int(match.group(1))
        found.add("hour" if minutes == 60 else f"{minutes} minutes")
    for pattern, unit in patterns:
        if pattern.search(text):
            found.add(unit)
    if "half day" in found:
        found.discard("day")
    return frozenset(found)


def descriptor_units(text: str) -> frozenset[str]:
    """Time units a CMS descriptor bills by (empty for most codes)."""
    return _units(text, DESCRIPTOR_UNITS)


def query_units(text: str) -> frozenset[str]:
    """Time units a query asks for (empty when it names none)."""
    return _units(text, QUERY_UNITS)


def conflicts(asked: frozenset[str], billed: frozenset[str]) -> bool:
    """True when a query names units and a code bills by others only."""
    return bool(asked) and bool(billed) and not asked & billed
