"""What changed between two HCPCS releases: codes added, terminated, reactivated, dropped, and every field
that changed, with the old and new values.

Each side is a CMS release (a zip read by ``cms_release``) or a corpus folder: the release it was imported
from (``release.json.gz``, every field of the CMS layout) when it holds one, else its ``codes.jsonl.gz``
(the fields a corpus record keeps). ``agreement`` checks a comparison against CMS's own transaction report.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from .cms_release import Release, read_release, terminated_by
from .importer import CHANGES_FILE, CORPUS_FILE, RELEASE_DATE, RELEASE_FILE

# Fields compared besides status and descriptors: all of the CMS layout between two releases, fewer
# (those a corpus record keeps, in the same form) when a side is a corpus without its release.
LAYOUT_FIELDS = (
    "pricing",
    "multiple_pricing",
    "coverage",
    "betos",
    "type_of_service",
    "statute",
    "cim",
    "mcm",
    "lab_certification",
    "cross_references",
    "asc_group",
    "asc_date",
    "opps",
    "opps_indicator",
    "opps_date",
    "processing_note",
    "anesthesia_units",
    "added_date",
    "termination_date",
)
CORPUS_FIELDS = ("pricing", "coverage", "betos", "type_of_service", "cross_references", "added_date")
PAYMENT_FIELDS = (
    "pricing",
    "multiple_pricing",
    "asc_group",
    "asc_date",
    "anesthesia_units",
    "opps",
    "opps_indicator",
    "opps_date",
)
LISTS = (
    "added",
    "terminated",
    "reactivated",
    "removed",
    "descriptor_changed",
    "short_descriptor_changed",
    "fields_changed",
)


@dataclass
class Side:
    """One side of a comparison: what it is, its effective date, and its records keyed by code."""

    label: str
    effective_date: str
    source: str
    records: dict[str, dict]
    full: bool  # every field of the CMS layout (a release), or only a corpus record's

    def active(self, code: str) -> bool:
        """The code is in this side and not terminated at its effective date."""
        record = self.records.get(code)
        return record is not None and record["status"] == "active"


# ------------------------------------------------------------------ the two sides


def release_side(release: Release) -> Side:
    """A parsed CMS release as one side."""
    records = {}
    for record in release.records:
        status = "terminated" if terminated_by(record["termination_date"], release.effective_date) else "active"
        records[record["code"]] = {**{k: v for k, v in record.items() if k != "line"}, "status": status}
    return Side(release.label, release.effective_date, release.source, records, True)


def load_side(path: Path, effective_date: str | None = None) -> Side:
    """A release file or a corpus folder as one side of a comparison."""
    path = Path(path)
    if path.is_dir():
        return _stored_release(path) or corpus_side(path)
    return release_side(read_release(path, effective_date))


def write_release(release: Release, corpus: Path) -> None:
    """Keep the parsed release beside the corpus records, so later comparisons see every CMS field."""
    body = {"source": release.source, "effective_date": release.effective_date, "records": release.records}
    tmp = corpus / (RELEASE_FILE + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
        packed.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    tmp.replace(corpus / RELEASE_FILE)


def _stored_release(folder: Path) -> Side | None:
    """The release a corpus folder was imported from, when it keeps one."""
    path = folder / RELEASE_FILE
    if not path.is_file():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        body = json.load(handle)
    return release_side(Release(body["source"], body["effective_date"], body["records"]))


def corpus_side(folder: Path) -> Side:
    """A corpus folder's records (the January 2026 corpus, or any without its release) as one side."""
    path = folder / CORPUS_FILE
    if not path.is_file():
        raise ValueError(f"{path}: no corpus records (run codesearch import-cms first)")
    records = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            records[record["code"]] = _from_corpus(record)
    release = next(iter(records.values()), {}).get("release") or {}
    effective = release.get("effective_date", RELEASE_DATE)  # else the January 2026 files
    label = f"corpus {folder} ({release.get('name', 'January 2026 HCPCS file')}, effective {effective})"
    return Side(label, effective, str(folder), records, False)


def _from_corpus(record: dict) -> dict:
    """The comparable fields of a corpus record, in the release reader's form."""
    coded = {key: (record.get(key) or {}).get("code", "") for key in ("coverage", "betos", "pricing_indicator")}
    return {
        "code": record["code"],
        "kind": record["kind"],
        "status": record["status"],
        "long_description": record["long_description"],
        "short_description": record["short_description"],
        "termination_date": record.get("terminated_date"),
        "added_date": record.get("added_date"),
        "coverage": coded["coverage"],
        "betos": coded["betos"],
        "pricing": [coded["pricing_indicator"]] if coded["pricing_indicator"] else [],
        "type_of_service": [t["code"] for t in record.get("type_of_service", [])],
        "cross_references": record.get("cross_references", []),
        "release": record.get("release"),
        "action_code": ((record.get("history") or {}).get("action") or {}).get("code", ""),
        "action_effective_date": None,
    }


