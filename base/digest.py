"""sha256 of a file, read in blocks, and of a directory tree: index checksums,
model provenance, exports, embedder ids."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from pathlib import Path


def sha256_file(path: str | Path, block: int = 1 << 20) -> str:
    """Hex sha256 of the file's bytes (streamed; never cached — callers that
    may cache, like model.provenance.file_sha256, do so themselves)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(block), b""):
            h.update(chunk)
    return h.hexdigest()


def dir_sha256(
    path: str | Path,
    *,
    skip: Collection[str] = (),
    file_digest: Callable[[Path], str] = sha256_file,
    contents: bool = False,
    block: int = 1 << 20,
) -> str:
    """One hex sha256 for the files under ``path``, visited in sorted path order.

    Renaming or changing any file changes it; listing order and timestamps do
    not. A file is left out when any part of its relative path is in ``skip``
    (``.git``, ``__pycache__``…).

    Two layouts of the hashed stream, kept because both are recorded:

    * default — one line per file, ``b"<relative posix path>\\0<file_digest(f)>\\n"``:
      model provenance (model cards, answer metadata; ``model.provenance``
      passes its cached file digest);
    * ``contents=True`` — each file's relative path (``str``, no separator)
      followed directly by its raw bytes: the digest in ``st:`` embedder model
      ids (``model.embedders``), which existing indexes record, so it must
      not change.
    """
    root = Path(path)
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root)
        if not f.is_file() or any(part in skip for part in rel.parts):
            continue
        if contents:
            h.update(str(rel).encode())
            with open(f, "rb") as fh:
                for chunk in iter(lambda: fh.read(block), b""):
                    h.update(chunk)
        else:
            h.update(rel.as_posix().encode("utf-8") + b"\0" + file_digest(f).encode() + b"\n")
    return h.hexdigest()
