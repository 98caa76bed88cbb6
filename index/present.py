"""Presentation: a ranking cut to one page of hits, with matched words marked, everyday names that
explain a lay match, and the products of an NDC typed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from .query import outside_level_two
from .rank import Ranking
from .snapshot import Snapshot
from .text import TEXT_WORD, stem
from .weights import Weights


@dataclass
class Hit:
    """One ranked code."""

    code: str
    short_description: str
    long_description: str
    status: str
    kind: str
    score: float
    highlight: str = ""
    matched: str = "text"
    also_called: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    """A page of ranked codes and what the query was understood as."""

    query: str
    interpretation: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    did_you_mean: str | None = None
    note: str | None = None  # input shaped like another code set's code (CPT, ICD-10-CM): this service has none
    shaped: dict | None = field(default=None, repr=False, compare=False)  # the API's body, kept when cached


def page(
    ranking: Ranking, snapshot: Snapshot, weights: Weights, limit: int, offset: int, highlights: bool = True
) -> SearchResult:
    """The ranked list, cut to one page, with highlights unless told not to."""
    entries = [(c, how, None) for c, how in ranking.direct] + [(c, "text", s) for s, _d, c in ranking.text]
    stems = set().union(*(s.stems for s in ranking.specs)) if ranking.specs else set()
    prefixes = [s.prefix for s in ranking.specs if s.prefix]
    hits = [
        _hit(
            ranking,
            snapshot,
            weights,
            code,
            how,
            score if score is not None else 1000.0 - position,
            (stems, prefixes) if highlights else None,
        )
        for position, (code, how, score) in enumerate(entries[offset : offset + limit], start=offset)
    ]
    return SearchResult(
        ranking.parsed.text,
        ranking.parsed.kind,
        ranking.total,
        hits,
        ranking.did_you_mean,
        outside_level_two(ranking.parsed.text),
    )


def _hit(
    ranking: Ranking,
    snapshot: Snapshot,
    weights: Weights,
    code: str,
    how: str,
    score: float,
    marks: tuple[set[str], list[str]] | None,
) -> Hit:
    """A Hit with the matched words of its descriptor marked (``marks``: the query's stems and typed
    prefixes), or just escaped."""
    docnum = snapshot.docnum(code)
    assert docnum is not None
    long_description = snapshot.long_of[docnum]
    extra = (
        also_called(ranking, snapshot, docnum, weights.also_called)
        if how == "text"
        else products(ranking, snapshot, docnum)
        if how == "ndc"
        else []
    )
    return Hit(
        code=code,
        short_description=snapshot.short_of[docnum],
        long_description=long_description,
        status=snapshot.status_of[docnum],
        kind="modifier" if len(code) == 2 else "procedure",
        score=round(score, 4),
        matched=how,
        highlight=(
            marked(long_description, snapshot.tokens(docnum), *marks) if marks else html.escape(long_description)
        ),
        also_called=extra,
    )


def also_called(ranking: Ranking, snapshot: Snapshot, docnum: int, most: int) -> list[str]:
    """The code's everyday names and drug names that hold a word of the query the CMS descriptor
    does not ("knee scooter" for E0118, "Keytruda" for J9271): why a lay query found it."""
    own, names = snapshot.name_stems(docnum)
    wanted = {stem(w) for w in ranking.words} - own
    if not wanted:
        return []
    found: dict[str, tuple[int, str]] = {}  # lower-cased name -> (query words held, name)
    for name, stems in names:
        held = len(wanted & stems)
        if held and name.lower() not in found:
            found[name.lower()] = (held, name)
    return [name for _held, name in sorted(found.values(), key=lambda item: -item[0])][:most]


def products(ranking: Ranking, snapshot: Snapshot, docnum: int) -> list[str]:
    """The product names of the NDCs a query typed that map to this code ("Keytruda")."""
    wanted = set(ranking.parsed.ndcs)
    record = snapshot.record(docnum)
    return list(dict.fromkeys(n["drug_name"] for n in record.get("ndcs", []) if n["ndc"].replace("-", "") in wanted))


def highlight(text: str, stems: set[str], prefixes: list[str]) -> str:
    """HTML-escaped text with the words matching the query wrapped in <mark>."""
    tokens = tuple((m.start(), m.end(), m.group(0).lower(), stem(m.group(0).lower())) for m in TEXT_WORD.finditer(text))
    return marked(text, tokens, stems, prefixes)


def marked(text: str, tokens: tuple[tuple[int, int, str, str], ...], stems: set[str], prefixes: list[str]) -> str:
    """``highlight`` from the text's tokens (start, end, lower-cased word, stem), found once per build."""
    out, last = [], 0
    for start, end, word, stemmed in tokens:
        if stemmed in stems or (prefixes and any(word.startswith(p) for p in prefixes)):
            out.append(html.escape(text[last:start]))
            out.append(f"<mark>{html.escape(text[start:end])}</mark>")
            last = end
    out.append(html.escape(text[last:]))
    return "".join(out)