# ------------------------------------------------------------------ comparing


def _words(text: str) -> str:
    """A descriptor with its spacing normalised: the txt and xlsx editions space some descriptors differently."""
    return " ".join(text.split())


def _comparable(record: dict, field: str, full: bool):
    """A field's value as compared: a corpus keeps only the first pricing indicator."""
    value = record.get(field)
    return value[:1] if field == "pricing" and not full and isinstance(value, list) else value


def _reused(old: dict | None, new: dict) -> bool:
    """CMS gave the code number a new meaning: a later added date on a code both sides hold."""
    return bool(old and old.get("added_date") and new.get("added_date") and new["added_date"] > old["added_date"])


def _ended_between(record: dict, old: Side, new: Side) -> bool:
    """The code's TERM_DT falls after the old side's date and on or before the new side's."""
    term = record.get("termination_date")
    return terminated_by(term, new.effective_date) and not terminated_by(term, old.effective_date)


def _kind_of_change(code: str, old: Side, new: Side) -> str:
    """added, terminated, reactivated or kept: how a code of the new side stands against the old one."""
    before, after = old.records.get(code), new.records[code]
    if before is None or _reused(before, after):
        return "terminated" if after["status"] == "terminated" else "added"
    if old.active(code) and after["status"] == "terminated":
        return "terminated"
    if before["status"] == "terminated" and after["status"] == "active":
        return "reactivated"
    return "kept"


def compare(old: Side, new: Side) -> dict:
    """Every change from ``old`` to ``new``: the lists of LISTS, each entry with its code."""
    fields = LAYOUT_FIELDS if old.full and new.full else CORPUS_FIELDS
    out: dict = {"old": _about(old), "new": _about(new), "compared_fields": list(fields)}
    out.update({name: [] for name in LISTS})
    for code in sorted(new.records):
        _classify(code, old, new, fields, out)
    out["removed"] = [
        _entry(old.records[c], status_in_old=old.records[c]["status"])
        for c in sorted(set(old.records) - set(new.records))
    ]
    out["counts"] = {name: len(out[name]) for name in LISTS}
    return {key: out[key] for key in ("old", "new", "counts", *LISTS, "compared_fields")}


def _about(side: Side) -> dict:
    """What a side is, for the report."""
    return {
        "label": side.label,
        "effective_date": side.effective_date,
        "source": side.source,
        "codes": len(side.records),
        "active": sum(1 for c in side.records if side.active(c)),
    }


def _entry(record: dict, **extra) -> dict:
    """A code's entry in a list: code, kind and short descriptor, and what the list adds."""
    return {"code": record["code"], "kind": record["kind"], "short_description": record["short_description"], **extra}


def _classify(code: str, old: Side, new: Side, fields: tuple, out: dict) -> None:
    """Put a code of the new side in every list it belongs to."""
    before, after = old.records.get(code), new.records[code]
    kind = _kind_of_change(code, old, new)
    if kind == "added":
        replaces = (
            {
                "replaces": {
                    "short_description": before["short_description"],
                    "long_description": before["long_description"],
                }
            }
            if before
            else {}
        )
        out["added"].append(
            _entry(after, long_description=after["long_description"], added_date=after.get("added_date"), **replaces)
        )
        return
    if kind in ("terminated", "reactivated"):
        extra = (
            {"termination_date": after.get("termination_date"), "cross_references": after.get("cross_references", [])}
            if kind == "terminated"
            else {}
        )
        if kind == "terminated" and (before is None or _reused(before, after)):
            extra["note"] = "not in the old side: added and terminated between the two"
        elif kind == "terminated" and not _ended_between(after, old, new):
            extra["note"] = "its TERM_DT precedes the old side's date, whose status did not show it"
        out[kind].append(_entry(after, **extra))
    if before is None:
        return
    if _words(before["long_description"]) != _words(after["long_description"]):
        out["descriptor_changed"].append(_entry(after, old=before["long_description"], new=after["long_description"]))
    if before["short_description"] != after["short_description"]:
        out["short_descriptor_changed"].append(
            _entry(after, old=before["short_description"], new=after["short_description"])
        )
    changed = {
        f: {"old": before.get(f), "new": after.get(f)}
        for f in fields
        if _comparable(before, f, old.full) != _comparable(after, f, new.full)
        and not (f == "termination_date" and kind == "terminated")
    }
    if changed:
        out["fields_changed"].append(_entry(after, fields=changed))


# ------------------------------------------------------------------ CMS's transaction report


def cms_action(code: str, old: Side, new: Side) -> str:
    """The CMS action code (A, B, C, D, F, N, P, R, S, T) our comparison gives a code of the new release:
    CMS reports one action per code, the first of ``actions`` that applies."""
    return next(iter(actions(code, old, new)), "N")


