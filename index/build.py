"""Corpus -> Whoosh index, built beside the live one and swapped in atomically.

Layout of an index directory::

    <index_dir>/current -> builds/<id>     the live index (a symlink, replaced atomically)
    <index_dir>/builds/<id>/               one complete build, with manifest.json written last
    <index_dir>/build.lock                 held (flock) by the one build running

A build that fails or is killed leaves ``current`` untouched; the next build removes
its half-written folder.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index

from . import guide
from .records import RECORD_SCHEMA, checked_line
from .schema import SCHEMA_VERSION, build_schema, committed, field_lengths
from .text import is_noc, says_not_done
from .vocab import load_vocabulary, spelled_out_table

CORPUS_FILE = "codes.jsonl.gz"
MANIFEST = "manifest.json"
VOCABULARY = "vocabulary.json"
NEIGHBORS = "word_neighbors.json.gz"
SPELLED_OUT = "spelled_out.json"  # spelled-out phrases of our abbreviations, found at build time
SPELLED_OUT_MAX_FREQUENCY = 30  # an abbreviation in more codes' descriptors is not matched from its words
KEEP_BUILDS = 2


class BuildError(Exception):
    """A build that cannot go on; the message names the file, line and field when a record is bad."""


def corpus_path(corpus: Path) -> Path:
    """The records file of a corpus directory (or the file itself)."""
    return corpus if corpus.is_file() else corpus / CORPUS_FILE


def _open_text(path: Path):
    """Open a corpus file, gzip-compressed or plain, as text."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _validate(path: Path, number: int, line: str) -> dict:
    """One JSON line checked against the record schema."""
    return checked_line(path, number, line, RECORD_SCHEMA, BuildError, "a record")[0]


# "used with" names another item, except a device's own interface ("bi-level ... used with noninvasive
# interface") and "not used with".
ACCESSORY = re.compile(
    r"\b(replacement|accessory|accessories|attachment|for use with|"
    r"(?<!not )used with(?! (non-?)?invasive interface))\b",
    re.I,
)


def flags(record: dict) -> str:
    """Space-separated ranking flags of a record: 'measure' (reporting-only quality code),
    'negated' (the descriptor says something was not done), 'noc' (not otherwise classified),
    'accessory' (a part or supply for another item)."""
    found = []
    code, pfs = record["code"], record.get("pfs") or {}
    quality_range = code[:1] == "G" and code >= "G8000" or code[:1] == "M" and code >= "M1000"
    if pfs.get("status_code") == "M" or (record["kind"] == "procedure" and quality_range):
        found.append("measure")
    if says_not_done(record["long_description"]):
        found.append("negated")
    if ACCESSORY.search(record["long_description"]):
        found.append("accessory")
    if is_noc(record["long_description"], record["short_description"]):
        found.append("noc")
    return " ".join(found)


OTHER_THAN = re.compile(r"\bother than\b[^,;()]*", re.IGNORECASE)


def _positive(text: str) -> str:
    """A descriptor without its "other than ..." clauses: the words of an exclusion are not what the
    code is ("for use other than knee" is not a knee device)."""
    return OTHER_THAN.sub(" ", text)


def document(record: dict) -> dict:
    """The Whoosh fields of one record."""
    terms = " ; ".join(record["synonyms"] + record["lay_terms"] + record["drug_names"])
    doc = {
        "code": record["code"],
        "kind": record["kind"],
        "status": record["status"],
        "flags": flags(record),
        "letter": record["code"][0] if record["kind"] == "procedure" else "modifier",
        "ndc": " ".join(n["ndc"].replace("-", "") for n in record.get("ndcs", [])),
        "descriptor": _positive(record["long_description"]),
        "short": _positive(record["short_description"]),
        "terms": terms,
        "words": " ".join([record["short_description"], record["long_description"], terms]),
        "short_description": record["short_description"].encode("utf-8"),
        "long_description": record["long_description"].encode("utf-8"),
        "glossary": "\n".join(record["lay_terms"] + record["drug_names"]).encode("utf-8"),
        "record": json.dumps(record, ensure_ascii=False, separators=(",", ":")),
    }
    doc["lengths"] = field_lengths(doc)
    return doc


def _sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def build_lock(index_dir: Path):
    """Hold the build lock; a second concurrent build fails fast. The kernel frees it if we die."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / "build.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as err:
        handle.close()
        raise BuildError(f"{index_dir}: another build is running (build.lock is held)") from err
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def live_build(index_dir: Path) -> Path | None:
    """The build folder ``current`` points at, or None."""
    link = index_dir / "current"
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def index_exists(index_dir: Path) -> bool:
    """True when the index directory has a complete live build."""
    build = live_build(index_dir)
    return build is not None and (build / MANIFEST).is_file()


def _clean_stale(index_dir: Path) -> None:
    """Remove half-written builds (no manifest) and all but the newest complete ones."""
    builds = index_dir / "builds"
    if not builds.is_dir():
        return
    live = live_build(index_dir)
    complete = []
    for folder in sorted(builds.iterdir()):
        if folder == live:
            continue
        if (folder / MANIFEST).is_file():
            complete.append(folder)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    # Keep the previous build (KEEP_BUILDS - 1 of them) for a quick manual roll-back.
    for folder in complete[: len(complete) - (KEEP_BUILDS - 1)]:
        shutil.rmtree(folder, ignore_errors=True)


# Validation (marshmallow, about 60% of a serial build) runs in a pool beside the writer;
# small corpora (the test fixture) are not worth the pool's start-up.
VALIDATE_PROCS = min(2, os.cpu_count() or 1)
PARALLEL_MIN_LINES = 2000
CHUNK_LINES = 200
WRITER_OPTIONS = {"limitmb": 256}


def _validate_chunk(path: Path, chunk: list[tuple[int, str]]) -> list[dict]:
    """Whoosh documents of a chunk of (line number, line); BuildError names the first bad line."""
    return [document(_validate(path, number, line)) for number, line in chunk]


def _corpus_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of every non-empty line of the corpus."""
    try:
        handle = _open_text(path)
    except OSError as err:
        raise BuildError(f"{path}: cannot read corpus: {err.strerror or err}") from err
    with handle:
        try:
            return [(number, line) for number, line in enumerate(handle, start=1) if line.strip()]
        except (OSError, EOFError, UnicodeDecodeError) as err:
            raise BuildError(f"{path}: corrupt corpus file: {err}") from err


