"""PDF loader: one section per page with text, via pypdf's plain extraction.

A statute (第○条 lines with 項 and 号) gets one section per paragraph and page
instead, labelled 第○条第○項 as the e-Gov XML is (:mod:`indexer.loaders.law_text`).

Errors (LoaderError reasons): 「パスワード保護されたPDF」 when the empty user
password does not open it, 「テキストなし（スキャン画像の可能性）」 when no
page has text, 「PDFを読み取れません（…）: <exception class>」 for anything
pypdf raises (corrupt file, decompression limit, unsupported cipher).
Page-count and character limits come from :class:`LoadLimits`.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import re
from collections.abc import Iterator
from typing import Any

from indexer.loaders._common import (
    RATIO_FLOOR_BYTES,
    TITLE_MAX_CHARS,
    LoadLimits,
    check_chars,
    mostly_japanese,
    text_title,
    total_text,
)
from indexer.loaders.law_text import law_sections, looks_like_law
from indexer.types import LoadedDocument, Section
from base.errors import LoaderError

# Every pypdf setting that bounds how much one stream may inflate to.
_OUTPUT_LIMIT_FIELDS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "jbig2_maximum_output_length",
    "array_based_stream_maximum_output_length",
    "maximum_declared_stream_length",
    "image_maximum_buffer_size",
)


def load_pdf(data: bytes, source: str, limits: LoadLimits) -> LoadedDocument:
    """Extract per-page text (page numbers 1-based, empty pages skipped)."""
    try:
        import pypdf  # lazy: heavy import, only for PDFs
    except ImportError as exc:  # pragma: no cover - pypdf is a core dependency
        raise LoaderError(source, "PDFを読み取れません（pypdfがインストールされていません）") from exc

    with _pdf_limits(pypdf, limits, len(data)):
        try:
            return _load(pypdf, data, source, limits)
        except LoaderError:
            raise
        except pypdf.errors.LimitReachedError as exc:
            raise LoaderError(
                source,
                f"PDFを読み取れません（展開サイズが上限を超えています: 1ストリーム {_stream_cap(limits, len(data)) / 1e6:.0f}MB、"
                f"圧縮率上限 {limits.max_decompression_ratio}倍）: {type(exc).__name__}",
            ) from exc
        except pypdf.errors.DependencyError as exc:
            raise LoaderError(source, f"PDFを読み取れません（暗号化方式に未対応）: {type(exc).__name__}") from exc
        except Exception as exc:  # noqa: BLE001 - pypdf raises anything on malformed input (incl. RecursionError)
            raise LoaderError(source, f"PDFを読み取れません（破損）: {type(exc).__name__}") from exc


def _stream_cap(limits: LoadLimits, size: int) -> int:
    """Bytes one stream may inflate to: the ratio limit, within [floor, absolute cap]."""
    by_ratio = max(RATIO_FLOOR_BYTES, limits.max_decompression_ratio * size)
    return min(limits.max_decompressed_bytes, by_ratio)


@contextlib.contextmanager
def _pdf_limits(pypdf: Any, limits: LoadLimits, size: int) -> Iterator[None]:
    # pypdf >= 6 keeps its limits in a context-local Configuration, so two
    # threads loading PDFs with different limits do not interfere.
    apply = getattr(pypdf, "apply_configuration", None)
    if apply is None:  # pragma: no cover - older pypdf: module constants
        yield
        return
    current = pypdf.get_configuration()
    cap = _stream_cap(limits, size)
    overrides = {name: cap for name in _OUTPUT_LIMIT_FIELDS if hasattr(current, name)}
    with apply(**overrides):
        yield


def _load(pypdf: Any, data: bytes, source: str, limits: LoadLimits) -> LoadedDocument:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        _decrypt(pypdf, reader, source)
    page_count = len(reader.pages)
    if page_count > limits.max_pages:
        raise LoaderError(source, f"ページ数が上限を超えています（{page_count}ページ > 上限{limits.max_pages}ページ）")
    sections: list[Section] = []
    chars = 0
    for index, page in enumerate(reader.pages):
        # Only the surrounding whitespace goes (pypdf ends pages with "\n").
        text = page.extract_text().strip()
        if not text:
            _check_empty_page(page)
            continue
        chars += len(text)
        check_chars(source, chars, limits)
        sections.append(Section(text=text, page=index + 1))
    if not sections:
        raise LoaderError(source, "テキストなし（スキャン画像の可能性）")
    sections = _law_sections(sections)
    return LoadedDocument(
        source=source,
        kind="pdf",
        title=_metadata_title(reader) or text_title(sections[0].text, source, mostly_japanese(total_text(sections))),
        sections=tuple(sections),
        pages=page_count,
    )


def _law_sections(pages: list[Section]) -> list[Section]:
    """A statute's pages as paragraph sections (第○条第○項, page kept); other PDFs unchanged."""
    lines: list[str] = []
    numbers: list[int] = []
    for section in pages:
        for line in section.text.split("\n"):
            lines.append(line)
            numbers.append(section.page or 0)
    if not looks_like_law(lines):
        return pages
    sections = law_sections(lines, numbers)
    return sections if any(s.article for s in sections) else pages


