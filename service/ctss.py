"""The NLM Clinical Table Search Service (CTSS) protocol over our ranking: GET /api/hcpcs/v3/search.

Search-box widgets written for clinicaltables.nlm.nih.gov (autocomplete-lhc, and the many apps that
call its HCPCS API) can point at this service unchanged. The reply is the CTSS array
``[total, [codes], {extra field: [values]} or null, [[display strings]]]``; with ``suggest=1`` it is
``[[codes], [[display strings]], extra or null]``. The order is the order of /v1/search.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, current_app, jsonify, request

from index.search import Hit
from index.text import is_noc as names_noc
from index.text import stem, words

from . import schemas
from .resources import get_index

bp = Blueprint("ctss", __name__)
log = logging.getLogger("codesearch")


def is_noc(hit: Hit) -> bool:
    """A "not otherwise classified" / unlisted code, by its descriptors."""
    return names_noc(hit.long_description, hit.short_description)


class Row:
    """One ranked code seen through the CTSS field names; the full record is read only if needed."""

    def __init__(self, hit: Hit):
        self.hit = hit
        self._record: dict | None = None

    def record(self) -> dict:
        """The code's whole record (for dates)."""
        if self._record is None:
            self._record = get_index().get(self.hit.code) or {}
        return self._record

    def value(self, field: str):
        """The value of one CTSS field: a string, a bool, or None."""
        hit = self.hit
        if field == "code":
            return hit.code
        if field in ("display", "long_desc"):
            return hit.long_description
        if field == "short_desc":
            return hit.short_description
        if field == "obsolete":
            return hit.status == "terminated"
        if field == "is_noc":
            return is_noc(hit)
        if field == "add_dt":
            return self.record().get("added_date")
        if field == "act_eff_dt":  # the corpus keeps only the year of the last CMS action
            year = self.record().get("action_effective_year")
            return str(year) if year else None
        if field == "term_dt":
            return self.record().get("terminated_date")
        raise KeyError(field)


def display_text(value) -> str:
    """A field value as display text (booleans as true/false, missing as empty)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _code_prefix(prefix: str) -> Callable[[Hit], bool]:
    """A hit whose code starts with ``prefix``."""
    return lambda hit: hit.code.startswith(prefix)


def _code_is(code: str) -> Callable[[Hit], bool]:
    """A hit of exactly ``code``."""
    return lambda hit: hit.code == code


def _noc_is(wanted: bool) -> Callable[[Hit], bool]:
    """A hit that is (or is not) a not-otherwise-classified code."""
    return lambda hit: is_noc(hit) == wanted


def _filters(args: dict) -> list[Callable[[Hit], bool]]:
    """Predicates for ``q`` (except obsolete, which the index filters) and ``sf``."""
    keep: list[Callable[[Hit], bool]] = []
    for field, wanted in args["q"]:
        if field == "code" and wanted.endswith("*"):
            keep.append(_code_prefix(wanted[:-1]))
        elif field == "code":
            keep.append(_code_is(wanted))
        elif field == "is_noc":
            keep.append(_noc_is(wanted))
    searched = set(args["sf"])
    text_fields = {"display", "short_desc", "long_desc"}
    if "code" not in searched:
        keep.append(lambda h: h.matched == "text")
    if not searched & text_fields:
        keep.append(lambda h: h.matched != "text")
    elif args.get("terms") and searched & text_fields != text_fields:
        keep.append(_in_fields(args["terms"], searched))
    return keep


def _in_fields(terms: str, searched: set[str]) -> Callable[[Hit], bool]:
    """A text hit whose searched descriptor fields hold every typed word (the last as a prefix), by stem."""
    typed = words(terms)
    wanted, last = [stem(w) for w in typed[:-1]], typed[-1] if typed else ""

    def holds(hit: Hit) -> bool:
        if hit.matched != "text":
            return True
        text = " ".join(
            value
            for field, value in (
                ("short_desc", hit.short_description),
                ("long_desc", hit.long_description),
                ("display", hit.long_description),
            )
            if field in searched
        )
        present = words(text)
        stems = {stem(w) for w in present}
        return all(s in stems for s in wanted) and (not last or any(w.startswith(last) for w in present))

    return holds


def _status(args: dict) -> str | None:
    """The index's status filter for ``obsolete:true|false`` (the last clause wins)."""
    status = None
    for field, wanted in args["q"]:
        if field == "obsolete":
            status = "terminated" if wanted else "active"
    return status


def ranked_page(text: str, args: dict, limit: int, offset: int) -> tuple[int, list[Hit], str | None]:
    """(total, one page of hits, did-you-mean) for ``text`` under the filters of ``args``."""
    index = get_index()
    max_length = current_app.config["MAX_QUERY_LENGTH"]
    keep = _filters(args)
    if not keep:
        result = index.search(
            text,
            limit=limit,
            offset=offset,
            status=_status(args),
            max_length=max_length,
            highlights=False,
            every_word=True,
        )
        return result.total, result.hits, result.did_you_mean
    # Filters the index does not know: rank everything, keep what passes, then cut the page.
    result = index.search(
        text,
        limit=schemas.CTSS_MAX_RESULTS,
        offset=0,
        status=_status(args),
        max_length=max_length,
        highlights=False,
        every_word=True,
    )
    kept = [h for h in result.hits if all(test(h) for test in keep)]
    return len(kept), kept[offset : offset + limit], result.did_you_mean


def _columns(rows: list[Row], args: dict) -> dict:
    """Codes, display strings and extra data of a page, as the CTSS fields ask."""
    extra = None
    if args["ef"]:
        extra = {alias: [row.value(field) for row in rows] for field, alias in args["ef"]}
    return {
        "codes": [display_text(row.value(args["cf"])) for row in rows],
        "display": [[display_text(row.value(f)) for f in args["df"]] for row in rows],
        "extra": extra,
    }


def _as_array(schema, body: dict):
    """A CTSS reply: the schema's fields as a JSON array, in protocol order."""
    shaped = schema.dump(body)
    return jsonify([shaped.get(name) for name in schema.ORDER])


@bp.get("/api/hcpcs/v3/search")
def search():
    """Ranked codes in the CTSS shape (or, with suggest=1, spelling suggestions)."""
    args = schemas.ctss_search_args.load(request.args.to_dict(flat=True))
    ignored = sorted(set(request.args) - set(schemas.ctss_search_args.fields)) + [
        f"q:{value}" for field, value in args["q"] if field == "ignored"
    ]
    if ignored:
        log.debug("ctss: ignored %s", ", ".join(ignored))
    if args["suggest"]:
        return _as_array(schemas.ctss_suggestions, suggest(args))
    limit = args["maxList"] or args["count"]
    offset = 0 if args["maxList"] else args["offset"]
    total, hits, _ = ranked_page(args["terms"], args, limit, offset)
    return _as_array(schemas.ctss_result, {"total": total, **_columns([Row(h) for h in hits], args)})


def suggest(args: dict) -> dict:
    """Codes close to a value that matched nothing: the did-you-mean query's top codes."""
    limit = args["maxList"] or args["count"]
    total, hits, did_you_mean = ranked_page(args["field_val"], args, limit, 0)
    if did_you_mean:
        total, hits, _ = ranked_page(did_you_mean, args, limit, 0)
    return _columns([Row(h) for h in hits], args)
