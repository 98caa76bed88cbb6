"""The ``codesearch`` subcommands for CMS releases: ``import-cms --hcpcs``, ``changes`` and ``update``.
They parse arguments, call index/ and print; bad input exits 2 with ``error: <message>``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# (option, table kind in index/cms_tables.py, help)
TABLE_OPTIONS = (
    ("--pfs", "pfs", "CMS PFS relative value file (PPRRVU*.csv, or the RVU zip)"),
    ("--opps", "opps", "CMS OPPS Addendum B (csv, txt or xlsx, or its zip)"),
    ("--asp", "asp", "CMS ASP payment limit file (csv or xlsx, or its zip)"),
    ("--asp-crosswalk", "asp_crosswalk", "CMS ASP NDC-HCPCS crosswalk (csv or xlsx, or its zip)"),
)
SHOWN = 20  # codes listed per kind of change in the text output


def add_release_options(parser: argparse.ArgumentParser, required: bool = False) -> None:
    """--hcpcs (the release zip), --effective, and a CMS payment file per table kind."""
    parser.add_argument(
        "--hcpcs",
        metavar="ZIP",
        required=required,
        help="CMS HCPCS release zip (HCPC2026_APR_ANWEB.zip) or its ANWEB .txt/.xlsx",
    )
    parser.add_argument(
        "--effective", metavar="YYYY-MM-DD", help="the release's effective date, when its name does not say it"
    )
    for option, _, text in TABLE_OPTIONS:
        parser.add_argument(option, metavar="FILE", help=text)


def _tables(args) -> dict[str, Path]:
    """The CMS payment files given, by table kind."""
    return {kind: Path(getattr(args, kind)) for _, kind, _ in TABLE_OPTIONS if getattr(args, kind, None)}


def _fail(err: Exception) -> int:
    """Report bad input the way every subcommand does."""
    print(f"error: {err}", file=sys.stderr)
    return 2


def import_release(args) -> int:
    """Write the corpus from a CMS release zip; print the changes from the corpus it replaces."""
    from index.release_import import import_release as run

    try:
        result = run(Path(args.hcpcs), Path(args.data), Path(args.corpus), _tables(args), args.effective)
    except (ValueError, OSError) as err:
        return _fail(err)
    print(f"wrote {result['count']} records from {result['release'].label} to {Path(args.corpus) / 'codes.jsonl.gz'}")
    _print_changes(result["changes"])
    return 0


def _print_changes(changes: dict | None) -> None:
    """The changes as text, a few codes per kind."""
    from index.changes import summary

    if changes:
        print("\n".join(summary(changes, limit=SHOWN)))


def _changes(args) -> int:
    """Print what changed between two releases or corpus folders."""
    from index.changes import agreement, compare, load_side, summary
    from index.cms_release import read_transactions

    try:
        old, new = load_side(Path(args.old)), load_side(Path(args.new))
        changes = compare(old, new)
        if args.report:
            changes["agreement"] = agreement(old, new, read_transactions(Path(args.new)))
    except (ValueError, OSError) as err:
        return _fail(err)
    if args.json:
        print(json.dumps(changes, ensure_ascii=False, indent=1))
        return 0
    print("\n".join(summary(changes, limit=args.limit)))
    if args.report:
        _print_agreement(changes["agreement"])
    return 0


def _print_agreement(found: dict) -> None:
    """Our comparison against CMS's transaction report, as text."""
    print(f"CMS transaction report: {found['agree']:,} of {found['codes']:,} codes agree")
    for action, counts in found["by_action"].items():
        print(f"  action {action}: ours {counts['ours']}, CMS {counts['cms']}")
    for difference in found["differences"]:
        print(f"  {difference['code']:<6} ours {difference['ours']}, CMS {difference['cms']}: {difference['reason']}")


def _update(args) -> int:
    """Import a release, validate it, build the index and swap it in; print what changed."""
    from index.build import BuildError
    from index.update import update

    try:
        result = update(
            Path(args.hcpcs),
            Path(args.data),
            Path(args.corpus),
            Path(args.index),
            _tables(args),
            args.effective,
            args.max_drop,
            args.allow_drop,
            progress=not args.quiet,
        )
    except (ValueError, BuildError, OSError) as err:
        return _fail(err)
    _print_changes(result["changes"])
    print(f"{len(result['dropped']):,} active codes become inactive ({result['dropped_share']:.1%})")
    manifest = result["manifest"]
    print(f"indexed {manifest['record_count']} records from {result['release'].label} -> {manifest['path']}")
    return 0


def add_commands(sub, settings: dict) -> None:
    """The ``changes`` and ``update`` subcommands."""
    from index.update import DEFAULT_MAX_DROP

    changes = sub.add_parser("changes", help="what changed between two releases (zips or corpus folders)")
    changes.add_argument("old", metavar="OLD", help="release zip or corpus folder")
    changes.add_argument("new", metavar="NEW", help="release zip or corpus folder")
    changes.add_argument("--json", action="store_true", help="print the changes as one JSON object")
    changes.add_argument(
        "--report", action="store_true", help="also check them against the transaction report in the NEW zip"
    )
    changes.add_argument("--limit", type=int, default=None, help="codes listed per kind of change (text output)")
    changes.set_defaults(func=_changes)
    upd = sub.add_parser("update", help="release zip -> corpus -> index, validated, swapped in atomically")
    add_release_options(upd, required=True)
    upd.add_argument("--data", default=settings["DATA_DIR"])
    upd.add_argument("--corpus", default=settings["CORPUS_DIR"])
    upd.add_argument("--index", default=settings["INDEX_DIR"])
    upd.add_argument(
        "--max-drop",
        type=float,
        default=DEFAULT_MAX_DROP,
        metavar="SHARE",
        help=f"refuse a release leaving more than this share of active codes inactive (default {DEFAULT_MAX_DROP})",
    )
    upd.add_argument("--allow-drop", action="store_true", help="accept the release whatever it drops")
    upd.add_argument("--quiet", action="store_true", help="no progress bars")
    upd.set_defaults(func=_update)