def _decrypt(pypdf: Any, reader: Any, source: str) -> None:
    # Many public PDFs are "encrypted" only to restrict printing/copying, with
    # an empty user password: those open with decrypt("").
    try:
        result = reader.decrypt("")
    except pypdf.errors.DependencyError:
        raise
    except (NotImplementedError, pypdf.errors.PdfReadError) as exc:
        raise LoaderError(source, f"PDFを読み取れません（暗号化方式に未対応）: {type(exc).__name__}") from exc
    if result == pypdf.PasswordType.NOT_DECRYPTED:
        raise LoaderError(source, "パスワード保護されたPDF")


def _check_empty_page(page: Any) -> None:
    """Re-decode the streams of a page that gave no text.

    extract_text() logs and swallows some decode failures (e.g. a limit hit in
    a form XObject) and returns "": decoding again here lets the real error
    surface instead of a silently missing page.
    """
    contents = page.get_contents()
    if contents is not None:
        contents.get_data()
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    if resources is None or not hasattr(resources, "get"):
        return
    xobjects = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else None
    if xobjects is None or not hasattr(xobjects, "values"):
        return
    for ref in xobjects.values():
        xobject = ref.get_object()
        # Images are not text and may legitimately be huge: only forms matter.
        if hasattr(xobject, "get") and xobject.get("/Subtype") == "/Form":
            xobject.get_data()


def _metadata_title(reader: Any) -> str:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except Exception:  # noqa: BLE001 - a broken Info dict must not lose the text
        return ""
    if not isinstance(title, str):
        return ""
    return clean_pdf_title(title)


# Defaults written by generators (reportlab: "untitled") say nothing.
_PLACEHOLDER_TITLES = frozenset({"untitled", "無題", "タイトルなし", "title", "untitled document"})
_HEX_TITLE_RE = re.compile(r"<([0-9A-Fa-f\s]+)>")
# Office/Ichitaro put the source file name in /Title: "Microsoft Word - 手引き.docx".
_APP_PREFIX_RE = re.compile(r"^(?:Microsoft (?:Word|PowerPoint|Excel) - |Taro\d*-)", re.I)
_FILE_SUFFIX_RE = re.compile(r"\.(?:pdf|docx?|pptx?|xlsx?|jtd|jtdc|rtf|txt)$", re.I)


def clean_pdf_title(title: str) -> str:
    """Tidy a /Title value; "" when nothing usable is left.

    >>> clean_pdf_title("Microsoft Word - 申請の手引き.docx")
    '申請の手引き'
    """
    title = title.strip()
    hex_match = _HEX_TITLE_RE.fullmatch(title)
    if hex_match:
        # Some producers write a hex string inside a literal string, so pypdf
        # hands back "<4D69…>": decode it as the bytes it was meant to be.
        title = _decode_title_bytes(bytes.fromhex(re.sub(r"\s", "", hex_match.group(1)).ljust(2, "0")))
        if "?" in title:  # the producer already lost characters (dakuten → "?")
            return ""
    title = _FILE_SUFFIX_RE.sub("", _APP_PREFIX_RE.sub("", title)).strip()
    if "\ufffd" in title or title.lower() in _PLACEHOLDER_TITLES:
        return ""
    return title[:TITLE_MAX_CHARS]


def _decode_title_bytes(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF16_BE):
        codecs_to_try: tuple[str, ...] = ("utf-16",)
    else:
        codecs_to_try = ("utf-8", "cp932")
    for codec in codecs_to_try:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return ""
