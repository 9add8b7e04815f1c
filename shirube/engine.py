"""The library facade the CLI and the app both call.

>>> sh = Shirube.open(home=".shirube")                          # doctest: +SKIP
>>> report = sh.ingest(["samples/"], label=1, departments=["総務課"])
>>> sh.ask("育児休業は最長でいつまで延長できますか").text
"""

from __future__ import annotations

import datetime as dt
import fcntl
import fnmatch
import hashlib
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np
from sqlalchemy import delete, select, update

from jtext.terms import gram_terms, index_text
from indexer.catalog import Batch, BatchFile, Catalog, ChunkRow, Document, Generation, SectionRow
from indexer import originals
from indexer.loaders import LoadLimits, load_bytes, sanitize_name
from indexer.manifest import current_user, list_manifests, tool_versions, write_json_atomic
from indexer.process import ProcessedSection, process_document
from indexer.sandbox import ParseSandbox, limits_from_settings
from indexer.types import LoadedDocument, Section
from model.answerer import Passage
from model.embedders import Embedder, make_embedder
from model.records import Answer, Hit
from retrieval.access import EVERYTHING, AccessFilter, clean_departments
from retrieval.bm25 import BM25Index
from retrieval.dense import DenseIndex
from retrieval.hybrid import FusionWeights, Ranked, rank
from retrieval.store import IndexStore, Snapshot

from . import audit
from base.settings import Settings
from base.errors import IndexError_, IngestError, LoaderError, RetrievalError, ShirubeError

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class FileResult:
    source: str
    result: str  # ok | duplicate | error
    reason: str | None = None
    sha256: str | None = None
    size: int | None = None
    document_id: int | None = None
    title: str | None = None
    chunks: int = 0


@dataclass
class BatchReport:
    batch_id: int
    files: list[FileResult] = field(default_factory=list)
    manifest_path: str | None = None
    generation: str | None = None

    @property
    def ok(self) -> list[FileResult]:
        return [f for f in self.files if f.result == "ok"]

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.result == "error"]

    @property
    def duplicates(self) -> list[FileResult]:
        return [f for f in self.files if f.result == "duplicate"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "manifest": self.manifest_path,
            "generation": self.generation,
            "files": [vars(f) for f in self.files],
        }


def _noop(stage: str, done: int, total: int) -> None:
    pass


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files under the given paths, sorted; hidden files and the glob patterns
    listed in a folder's ``.shirubeignore`` (e.g. a QA file beside a corpus) are skipped."""
    for p in paths:
        p = Path(p)
        if not p.is_dir():
            yield p
            continue
        for f in sorted(p.rglob("*")):
            rel = f.relative_to(p)
            if not f.is_file() or any(part.startswith(".") for part in rel.parts):
                continue
            if _ignored(f, p):
                continue
            yield f


def _ignored(f: Path, root: Path) -> bool:
    """True when a .shirubeignore in ``root`` or a folder between matches ``f``."""
    d = f.parent
    while True:
        ign = d / ".shirubeignore"
        if ign.is_file():
            rel = f.relative_to(d).as_posix()
            for line in ign.read_text(encoding="utf-8").splitlines():
                pat = line.strip()
                if pat and not pat.startswith("#") and (fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(f.name, pat)):
                    return True
        if d == root or d == d.parent:
            return False
        d = d.parent


