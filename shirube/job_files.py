"""What a durable ingest job's rows hold (shirube/jobs.py): a file's row, the uploader's access
as stored, the reader of a stored upload that checks it is still the file accepted."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexer.catalog import IngestJobFile
from retrieval.access import AccessFilter

__all__ = ["access_dict", "access_of", "file_row", "fsync_dir", "reader"]


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


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
