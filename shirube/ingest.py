"""Files → catalog: one batch of files parsed, chunked and recorded, then indexed.

Every file gets a batch-file row and a line in the batch manifest, whatever
its fate (ok, duplicate, error); a bad file never stops the batch.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from sqlalchemy.orm import Session

from base.atomic import write_json_atomic
from base.errors import IngestError, LoaderError
from indexer import originals
from indexer.catalog import Batch, BatchFile, Document
from indexer.manifest import current_user, tool_versions
from indexer.process import ProcessedFile, ProcessedSection
from indexer.sandbox import limits_from_settings
from indexer.types import LoadedDocument
from retrieval.access import EVERYTHING, AccessFilter, clean_departments

from .file_guard import OUTSIDE, SPECIAL, outside, read_regular, shown, special
from .home import FileLoader, Home
from .index_build import IndexBuilder, Progress, no_progress
from .ingest_pipeline import Item, Turn, turns
from .rows import add_sections


@dataclass
class FileResult:
    source: str
    result: str  # ok | duplicate | error | skipped (hidden, .shirubeignore: not ingested)
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

    @property
    def skipped(self) -> list[FileResult]:
        return [f for f in self.files if f.result == "skipped"]

    @property
    def path_errors(self) -> list[FileResult]:
        """A missing path or an unreadable folder (the CLI exits 1)."""
        return [f for f in self.errors if (f.reason or "").startswith((MISSING, UNREADABLE))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "manifest": self.manifest_path,
            "generation": self.generation,
            "files": [vars(f) for f in self.files],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "BatchReport":
        """The report :meth:`to_dict` wrote (e.g. by a child process that ran the batch)."""
        return cls(int(d["batch_id"]), [FileResult(**f) for f in d["files"]], d.get("manifest"), d.get("generation"))


@dataclass(frozen=True)
class BatchTerms:
    """What every file of one batch shares: its row, the uploader's choices."""

    batch_id: int
    label: int
    departments: list[str]
    license: str
    by: str
    access: AccessFilter


# Why a path under a given folder was not ingested, or why a given path could not be read.
HIDDEN_FILE, HIDDEN_DIR, IGNORED = "スキップ（隠しファイル）", "スキップ（隠しフォルダ）", "スキップ（.shirubeignore）"
NOT_FILE = "スキップ（通常のファイルではありません）"
MISSING, UNREADABLE = "ファイルまたはフォルダがありません", "フォルダを読めません"
IGNORE_FILE = ".shirubeignore"


class Entry(NamedTuple):
    """One path of an ingest: to load, or skipped (``skip``), or unusable (``error``)."""

    path: Path
    skip: str | None = None
    error: str | None = None
    root: Path | None = None  # the folder it was found in: read only if it stays inside (file_guard)


