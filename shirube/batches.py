"""Closing batches: no document goes live without its batch manifest and audit row.

A batch is *closed* once its manifest is written (``batches.manifest_path``) and its
``ingest`` audit row appended; only then do its documents turn from ``pending`` to
``active`` (searchable — search resolves only active documents). An ingest closes its
own batch. A batch a killed writer left open (the app closed while embedding, a
SIGKILL, a full disk) is closed by the next writer, under the write lock — an ingest,
a re-index, a delete, an ingest job's resume — as a *recovered* batch: its manifest
is written from the catalog's batch-file rows (``"recovered": true``), it is audited
as an ``ingest`` with ``recovered: true``, and only then its indexed documents go live.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select, update

from base.atomic import write_json_atomic
from indexer.catalog import AuditEvent, Batch, BatchFile, ChunkRow, Document
from indexer.manifest import current_user, tool_versions

from .home import Home

RECOVERED = "中断されたバッチを復旧しました（マニフェストと監査記録をカタログから作成）"


def open_batches(home: Home) -> list[int]:
    """Batches without a manifest: left by a writer that died (call under the write lock)."""
    with home.catalog.session() as s:
        return list(s.scalars(select(Batch.id).where(Batch.manifest_path.is_(None)).order_by(Batch.id)).all())


def close(home: Home, generation: str | None, embedder: tuple[str, int], by: str | None = None) -> tuple[list[int], int]:
    """Write the missing manifests and audit rows of interrupted batches, then activate the
    pending documents of every closed batch. Call under the write lock right after a sync
    made ``generation`` hold every pending document. Returns (recovered batch ids, documents
    activated)."""
    by = by or current_user()
    recovered = open_batches(home)
    for batch_id in recovered:
        path, data = _write_recovered(home, batch_id, generation, embedder, by)
        home.audit(data["by"], "ingest", _audit_detail(data, path, recovered_by=by))
    for batch_id in _closed_without_audit(home):  # killed between its manifest and its audit row
        data = _manifest_of(home, batch_id, generation)
        with home.catalog.session() as s:
            path = str(home.settings.manifest_dir / (s.get(Batch, batch_id).manifest_path or ""))
        home.audit(data["by"], "ingest", _audit_detail(data, path, recovered_by=by))
        recovered.append(batch_id)
    with home.catalog.session() as s:
        closed = select(Batch.id).where(Batch.manifest_path.is_not(None))
        n = s.execute(update(Document).where(
            Document.status == "pending", or_(Document.batch_id.is_(None), Document.batch_id.in_(closed)),
        ).values(status="active")).rowcount or 0
    if n:
        home.bump_acl()  # other processes may have cached allowed ids without these documents
    return recovered, n


def _closed_without_audit(home: Home) -> list[int]:
    """Batches with a manifest and pending documents but no ``ingest`` audit row."""
    with home.catalog.session() as s:
        rows = s.execute(
            select(Batch.id, Batch.started_at).where(
                Batch.manifest_path.is_not(None),
                Batch.id.in_(select(Document.batch_id).where(Document.status == "pending")),
            )
        ).all()
        out = []
        for batch_id, started in rows:
            details = s.scalars(select(AuditEvent.detail).where(
                AuditEvent.action == "ingest", AuditEvent.at >= started)).all()
            if not any((d or {}).get("batch_id") == batch_id for d in details):
                out.append(batch_id)
        return out


def _write_recovered(home: Home, batch_id: int, generation: str | None, embedder: tuple[str, int],
                     by: str) -> tuple[str, dict[str, Any]]:
    st = home.settings
    now = dt.datetime.now(dt.timezone.utc)
    data = _manifest_of(home, batch_id, generation)
    data["recovered"] = True
    data["recovery"] = {"when": now.isoformat(), "by": by, "reason": RECOVERED}
    data["tools"] = tool_versions(embedder[0], embedder[1], st.chunk_tokens, st.chunk_overlap)
    path = st.manifest_dir / f"batch-{batch_id:06d}-{now:%Y%m%dT%H%M%SZ}.json"
    write_json_atomic(path, data)
    with home.catalog.session() as s:
        b = s.get(Batch, batch_id)
        b.finished_at, b.manifest_path = now, path.name
        c = data["counts"]
        b.n_ok, b.n_duplicate, b.n_error = c["ok"], c["duplicate"], c["error"]
    return str(path), data


def _manifest_of(home: Home, batch_id: int, generation: str | None) -> dict[str, Any]:
    """An ``ingest-batch`` manifest (less ``tools``) rebuilt from the catalog's rows."""
    with home.catalog.session() as s:
        b = s.get(Batch, batch_id)
        files = s.scalars(select(BatchFile).where(BatchFile.batch_id == batch_id).order_by(BatchFile.id)).all()
        ids = [f.document_id for f in files if f.result == "ok" and f.document_id is not None]
        docs = {d.id: d for d in s.scalars(select(Document).where(Document.id.in_(ids)))} if ids else {}
        chunks = dict(s.execute(select(ChunkRow.document_id, func.count()).where(ChunkRow.document_id.in_(ids))
                                .group_by(ChunkRow.document_id)).all()) if ids else {}
        first = next(iter(docs.values()), None)
        counts = {k: sum(1 for f in files if f.result == k) for k in ("ok", "duplicate", "error")}
        return {
            "kind": "ingest-batch", "batch_id": batch_id, "when": (b.started_at or dt.datetime.now()).isoformat(),
            "by": b.by, "label": first.label if first else None,
            "departments": list(first.departments or []) if first else None,
            "license": first.license if first else None, "generation": generation, "counts": counts,
            "files": [{
                "source": f.source, "sha256": f.sha256, "size": f.size,
                "license": docs[f.document_id].license if f.document_id in docs else None,
                "result": f.result, "reason": f.reason, "document_id": f.document_id,
                "title": docs[f.document_id].title if f.document_id in docs else None,
                "chunks": int(chunks.get(f.document_id, 0)),
            } for f in files],
        }


def _audit_detail(data: dict[str, Any], path: str, *, recovered_by: str) -> dict[str, Any]:
    return {
        "batch_id": data["batch_id"], "manifest": path, "generation": data["generation"],
        "label": data["label"], "departments": data["departments"], "counts": data["counts"],
        "documents": [f["document_id"] for f in data["files"] if f["result"] == "ok"],
        "recovered": True, "recovered_by": recovered_by,
    }
