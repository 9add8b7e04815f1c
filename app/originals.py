"""Original files of documents, for the source viewer (PDF page rendering).

The engine keeps every ingested file as ``<home>/originals/<sha256><ext>``
(``keep_originals``, on by default; see indexer/originals.py). Documents
ingested before that, or with it off, are found in the folders given with
``--sources`` by file name, and used only when their SHA-256 matches the catalog's.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

from indexer import originals as kept


def _dir(home: str | Path) -> Path:
    return Path(home) / "originals"


def save(home: str | Path, sha256: str, name: str, data: bytes) -> Path:
    """Keep an upload (the engine already does so when ``keep_originals`` is on)."""
    return kept.save(_dir(home), sha256, name, data)


def find(home: str | Path, sha256: str, source: str, sources: Iterable[str] = ()) -> bytes | None:
    """The original bytes of a document, or None when not kept anywhere."""
    path = kept.find(_dir(home), sha256)
    if path is not None:
        return path.read_bytes()
    name = Path(source).name
    for root in sources:
        for p in Path(root).rglob(name):
            if p.is_file():
                data = p.read_bytes()
                if hashlib.sha256(data).hexdigest() == sha256:
                    return data
    return None
