"""The source file of a document, for the source viewer (PDF page rendering).

The engine keeps every ingested file (``keep_originals``; see
indexer/originals.py) and serves it within the user's access
(:meth:`Shirube.original`). Documents ingested before that, or with it off,
are found in the folders given with ``--sources`` by file name, and used only
when their SHA-256 matches the catalog's. Served to a named ``user``, either
way is audited as ``original_download`` (with the ``page`` the viewer renders:
rendering a page hands the user the original's content as surely as a download).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

from shirube.api import AccessFilter, Shirube


def find(
    sh: Shirube, access: AccessFilter, document_id: int, sources: Iterable[str] = (), user: str | None = None,
    page: int | None = None,
) -> bytes | None:
    """The original bytes of a document the user may see, or None when not kept anywhere."""
    kept = sh.original(document_id, access, user=user, page=page)
    if kept is not None:
        return kept.data
    doc = sh.document(document_id, access)
    name = Path(doc["source"]).name
    for root in sources:
        for p in Path(root).rglob(name):
            if p.is_file():
                data = p.read_bytes()
                if hashlib.sha256(data).hexdigest() == doc["sha256"]:
                    if user is not None:
                        sh.audit(user, "original_download", {
                            "document_id": document_id, "title": doc["title"], "source": doc["source"],
                            "sha256": doc["sha256"], "bytes": len(data), "from": "sources",
                            **({"page": page} if page is not None else {}),
                        })
                    return data
    return None
