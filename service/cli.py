"""The ``codesearch`` command: import-cms, build-index, serve, changes, update. It parses arguments and nothing more."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import config as cfg
from . import release_cli


def _import_cms(args) -> int:
    """Write corpus/ from the CMS files, or from a CMS release zip with --hcpcs."""
    if args.hcpcs:
        return release_cli.import_release(args)
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
    print(f"indexed {manifest['record_count']} records in {manifest['build_seconds']:.1f}s -> {manifest['path']}")
    return _write_artifact(manifest, Path(args.artifact)) if getattr(args, "artifact", None) else 0


def _write_artifact(manifest: dict, target: Path) -> int:
    """Pack the build just made into one artifact file."""
    from index.artifact import ArtifactError, write_artifact

    try:
        header = write_artifact(Path(manifest["path"]), target)
    except (ArtifactError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(
        f"artifact {target}: build {header['build_id']}, schema {header['schema_version']}, "
        f"code {header['code_version']}"
    )
    return 0


def _install_index(args) -> int:
    """Check an index artifact and swap it in as the live index."""
    from index.artifact import ArtifactError, install_artifact
    from index.build import BuildError

    try:
        header = install_artifact(Path(args.artifact), Path(args.index))
    except (ArtifactError, BuildError) as err:
        print(f"error: {err}; the live index is unchanged", file=sys.stderr)
        return 2
    state = "installed" if header["changed"] else "already live:"
    print(f"{state} build {header['build_id']} ({header['record_count']} records) -> {header['path']}")
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
    gunicorn_args = [
        "gunicorn",
        "-c",
        str(cfg.GUNICORN_CONFIG),
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "service.wsgi:app",
    ]
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
    release_cli.add_release_options(imp)
    imp.set_defaults(func=_import_cms)
    build = sub.add_parser("build-index", help="corpus -> Whoosh index (atomic swap)")
    build.add_argument("--corpus", default=settings["CORPUS_DIR"])
    build.add_argument("--index", default=settings["INDEX_DIR"])
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.add_argument("--artifact", metavar="FILE", help="also pack the build into one artifact file")
    build.set_defaults(func=_build_index)
    install = sub.add_parser("install-index", help="index artifact -> live index (checked, atomic swap)")
    install.add_argument("artifact", metavar="FILE")
    install.add_argument("--index", default=settings["INDEX_DIR"])
    install.set_defaults(func=_install_index)
    serve = sub.add_parser("serve", help="serve the API with gunicorn")
    serve.add_argument("--host", default=settings["HOST"])
    serve.add_argument("--port", type=int, default=settings["PORT"])
    serve.add_argument("--workers", type=int, default=settings["WORKERS"])
    serve.add_argument("--corpus", default=settings["CORPUS_DIR"])
    serve.add_argument("--index", default=settings["INDEX_DIR"])
    serve.set_defaults(func=_serve)
    release_cli.add_commands(sub, settings)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``codesearch`` console script."""
    args = parser().parse_args(argv)
    return args.func(args)
