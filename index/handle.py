"""The index handle: the live index of a directory, opened lazily in each thread (so in each worker,
after the fork), reopened when ``current`` moves, the old build released, results cached per build.
"""

from __future__ import annotations

import bisect
import ctypes
import gc
import logging
import os
import threading
from pathlib import Path

from .build import MANIFEST
from .present import SearchResult, page
from .query import parse
from .rank import rank
from .snapshot import Snapshot
from .weights import DEFAULT, Weights

log = logging.getLogger("codesearch")


class IndexUnavailable(RuntimeError):
    """No usable index at the configured location."""


def _complete(folder: Path) -> bool:
    """True for a finished build (its manifest is written last)."""
    return (folder / MANIFEST).is_file()


def _trim_heap() -> None:
    """Give the memory the old build freed back to the system (glibc keeps freed heap pages otherwise)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _numeric(code: str) -> int:
    """The digits of a code as a number (0 when none)."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits) if digits else 0


class CodeIndex:
    """The live index of a directory, opened lazily per thread and reopened when ``current`` moves."""

    def __init__(self, index_dir: str | Path, cache_size: int = 0, weights: Weights = DEFAULT):
        self.index_dir = Path(index_dir)
        self.cache_size = cache_size
        self.weights = weights
        self._local = threading.local()
        self._link = str(self.index_dir / "current")

    def _target(self) -> Path:
        """The build folder ``current`` points at now (resolved only when the link text changes)."""
        try:
            text = os.readlink(self._link)
        except OSError as err:
            raise IndexUnavailable(f"no index at {self.index_dir}; run 'codesearch build-index'") from err
        cached = getattr(self._local, "link", None)
        if cached is None or cached[0] != text:
            cached = self._local.link = (text, (self.index_dir / text).resolve())
        return cached[1]

    def open(self) -> Snapshot:
        """This thread's open index, reopened (never refreshed) when ``current`` moves.

        A build that cannot be opened is remembered, logged once and not retried until
        ``current`` moves again; meanwhile the index already open keeps serving."""
        target = self._target()
        local = self._local
        current: Snapshot | None = getattr(local, "open_index", None)
        if current is not None and current.folder == target:
            return current
        if getattr(local, "failed", None) == target:
            if current is not None:
                return current
            raise IndexUnavailable(f"index at {target} cannot be opened")
        if not _complete(target):  # a build still being written, or not a build: keep what we have
            return self._refuse(target, current, "no manifest")
        previous = current.folder if current is not None else None
        if current is not None:  # release the old build first, so two are never in memory at once
            local.open_index = None
            current.release()
            del current
            gc.collect()  # the snapshot's caches hold cycles: free the old build now, not some time later
            _trim_heap()
        try:
            fresh = Snapshot(target, self.weights)
        except Exception as err:  # corrupt build: go back to the one we had, if it is still there
            back = self._reopen(previous)
            return self._refuse(target, back, err)
        local.open_index, local.failed = fresh, None
        return fresh

    def _reopen(self, folder: Path | None) -> Snapshot | None:
        """The build served before, opened again (None when there was none or it is gone)."""
        if folder is None:
            return None
        try:
            self._local.open_index = Snapshot(folder, self.weights)
        except Exception:  # removed meanwhile: nothing to fall back to
            return None
        return self._local.open_index

    def _refuse(self, target: Path, keep: Snapshot | None, reason) -> Snapshot:
        """Remember a build that cannot be opened (logged once) and serve ``keep``, or raise."""
        self._local.failed = target
        log.warning("cannot open index at %s: %s", target, reason)
        if keep is not None:
            return keep
        raise IndexUnavailable(f"index at {target} cannot be opened: {reason}")

    def manifest(self) -> dict:
        """The live build's manifest."""
        return self.open().manifest

    def get(self, code: str) -> dict | None:
        """The full record of a code (case-insensitive), or None."""
        opened = self.open()
        docnum = opened.docnum(code.strip().upper())
        return None if docnum is None else opened.record(docnum)

    def search(
        self,
        raw: str,
        limit: int = 10,
        offset: int = 0,
        status: str | None = None,
        max_length: int = 512,
        highlights: bool = True,
        every_word: bool = False,
    ) -> SearchResult:
        """Ranked codes for a query as typed into a search box (``highlights=False``: no <mark> text;
        ``every_word``: codes matching every word first and only, when any does)."""
        opened = self.open()
        key = (raw, limit, offset, status, max_length, highlights, every_word)
        cached = opened.results.get(key) if self.cache_size else None
        if cached is None:
            parsed = parse(raw, opened.modifiers, max_length)
            ranking = rank(parsed, opened, self.weights, status, needed=offset + limit, every_word=every_word)
            cached = page(ranking, opened, self.weights, limit, offset, highlights)
            if self.cache_size:
                opened.results[key] = cached
                if len(opened.results) > self.cache_size:
                    opened.results.popitem(last=False)
        else:
            opened.results.move_to_end(key)
        return cached

    def suggest_codes(self, code: str, limit: int = 5) -> list[str]:
        """Existing codes closest to an unknown one (same letter, nearest numbers)."""
        opened = self.open()
        code = code.strip().upper()
        i = bisect.bisect_left(opened.codes, code)
        near = [c for c in opened.codes[max(0, i - limit) : i + limit] if c[:1] == code[:1] and len(c) == len(code)]
        return sorted(near, key=lambda c: abs(_numeric(c) - _numeric(code)))[:limit]
