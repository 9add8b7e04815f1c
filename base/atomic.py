"""The one crash-safe write: a temporary file in the same folder, fsync, rename.

A reader (or a process restarted after a crash) sees either the old file or
the new one, never a torn one.

>>> write_json_atomic(Path("/tmp/x/manifest.json"), {"a": 1})   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, IO


def write_atomic(path: str | Path, write: Callable[[IO[bytes]], Any], *, fsync_dir: bool = False) -> Path:
    """Create ``path`` by calling ``write(fh)`` on a temporary binary file, then
    fsync and ``os.replace`` it into place. ``fsync_dir`` also syncs the folder
    entry (for files whose loss after a power cut matters, such as originals)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if fsync_dir:
        fsync_path(path.parent)
    return path


def fsync_path(path: str | Path) -> None:
    """fsync a file or a folder (a folder: its entries, e.g. after a rename into it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(path: str | Path, data: bytes, **kw: Any) -> Path:
    return write_atomic(path, lambda fh: fh.write(data), **kw)


def write_text_atomic(path: str | Path, text: str, **kw: Any) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), **kw)


def write_json_atomic(path: str | Path, data: Any, **kw: Any) -> Path:
    """JSON (UTF-8, indented, non-ASCII kept) written atomically: never a torn manifest."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return write_text_atomic(path, text, **kw)