class Shirube:
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(settings.database_url)
        self.store = IndexStore(settings.index_dir, settings.dense_device)
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self._allowed_cache: dict[tuple, np.ndarray] = {}
        self._answerers: dict[tuple, Any] = {}
        self._sandbox: ParseSandbox | None = None

    @classmethod
    def open(cls, home: str | Path | None = None, **overrides: Any) -> "Shirube":
        """Settings from ``home`` (config.toml, SHIRUBE_* env) plus ``overrides``."""
        return cls(Settings.load(home=home, **overrides))

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
        self.catalog.close()

    # -- trust: parsing sandbox, audit log, access-control version -----------
    def _loader(self, limits: LoadLimits) -> Callable[[bytes, str], LoadedDocument]:
        """Parse in the worker process (time/memory limits) unless switched off."""
        if not self.settings.parse_in_subprocess:
            return lambda data, name: load_bytes(data, name, limits)
        if self._sandbox is None:
            self._sandbox = ParseSandbox(self.settings.parse_timeout_s, self.settings.parse_memory_mb)
        box = self._sandbox
        return lambda data, name: box.load(data, name, limits)

    @property
    def audit_anchor(self) -> Path:
        return self.settings.home / "audit.head"

    def audit(self, user: str | None, action: str, detail: dict[str, Any]) -> None:
        """Append to the hash-chained audit log (see shirube/audit.py)."""
        audit.record(self.catalog, user or current_user(), action, detail, anchor=self.audit_anchor)

    def _acl_token(self) -> tuple:
        """Changes whenever labels/departments change (in any process): part of the cache key."""
        try:
            st = (self.settings.home / "acl.version").stat()
            return (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            return (0, 0, 0)

    def _bump_acl(self) -> None:
        path = self.settings.home / "acl.version"
        tmp = path.with_name(f"acl.version.tmp-{os.getpid()}")
        tmp.write_text(f"{time.time_ns()}\n", encoding="utf-8")
        os.replace(tmp, path)
        self._allowed_cache.clear()

    def relabel_document(
        self, document_id: int, label: int | None = None, departments: Iterable[str] | None = None,
        by: str | None = None, access: AccessFilter | None = None,
    ) -> dict[str, Any]:
        """Change a document's 機密性 label and/or departments (admins only).

        Chunks carry no copy of the label: retrieval reads it from the
        document, and every cached allowed-id set is invalidated, in this and
        every other process (``acl.version``).
        """
        from base.errors import AccessDenied

        if access is not None and not access.admin:
            raise AccessDenied("機密性ラベルの変更は管理者のみ行えます")
        if label is not None and label not in (1, 2, 3):
            raise IngestError("relabel", f"機密性ラベルは1〜3で指定してください（指定値: {label}）")
        with self._write_lock():
            with self.catalog.session() as s:
                row = s.get(Document, document_id)
                if row is None or row.status == "deleted":
                    raise ShirubeError(f"文書ID {document_id} は存在しません")
                old = {"label": row.label, "departments": list(row.departments or [])}
                if label is not None:
                    row.label = label
                if departments is not None:
                    row.departments = clean_departments(departments)
                new = {"label": row.label, "departments": list(row.departments or [])}
                title = row.title
            self._bump_acl()
            self.audit(by, "relabel", {"document_id": document_id, "title": title, "old": old, "new": new})
        return {"document_id": document_id, "old": old, "new": new}

    # -- models ------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = make_embedder(
                    self.settings.embedder,
                    batch_size=self.settings.embed_batch,
                    cache_dir=self.settings.cache_dir,
                )
            return self._embedder

    # -- writing -----------------------------------------------------------
    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """One writer at a time per home (ingest, reindex, delete)."""
        path = self.settings.home / ".write.lock"
        with open(path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        label: int = 1,
        departments: Iterable[str] = (),
        license: str = "",
        by: str | None = None,
        progress: Progress = _noop,
        access: AccessFilter = EVERYTHING,
    ) -> BatchReport:
        """Ingest files and folders as one batch; bad files are reported, not fatal.

        ``access`` is the uploader's: a duplicate of a document they may not
        see is reported without its id or title.
        """
        items: list[tuple[str, Callable[[], bytes], int | None]] = []
        for f in iter_files(paths):
            size = f.stat().st_size if f.exists() else None
            items.append((str(f), (lambda f=f: f.read_bytes()), size))
        return self.ingest_items(
            items, label=label, departments=departments, license=license, by=by, progress=progress, access=access
        )

    def ingest_bytes(
        self, files: Iterable[tuple[str, bytes]], **kwargs: Any
    ) -> BatchReport:
        """Same as :meth:`ingest` for uploaded (name, bytes) pairs."""
        items = [(name, (lambda d=data: d), len(data)) for name, data in files]
        return self.ingest_items(items, **kwargs)

    def ingest_items(
        self,
        items: list[tuple[str, Callable[[], bytes], int | None]],
        *,
        label: int = 1,
        departments: Iterable[str] = (),
        license: str = "",
        by: str | None = None,
        progress: Progress = _noop,
        loader: Callable[[bytes, str], LoadedDocument] | None = None,
        access: AccessFilter = EVERYTHING,
    ) -> BatchReport:
        if label not in (1, 2, 3):
            raise IngestError("batch", f"機密性ラベルは1〜3で指定してください（指定値: {label}）")
        departments = clean_departments(departments)
        by = by or current_user()
        limits = limits_from_settings(self.settings)
        load = loader or self._loader(limits)
        with self._write_lock():
            self._recover()
            with self.catalog.session() as s:
                batch = Batch(by=by)
                s.add(batch)
                s.flush()
                batch_id = batch.id
            report = BatchReport(batch_id)
            for i, (source, read, size) in enumerate(items):
                progress("load", i, len(items))
                report.files.append(
                    self._ingest_one(batch_id, source, read, size, label, departments, license, load, limits, access)
                )
            progress("load", len(items), len(items))
            if report.ok or self._has_pending():
                report.generation = self._sync_index(progress=progress)
            report.manifest_path = str(self._write_batch_manifest(batch_id, report, label, departments, license, by))
            self.audit(by, "ingest", {
                "batch_id": batch_id, "manifest": report.manifest_path, "generation": report.generation,
                "label": label, "departments": departments,
                "counts": {"ok": len(report.ok), "duplicate": len(report.duplicates), "error": len(report.errors)},
                "documents": [f.document_id for f in report.ok],
            })
        return report

    def _ingest_one(
        self, batch_id: int, source: str, read: Callable[[], bytes], size: int | None,
        label: int, departments: list[str], license: str,
        load: Callable[[bytes, str], LoadedDocument], limits: LoadLimits,
        access: AccessFilter = EVERYTHING,
    ) -> FileResult:
        name = sanitize_name(source)
        res = FileResult(source=source, result="error", size=size)
        try:
            if size is not None and size > limits.max_bytes:
                raise LoaderError(name, f"ファイルが大きすぎます（{size / 1e6:.1f}MB > 上限{limits.max_bytes / 1e6:.1f}MB）")
            try:
                data = read()
            except OSError as exc:
                raise LoaderError(name, f"ファイルを読めません: {exc.strerror or exc}") from exc
            res.size = len(data)
            res.sha256 = hashlib.sha256(data).hexdigest()
            with self.catalog.session() as s:
                dup = self.catalog.find_document_by_sha(s, res.sha256)
                if dup is not None:
                    res.result = "duplicate"
                    if access.allows_document(dup):
                        res.document_id, res.title = dup.id, dup.title
                        res.reason = f"重複（登録済み: 文書ID {dup.id}「{dup.title}」）"
                    else:  # never name a document the uploader may not see
                        res.reason = "重複（同じ内容の文書が登録済みです）"
                    self._record_file(s, batch_id, res)
                    if self.settings.keep_originals:  # one stored before originals were kept gets it now
                        originals.save(self.settings.originals_dir, res.sha256, name, data)
                    return res
            doc = load(data, name)
            sections = process_document(doc, self.settings.chunk_tokens, self.settings.chunk_overlap)
            if not sections:
                raise LoaderError(name, "テキストなし（抽出できる本文がありません）")
            if self.settings.keep_originals:  # before the catalog row: a crash leaves at most a spare file
                originals.save(self.settings.originals_dir, res.sha256, name, data)
            with self.catalog.session() as s:
                bf = self._record_file(s, batch_id, res)
                row = self._add_document(s, doc, sections, res.sha256, len(data), label, departments, license, batch_id)
                res.result, res.document_id, res.title = "ok", row.id, row.title
                res.chunks = sum(len(p.chunks) for p in sections)
                bf.result, bf.document_id = "ok", row.id
                row.batch_file_id = bf.id
        except IngestError as exc:
            res.result, res.reason = "error", exc.reason
            self._record_error(batch_id, res)
        except Exception as exc:  # a bug or library crash on one file must not stop the batch
            res.result, res.reason = "error", f"予期しないエラー: {type(exc).__name__}: {exc}"
            self._record_error(batch_id, res)
        return res

    def _record_file(self, s, batch_id: int, res: FileResult) -> BatchFile:
        bf = BatchFile(
            batch_id=batch_id, source=res.source, sha256=res.sha256, size=res.size,
            result=res.result, reason=res.reason, document_id=res.document_id,
        )
        s.add(bf)
        s.flush()
        return bf

    def _record_error(self, batch_id: int, res: FileResult) -> None:
        with self.catalog.session() as s:
            self._record_file(s, batch_id, res)

    def _add_document(
        self, s, doc: LoadedDocument, sections: list[ProcessedSection], sha: str, size: int,
        label: int, departments: list[str], license: str, batch_id: int | None,
    ) -> Document:
        title = doc.title.strip() or Path(doc.source).stem
        row = Document(
            sha256=sha, source=doc.source, title=title, kind=doc.kind, encoding=doc.encoding,
            pages=doc.pages, size=size, label=label, departments=list(departments), license=license,
            status="pending", meta=dict(doc.meta), batch_id=batch_id,
        )
        s.add(row)
        s.flush()
        self._add_sections(s, row, sections)
        return row

    def _add_sections(self, s, row: Document, sections: list[ProcessedSection]) -> None:
        for ps in sections:
            sec = SectionRow(
                document_id=row.id, ordinal=ps.ordinal, page=ps.page, article=ps.article,
                heading=ps.heading, text_original=ps.text_original, text=ps.text, offset_map=ps.offset_map,
            )
            s.add(sec)
            s.flush()
            for c in ps.chunks:
                s.add(ChunkRow(
                    document_id=row.id, section_id=sec.id, ordinal=c.ordinal, start=c.start, end=c.end,
                    text=c.text, terms=" ".join(c.terms), n_tokens=c.n_tokens,
                ))
        s.flush()

    def _has_pending(self) -> bool:
        with self.catalog.session() as s:
            return s.scalars(select(Document.id).where(Document.status == "pending").limit(1)).first() is not None

    def _write_batch_manifest(
        self, batch_id: int, report: BatchReport, label: int, departments: list[str], license: str, by: str
    ) -> Path:
        now = dt.datetime.now(dt.timezone.utc)
        emb_id, dim = self._embedder_identity()
        data = {
            "kind": "ingest-batch",
            "batch_id": batch_id,
            "when": now.isoformat(),
            "by": by,
            "label": label,
            "departments": departments,
            "license": license,
            "generation": report.generation,
            "counts": {
                "ok": len(report.ok), "duplicate": len(report.duplicates), "error": len(report.errors),
            },
            "files": [
                {
                    "source": f.source, "sha256": f.sha256, "size": f.size, "license": license,
                    "result": f.result, "reason": f.reason, "document_id": f.document_id,
                    "title": f.title, "chunks": f.chunks,
                }
                for f in report.files
            ],
            "tools": tool_versions(emb_id, dim, self.settings.chunk_tokens, self.settings.chunk_overlap),
        }
        path = self.settings.manifest_dir / f"batch-{batch_id:06d}-{now:%Y%m%dT%H%M%SZ}.json"
        write_json_atomic(path, data)
        with self.catalog.session() as s:
            b = s.get(Batch, batch_id)
            if b is not None:
                b.finished_at = now
                b.manifest_path = path.name  # relative to manifest_dir: the home may move
                b.n_ok, b.n_duplicate, b.n_error = len(report.ok), len(report.duplicates), len(report.errors)
        return path

    def _embedder_identity(self) -> tuple[str, int]:
        snap = self.store.load()
        if self._embedder is None and snap is not None:
            return snap.manifest.get("embedder", ""), int(snap.manifest.get("dim", 0))
        return self.embedder.model_id, self.embedder.dim

    # -- the index -----------------------------------------------------------
    def reindex(self, full: bool = False, progress: Progress = _noop, by: str | None = None) -> str | None:
        """Bring the index in line with the catalog.

        Incremental: embed chunks of pending documents, drop deleted ones.
        ``full``: re-normalise and re-chunk every document from its stored
        original text with the current settings, re-embed everything, and
        switch to the new generation atomically.
        """
        with self._write_lock():
            self._recover()
            t0 = time.perf_counter()
            if full:
                self._rechunk_all(progress)
            name = self._sync_index(full=full, progress=progress)
            self.audit(by, "reindex", {"full": bool(full), "generation": name,
                                       "latency_s": round(time.perf_counter() - t0, 3)})
            return name

    def _rechunk_all(self, progress: Progress) -> None:
        with self.catalog.session() as s:
            doc_ids = s.scalars(select(Document.id).where(Document.status != "deleted").order_by(Document.id)).all()
        for i, did in enumerate(doc_ids):
            progress("rechunk", i, len(doc_ids))
            with self.catalog.session() as s:
                row = s.get(Document, did)
                current = list(row.sections)
                if any(sec.superseded for sec in current):
                    continue  # already re-chunked by an interrupted full re-index: resume after it
                loaded = LoadedDocument(
                    source=row.source, kind=row.kind, title=row.title, pages=row.pages,
                    sections=tuple(
                        Section(sec.text_original, sec.page, sec.article, sec.heading)
                        for sec in current
                    ),
                )
                processed = process_document(loaded, self.settings.chunk_tokens, self.settings.chunk_overlap)
                # The live generation still cites the old rows: keep them until the
                # new generation is live (_purge), so queries never lose a document.
                for sec in current:
                    sec.superseded = 1
                s.flush()
                self._add_sections(s, row, processed)
        progress("rechunk", len(doc_ids), len(doc_ids))

    def _sync_index(self, full: bool = False, progress: Progress = _noop) -> str | None:
        snap = self.store.load()
        emb = self.embedder
        if snap is not None and not full and snap.manifest.get("embedder") != emb.model_id:
            raise IndexError_(
                f"the live index was built with {snap.manifest.get('embedder')!r} but the configured "
                f"embedder is {emb.model_id!r}: run `shirube reindex --full`"
            )
        with self.catalog.session() as s:
            rows = s.execute(
                select(ChunkRow.id, ChunkRow.terms, ChunkRow.text, Document.title, SectionRow.heading, SectionRow.article)
                .join(Document, Document.id == ChunkRow.document_id)
                .join(SectionRow, SectionRow.id == ChunkRow.section_id)
                .where(Document.status.in_(("pending", "active")), SectionRow.superseded == 0)
                .order_by(ChunkRow.id)
            ).all()
        want_ids = np.asarray([r[0] for r in rows], np.int64)
        if full or snap is None:
            dense = DenseIndex.create(emb.dim, self.settings.index_type, n_hint=len(rows))
            live = np.zeros(0, np.int64)
        else:
            # A private copy: the cached snapshot keeps serving queries meanwhile.
            dense = DenseIndex.load(snap.path / "dense.faiss", snap.dense.dim, snap.dense.kind)
            live = snap.bm25.ids
        to_remove = np.setdiff1d(live, want_ids)
        add_mask = ~np.isin(want_ids, live)
        dense.remove(to_remove)
        texts = [
            index_text(r[3], " > ".join(p for p in (r[4], r[5]) if p) or None, r[2])
            for r, m in zip(rows, add_mask) if m
        ]
        if texts:
            done = [0]

            def tick(n: int) -> None:
                done[0] += n
                progress("embed", done[0], len(texts))

            progress("embed", 0, len(texts))
            vecs = emb.embed_passages(texts, progress=tick) if _accepts_progress(emb) else emb.embed_passages(texts)
            dense.add(want_ids[add_mask], vecs)
        lexical = {"k1": self.settings.bm25_k1, "b": self.settings.bm25_b}
        if not texts and len(to_remove) == 0 and snap is not None and not full and snap.manifest.get("bm25") == lexical:
            self._mark_active(want_ids, snap.name)
            return snap.name
        progress("bm25", 0, 1)
        k1, b = self.settings.bm25_k1, self.settings.bm25_b
        bm25 = BM25Index.build(want_ids.tolist(), (r[1].split() for r in rows), k1=k1, b=b)
        ngram = BM25Index.build(
            want_ids.tolist(),
            (gram_terms(index_text(r[3], " > ".join(p for p in (r[4], r[5]) if p) or None, r[2])) for r in rows),
            k1=k1, b=b,
        )
        progress("bm25", 1, 1)
        manifest = {
            "created": dt.datetime.now(dt.timezone.utc).isoformat(),
            "embedder": emb.model_id,
            "full": bool(full or snap is None),
            "previous": snap.name if snap else None,
            "bm25": lexical,
            "tools": tool_versions(emb.model_id, emb.dim, self.settings.chunk_tokens, self.settings.chunk_overlap),
        }
        with self.catalog.session() as s:
            gen = Generation(name="(building)", status="building", n_chunks=len(rows), embedder=emb.model_id,
                             dim=emb.dim, full=int(full))
            s.add(gen)
            s.flush()
            gen.name = f"(building-{gen.id})"
        name = self.store.write(dense, bm25, ngram, manifest)
        with self.catalog.session() as s:
            s.execute(update(Generation).where(Generation.status == "live").values(status="retired"))
            g = s.scalars(select(Generation).where(Generation.status == "building").order_by(Generation.id.desc())).first()
            if g is not None:
                g.name, g.status = name, "live"
        self._mark_active(want_ids, name)
        self.store.cleanup(self.settings.keep_generations)
        self._allowed_cache.clear()
        return name

    def _mark_active(self, ids: np.ndarray, generation: str) -> None:
        with self.catalog.session() as s:
            s.execute(update(Document).where(Document.status == "pending").values(status="active"))
        self._purge()

    def _purge(self) -> None:
        """Drop rows no live generation needs: superseded sections, deleted documents' text."""
        with self.catalog.session() as s:
            dead = select(SectionRow.id).where(
                (SectionRow.superseded == 1)
                | SectionRow.document_id.in_(select(Document.id).where(Document.status == "deleted"))
            )
            ids = s.scalars(dead).all()
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                s.execute(delete(ChunkRow).where(ChunkRow.section_id.in_(part)))
                s.execute(delete(SectionRow).where(SectionRow.id.in_(part)))

    def _recover(self) -> None:
        """Repair what a killed writer left (called under the write lock).

        A generation row left 'building' is marked failed; the catalog's live
        generation is set to the one ``CURRENT`` names (a crash can fall
        between the atomic switch and the catalog update). Documents left
        'pending' are indexed by the next _sync_index; half-written temp
        directories go in ``store.cleanup``.
        """
        live = self.store.current_name()
        with self.catalog.session() as s:
            s.execute(update(Generation).where(Generation.status == "building").values(status="failed"))
            if live is None:
                return
            row = s.scalars(select(Generation).where(Generation.name == live)).first()
            if row is not None and row.status == "live":
                return
            s.execute(update(Generation).where(Generation.status == "live").values(status="retired"))
            if row is None:
                snap = self.store.load()
                man = snap.manifest if snap else {}
                s.add(Generation(name=live, status="live", n_chunks=snap.n_chunks if snap else 0,
                                 embedder=man.get("embedder", ""), dim=int(man.get("dim", 0)),
                                 full=int(bool(man.get("full")))))
            else:
                row.status = "live"

    def delete_document(self, document_id: int, by: str | None = None) -> str | None:
        with self._write_lock():
            self._recover()
            with self.catalog.session() as s:
                row = s.get(Document, document_id)
                if row is None or row.status == "deleted":
                    raise ShirubeError(f"文書ID {document_id} は存在しません")
                row.status = "deleted"
                title, sha = row.title, row.sha256
            name = self._sync_index()  # its _purge drops the deleted document's sections and chunks
            with self.catalog.session() as s:
                still_used = self.catalog.find_document_by_sha(s, sha) is not None
            if not still_used:
                originals.remove(self.settings.originals_dir, sha)
            self.audit(by, "delete", {"document_id": document_id, "title": title, "sha256": sha, "generation": name})
            return name

    def original(self, document_id: int, access: AccessFilter = EVERYTHING) -> tuple[str, bytes] | None:
        """(file name, original bytes) of a document the user may see; None when not kept."""
        doc = self.document(document_id, access)
        path = originals.find(self.settings.originals_dir, doc["sha256"])
        return (doc["source"], path.read_bytes()) if path is not None else None

    # -- reading -------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        snap = self.store.load()
        if snap is None:
            raise RetrievalError("索引がまだありません。先に `shirube ingest` で文書を登録してください。")
        return snap

    def _allowed(self, snap: Snapshot, access: AccessFilter) -> np.ndarray | None:
        if access.unrestricted:
            return None
        key = (snap.name, self._acl_token(), access.key)
        cached = self._allowed_cache.get(key)
        if cached is not None:
            return cached
        with self.catalog.session() as s:
            docs = s.execute(
                select(Document.id, Document.label, Document.departments).where(Document.status == "active")
            ).all()
            ok_docs = [d[0] for d in docs if access.allows(d[1], d[2] or [], d[0])]
            ids = s.scalars(select(ChunkRow.id).where(ChunkRow.document_id.in_(ok_docs))).all() if ok_docs else []
        arr = np.asarray(sorted(ids), np.int64)
        if len(self._allowed_cache) > 256:
            self._allowed_cache.clear()
        self._allowed_cache[key] = arr
        return arr

    def search(
        self, query: str, k: int | None = None, *, access: AccessFilter = EVERYTHING, mode: str = "hybrid",
        timings: dict[str, float] | None = None, user: str | None = None,
    ) -> list[Hit]:
        """Hybrid search inside ``access``; ``user`` names who asks (for the audit log)."""
        t0 = time.perf_counter()
        hits = self._search(query, k, access=access, mode=mode, timings=timings)
        self.audit(user, "search", {
            "query": query, "mode": mode, "k": k, "generation": self._live_name(),
            "hits": [{"document_id": h.document_id, "chunk_id": h.chunk_id, "page": h.page, "article": h.article}
                     for h in hits],
            "latency_s": round(time.perf_counter() - t0, 4),
        })
        return hits

    def _live_name(self) -> str | None:
        snap = self.store.load()
        return snap.name if snap else None

    def _search(
        self, query: str, k: int | None = None, *, access: AccessFilter = EVERYTHING, mode: str = "hybrid",
        timings: dict[str, float] | None = None,
    ) -> list[Hit]:
        if not query or not query.strip():
            raise RetrievalError("検索語が空です")
        snap = self.snapshot()
        if mode in ("hybrid", "dense"):
            self._check_embedder(snap)
        k = k or self.settings.top_k
        st = self.settings
        weights = FusionWeights(st.weight_bm25, st.weight_ngram, st.weight_dense, st.fusion, st.rrf_k)
        for _attempt in range(2):
            ranked = rank(
                snap, self.embedder if mode in ("hybrid", "dense") else None, query, k * 2, mode=mode,
                weights=weights, candidates=st.candidates, allowed_ids=self._allowed(snap, access), timings=timings,
            )
            hits = self._resolve(ranked, access)
            # A writer switched generations and purged rows mid-query: ask the new one.
            if len(hits) == len(ranked) or self.store.current_name() in (None, snap.name):
                break
            snap = self.snapshot()
        return hits[:k]

    def _check_embedder(self, snap: Snapshot) -> None:
        """Query vectors must come from the model that built the index."""
        built = snap.manifest.get("embedder")
        if built and built != self.embedder.model_id:
            raise RetrievalError(
                f"索引は埋め込みモデル {built} で作成されていますが、設定は {self.embedder.model_id} です。"
                "設定を戻すか `shirube reindex --full` で索引を作り直してください。"
            )

    def _resolve(self, ranked: list[Ranked], access: AccessFilter) -> list[Hit]:
        if not ranked:
            return []
        ids = [r.chunk_id for r in ranked]
        with self.catalog.session() as s:
            rows = s.execute(
                select(ChunkRow, SectionRow, Document)
                .join(SectionRow, SectionRow.id == ChunkRow.section_id)
                .join(Document, Document.id == ChunkRow.document_id)
                .where(ChunkRow.id.in_(ids))
            ).all()
        by_id = {c.id: (c, sec, d) for c, sec, d in rows}
        hits = []
        for r in ranked:
            found = by_id.get(r.chunk_id)
            if found is None:
                continue  # deleted while this generation was live
            c, sec, d = found
            # Second line of defence: never return what the user may not see.
            if not _visible(d, access):
                continue
            hits.append(Hit(
                c.id, d.id, sec.id, d.title, d.source, d.kind, d.label, sec.page, sec.article, sec.heading,
                c.text, c.start, c.end, r.score, r.scores,
            ))
        return hits

    def passages(self, hits: list[Hit]) -> list[Passage]:
        if not hits:
            return []
        with self.catalog.session() as s:
            secs = {
                sec.id: sec
                for sec in s.scalars(select(SectionRow).where(SectionRow.id.in_({h.section_id for h in hits})))
            }
        return [Passage(h, secs[h.section_id].text_original, secs[h.section_id].offset_map) for h in hits if h.section_id in secs]

    def answerer(self, name: str | None = None, **overrides: Any):
        """The configured (or named) answerer, built once per name and reused."""
        from model.registry import make_answerer

        name = name or self.settings.answerer
        snap = self.snapshot()
        key = (name, snap.name, tuple(sorted(overrides.items())))
        with self._embedder_lock:
            cached = self._answerers.get(key)
        if cached is not None:
            return cached
        built = make_answerer(name, self.settings, snap.bm25.idf, **overrides)
        with self._embedder_lock:
            # keep one per (name, overrides); the idf table follows the generation
            self._answerers = {k: v for k, v in self._answerers.items() if k[0] != name or k[2] != key[2]}
            self._answerers[key] = built
        return built

    def ask(
        self, question: str, *, access: AccessFilter = EVERYTHING, answerer: str | None = None,
        k: int | None = None, on_token: Callable[[str], None] | None = None, user: str | None = None,
        **answerer_overrides: Any,
    ) -> Answer:
        """Retrieve (inside the user's access filter) and answer with citations.

        ``on_token`` streams the answer text as it is produced.
        """
        from dataclasses import replace

        t0 = time.perf_counter()
        generation = self._live_name()
        hits = self._search(question, k=k, access=access)
        ans = self.answerer(answerer, **answerer_overrides).answer(question, self.passages(hits), on_token=on_token)
        ans = replace(ans, latency_s=time.perf_counter() - t0)
        self.audit(user, "ask", {
            "question": question, "answer": ans.text, "answered": ans.answered,
            "citations": audit.citations_detail(ans.citations, generation),
            "passages": [{"document_id": h.document_id, "chunk_id": h.chunk_id} for h in hits],
            "answerer": ans.answerer, "model_id": ans.model_id, "generation": generation,
            "latency_s": round(ans.latency_s, 4),
        })
        return ans

    def section(self, section_id: int, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """A section's original text and metadata, for the source viewer."""
        with self.catalog.session() as s:
            sec = s.get(SectionRow, section_id)
            if sec is None:
                raise RetrievalError(f"section {section_id} not found")
            d = sec.document
            if not _visible(d, access):
                raise RetrievalError(f"section {section_id} not found")
            return {
                "section_id": sec.id, "document_id": d.id, "title": d.title, "source": d.source, "kind": d.kind,
                "page": sec.page, "article": sec.article, "heading": sec.heading, "text": sec.text_original,
            }

    def status(self) -> dict[str, Any]:
        snap = self.store.load()
        with self.catalog.session() as s:
            docs = s.execute(select(Document.status, Document.kind)).all()
            n_chunks = s.query(ChunkRow).count()
        by_status: dict[str, int] = {}
        by_kind: dict[str, int] = {}
        for st, kind in docs:
            by_status[st] = by_status.get(st, 0) + 1
            if st != "deleted":
                by_kind[kind] = by_kind.get(kind, 0) + 1
        return {
            "home": str(self.settings.home.resolve()),
            "database": _redact(self.settings.database_url),
            "documents": by_status,
            "documents_by_kind": by_kind,
            "chunks": n_chunks,
            "generation": snap.name if snap else None,
            "indexed_chunks": snap.n_chunks if snap else 0,
            "embedder": snap.manifest.get("embedder") if snap else self.settings.embedder,
            "dim": snap.manifest.get("dim") if snap else None,
            "index_type": snap.manifest.get("index_type") if snap else self.settings.index_type,
            "index_disk_bytes": self.store.disk_bytes(),
            "index_problems": self.store.verify() if snap else [],
            "manifests": [
                {"path": m["_path"], "when": m.get("when"), "kind": m.get("kind"), "counts": m.get("counts")}
                for m in list_manifests(self.settings.manifest_dir)
            ],
        }

    def documents(self, access: AccessFilter = EVERYTHING) -> list[dict[str, Any]]:
        with self.catalog.session() as s:
            rows = s.scalars(select(Document).where(Document.status != "deleted").order_by(Document.id)).all()
            return [_document_dict(d) for d in rows if access.allows_document(d)]

    def document(self, document_id: int, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """One document's record (as in :meth:`documents`) if the user may see it."""
        with self.catalog.session() as s:
            d = s.get(Document, document_id)
            if not _visible(d, access):
                raise RetrievalError(f"文書ID {document_id} は存在しません")
            return _document_dict(d)

    def chunk_provenance(self, chunk_id: int, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """Trace a chunk back to its document, batch and manifest entry."""
        with self.catalog.session() as s:
            c = s.get(ChunkRow, chunk_id)
            if c is None:
                raise RetrievalError(f"chunk {chunk_id} not found")
            d = s.get(Document, c.document_id)
            if not _visible(d, access):
                raise RetrievalError(f"chunk {chunk_id} not found")
            b = s.get(Batch, d.batch_id) if d.batch_id else None
            bf = s.get(BatchFile, d.batch_file_id) if d.batch_file_id else None
            manifest = None
            if b is not None and b.manifest_path:
                manifest = str(self.settings.manifest_dir / Path(b.manifest_path).name)
            return {"chunk_id": c.id, "document_id": d.id, "name": d.source,
                    "source": bf.source if bf else d.source, "sha256": d.sha256,
                    "batch_id": d.batch_id, "manifest": manifest,
                    "page": c.section.page, "article": c.section.article, "start": c.start, "end": c.end}


def _document_dict(d: Document) -> dict[str, Any]:
    return {"id": d.id, "title": d.title, "source": d.source, "kind": d.kind, "pages": d.pages,
            "label": d.label, "departments": d.departments, "license": d.license, "status": d.status,
            "sha256": d.sha256, "batch_id": d.batch_id, "created_at": d.created_at.isoformat()}


def _visible(doc: Document | None, access: AccessFilter) -> bool:
    """The one check behind section, original, provenance and search results."""
    return doc is not None and doc.status != "deleted" and access.allows_document(doc)


def _accepts_progress(emb: Embedder) -> bool:
    import inspect

    try:
        return "progress" in inspect.signature(emb.embed_passages).parameters
    except (TypeError, ValueError):
        return False


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