def actions(code: str, old: Side, new: Side) -> list[str]:
    """Every CMS action that fits a code's changes, in the order CMS gives them precedence."""
    kind = _kind_of_change(code, old, new)
    if kind != "kept":
        return [{"added": "A", "terminated": "D", "reactivated": "R"}[kind]]
    before, after = old.records[code], new.records[code]
    long = _words(before["long_description"]) != _words(after["long_description"])
    coverage = before["coverage"] != after["coverage"]
    found = ["B"] if long and coverage else ["C"] if long else ["F"] if coverage else []
    if any(before.get(f) != after.get(f) for f in PAYMENT_FIELDS):
        found.append("P")
    if before["short_description"] != after["short_description"]:
        found.append("S")
    if (before["betos"], before["type_of_service"]) != (after["betos"], after["type_of_service"]):
        found.append("T")
    return found


def report_action(text: str) -> str:
    """The action code of a transaction report's "type of change" ("ADD", "Long Description Change", ...)."""
    text = text.lower()
    if text.startswith("add"):
        return "A"
    if "discontinu" in text:
        return "D"
    if "activat" in text:
        return "R"
    if "long" in text:
        return "B" if "coverage" in text else "C"
    words = {"coverage": "F", "payment": "P", "short": "S", "misc": "T", "no change": "N"}
    return next((action for word, action in words.items() if word in text), "?")


def agreement(old: Side, new: Side, report: dict[str, str]) -> dict:
    """Our comparison against CMS's transaction report of the new release, code by code: the counts per
    action, and each code where they differ with the reason."""
    by_action: dict[str, dict] = {}
    differences = []
    for code in sorted(new.records):
        ours, theirs = cms_action(code, old, new), report_action(report[code]) if code in report else "?"
        for action, side in ((ours, "ours"), (theirs, "cms")):
            by_action.setdefault(action, {"ours": 0, "cms": 0})[side] += 1
        if ours != theirs:
            differences.append(
                {
                    "code": code,
                    "ours": ours,
                    "cms": theirs,
                    "reason": _why(code, old, new, report[code] if code in report else None),
                }
            )
    agree = len(new.records) - len(differences)
    return {
        "codes": len(new.records),
        "agree": agree,
        "by_action": dict(sorted(by_action.items())),
        "differences": differences,
    }


def _why(code: str, old: Side, new: Side, reported: str | None) -> str:
    """Why our action for a code differs from CMS's report."""
    record = new.records[code]
    added, acted = record.get("added_date") or "", record.get("action_effective_date") or ""
    if reported is None:
        return "not in CMS's transaction report"
    found = actions(code, old, new)
    if report_action(reported) in found[1:]:
        return (
            f"it changed in several ways ({', '.join(found)}); CMS reports one action per code and chose "
            f"{report_action(reported)}"
        )
    if code not in old.records and old.effective_date < added < new.effective_date:
        return (
            f"added by a quarterly update effective {added}, after the old release: the old file lacks it, "
            "and CMS reports the action it had since"
        )
    if acted and acted < new.effective_date:
        return (
            f"CMS reports the code's last action, effective {acted}, before this release: the files differ by "
            "a quarterly update or correction made between the two releases"
        )
    return "unexplained"


# ------------------------------------------------------------------ stored changes and text output


def write_changes(changes: dict, corpus: Path) -> None:
    """Store a comparison beside the corpus records (the build ships it to ``GET /v1/changes``)."""
    tmp = corpus / (CHANGES_FILE + ".tmp")
    tmp.write_text(json.dumps(changes, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(corpus / CHANGES_FILE)


def read_changes(folder: Path) -> dict | None:
    """The comparison stored in a corpus or build folder, or None."""
    path = Path(folder) / CHANGES_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def summary(changes: dict, limit: int | None = None) -> list[str]:
    """The changes as text lines: a count line, then each list with its codes (``limit`` per list)."""
    counts = changes["counts"]
    lines = [
        f"{changes['old']['label']} -> {changes['new']['label']}",
        ", ".join(f"{name.replace('_', ' ')} {counts[name]}" for name in LISTS),
    ]
    for name in LISTS:
        entries = changes[name] if limit is None else changes[name][:limit]
        if entries:
            lines.append(f"{name.replace('_', ' ')}:")
            lines.extend(f"  {_line(name, entry)}" for entry in entries)
        if limit is not None and counts[name] > limit:
            lines.append(f"  ... and {counts[name] - limit} more")
    return lines


def _line(name: str, entry: dict) -> str:
    """One entry as a line of text."""
    head = f"{entry['code']:<6} {entry['short_description']}"
    if name == "terminated":
        return f"{head} (TERM_DT {entry.get('termination_date')})"
    if name in ("descriptor_changed", "short_descriptor_changed"):
        return f"{entry['code']:<6} {entry['old']!r} -> {entry['new']!r}"
    if name == "fields_changed":
        return f"{head}: " + "; ".join(f"{field} {v['old']!r} -> {v['new']!r}" for field, v in entry["fields"].items())
    return head
