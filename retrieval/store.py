"""Index generations on disk, switched atomically.

Layout under ``<home>/index``::

    CURRENT                 # name of the live generation (one line)
    gen-000007/             # dense.faiss, bm25.*, ngram.*, manifest.json
    gen-000008.tmp-<pid>/   # being written; never pointed at
    .questions/<pid>-<n>    # one empty file per question in flight (any process)

A generation is written into a temporary directory, every file fsynced, the
directory renamed, and only then ``CURRENT`` replaced atomically
(:func:`base.atomic.write_text_atomic`) —
so a reader (or a crash at any point) sees either the old or the new
generation, never a half-written one.

Questions come first: a searcher marks each question in flight
(:meth:`IndexStore.question`), and a writer embedding a new generation waits
between small batches while any is (:meth:`IndexStore.yield_to_questions`),
whether the question runs in its process or in another.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from base.atomic import fsync_path, write_text_atomic
from base.digest import sha256_file
from base.errors import SearchIndexError

from .bm25 import BM25Index
from .dense import DenseIndex

_GEN = re.compile(r"^gen-(\d{6,})$")
FORMAT = "shirube-index/1"
QUESTIONS = ".questions"
_STALE_S = 600.0  # a question token this old was left by a killed process
_SEQ = itertools.count()


@dataclass(frozen=True)
class Snapshot:
    """One loaded, read-only generation.

    Ranking reads it only through :class:`retrieval.contracts.RankIndexes`;
    the fields stay the concrete FAISS/BM25 classes because building the
    next generation and the answerers use more of them (``dim``, ``kind``, ``idf``).
    """

    name: str
    path: Path
    dense: DenseIndex
    bm25: BM25Index
    ngram: BM25Index
    manifest: dict[str, Any]

    @property
    def n_chunks(self) -> int:
        return len(self.bm25)


class IndexStore:
    def __init__(self, root: Path, dense_device: str = "auto") -> None:
        self.root = Path(root)
        self.dense_device = dense_device
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._cached: Snapshot | None = None

    # -- reading -----------------------------------------------------------
    def current_name(self) -> str | None:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        name = pointer.read_text(encoding="utf-8").strip()
        return name or None

    def generations(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _GEN.match(p.name))

    def next_name(self) -> str:
        nums = [int(_GEN.match(g).group(1)) for g in self.generations()]  # type: ignore[union-attr]
        return f"gen-{(max(nums) + 1 if nums else 1):06d}"

    def load(self) -> Snapshot | None:
        """The live generation, cached until ``CURRENT`` changes."""
        name = self.current_name()
        if name is None:
            return None
        with self._lock:
            if self._cached is not None and self._cached.name == name:
                return self._cached
            snap = self._load(name)
            self._cached = snap
            return snap

    def _load(self, name: str) -> Snapshot:
        path = self.root / name
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT:
                raise SearchIndexError(f"{path}: unknown index format {manifest.get('format')!r}")
            dense = DenseIndex.load(path / "dense.faiss", manifest["dim"], manifest["index_type"], self.dense_device)
            bm25 = BM25Index.load(path, "bm25")
            ngram = BM25Index.load(path, "ngram")
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise SearchIndexError(f"index generation {name} is unreadable: {exc}") from exc
        return Snapshot(name, path, dense, bm25, ngram, manifest)

    # -- writing -----------------------------------------------------------
    def write(
        self,
        dense: DenseIndex,
        bm25: BM25Index,
        ngram: BM25Index,
        manifest: dict[str, Any],
        name: str | None = None,
        adopt: bool = False,
    ) -> str:
        """Write a new generation and make it live. Returns its name (``name``: the one the
        catalog gave it; default the next here). ``adopt``: another server published it, so
        what it shares with other servers (pgvector's table) is already there, not replaced."""
        name = name or self.next_name()
        if not _GEN.match(name):
            raise SearchIndexError(f"not a generation name: {name!r}")
        if (self.root / name).exists():
            if name == self.current_name():
                raise SearchIndexError(f"index generation {name} is live here already")
            shutil.rmtree(self.root / name)  # an earlier, unfinished copy of the same generation
        tmp = self.root / f"{name}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        files = [tmp / "dense.faiss"]
        dense.save(files[0])
        files += bm25.save(tmp, "bm25")
        files += ngram.save(tmp, "ngram")
        manifest = dict(manifest)
        manifest.update(
            format=FORMAT,
            name=name,
            dim=dense.dim,
            index_type=dense.kind,
            count=len(bm25),
            checksums={f.name: sha256_file(f) for f in files},
        )
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        for f in [*files, tmp / "manifest.json"]:
            fsync_path(f)
        fsync_path(tmp)
        final = self.root / name
        os.rename(tmp, final)
        self._switch(name, adopt=adopt)
        return name

    def _switch(self, name: str, adopt: bool = False) -> None:
        write_text_atomic(self.root / "CURRENT", name + "\n", fsync_dir=True)

    def switch(self, name: str) -> None:
        """Make an already written generation live (a server catching up to the catalog)."""
        if self.verify(name):
            raise SearchIndexError(f"index generation {name} is incomplete: {self.verify(name)}")
        self._switch(name, adopt=True)

    def verify(self, name: str | None = None) -> list[str]:
        """Checksum problems of a generation (empty list when sound)."""
        name = name or self.current_name()
        if name is None:
            return ["no live generation"]
        path = self.root / name
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return [f"manifest unreadable: {exc}"]
        problems = []
        for fname, digest in manifest.get("checksums", {}).items():
            f = path / fname
            if not f.exists():
                problems.append(f"{fname} missing")
            elif sha256_file(f) != digest:
                problems.append(f"{fname} checksum mismatch")
        return problems

    def cleanup(self, keep: int) -> list[str]:
        """Remove old generations (keeping ``keep`` incl. the live one) and stale temp dirs."""
        live = self.current_name()
        removed = []
        for p in self.root.iterdir():
            if ".tmp-" in p.name:
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
                removed.append(p.name)
        gens = [g for g in self.generations() if g != live]
        for g in gens[: max(0, len(gens) - (keep - 1))]:
            shutil.rmtree(self.root / g, ignore_errors=True)
            removed.append(g)
        return removed

    # -- questions first ---------------------------------------------------
    @contextmanager
    def question(self) -> Iterator[None]:
        """Mark a question in flight (seen by writers in every process) while the block runs."""
        token: Path | None = self.root / QUESTIONS / f"{os.getpid()}-{next(_SEQ)}"
        try:
            token.parent.mkdir(exist_ok=True)  # type: ignore[union-attr]
            token.touch()  # type: ignore[union-attr]
        except OSError:
            token = None  # a read-only home: questions simply do not pause writers
        try:
            yield
        finally:
            if token is not None:
                token.unlink(missing_ok=True)

    def questions_waiting(self) -> bool:
        """True while a question (of any process) is in flight."""
        now = time.time()
        try:
            with os.scandir(self.root / QUESTIONS) as entries:
                for e in entries:
                    try:
                        if now - e.stat().st_mtime < _STALE_S:
                            return True
                        os.unlink(e.path)  # left by a killed process
                    except OSError:
                        continue
        except OSError:
            return False
        return False

    def yield_to_questions(self, max_wait_s: float = 10.0, poll_s: float = 0.02) -> float:
        """A writer's pause between batches: wait while questions are in flight
        (at most ``max_wait_s``, so a stream of questions cannot starve it). Seconds waited."""
        t0 = time.monotonic()
        while self.questions_waiting() and time.monotonic() - t0 < max_wait_s:
            time.sleep(poll_s)
        return time.monotonic() - t0

    def disk_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.root.rglob("*") if f.is_file())
