"""Which batch manifests a user may read.

A manifest (``<home>/manifests/*.json``, see indexer/manifest.py) lists file
names and titles, so a front end shows one only when the viewer's access
allows its batch label and every document it names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from indexer.catalog import Catalog, Document
from retrieval.access import AccessFilter


def _catalog(sh_or_catalog: Any) -> Catalog:
    return sh_or_catalog if isinstance(sh_or_catalog, Catalog) else sh_or_catalog.catalog


def manifest_visible(sh_or_catalog: Any, access: AccessFilter, path: str | Path) -> bool:
    """A manifest lists file names and titles: shown only when ``access`` allows its batch label and every document.

    ``sh_or_catalog``: the engine (:class:`shirube.engine.Shirube`) or its catalog.
    An unreadable manifest is never shown.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if data.get("label") is not None and not access.allows(int(data["label"]), data.get("departments") or []):
        return False
    ids = {int(f["document_id"]) for key in ("files", "sources") for f in data.get(key) or []
           if isinstance(f, dict) and f.get("document_id") is not None}
    if not ids:
        return True
    with _catalog(sh_or_catalog).session() as s:
        docs = {d.id: d for d in s.scalars(select(Document).where(Document.id.in_(ids)))}
    return all(i in docs and access.allows_document(docs[i]) for i in ids)


__all__ = ["manifest_visible"]