def walk(paths: Iterable[str | Path]) -> Iterator[Entry]:
    """Every path of an ingest, each folder's files sorted: hidden files and folders and the
    glob patterns of a folder's ``.shirubeignore`` are *skipped* entries (named, never silent);
    a missing path or an unreadable folder is an *error* entry. A file named explicitly is
    loaded even when its name starts with 「.」."""
    for p in map(Path, paths):
        if not p.is_dir():
            yield Entry(p, error=SPECIAL if special(p) else None if os.path.lexists(p) else MISSING)
            continue
        errors: list[OSError] = []
        found: list[Entry] = []
        for d, dirs, files in os.walk(p, onerror=errors.append):
            here = Path(d)
            # hidden folders, and links to folders (never followed), are named once, not entered
            out = [n for n in dirs if n.startswith(".") or (here / n).is_symlink()]
            found += [Entry(here / n, skip=HIDDEN_DIR if n.startswith(".") else NOT_FILE) for n in out]
            dirs[:] = sorted(n for n in dirs if n not in out)
            for n in files:
                f = here / n
                if n == IGNORE_FILE:
                    continue
                skip = HIDDEN_FILE if n.startswith(".") else OUTSIDE if outside(f, p) else NOT_FILE if not f.is_file() \
                    else IGNORED if _ignored(f, p) else None
                found.append(Entry(f, skip=skip, root=p))
        found += [Entry(Path(e.filename or p), error=f"{UNREADABLE}: {e.strerror or e}") for e in errors]
        yield from sorted(found, key=lambda e: e.path)


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files :func:`walk` would load (no skipped or unusable entries)."""
    return (e.path for e in walk(paths) if e.skip is None and e.error is None)


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


class Ingester:
    def __init__(self, home: Home, index: IndexBuilder) -> None:
        self._home = home
        self._index = index

    def ingest(self, paths: Iterable[str | Path], **kwargs: Any) -> BatchReport:
        """Ingest files and folders as one batch; bad files are reported, not fatal.

        Every path gets a line: skipped ones (hidden, .shirubeignore) as ``skipped``, a
        missing path or unreadable folder as an ``error``; when every given path is
        missing or unreadable, IngestError and no batch at all."""
        given = [Path(p) for p in paths]
        entries = list(walk(given))
        unusable = [e for e in entries if e.error and e.path in given]
        if given and len({e.path for e in unusable}) == len(set(given)):
            raise IngestError("、".join(shown(e.path) for e in unusable), "、".join(dict.fromkeys(e.error for e in unusable)))
        items: list[Item] = []
        for e in entries:  # read only when its turn comes
            if e.error:
                items.append((shown(e.path), (lambda e=e: _fail(e)), None))
            elif e.skip is None:
                size = e.path.stat().st_size if e.path.exists() else None  # a broken link: "読めません" below
                items.append((shown(e.path), (lambda f=e.path, r=e.root: read_regular(f, r)), size))
        skipped = [FileResult(shown(e.path), "skipped", reason=e.skip) for e in entries if e.skip]
        report = self.ingest_items(items, skipped=skipped, **kwargs)  # skipped: lines of the manifest too
        order = {shown(e.path): i for i, e in enumerate(entries)}
        report.files.sort(key=lambda f: order.get(f.source, len(order)))
        return report

    def ingest_bytes(self, files: Iterable[tuple[str, bytes]], **kwargs: Any) -> BatchReport:
        """Same as :meth:`ingest` for uploaded (name, bytes) pairs."""
        items: list[Item] = [(name, (lambda d=data: d), len(data)) for name, data in files]
        return self.ingest_items(items, **kwargs)

    def ingest_items(
        self,
        items: list[Item],
        *,
        label: int = 1,
        departments: Iterable[str] = (),
        license: str = "",
        by: str | None = None,
        progress: Progress = no_progress,
        loader: FileLoader | None = None,
        access: AccessFilter = EVERYTHING,
        skipped: Iterable[FileResult] = (),
        on_batch: Callable[[int], None] | None = None,
    ) -> BatchReport:
        """Ingest ``items`` as one batch under the write lock, then sync the index.

        ``access`` is the uploader's: a duplicate of a document they may not
        see is reported without its id or title. ``skipped`` (not loaded) are listed
        in the manifest; ``on_batch`` learns the batch id first (an ingest job).
        """
        if label not in (1, 2, 3):
            raise IngestError("batch", f"機密性ラベルは1〜3で指定してください（指定値: {label}）")
        departments = clean_departments(departments)
        by = by or current_user()
        limits = limits_from_settings(self._home.settings)
        load = self._home.processor(limits, loader)
        with self._home.write_lock():
            self._index.recover()
            with self._home.catalog.session() as s:
                batch = Batch(by=by)
                s.add(batch)
                s.flush()
                batch_id = batch.id
            if on_batch is not None:
                on_batch(batch_id)
            terms = BatchTerms(batch_id, label, departments, license, by, access)
            report = BatchReport(batch_id)
            # ingest_overlap: the worker parses the next files while this thread records and embeds.
            progress("load", 0, len(items))
            with turns(self._home, items, load, limits, overlap=self._home.settings.ingest_overlap) as each:
                for i, turn in enumerate(each):
                    report.files.append(res := self._ingest_one(terms, turn))
                    if res.result == "ok" and res.document_id is not None and i < len(items) - 1:
                        each.embed(res.document_id)  # the last file's chunks: in the sync, with its progress
                    progress("load", i + 1, len(items))
            failed: dict[int, str] = {}  # document id -> why embedding it failed (its rows are gone)
            if report.ok or self._index.has_pending():
                report.generation = self._index.sync_index(progress=progress, failed=failed)
            for f in report.ok:
                if f.document_id in failed:
                    f.result, f.reason, f.document_id, f.chunks = "error", failed[f.document_id], None, 0
            report.files += list(skipped)
            report.manifest_path = str(self._write_batch_manifest(terms, report))
            self._home.audit(by, "ingest", {
                "batch_id": batch_id, "manifest": report.manifest_path, "generation": report.generation,
                "label": label, "departments": departments,
                "counts": {"ok": len(report.ok), "duplicate": len(report.duplicates), "error": len(report.errors)},
                "documents": [f.document_id for f in report.ok],
            })
            self._index.close_batches(report.generation, by)  # only now do its documents go live
        return report

    # -- one file ----------------------------------------------------------------
    def _ingest_one(self, terms: BatchTerms, turn: Turn) -> FileResult:
        res = FileResult(source=turn.source, result="error", size=turn.size)
        try:
            data, res.sha256 = turn.read()
            res.size = len(data)
            if self._record_duplicate(terms, res, turn.name, data):
                return res
            self._record_new(terms, res, turn.name, data, turn.parse)
        except IngestError as exc:
            res.result, res.reason = "error", exc.reason
            self._record_error(terms.batch_id, res)
        except Exception as exc:  # a bug or library crash on one file must not stop the batch
            res.result, res.reason = "error", f"予期しないエラー: {type(exc).__name__}: {exc}"
            self._record_error(terms.batch_id, res)
        return res

    def _record_duplicate(self, terms: BatchTerms, res: FileResult, name: str, data: bytes) -> bool:
        """Record ``res`` as a duplicate if its content is already stored; False when new."""
        with self._home.catalog.session() as s:
            dup = self._home.catalog.find_document_by_sha(s, res.sha256)
            if dup is None:
                return False
            res.result = "duplicate"
            if terms.access.allows_document(dup):
                res.document_id, res.title = dup.id, dup.title
                res.reason = f"重複（登録済み: 文書ID {dup.id}「{dup.title}」）"
            else:  # never name a document the uploader may not see
                res.reason = "重複（同じ内容の文書が登録済みです）"
            _record_file(s, terms.batch_id, res)
            if self._home.settings.keep_originals:  # one stored before originals were kept gets it now
                originals.save(self._home.originals_dir, res.sha256, name, data)
            return True

    def _record_new(
        self, terms: BatchTerms, res: FileResult, name: str, data: bytes, parse: Callable[[], ProcessedFile],
    ) -> None:
        """Parse and chunk (in the worker; maybe done ahead), record a new document (status 'pending' until indexed)."""
        st = self._home.settings
        done = parse()
        doc, sections = done.doc, done.sections
        if not sections:
            raise LoaderError(name, "テキストなし（抽出できる本文がありません）")
        if st.keep_originals:  # before the catalog row: a crash leaves at most a spare file
            originals.save(self._home.originals_dir, res.sha256, name, data)
        with self._home.catalog.session() as s:
            bf = _record_file(s, terms.batch_id, res)
            row = _add_document(s, doc, sections, res.sha256, len(data), terms)
            res.result, res.document_id, res.title = "ok", row.id, row.title
            res.chunks = sum(len(p.chunks) for p in sections)
            bf.result, bf.document_id = "ok", row.id
            row.batch_file_id = bf.id

    def _record_error(self, batch_id: int, res: FileResult) -> None:
        with self._home.catalog.session() as s:
            _record_file(s, batch_id, res)

    # -- the batch manifest --------------------------------------------------------
    def _write_batch_manifest(self, terms: BatchTerms, report: BatchReport) -> Path:
        now = dt.datetime.now(dt.timezone.utc)
        emb_id, dim = self._index.embedder_identity()
        st = self._home.settings
        data = _manifest_data(terms, report, now)
        data["tools"] = tool_versions(emb_id, dim, st.chunk_tokens, st.chunk_overlap)
        path = st.manifest_dir / f"batch-{terms.batch_id:06d}-{now:%Y%m%dT%H%M%SZ}.json"
        write_json_atomic(path, data)
        with self._home.catalog.session() as s:
            b = s.get(Batch, terms.batch_id)
            if b is not None:
                b.finished_at = now
                b.manifest_path = path.name  # relative to manifest_dir: the home may move
                b.n_ok, b.n_duplicate, b.n_error = len(report.ok), len(report.duplicates), len(report.errors)
        return path


def _fail(e: Entry) -> bytes:
    raise LoaderError(str(e.path), e.error or MISSING)


def _record_file(s: Session, batch_id: int, res: FileResult) -> BatchFile:
    bf = BatchFile(
        batch_id=batch_id, source=res.source, sha256=res.sha256, size=res.size,
        result=res.result, reason=res.reason, document_id=res.document_id,
    )
    s.add(bf)
    s.flush()
    return bf


def _add_document(
    s: Session, doc: LoadedDocument, sections: list[ProcessedSection], sha: str, size: int, terms: BatchTerms,
) -> Document:
    title = doc.title.strip() or Path(doc.source).stem
    row = Document(
        sha256=sha, source=doc.source, title=title, kind=doc.kind, encoding=doc.encoding,
        pages=doc.pages, size=size, label=terms.label, departments=list(terms.departments), license=terms.license,
        status="pending", meta=dict(doc.meta), batch_id=terms.batch_id,
    )
    s.add(row)
    s.flush()
    add_sections(s, row, sections)
    return row


def _manifest_data(terms: BatchTerms, report: BatchReport, now: dt.datetime) -> dict[str, Any]:
    """The batch manifest, less its ``tools`` entry: who, when, what, and each file's fate."""
    return {
        "kind": "ingest-batch",
        "batch_id": terms.batch_id,
        "when": now.isoformat(),
        "by": terms.by,
        "label": terms.label,
        "departments": terms.departments,
        "license": terms.license,
        "generation": report.generation,
        "counts": {
            "ok": len(report.ok), "duplicate": len(report.duplicates), "error": len(report.errors),
            "skipped": len(report.skipped),
        },
        "files": [
            {
                "source": f.source, "sha256": f.sha256, "size": f.size, "license": terms.license,
                "result": f.result, "reason": f.reason, "document_id": f.document_id,
                "title": f.title, "chunks": f.chunks,
            }
            for f in report.files
        ],
    }