@contextmanager
def _documents(path: Path):
    """(record count, the Whoosh document of every record in file order), validated in a pool when that pays."""
    import threading

    lines = _corpus_lines(path)
    # fork only from a single-threaded process (the CLI): a fork copies other threads' held locks.
    if VALIDATE_PROCS < 2 or len(lines) < PARALLEL_MIN_LINES or threading.active_count() > 1:
        yield len(lines), (document(_validate(path, number, line)) for number, line in lines)
        return
    import functools
    import multiprocessing

    chunks = [lines[i : i + CHUNK_LINES] for i in range(0, len(lines), CHUNK_LINES)]
    with multiprocessing.get_context("fork").Pool(VALIDATE_PROCS) as pool:
        batches = pool.imap(functools.partial(_validate_chunk, path), chunks)
        yield len(lines), (doc for batch in batches for doc in batch)


def _write(folder: Path, path: Path, progress: bool) -> int:
    """Write every record of the corpus into a new Whoosh index in ``folder``."""
    from tqdm import tqdm

    count = 0
    with committed(whoosh_index.create_in(str(folder), build_schema()), **WRITER_OPTIONS) as writer:
        with _documents(path) as (total, docs):  # the pool starts before tqdm's monitor thread
            # no tqdm object at all without progress: it would start a lingering monitor thread
            bar = tqdm(docs, total=total, unit="rec", file=sys.stderr, desc="indexing") if progress else docs
            for doc in bar:
                writer.add_document(**doc)
                count += 1
        if count == 0:
            raise BuildError(f"{path}: the corpus holds no records")
    return count


def _verify(folder: Path, count: int) -> None:
    """Open the new index and check it holds what was written, before it goes live."""
    ix = whoosh_index.open_dir(str(folder))
    try:
        if ix.doc_count() != count:
            raise BuildError(f"{folder}: index holds {ix.doc_count()} documents, expected {count}")
    finally:
        ix.close()


def _copy_vocabulary(corpus_dir: Path, folder: Path) -> None:
    """Ship the corpus's query-time vocabularies inside the build, so a build is self-contained."""
    for source in (corpus_dir / VOCABULARY, corpus_dir / "vocab" / NEIGHBORS, corpus_dir / "changes.json"):
        if source.is_file():
            shutil.copyfile(source, folder / source.name)


def _write_spelled_out(folder: Path) -> None:
    """Find the spelled-out phrases of our abbreviations once, at build time (it reads the system word
    list and every abbreviation's descriptor frequency), for every worker to load."""
    ix = whoosh_index.open_dir(str(folder))
    try:
        with ix.reader() as reader:
            table = spelled_out_table(*load_vocabulary(folder), reader, SPELLED_OUT_MAX_FREQUENCY)
    finally:
        ix.close()
    data = {" ".join(key): sorted(abbrs) for key, abbrs in sorted(table.items())}
    (folder / SPELLED_OUT).write_text(json.dumps(data, ensure_ascii=False, indent=0))


def _faq_entries(corpus_dir: Path) -> list[dict]:
    """The general FAQ entries of a corpus (none when it has no ``faq/`` folder), validated."""
    folder = corpus_dir / guide.FOLDER
    if not folder.is_dir():
        return []
    try:
        return guide.read_entries(folder)
    except (guide.GuideError, OSError, UnicodeDecodeError) as err:
        raise BuildError(str(err)) from err


def _swap(index_dir: Path, folder: Path) -> None:
    """Point ``current`` at ``folder`` in one atomic rename."""
    tmp = index_dir / f".current.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(folder, index_dir), tmp)
    os.replace(tmp, index_dir / "current")


def build_index(corpus: Path, index_dir: Path, progress: bool = True) -> dict:
    """Build the index from ``corpus`` into a new folder and swap it in; return its manifest."""
    path = corpus_path(corpus)
    if not path.is_file():
        raise BuildError(f"{path}: corpus file not found")
    index_dir = index_dir.resolve()
    with build_lock(index_dir):
        _clean_stale(index_dir)
        started = time.perf_counter()
        stamp = datetime.now(UTC)
        folder = index_dir / "builds" / f"{stamp:%Y%m%dT%H%M%S%fZ}-{os.getpid()}"
        faq = _faq_entries(path.parent)
        folder.mkdir(parents=True)
        try:
            count = _write(folder, path, progress)
            _verify(folder, count)
            if faq:
                guide.write_index(folder, faq)
            _copy_vocabulary(path.parent, folder)
            _write_spelled_out(folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "record_count": count,
            "faq_count": len(faq),
            "corpus_file": str(path),
            "corpus_sha256": _sha256(path),
            "built_at": stamp.isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - started, 2),
            "path": str(folder),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
        _swap(index_dir, folder)
        _clean_stale(index_dir)
    return manifest
