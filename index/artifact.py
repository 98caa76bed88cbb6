"""Index artifacts: one complete build folder as a single versioned, checksummed file, and its install.

An artifact is a gzip-compressed tar holding, in this order::

    artifact.json           what it is: format and version, build id, schema version, corpus sha256,
                            build time, record count, code version, and the size and sha256 of every file
    index/<file>            the build folder's files (Whoosh segments and TOCs, vocabularies, manifest.json)
    artifact.json.sha256    the sha256 of artifact.json; a file that ends before it is truncated

``install_artifact`` unpacks beside the live index, checks every file against artifact.json and the
schema version against this code's, opens the index, and only then swaps ``current`` atomically; any
failure leaves the live index untouched. Nothing here knows about HTTP.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import time
import zlib
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO

from .build import MANIFEST, _clean_stale, _swap, _verify, build_lock, live_build
from .schema import SCHEMA_VERSION

FORMAT = "codesearch-index"
FORMAT_VERSION = 1
HEADER = "artifact.json"
TRAILER = "artifact.json.sha256"
PREFIX = "index/"
SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")  # a flat file name: no path, no dot first
ROOT = Path(__file__).resolve().parent.parent
BLOCK = 1 << 20
REQUIRED = ("build_id", "corpus_sha256", "built_at", "record_count", "files")


class ArtifactError(Exception):
    """An artifact that cannot be written or installed; the message says why."""


@lru_cache(maxsize=1)
def code_version() -> str:
    """This code's version: the package version, plus the git commit when run from a checkout."""
    try:
        from importlib.metadata import version

        release = version("codesearch")
    except Exception:  # not installed as a package (a bare copy of the source)
        release = "0+unknown"
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return release
    return f"{release}+g{commit}" if commit else release


def build_id(manifest: dict) -> str:
    """The id of the build a manifest describes: its folder's name (the same on every replica)."""
    return manifest.get("build_id") or Path(manifest.get("path", "")).name


def _digest(path: Path) -> tuple[int, str]:
    """(size, hex sha256) of a file."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def describe(build: Path) -> dict:
    """The artifact.json of a complete build folder."""
    manifest_file = build / MANIFEST
    if not manifest_file.is_file():
        raise ArtifactError(f"{build}: not a complete build (no {MANIFEST})")
    manifest = json.loads(manifest_file.read_text())
    files = {}
    for path in sorted(build.iterdir()):
        if not path.is_file() or not SAFE_NAME.match(path.name):
            raise ArtifactError(f"{path}: unexpected entry in a build folder")
        size, sha256 = _digest(path)
        files[path.name] = {"size": size, "sha256": sha256}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "build_id": build_id(manifest),
        "schema_version": manifest["schema_version"],
        "corpus_sha256": manifest["corpus_sha256"],
        "built_at": manifest["built_at"],
        "record_count": manifest["record_count"],
        "faq_count": manifest.get("faq_count", 0),
        "code_version": code_version(),
        "packed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": files,
    }


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    """One in-memory file as a tar member."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
    tar.addfile(info, io.BytesIO(data))


def write_artifact(build: Path, target: Path) -> dict:
    """Pack a complete build folder into ``target`` (written beside it, then renamed); return artifact.json."""
    header = describe(build)
    raw = json.dumps(header, indent=2).encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with tarfile.open(partial, "w:gz", format=tarfile.PAX_FORMAT, compresslevel=6) as tar:
            _add_bytes(tar, HEADER, raw)
            for name in header["files"]:
                tar.add(build / name, arcname=PREFIX + name, recursive=False)
            _add_bytes(tar, TRAILER, hashlib.sha256(raw).hexdigest().encode("ascii") + b"\n")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return header


def _check_header(header: dict) -> None:
    """Refuse an artifact of another format, another format version, or a schema this code cannot read."""
    if header.get("format") != FORMAT or header.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"not a {FORMAT} artifact of format version {FORMAT_VERSION} "
            f"(format {header.get('format')!r}, version {header.get('format_version')!r})"
        )
    if header.get("schema_version") != SCHEMA_VERSION:
        raise ArtifactError(
            f"index schema version {header.get('schema_version')!r}: this code reads "
            f"schema version {SCHEMA_VERSION} only; rebuild the artifact with this code"
        )
    missing = [key for key in REQUIRED if key not in header]
    if missing:
        raise ArtifactError(f"{HEADER} lacks {', '.join(missing)}")
    if not SAFE_NAME.match(str(header.get("build_id", ""))):
        raise ArtifactError(f"bad build id {header.get('build_id')!r}")
    files = header.get("files")
    if not isinstance(files, dict) or MANIFEST not in files or not all(SAFE_NAME.match(n) for n in files):
        raise ArtifactError("artifact.json lists no usable files")


