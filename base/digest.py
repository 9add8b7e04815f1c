"""sha256 of a file, read in blocks: index checksums, model provenance, exports."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: str | Path, block: int = 1 << 20) -> str:
    """Hex sha256 of the file's bytes (streamed; never cached — callers that
    may cache, like model.provenance.file_sha256, do so themselves)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(block), b""):
            h.update(chunk)
    return h.hexdigest()
