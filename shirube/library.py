"""The read API and document administration: status, document lists and
records, sections for the source viewer, provenance, originals, relabelling
and deletion. Every read goes through the one visibility rule (rows.visible)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

from sqlalchemy import func, select

from base.errors import AccessDenied, IngestError, RetrievalError, ShirubeError
from indexer import originals
from indexer.catalog import Batch, BatchFile, ChunkRow, Document, SectionRow
from indexer.manifest import list_manifests
from retrieval.access import EVERYTHING, AccessFilter, clean_departments

from .home import Home
from .index_build import IndexBuilder
from .rows import document_dict, visible


class Original(NamedTuple):
    """A kept source file: the user's file name and its bytes as uploaded."""

    name: str
    data: bytes


class Library:
    def __init__(self, home: Home, index: IndexBuilder, forget_allowed: Callable[[], None]) -> None:
        self._home = home
        self._index = index  # deleting a document re-syncs the index
        self._forget_allowed = forget_allowed  # relabelling invalidates search's allowed-id cache

    # -- reading -----------------------------------------------------------------
    def status(
        self, access: AccessFilter = EVERYTHING, manifest_visible: Callable[[str], bool] | None = None,
    ) -> dict[str, Any]:
        """Counts of the documents ``access`` may see (and their chunks), the index, and the
        manifests ``manifest_visible`` allows (all when None)."""
        settings, store = self._home.settings, self._home.store
        snap = store.load()
        with self._home.question_session() as s:
            rows = s.execute(select(Document.id, Document.status, Document.kind, Document.label,
                                    Document.departments)).all()
            seen = {r.id for r in rows if access.allows(r.label, r.departments or [], r.id)}
            docs = [(r.status, r.kind) for r in rows if r.id in seen]
            per_doc = s.execute(select(ChunkRow.document_id, func.count()).group_by(ChunkRow.document_id)).all()
            n_chunks = sum(n for d, n in per_doc if d in seen)
        by_status: dict[str, int] = {}
        by_kind: dict[str, int] = {}
        for st, kind in docs:
            by_status[st] = by_status.get(st, 0) + 1
            if st != "deleted":
                by_kind[kind] = by_kind.get(kind, 0) + 1
        return {
            "home": str(settings.home.resolve()),
            "database": _redact(settings.database_url),
            "documents": by_status,
            "documents_by_kind": by_kind,
            "chunks": n_chunks,
            "generation": snap.name if snap else None,
            "indexed_chunks": snap.n_chunks if snap else 0,
            "embedder": snap.manifest.get("embedder") if snap else settings.embedder,
            "dim": snap.manifest.get("dim") if snap else None,
            "index_type": snap.manifest.get("index_type") if snap else settings.index_type,
            "index_disk_bytes": store.disk_bytes(),
            "index_problems": store.verify() if snap else [],
            "manifests": [
                {"path": m["_path"], "when": m.get("when"), "kind": m.get("kind"), "counts": m.get("counts")}
                for m in list_manifests(settings.manifest_dir)
                if manifest_visible is None or manifest_visible(m["_path"])
            ],
        }

    def documents(self, access: AccessFilter = EVERYTHING) -> list[dict[str, Any]]:
        with self._home.question_session() as s:
            rows = s.scalars(select(Document).where(Document.status != "deleted").order_by(Document.id)).all()
            return [document_dict(d) for d in rows if access.allows_document(d)]

    def document(self, document_id: int, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """One document's record (as in :meth:`documents`) if the user may see it."""
        with self._home.question_session() as s:
            d = s.get(Document, document_id)
            if not visible(d, access):
                raise RetrievalError(f"文書ID {document_id} は存在しません")
            return document_dict(d)

    def section(self, section_id: int, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """A section's original text and metadata, for the source viewer."""
        with self._home.question_session() as s:
            sec = s.get(SectionRow, section_id)
            if sec is None:
                raise RetrievalError(f"section {section_id} not found")
            d = sec.document
            if not visible(d, access):
                raise RetrievalError(f"section {section_id} not found")
            return {
                "section_id": sec.id, "document_id": d.id, "title": d.title, "source": d.source, "kind": d.kind,
                "page": sec.page, "article": sec.article, "heading": sec.heading, "text": sec.text_original,
            }

    def preview(self, document_id: int, access: AccessFilter = EVERYTHING, chars: int = 800) -> dict[str, Any]:
        """The first section(s) of a document the user may see, up to ``chars`` characters of
        original text, for a library preview (``truncated``: there is more)."""
        with self._home.question_session() as s:
            d = s.get(Document, document_id)
            if not visible(d, access):
                raise RetrievalError(f"文書ID {document_id} は存在しません")
            rows = s.scalars(select(SectionRow).where(SectionRow.document_id == document_id)
                             .order_by(SectionRow.superseded, SectionRow.ordinal, SectionRow.id).limit(100)).all()
            live = [r for r in rows if not r.superseded] or rows  # a full re-index in flight: either copy
            out: list[str] = []
            size, more = 0, False
            for sec in live:
                text = (sec.text_original or "").strip()
                if not text:
                    continue
                if sec.article and not text.startswith(sec.article):  # a statute's 第○条 is the section's label
                    text = f"{sec.article}　{text}"
                if size >= chars:
                    more = True
                    break
                out.append(text[: chars - size])
                more = more or len(text) > chars - size
                size += len(out[-1])
            first = live[0] if live else None
            return {"document_id": d.id, "title": d.title, "text": "\n\n".join(out), "truncated": more,
                    "page": first.page if first is not None else None,
                    "heading": first.heading if first is not None else None}

    def chunk_provenance(self, chunk_id: int, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """Trace a chunk back to its document, batch and manifest entry."""
        with self._home.question_session() as s:
            c = s.get(ChunkRow, chunk_id)
            if c is None:
                raise RetrievalError(f"chunk {chunk_id} not found")
            d = s.get(Document, c.document_id)
            if not visible(d, access):
                raise RetrievalError(f"chunk {chunk_id} not found")
            b = s.get(Batch, d.batch_id) if d.batch_id else None
            bf = s.get(BatchFile, d.batch_file_id) if d.batch_file_id else None
            manifest = None
            if b is not None and b.manifest_path:
                manifest = str(self._home.settings.manifest_dir / Path(b.manifest_path).name)
            return {"chunk_id": c.id, "document_id": d.id, "name": d.source,
                    "source": bf.source if bf else d.source, "sha256": d.sha256,
                    "batch_id": d.batch_id, "manifest": manifest,
                    "page": c.section.page, "article": c.section.article, "start": c.start, "end": c.end}

    def original(
        self, document_id: int, access: AccessFilter = EVERYTHING, user: str | None = None, page: int | None = None,
    ) -> Original | None:
        """The file name and original bytes of a document the user may see; None when not kept.

        Served to a ``user``, it is audited as ``original_download`` (``page``: the source
        viewer renders that page of it, recorded in the row)."""
        doc = self.document(document_id, access)
        path = originals.find(self._home.originals_dir, doc["sha256"])
        if path is None:
            return None
        data = path.read_bytes()
        if user is not None:
            self._home.audit(user, "original_download", {
                "document_id": document_id, "title": doc["title"], "source": doc["source"],
                "sha256": doc["sha256"], "bytes": len(data), **({"page": page} if page is not None else {}),
            })
        return Original(doc["source"], data)

    # -- administration ------------------------------------------------------------
    def relabel_document(
        self, document_id: int, label: int | None = None, departments: Iterable[str] | None = None,
        by: str | None = None, access: AccessFilter | None = None, reason: str = "",
    ) -> dict[str, Any]:
        """Change a document's 機密性 label and/or departments (admins only).

        ``access``: the acting admin's (None: a trusted caller). The document must be one
        they may see, and the new label at most their clearance. A change that widens who
        may see it (a lower label, or departments added or removed from a label-2/3
        document) is a declassification: it needs a ``reason`` and is audited as
        ``declassify`` (else ``relabel``). Chunks carry no copy of the label: retrieval
        reads it from the document, and every cached allowed-id set is invalidated, in
        this and every other process (``acl.version``).
        """
        if access is not None and not access.admin:
            raise AccessDenied("機密性ラベルの変更は管理者のみ行えます")
        if label is not None and label not in (1, 2, 3):
            raise IngestError("relabel", f"機密性ラベルは1〜3で指定してください（指定値: {label}）")
        if access is not None and label is not None and label > access.clearance:
            raise AccessDenied(f"ご自身の閲覧可能な機密性（{access.clearance}）より上のラベルには変更できません（指定値: {label}）")
        reason = " ".join((reason or "").split())[:500]
        with self._home.write_lock():
            with self._home.catalog.session() as s:
                row = s.get(Document, document_id)
                if not visible(row, access if access is not None else EVERYTHING):  # unseen: as if absent
                    raise ShirubeError(f"文書ID {document_id} は存在しません")
                old = {"label": row.label, "departments": list(row.departments or [])}
                new = {"label": label if label is not None else row.label,
                       "departments": clean_departments(departments) if departments is not None else old["departments"]}
                action = "declassify" if widens(old, new) else "relabel"
                if action == "declassify" and not reason:
                    raise AccessDenied("機密性を下げる（閲覧できる範囲を広げる）変更には理由の指定が必要です（--reason）")
                row.label, row.departments = new["label"], new["departments"]
                title = row.title
            self._home.bump_acl()  # after the commit: other processes' caches go stale now
            self._forget_allowed()
            detail = {"document_id": document_id, "title": title, "old": old, "new": new}
            self._home.audit(by, action, {**detail, "reason": reason} if reason else detail)
        return {"document_id": document_id, "old": old, "new": new, "action": action}

    def delete_document(self, document_id: int, by: str | None = None) -> str | None:
        """Mark a document deleted, re-sync the index without it, then drop its original."""
        with self._home.write_lock():
            self._index.recover()
            with self._home.catalog.session() as s:
                row = s.get(Document, document_id)
                if row is None or row.status == "deleted":
                    raise ShirubeError(f"文書ID {document_id} は存在しません")
                row.status = "deleted"
                title, sha = row.title, row.sha256
            name = self._index.sync_index()  # its purge drops the deleted document's sections and chunks
            with self._home.catalog.session() as s:
                still_used = self._home.catalog.find_document_by_sha(s, sha) is not None
            if not still_used:  # kept while another live document has the same content
                originals.remove(self._home.originals_dir, sha)
            self._home.audit(by, "delete", {"document_id": document_id, "title": title, "sha256": sha, "generation": name})
            self._index.close_batches(name, by)  # interrupted batches: manifest and audit before they go live
            return name


def widens(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when ``new`` (label, departments) lets someone see what ``old`` did not: a lower
    label, or — for labels 2 and 3, where departments count — departments removed (none: every
    department) or a department added."""
    if new["label"] < old["label"]:
        return True
    if old["label"] < 2 or not old["departments"]:
        return False
    return not new["departments"] or bool(set(new["departments"]) - set(old["departments"]))


def _redact(url: str) -> str:
    """The database URL without its credentials."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
