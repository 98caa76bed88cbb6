"""``GET /v1/changes``: what changed in the CMS release behind the live index, and the per-code marks the
code pages show.

The changes are the ``changes.json`` an import from a release zip (``codesearch import-cms --hcpcs``,
``codesearch update``) writes beside the corpus and the build ships in its folder. An index built without
one answers with empty lists and a note, never a 404.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, request
from marshmallow import RAISE, Schema, fields

from index.build import live_build
from index.changes import CHANGES_FILE, LISTS, read_changes

bp = Blueprint("changes", __name__)
NO_CHANGES = (
    "no changes are recorded for the live index: it was not built from an import of a CMS release "
    "zip (codesearch import-cms --hcpcs, or codesearch update)"
)
MARKS = {"added": "new", "terminated": "terminated", "reactivated": "reactivated"}


class ChangesArgs(Schema):
    """``/v1/changes`` takes no parameters."""

    class Meta:
        unknown = RAISE


class Side(Schema):
    """One release of the comparison."""

    label = fields.String()
    effective_date = fields.String()
    source = fields.String()
    codes = fields.Integer()
    active = fields.Integer()


class Change(Schema):
    """One code's change: its code always; the wording before and after, the fields that changed, or the
    termination date, by the kind of change."""

    code = fields.String(required=True)
    kind = fields.String()
    short_description = fields.String()
    long_description = fields.String()
    added_date = fields.String(allow_none=True)
    termination_date = fields.String(allow_none=True)
    cross_references = fields.List(fields.String())
    replaces = fields.Dict()
    old = fields.String()
    new = fields.String()
    fields_ = fields.Dict(data_key="fields", attribute="fields")
    status_in_old = fields.String()
    note = fields.String()


class ChangesResponse(Schema):
    """The changes of the live release: both sides, the counts, and a list per kind of change."""

    release = fields.Nested(Side, allow_none=True)
    previous = fields.Nested(Side, allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    note = fields.String(allow_none=True)
    compared_fields = fields.List(fields.String())
    added = fields.List(fields.Nested(Change))
    terminated = fields.List(fields.Nested(Change))
    reactivated = fields.List(fields.Nested(Change))
    removed = fields.List(fields.Nested(Change))
    descriptor_changed = fields.List(fields.Nested(Change))
    short_descriptor_changed = fields.List(fields.Nested(Change))
    fields_changed = fields.List(fields.Nested(Change))


changes_args = ChangesArgs()
changes_response = ChangesResponse()


def live_changes() -> dict | None:
    """The changes stored in the live build, read once per build."""
    build = live_build(Path(current_app.config["INDEX_DIR"]))
    cached = current_app.extensions.get("codesearch.changes")
    if cached and cached[0] == build:
        return cached[1]
    found = read_changes(build) if build and (build / CHANGES_FILE).is_file() else None
    current_app.extensions["codesearch.changes"] = (build, found, _marks(found))
    return found


def _marks(changes: dict | None) -> dict[str, dict]:
    """code -> how the live release changed it (new, terminated, reactivated, changed) and in what."""
    marks: dict[str, dict] = {}
    if not changes:
        return marks
    release = changes["new"]["label"]
    for name in LISTS:
        for entry in changes[name]:
            mark = marks.setdefault(entry["code"], {"mark": MARKS.get(name, "changed"), "release": release, "what": []})
            if name in ("descriptor_changed", "short_descriptor_changed"):
                mark["what"].append(name.replace("_changed", "").replace("_", " "))
            elif name == "fields_changed":
                mark["what"].extend(field.replace("_", " ") for field in entry["fields"])
    return marks


def change_of(code: str) -> dict | None:
    """How the live release changed a code, or None when it did not (or no changes are recorded)."""
    live_changes()
    return current_app.extensions["codesearch.changes"][2].get(code)


@bp.get("/v1/changes")
def changes():
    """What changed in the release behind the live index: added, terminated, descriptor and field changes."""
    changes_args.load(request.args.to_dict(flat=True))
    found = live_changes()
    body: dict
    if not found:
        body = {
            "release": None,
            "previous": None,
            "note": NO_CHANGES,
            "counts": {name: 0 for name in LISTS},
            **{name: [] for name in LISTS},
        }
    else:
        body = {"release": found["new"], "previous": found["old"], "note": None, **found}
    return jsonify(changes_response.dump(body))
