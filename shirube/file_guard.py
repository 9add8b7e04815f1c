"""Ingest reads only what it was given: regular files, inside the folder it walks.

A symbolic link inside an ingested folder that resolves outside it (``/etc/passwd``)
is skipped with a reason; FIFOs, sockets and devices are never opened for reading
(a FIFO would block forever). The check is made when the folder is walked and
again on the opened file descriptor, so a link swapped in between is still
refused. A path named on the command line is the user's own choice: a link there
is followed, but only to a regular file.

>>> read_regular(Path("docs/a.pdf"), root=Path("docs"))     # doctest: +SKIP
b'%PDF-…'
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from base.errors import LoaderError

OUTSIDE = "スキップ（フォルダの外を指すシンボリックリンクのため取り込みません）"
SPECIAL = "通常のファイルではないため取り込みません（FIFO・ソケット・デバイスなど）"
OUTSIDE_AT_READ = "フォルダの外を指すシンボリックリンクのため取り込みません"


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def outside(path: Path, root: Path) -> bool:
    """True when ``path`` (found under ``root``) is a link whose target lies outside ``root``."""
    return path.is_symlink() and not _inside(os.path.realpath(path), os.path.realpath(root))


def special(path: Path) -> bool:
    """True for an existing path that is neither a regular file nor a folder (links followed)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # missing or a broken link: reported as unreadable elsewhere
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def shown(path: Path) -> str:
    """The path as text that can be stored and printed: bytes of a file name that are not
    UTF-8 (surrogates from the file system) become ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_regular(path: Path, root: Path | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file (inside ``root`` when given), else LoaderError."""
    if special(path):
        raise LoaderError(str(path), SPECIAL)
    # O_NONBLOCK: a FIFO swapped in after the check above opens without waiting for a writer
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LoaderError(str(path), SPECIAL)
        if root is not None:
            proc = f"/proc/self/fd/{fd}"
            real = os.readlink(proc) if os.path.exists(proc) else os.path.realpath(path)
            if not _inside(real, os.path.realpath(root)):
                raise LoaderError(str(path), OUTSIDE_AT_READ)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    finally:
        os.close(fd)


__all__ = ["OUTSIDE", "SPECIAL", "outside", "special", "read_regular", "shown"]
