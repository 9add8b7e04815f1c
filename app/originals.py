"""Original files of documents, for the source viewer (PDF page rendering).

Uploads from the app are kept as ``<home>/originals/<sha256><ext>``. Documents
ingested with the CLI are found in the folders given with ``--sources`` by
file name, and used only when their SHA-256 matches the catalog's.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable


def _dir(home: str | Path) -> Path:
    return Path(home) / "originals"


def save(home: str | Path, sha256: str, name: str, data: bytes) -> Path:
    d = _dir(home)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{sha256}{Path(name).suffix.lower()[:10]}"
    if not path.exists():
        tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path


def find(home: str | Path, sha256: str, source: str, sources: Iterable[str] = ()) -> bytes | None:
    """The original bytes of a document, or None when not kept anywhere."""
    d = _dir(home)
    if d.is_dir():
        for p in d.glob(f"{sha256}*"):
            if ".tmp-" not in p.name:
                return p.read_bytes()
    name = Path(source).name
    for root in sources:
        for p in Path(root).rglob(name):
            if p.is_file():
                data = p.read_bytes()
                if hashlib.sha256(data).hexdigest() == sha256:
                    return data
    return None
