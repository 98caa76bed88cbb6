"""The ``codesearch`` command: import-cms, build-index, serve. It parses arguments and nothing more."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import config as cfg


def _import_cms(args) -> int:
    """Write corpus/ from the CMS files."""
    from index.importer import import_cms
    try:
        count = import_cms(Path(args.data), Path(args.corpus))
    except ValueError as err:  # a curated table with a bad row: file:line: reason
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {count} records to {Path(args.corpus) / 'codes.jsonl.gz'}")
    return 0


def _build_index(args) -> int:
    """Build the Whoosh index from the corpus and swap it in."""
    from index.build import BuildError, build_index
    try:
        manifest = build_index(Path(args.corpus), Path(args.index), progress=not args.quiet)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"indexed {manifest['record_count']} records in {manifest['build_seconds']:.1f}s "
          f"-> {manifest['path']}")
    return 0


def _serve(args) -> int:
    """Run gunicorn with the repo's config; build the index first when none exists."""
    from index.build import index_exists
    if not index_exists(Path(args.index)):
        print("no index found: building it first", file=sys.stderr)
        args.quiet = False
        if _build_index(args):
            return 2
    os.environ["CODESEARCH_INDEX_DIR"] = str(Path(args.index).resolve())
    os.environ["CODESEARCH_CORPUS_DIR"] = str(Path(args.corpus).resolve())
    gunicorn_args = ["gunicorn", "-c", str(cfg.GUNICORN_CONFIG), "--bind", f"{args.host}:{args.port}",
                     "--workers", str(args.workers), "service.wsgi:app"]
    os.execvp(sys.executable, [sys.executable, "-m"] + gunicorn_args)
    return 0  # not reached


def parser() -> argparse.ArgumentParser:
    """The argument parser of the ``codesearch`` command."""
    settings = cfg.from_environment()
    top = argparse.ArgumentParser(prog="codesearch", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-cms", help="CMS files -> corpus/")
    imp.add_argument("--data", default=settings["DATA_DIR"])
    imp.add_argument("--corpus", default=settings["CORPUS_DIR"])
    imp.set_defaults(func=_import_cms)
    build = sub.add_parser("build-index", help="corpus -> Whoosh index (atomic swap)")
    build.add_argument("--corpus", default=settings["CORPUS_DIR"])
    build.add_argument("--index", default=settings["INDEX_DIR"])
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(func=_build_index)
    serve = sub.add_parser("serve", help="serve the API with gunicorn")
    serve.add_argument("--host", default=settings["HOST"])
    serve.add_argument("--port", type=int, default=settings["PORT"])
    serve.add_argument("--workers", type=int, default=settings["WORKERS"])
    serve.add_argument("--corpus", default=settings["CORPUS_DIR"])
    serve.add_argument("--index", default=settings["INDEX_DIR"])
    serve.set_defaults(func=_serve)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``codesearch`` console script."""
    args = parser().parse_args(argv)
    return args.func(args)
