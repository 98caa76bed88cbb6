"""The quarterly update of a running service: a CMS release zip -> corpus -> index, swapped in atomically.

The release is imported into a staging copy of the corpus folder; a release that would leave more than
``max_drop`` of the live corpus's active codes inactive (terminated or gone) is refused unless allowed, and
every record is checked against the record schema. Only then are the corpus files replaced and the
index built beside the live one and swapped in (``index/build.py``). A failure at any step leaves the
corpus folder and the live index as they were.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sys
from pathlib import Path

from marshmallow import ValidationError

from .build import build_index
from .changes import CHANGES_FILE, RELEASE_FILE
from .importer import CORPUS_FILE, VOCAB_FILE
from .records import RECORD_SCHEMA, first_error
from .release_import import import_release

DEFAULT_MAX_DROP = 0.05  # an annual release terminates about 1% of active codes
CORPUS_FILES = (CORPUS_FILE, VOCAB_FILE, RELEASE_FILE, CHANGES_FILE)


class UpdateError(ValueError):
    """A release refused before anything live was touched."""


def _records(path: Path):
    """(line number, record) of every line of a corpus records file."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            yield number, json.loads(line)


def validate(corpus: Path, progress: bool = False) -> int:
    """Check every record of a corpus folder against the record schema; return the count."""
    from tqdm import tqdm

    path = corpus / CORPUS_FILE
    lines = _records(path)
    count = 0
    for number, record in tqdm(lines, desc="validating", unit="rec", file=sys.stderr) if progress else lines:
        try:
            RECORD_SCHEMA.load(record)
        except ValidationError as err:
            field, message = first_error(err.messages)
            raise UpdateError(f"{path}:{number}: field '{field}': {message} (code {record.get('code')!r})") from err
        count += 1
    return count


def active_codes(corpus: Path) -> set[str]:
    """The active codes of a corpus folder (none when it holds no records)."""
    path = corpus / CORPUS_FILE
    return {r["code"] for _, r in _records(path) if r["status"] == "active"} if path.is_file() else set()


def dropped_codes(live: set[str], staged: set[str], max_drop: float) -> tuple[list[str], float]:
    """(codes active now that the release leaves inactive, their share); UpdateError above ``max_drop``."""
    dropped = sorted(live - staged)
    share = len(dropped) / len(live) if live else 0.0
    if share > max_drop:
        raise UpdateError(
            f"the release would leave {len(dropped):,} of the {len(live):,} active codes inactive "
            f"({share:.1%}, more than the {max_drop:.0%} allowed; for example "
            f"{', '.join(dropped[:5])}): nothing was changed. Pass --allow-drop if that is right."
        )
    return dropped, share


def _install(staging: Path, corpus: Path) -> list[tuple[Path, Path | None]]:
    """Move the staged corpus files into the corpus folder; return (file, backup of the old one) pairs."""
    moved = []
    for name in CORPUS_FILES:
        target, backup = corpus / name, corpus / f".{name}.before-update-{os.getpid()}"
        if target.exists():
            os.replace(target, backup)
        if (staging / name).exists():
            os.replace(staging / name, target)
        moved.append((target, backup if backup.exists() else None))
    return moved


def _restore(moved: list[tuple[Path, Path | None]]) -> None:
    """Put the corpus files back as they were before ``_install``."""
    for target, backup in moved:
        target.unlink(missing_ok=True)
        if backup:
            os.replace(backup, target)


def update(
    hcpcs: Path,
    data: Path,
    corpus: Path,
    index_dir: Path,
    tables: dict[str, Path] | None = None,
    effective_date: str | None = None,
    max_drop: float = DEFAULT_MAX_DROP,
    allow_drop: bool = False,
    progress: bool = False,
) -> dict:
    """Import, validate, check, install and build a release; return the import result, the codes it
    leaves inactive and the new build's manifest."""
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise UpdateError(f"{corpus}: no corpus folder")
    staging = corpus.parent / f".{corpus.name}.update-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(corpus, staging, symlinks=True)
    try:
        result = import_release(hcpcs, data, staging, tables, effective_date, progress)
        dropped, share = dropped_codes(active_codes(corpus), active_codes(staging), 1.0 if allow_drop else max_drop)
        validate(staging, progress)
        moved = _install(staging, corpus)
        try:
            manifest = build_index(corpus, index_dir, progress=progress)
        except BaseException:
            _restore(moved)
            raise
        for _, backup in moved:
            if backup:
                backup.unlink()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {**result, "dropped": dropped, "dropped_share": share, "manifest": manifest}