def _read_header(tar: tarfile.TarFile) -> tuple[dict, bytes]:
    """(artifact.json, its raw bytes): the archive's first member."""
    member = tar.next()
    if member is None or member.name != HEADER or not member.isfile():
        raise ArtifactError(f"the first member is not {HEADER}")
    raw = _member(tar, member).read()
    try:
        header = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ArtifactError(f"{HEADER} is not valid JSON: {err}") from err
    _check_header(header)
    return header, raw


def _extract_file(tar: tarfile.TarFile, member: tarfile.TarInfo, expected: dict, folder: Path) -> None:
    """Write one index file into ``folder``, checking its size and sha256 as it streams."""
    source, digest, size = _member(tar, member), hashlib.sha256(), 0
    with open(folder / member.name[len(PREFIX) :], "wb") as out:
        for block in iter(lambda: source.read(BLOCK), b""):
            digest.update(block)
            size += len(block)
            out.write(block)
    if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
        raise ArtifactError(f"{member.name}: checksum mismatch (the artifact is damaged)")


def _members(tar: tarfile.TarFile):
    """The members after the header, read one at a time (a stream cannot go back)."""
    while (member := tar.next()) is not None:
        yield member


def _member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    """A regular member's contents; ArtifactError for anything else."""
    handle = tar.extractfile(member)
    if handle is None:
        raise ArtifactError(f"{member.name} is not a regular file")
    return handle


def _check_trailer(tar: tarfile.TarFile, member: tarfile.TarInfo, raw: bytes) -> None:
    """The trailer holds the sha256 of artifact.json."""
    written = _member(tar, member).read().strip().decode("ascii", "replace")
    if written != hashlib.sha256(raw).hexdigest():
        raise ArtifactError(f"{HEADER}: checksum mismatch (the artifact is damaged)")


def _unpack(artifact: Path, folder: Path) -> dict:
    """Unpack and check an artifact into the empty ``folder``; return artifact.json."""
    with tarfile.open(artifact, "r|gz") as tar:
        header, raw = _read_header(tar)
        seen: set[str] = set()
        for member in _members(tar):
            if member.name == TRAILER:
                _check_trailer(tar, member, raw)
                break
            name = member.name[len(PREFIX) :]
            if not (member.isfile() and member.name.startswith(PREFIX) and name in header["files"]) or name in seen:
                raise ArtifactError(f"unexpected member {member.name!r}")
            _extract_file(tar, member, header["files"][name], folder)
            seen.add(name)
        else:
            raise ArtifactError(f"no {TRAILER} at the end: the artifact is truncated")
    if seen != set(header["files"]):
        raise ArtifactError(f"files missing from the artifact: {sorted(set(header['files']) - seen)}")
    return header


def read_header(artifact: Path) -> dict:
    """artifact.json of an artifact, checked (format, schema version); the files are not read."""
    try:
        with tarfile.open(artifact, "r|gz") as tar:
            return _read_header(tar)[0]
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise ArtifactError(f"{artifact}: unreadable artifact: {err}") from err


def _check_build(folder: Path, header: dict) -> None:
    """The unpacked build opens and agrees with artifact.json."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except ValueError as err:
        raise ArtifactError(f"{MANIFEST} is not valid JSON: {err}") from err
    for key in ("schema_version", "corpus_sha256", "built_at", "record_count"):
        if manifest.get(key) != header[key]:
            raise ArtifactError(f"{MANIFEST} and {HEADER} disagree on {key}")
    try:
        _verify(folder, header["record_count"])
    except Exception as err:  # Whoosh raises many kinds on a bad segment
        raise ArtifactError(f"the unpacked index cannot be opened: {err}") from err


def _stage(artifact: Path, builds: Path) -> tuple[Path, dict]:
    """Unpack and check an artifact into a new hidden folder of ``builds``."""
    staging = builds / f".install-{os.getpid()}-{time.monotonic_ns()}"
    staging.mkdir(parents=True)
    try:
        header = _unpack(artifact, staging)
        _check_build(staging, header)
    except (tarfile.TarError, EOFError, OSError, zlib.error, UnicodeDecodeError) as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise ArtifactError(f"{artifact}: unreadable or truncated artifact: {err}") from err
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging, header


def install_artifact(artifact: Path, index_dir: Path) -> dict:
    """Check an artifact and make it the live index of ``index_dir`` in one atomic swap; return
    artifact.json with ``path`` (the installed folder) and ``changed`` (False when it was live already)."""
    if not artifact.is_file():
        raise ArtifactError(f"{artifact}: no such file")
    index_dir = index_dir.resolve()
    with build_lock(index_dir):
        _clean_stale(index_dir)
        staging, header = _stage(artifact, index_dir / "builds")
        folder = index_dir / "builds" / header["build_id"]
        changed = live_build(index_dir) != folder
        if changed:
            shutil.rmtree(folder, ignore_errors=True)  # an older copy of the same build, not live
            os.rename(staging, folder)
            _swap(index_dir, folder)
        else:
            shutil.rmtree(staging, ignore_errors=True)
        _clean_stale(index_dir)
    return {**header, "path": str(folder), "changed": changed}
