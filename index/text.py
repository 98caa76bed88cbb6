"""The one text analysis: words, stems, stop words, plurals, negations and the "not otherwise
classified" pattern, shared by the build, query parsing, ranking, highlighting, answers and CTSS.

Pure functions on strings; no index here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh import analysis
from whoosh.lang.porter import stem as porter_stem

# Words of a descriptor or a query, lower-cased: letters and digits.
WORD = re.compile(r"[a-z0-9]+")
# Words as highlighting finds them in descriptor text (any case).
TEXT_WORD = re.compile(r"[A-Za-z0-9]+")
# Words that carry no meaning in a code search ("code for a ...", "hcpcs ...").
STOP_WORDS = (
    frozenset(analysis.STOP_WORDS)
    | {"code", "codes", "hcpcs", "cpt", "per", "w", "wo"}
    | frozenset(
        """
    about again all also am any around because been being both but could did do does doing
    during each every few get gets getting got had has having he her here hers him his how i into its just
    me more most my need needs now once only other our own put same she should so some
    someone something such than their them then there these they those through too until very
    was were what where which while who whom why would
    """.split()
    )
)
# Filler words of a descriptor, skipped when mining abbreviations from short/long descriptor pairs.
DESCRIPTOR_FILLER = frozenset(
    "a an and are as at be by for from in into is it of on or per the to with w wo "
    "without each any other than not no all".split()
)
# Words of a descriptor when siblings are compared ("0.5", "w/o" stay whole), the filler they skip, and
# words too generic to tell siblings apart.
PHRASE_WORD = re.compile(r"[a-z0-9]+(?:[.\-/][a-z0-9]+)*")
SIBLING_FILLER = frozenset("a an and or of the for to in on with by per at as is be each".split())
GENERIC = frozenset("injection mg mcg ml gm g unit units dose per each supply supplies device item".split())
# Words of a query as typed: a possessive or contraction stays with its word ("patient's").
QUERY_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# Words a query uses to say something was not done; a descriptor says so without "without",
# which CMS writes in "with or without".
NEGATIONS = frozenset({"no", "not", "without", "none", "never", "declined", "refused", "absent"})
DESCRIPTOR_NEGATION = re.compile(r"\b(" + "|".join(sorted(NEGATIONS - {"without"})) + r")\b", re.I)
NOT_OTHERWISE = re.compile(r"\bnot otherwise (classified|specified)\b", re.I)
NOC_WORDS = re.compile(r"\b(not otherwise|noc|unlisted)\b", re.I)
IRREGULAR_PLURALS = {
    "feet": "foot",
    "children": "child",
    "women": "woman",
    "men": "man",
    "people": "person",
    "mice": "mouse",
    "geese": "goose",
    "lice": "louse",
}

stem = lru_cache(maxsize=100_000)(porter_stem)  # Porter stemming is pure and hot


def words(text: str) -> list[str]:
    """Lower-case alphanumeric words of a text."""
    return WORD.findall(text.lower())


def stems(text: str) -> list[str]:
    """Porter stems of a text's words, in order."""
    return [stem(w) for w in words(text)]


@lru_cache(maxsize=20_000)
def singulars(word: str) -> tuple[str, ...]:
    """Singular forms of a plural that Porter stems apart from its singular: "feet" (foot),
    "diagnoses" (diagnosis), "calves" (calf, calfe). Forms no code uses match nothing."""
    if word in IRREGULAR_PLURALS:
        return (IRREGULAR_PLURALS[word],)
    if len(word) > 5 and word.endswith("ses"):
        return (word[:-2] + "is",)
    if len(word) > 4 and word.endswith("ves"):
        return (word[:-3] + "f", word[:-3] + "fe")
    return ()


def says_not_done(descriptor: str) -> bool:
    """True when a descriptor says something was not done (outside "not otherwise classified")."""
    return bool(DESCRIPTOR_NEGATION.search(NOT_OTHERWISE.sub("", descriptor)))


def is_noc(*descriptors: str) -> bool:
    """True for a "not otherwise classified" code: a descriptor says NOC, "not otherwise ..." or
    unlisted (B9998 "Noc for enteral supplies", J3490 "Unclassified drugs" is not)."""
    return any(NOC_WORDS.search(text) for text in descriptors)
