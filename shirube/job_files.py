"""What a durable ingest job's rows hold (shirube/jobs.py): a file's row, the uploader's access
as stored, the reader of a stored upload that checks it is still the file accepted."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexer.catalog import IngestJob, IngestJobFile
from retrieval.access import AccessFilter

__all__ = ["access_dict", "access_of", "file_row", "job_dict", "reader", "stored_here"]


def file_row(job_id: int, i: int, name: str, size: int | None, sha: str | None, state: str, reason: str | None,
              document_id: int | None, batch_id: int | None) -> IngestJobFile:
    return IngestJobFile(job_id=job_id, ordinal=i, name=name, stored_path=name, size=size or 0, sha256=sha or "",
                         state=state, reason=reason, document_id=document_id, batch_id=batch_id)


def reader(path: Path, sha256: str) -> Callable[[], bytes]:
    def read() -> bytes:
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OSError("保存したファイルが受け付け後に変更されています（SHA-256 不一致）")
        return data
    return read


def access_dict(a: AccessFilter) -> dict[str, Any]:
    return {"clearance": a.clearance, "admin": a.admin,
            "departments": sorted(a.departments) if a.departments is not None else None}


def access_of(d: dict[str, Any]) -> AccessFilter:
    depts = d.get("departments")
    return AccessFilter(clearance=int(d.get("clearance", 3)), admin=bool(d.get("admin", False)),
                        departments=frozenset(depts) if depts is not None else None)


def stored_here(home: Path, job: IngestJob | None) -> bool:
    """Whether this home holds the files ``job`` has still to ingest. Servers with homes of their
    own share the catalog (shirube/index_sync.py): a job another server accepted is that
    server's to run or resume, never this one's to fail for want of its files."""
    if job is None or job.kind != "upload":
        return True
    return all((home / f.stored_path).exists() for f in job.files if f.state == "queued")


def job_dict(job: IngestJob, progress: tuple[str, int, int] | None = None) -> dict[str, Any]:
    """A job and its files as :meth:`JobService.job` returns them (``progress``: live, this process)."""
    return {
        "id": job.id, "kind": job.kind, "by": job.by, "state": job.state, "reason": job.reason,
        "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at,
        "label": job.label, "departments": list(job.departments or []), "license": job.license,
        "attempts": job.attempts, "batch_id": job.batch_id, "progress": progress,
        "files": [{"name": f.name, "size": f.size, "state": f.state, "reason": f.reason,
                   "document_id": f.document_id, "batch_id": f.batch_id} for f in job.files],
    }
