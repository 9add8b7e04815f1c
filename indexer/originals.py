"""The original bytes of ingested files, kept beside the catalog.

``<home>/originals/<sha256><ext>``: the source viewer renders PDF pages from
them, a full re-index or an audit can go back to exactly what was ingested,
and deleting a document deletes its original. Written atomically
(:func:`base.atomic.write_bytes_atomic`: temporary file, fsync, rename, and
the folder synced), so a crash never leaves a truncated original.
"""

from __future__ import annotations

import re
from pathlib import Path

from base.atomic import write_bytes_atomic

_SHA = re.compile(r"^[0-9a-f]{64}$")


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,9}", suffix) else ""


def save(directory: Path, sha256: str, name: str, data: bytes) -> Path:
    """Store ``data`` under its hash (a no-op when already there)."""
    if not _SHA.match(sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    directory.mkdir(parents=True, exist_ok=True)
    existing = find(directory, sha256)
    if existing is not None:
        return existing
    return write_bytes_atomic(directory / f"{sha256}{_suffix(name)}", data, fsync_dir=True)


def find(directory: Path, sha256: str) -> Path | None:
    if not _SHA.match(sha256) or not directory.is_dir():
        return None
    for p in directory.glob(f"{sha256}*"):
        if ".tmp-" not in p.name and p.is_file():
            return p
    return None


def remove(directory: Path, sha256: str) -> bool:
    path = find(directory, sha256)
    if path is None:
        return False
    path.unlink(missing_ok=True)
    return True
