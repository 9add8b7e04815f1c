"""Decide what a file is from its bytes, not from its name.

The extension is only consulted to break the tie between Markdown and plain
text, which cannot be told apart reliably from content.

>>> sniff(b"%PDF-1.7 ...", "memo.txt")
'pdf'
"""

from __future__ import annotations

import re

from base.errors import LoaderError

# Only the head is inspected: enough for magics, prologs and the first tags,
# and cheap on a 50 MB upload.
_HEAD_BYTES = 64 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

# (magic at offset 0, description shown to the clerk)
_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG画像"),
    (b"\xff\xd8\xff", "JPEG画像"),
    (b"GIF87a", "GIF画像"),
    (b"GIF89a", "GIF画像"),
    (b"II*\x00", "TIFF画像"),
    (b"MM\x00*", "TIFF画像"),
    (b"\x1f\x8b", "gzip圧縮ファイル"),
    (b"\xfd7zXZ\x00", "xz圧縮ファイル"),
    (b"7z\xbc\xaf\x27\x1c", "7z圧縮ファイル"),
    (b"Rar!\x1a\x07", "RAR圧縮ファイル"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧形式のOffice文書（.doc/.xls/.ppt）"),
    (b"\x7fELF", "実行ファイル"),
    (b"\xca\xfe\xba\xbe", "実行ファイル"),
    (b"\xfe\xed\xfa\xce", "実行ファイル"),
    (b"\xfe\xed\xfa\xcf", "実行ファイル"),
    (b"\xce\xfa\xed\xfe", "実行ファイル"),
    (b"\xcf\xfa\xed\xfe", "実行ファイル"),
    (b"\x00asm", "WebAssembly"),
    (b"SQLite format 3\x00", "SQLiteデータベース"),
    (b"{\\rtf", "RTF文書"),
    (b"OggS", "音声・動画ファイル"),
    (b"fLaC", "音声ファイル"),
)

_MARKDOWN_EXTS = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn"})
_TEXT_EXTS = frozenset({".txt", ".text", ".csv", ".tsv", ".log"})

_EGOV_ROOTS = frozenset({"Law", "DataRoot", "law_data_response"})

# A control byte is anything below 0x20 except the usual layout characters;
# ESC is allowed because ISO-2022-JP text uses it in every escape sequence.
_ALLOWED_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")
_CONTROL_RATIO_MAX = 0.05

_HTML_DOCUMENT_ROOTS = frozenset({"html", "head", "body"})
_HTML_FRAGMENT_ROOTS = frozenset(
    {"div", "p", "table", "section", "article", "main", "h1", "h2", "h3", "ul", "ol", "meta", "title"}
)

