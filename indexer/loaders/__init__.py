"""Turn uploaded files into :class:`~indexer.types.LoadedDocument` records.

The kind is sniffed from the bytes (:func:`indexer.sniff.sniff`); the text
returned is the original extracted text, not normalised. Every failure a
clerk can cause is a :class:`~base.errors.LoaderError` with a short
Japanese reason.

>>> doc = load_bytes("【対象】\\n市民の方".encode("cp932"), "案内.txt")
>>> doc.kind, doc.encoding, doc.sections[0].heading
('text', 'cp932', '【対象】')
"""

from __future__ import annotations

from pathlib import Path

from indexer.loaders._common import LoadLimits, Loader, sanitize_name
from indexer.loaders.egov import load_egov
from indexer.loaders.html import load_html
from indexer.loaders.markdown import load_markdown
from indexer.loaders.pdf import load_pdf
from indexer.loaders.text import load_text
from indexer.sniff import sniff
from indexer.types import LoadedDocument
from base.errors import LoaderError

__all__ = ["LoadLimits", "Loader", "load_bytes", "load_path", "sanitize_name"]

_MB = 1_000_000


def load_bytes(data: bytes, name: str, limits: LoadLimits | None = None) -> LoadedDocument:
    """Load one file given as bytes; ``name`` is the user's file name.

    Raises :class:`LoaderError` (reason in Japanese) when the file is empty,
    too big, unsupported, corrupt, encrypted or has no text.
    """
    limits = limits or LoadLimits()
    source = sanitize_name(name)
    check_size(source, len(data), limits)
    kind = sniff(data, source)
    return _LOADERS[kind](data, source, limits)


def load_path(path: str | Path, limits: LoadLimits | None = None) -> LoadedDocument:
    """Load a file from disk, checking its size before reading it.

    (pypdf, bs4 and defusedxml are imported inside the loaders that use them.)
    """
    limits = limits or LoadLimits()
    path = Path(path)
    source = sanitize_name(path.name)
    try:
        check_size(source, path.stat().st_size, limits)
        data = path.read_bytes()
    except OSError as exc:
        raise LoaderError(source, f"ファイルを読み込めません: {type(exc).__name__}") from exc
    return load_bytes(data, path.name, limits)


def check_size(source: str, size: int, limits: LoadLimits) -> None:
    """A file over ``limits.max_bytes`` is refused before anything reads it (LoaderError)."""
    if size > limits.max_bytes:
        raise LoaderError(
            source,
            f"ファイルが大きすぎます（{size / _MB:.1f}MB > 上限{limits.max_bytes / _MB:.1f}MB）",
        )


_LOADERS: dict[str, Loader] = {
    "pdf": load_pdf,
    "egov_xml": load_egov,
    "html": load_html,
    "markdown": load_markdown,
    "text": load_text,
}