_BLANK_CHARS = " \t\r\n\f\v\u3000\ufeff\xa0"
# ASCII whitespace, and U+3000 / NBSP as UTF-8, cp932 and EUC-JP write them.
_BLANK_BYTES_RE = re.compile(rb"(?:[ \t\r\n\f\v]|\xe3\x80\x80|\x81\x40|\xa1\xa1|\xc2\xa0)*")
_XML_DECL_RE = re.compile(r"<\?xml[\s?]")
_SKIP_RE = re.compile(
    r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*\[.*?\])?[^>]*>", re.S | re.I
)
_ROOT_RE = re.compile(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_HTML_START_RE = re.compile(r"<!doctype\s+html|<html[\s>]", re.I)
_HTML_TAG_RE = re.compile(r"<(?:html|head|body)[\s>]|<!doctype\s+html", re.I)
_FENCE_RE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_MD_HEADING_RE = re.compile(r"^#{1,6}[ \t]+\S", re.M)
_MD_SIGNAL_RE = re.compile(
    r"^\s*(?:[-*+][ \t]+\S|\d+\.[ \t]+\S|\|.*\|\s*$|>[ \t]?\S)|\[[^\]\n]+\]\([^)\n]+\)|\*\*[^*\n]+\*\*",
    re.M,
)


def sniff(data: bytes, name: str) -> str:
    """Return "pdf" | "egov_xml" | "html" | "markdown" | "text".

    Raises :class:`LoaderError` for empty, binary or unsupported content.
    """
    if not data:
        raise LoaderError(name, "空のファイル")
    head = data[:_HEAD_BYTES]
    # PDF readers accept junk before the header (e.g. a mail prefix), as does the spec's 1024-byte rule.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    _reject_binary_magic(head, name)
    bom_encoding = _bom_encoding(head)
    if bom_encoding is None:
        _reject_control_bytes(head, name)
        text = head.decode("latin-1")  # ASCII view: markup is ASCII in utf-8/cp932/euc_jp
    else:
        text = head.decode(bom_encoding, errors="ignore").lstrip("\ufeff")
    if _is_blank(data, bom_encoding):
        raise LoaderError(name, "空のファイル")
    markup = _sniff_markup(text, name)
    if markup is not None:
        return markup
    return _markdown_or_text(text, name)


def _bom_encoding(head: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return None


def _reject_binary_magic(head: bytes, name: str) -> None:
    for magic, label in _MAGICS:
        if head.startswith(magic):
            raise LoaderError(name, f"未対応の形式（{label}）")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        raise LoaderError(name, f"未対応の形式（{_zip_label(head)}）")
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        raise LoaderError(name, "未対応の形式（画像・音声・動画ファイル）")
    if head[4:8] == b"ftyp":
        raise LoaderError(name, "未対応の形式（画像・音声・動画ファイル）")
    # Two- and three-byte magics are plausible text starts: require a NUL too.
    has_nul = b"\x00" in head[:512]
    if has_nul and head.startswith(b"MZ"):
        raise LoaderError(name, "未対応の形式（実行ファイル）")
    if has_nul and head.startswith(b"BM"):
        raise LoaderError(name, "未対応の形式（BMP画像）")
    if head.startswith(b"BZh") and head[3:4].isdigit() and not head[:64].isascii():
        raise LoaderError(name, "未対応の形式（bzip2圧縮ファイル）")
    if head.startswith(b"ID3") and not head[:64].isascii():
        raise LoaderError(name, "未対応の形式（音声ファイル）")


def _zip_label(head: bytes) -> str:
    # OOXML stores its part names in the local headers, usually within the first KB.
    if b"word/" in head:
        return "Word文書 .docx"
    if b"xl/" in head:
        return "Excel文書 .xlsx"
    if b"ppt/" in head:
        return "PowerPoint文書 .pptx"
    if b"mimetypeapplication/vnd.oasis" in head:
        return "OpenDocument文書"
    if b"mimetypeapplication/epub" in head:
        return "EPUB"
    return "ZIP圧縮ファイル"


def _reject_control_bytes(head: bytes, name: str) -> None:
    if b"\x00" in head:
        raise LoaderError(name, "バイナリデータ（テキストではありません）")
    controls = sum(1 for b in head if (b < 0x20 or b == 0x7F) and b not in _ALLOWED_CONTROLS)
    if controls > len(head) * _CONTROL_RATIO_MAX:
        raise LoaderError(name, "バイナリデータ（テキストではありません）")


def _is_blank(data: bytes, bom_encoding: str | None) -> bool:
    if bom_encoding is not None:
        return not data.decode(bom_encoding, errors="ignore").strip(_BLANK_CHARS)
    # Bytes level, so the full-width space counts as blank in any encoding.
    return _BLANK_BYTES_RE.fullmatch(data) is not None


def _sniff_markup(text: str, name: str) -> str | None:
    """Classify XML/HTML by the first element; None when it is not markup."""
    start = _skip_prolog(text)
    root = _ROOT_RE.match(text, start)
    local = root.group(2) if root is not None else ""
    if local in _EGOV_ROOTS:
        return "egov_xml"
    if local.lower() in _HTML_DOCUMENT_ROOTS or _HTML_START_RE.match(text, start):
        return "html"
    # Markdown may legally open with an HTML block (<p align="center">…),
    # so a bare fragment counts as HTML only when the name is not Markdown.
    if local.lower() in _HTML_FRAGMENT_ROOTS:
        return None if _extension(name) in _MARKDOWN_EXTS else "html"
    has_decl = _XML_DECL_RE.match(text.lstrip()) is not None
    if local and (has_decl or "xmlns" in text[start : start + 512] or f"</{local}>" in text):
        raise LoaderError(name, f"未対応の形式（XML: {local}）")
    # Tags further in: count them only outside fenced code, so a Markdown
    # page that shows HTML in a code block stays Markdown.
    if _HTML_TAG_RE.search(_FENCE_RE.sub("", text)):
        return "html"
    return None


def _skip_prolog(text: str) -> int:
    pos = 0
    while True:
        match = _SKIP_RE.match(text, pos)
        if match is None or match.end() == pos:
            return pos
        pos = match.end()


def _markdown_or_text(text: str, name: str) -> str:
    ext = _extension(name)
    if ext in _MARKDOWN_EXTS:
        return "markdown"
    if ext in _TEXT_EXTS:
        return "text"
    # No telling extension: call it Markdown only on clear evidence.
    body = _FENCE_RE.sub("", text)
    headings = len(_MD_HEADING_RE.findall(body))
    signals = len(_MD_SIGNAL_RE.findall(body))
    if headings >= 2 or (headings >= 1 and signals >= 2):
        return "markdown"
    return "text"


def _extension(name: str) -> str:
    base = re.split(r"[/\\]", name)[-1]
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""
