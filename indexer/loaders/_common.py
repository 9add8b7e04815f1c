"""Limits, name sanitising and small helpers shared by the loaders."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from indexer.types import LoadedDocument, Section
from base.errors import LoaderError

TITLE_MAX_CHARS = 80
# A heading block longer than this is cut at paragraph boundaries into several
# sections with the same heading, so one heading-less 2 MB text does not
# become a single "citable unit".
SECTION_MAX_CHARS = 4000
# Below this a stream is never refused for its ratio: tiny files legitimately
# carry small, highly compressible streams.
RATIO_FLOOR_BYTES = 20_000_000


@dataclass(frozen=True)
class LoadLimits:
    """Resource limits for one file; the defaults fit a clerk's desktop.

    >>> LoadLimits(max_pages=100).max_pages
    100
    """

    max_bytes: int = 50_000_000  # upload size accepted at all
    max_pages: int = 2000  # PDF page count
    max_chars: int = 5_000_000  # extracted characters, all sections together
    max_decompressed_bytes: int = 200_000_000  # per PDF stream: stops zip bombs
    # Decompression ratio: a stream may inflate to at most this many times the
    # whole file's size (never below RATIO_FLOOR_BYTES, never above the cap above).
    # Text and fonts deflate 3–20x; a 50 KB file claiming 200 MB is a bomb.
    max_decompression_ratio: int = 500

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_pages", "max_chars", "max_decompressed_bytes", "max_decompression_ratio"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"LoadLimits.{name} must be a positive integer (got {value!r})")


class Loader(Protocol):
    """One file kind's loader: bytes in, a :class:`LoadedDocument` out.

    ``source`` is the sanitised file name; every failure a clerk can cause is
    a :class:`LoaderError` with a short Japanese reason. ``load_pdf``,
    ``load_egov``, ``load_html``, ``load_markdown`` and ``load_text`` are the
    implementations; :func:`indexer.loaders.load_bytes` picks one by the sniffed kind.
    """

    def __call__(self, data: bytes, source: str, limits: LoadLimits, /) -> LoadedDocument: ...


_SEPARATORS_RE = re.compile(r"[/\\]")
# Bidi overrides can make "txt.exe" display as "exe.txt": drop them with the controls.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAME_MAX_CHARS = 200


def sanitize_name(name: str) -> str:
    """Reduce a user-supplied file name to a safe display name.

    Directories, path separators and control characters go; Japanese stays.

    >>> sanitize_name("../../etc/passwd")
    'passwd'
    >>> sanitize_name("C:\\\\書類\\\\申請の手引き.pdf")
    '申請の手引き.pdf'
    """
    cleaned = "".join(
        ch for ch in name if unicodedata.category(ch) != "Cc" and ch not in _BIDI
    )
    base = _SEPARATORS_RE.split(cleaned)[-1].strip()
    if base in ("", ".", ".."):
        return "unnamed"
    if len(base) > _NAME_MAX_CHARS:
        stem, dot, ext = base.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            base = stem[: _NAME_MAX_CHARS - len(ext) - 1] + "." + ext
        else:
            base = base[:_NAME_MAX_CHARS]
    return base


def stem(name: str) -> str:
    """The file name without its last extension (fallback title)."""
    head, dot, _ = name.rpartition(".")
    return head if dot and head else name


def first_line(text: str, japanese: bool = True) -> str:
    r"""First line that can name the document, stripped and cut to a title's length; a title broken
    after a particle that needs what follows (クラウドサービス利用のための / 情報セキュリティマネジメント
    ガイドライン) goes on with the next line. A date line (2023年６月, 令和6年4月1日現在), a page
    number or, in a Japanese document (``japanese``), a line without a Japanese word (Financial Services
    Agency: a cover page whose title is an image) names nothing and is passed over; when no line of the
    first few can name it, "" (the caller falls back to the file name).

    >>> first_line("クラウドサービス利用のための \n情報セキュリティマネジメントガイドライン\n2013 年度版")
    'クラウドサービス利用のための情報セキュリティマネジメントガイドライン'
    >>> first_line("\n児童手当のご案内\n標市 こども未来部")
    '児童手当のご案内'
    >>> first_line("令和6年4月1日\n児童手当のご案内")
    '児童手当のご案内'
    >>> first_line("2023年６月\nFinancial\nServices\nAgency")
    ''
    >>> first_line("2023\nAnnual Report on Open Data", japanese=False)
    'Annual Report on Open Data'
    """
    lines = _top_lines(text)
    for i, line in enumerate(lines):
        if not names_something(line, japanese):
            continue
        title = line
        if _GOES_ON.search(title) and i + 1 < len(lines):
            title += lines[i + 1]
        return title[:TITLE_MAX_CHARS]
    return ""


# How many non-empty lines from the top may hold the title (a date line, an office's name in
# Roman letters, a page number come before it).
TITLE_LOOKAHEAD = 5


def _top_lines(text: str) -> list[str]:
    """The first :data:`TITLE_LOOKAHEAD` non-empty lines of ``text``, stripped: where a title may be."""
    return [line for line in map(str.strip, text.splitlines()) if line][:TITLE_LOOKAHEAD]


_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆]")
# A date, a year or a page number alone: 2023年６月, 令和6年4月1日現在, R5.6.30, 2024/3, - 3 -, 1/20
_DATE_OR_NUMBER = re.compile(
    r"[\s\-‐－―ー〜~・.．/／()（）:：]*(?:(?:令和|平成|昭和|[RHSrhs])?\s*[0-9０-９元一二三四五六七八九十〇]+\s*"
    r"(?:年度?|[.．/／]|月|日|頁|ページ|$)\s*)+(?:現在|時点|版|発行|作成|改訂|更新)?[\s\-‐－―)）]*"
)


def text_title(text: str, source: str, japanese: bool = True) -> str:
    r"""The title a document's own text gives it: its first line that names it (:func:`first_line`);
    else its file name, with the date its cover gives (a report's edition) when the top lines hold one.

    >>> text_title("2023年６月\nFinancial\nServices\nAgency", "hoken_monitoring.pdf")
    'hoken_monitoring（2023年６月）'
    >>> text_title("- 1 -\nAgency", "a.pdf"), text_title("児童手当のご案内", "a.txt")
    ('a', '児童手当のご案内')
    """
    if line := first_line(text, japanese):
        return line
    date = next((line for line in _top_lines(text) if _DATE_OR_NUMBER.fullmatch(line) and _YEAR.search(line)), None)
    return f"{stem(source)}（{date}）"[:TITLE_MAX_CHARS] if date else stem(source)


_YEAR = re.compile(r"(?:令和|平成|昭和|[0-9０-９]{4})\s*[0-9０-９元一二三四五六七八九十]*\s*年")


def mostly_japanese(text: str) -> bool:
    """Whether ``text`` (its first 20,000 characters) is written in Japanese: at least a third of its
    letters are kana or kanji.

    >>> mostly_japanese("2023年６月 Financial Services Agency はじめに 保険会社の社会的役割"), mostly_japanese("Annual Report 2023")
    (True, False)
    """
    head = text[:20_000]
    jp = len(_JAPANESE.findall(head))
    latin = len(_LATIN.findall(head))
    return jp > 0 and jp * 2 >= latin


_LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")


def names_something(line: str, japanese: bool = True) -> bool:
    """Whether ``line`` can be a document's title: it has a word (a Japanese one in a Japanese document)
    and is not a date, a year or a page number alone.

    >>> names_something("2023年６月"), names_something("令和6年4月1日現在"), names_something("- 3 -")
    (False, False, False)
    >>> names_something("Financial Services Agency"), names_something("令和5年度 神戸市観光動向調査結果について")
    (False, True)
    """
    word = _JAPANESE.search(line) or (not japanese and _LATIN.search(line))
    return bool(word) and not _DATE_OR_NUMBER.fullmatch(line)


# A title line ending where its phrase cannot end: 〜のための, 〜に関する, 〜における, 〜及び
_GOES_ON = re.compile(r"(?:ための|に関する|における|に係る|についての|による|及び|並びに|又は)$")


def normalize_newlines(text: str) -> str:
    # Structure only (CRLF/CR, trailing blanks); characters are left to the normaliser.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def check_chars(source: str, count: int, limits: LoadLimits) -> None:
    if count > limits.max_chars:
        raise LoaderError(
            source,
            f"抽出文字数が上限を超えています（{count:,}文字 > 上限{limits.max_chars:,}文字）",
        )


def total_text(sections: list[Section] | tuple[Section, ...], limit: int = 20_000) -> str:
    """The sections' text from the top, at least ``limit`` characters of it when there are (what
    :func:`mostly_japanese` reads)."""
    parts, n = [], 0
    for section in sections:
        if n >= limit:
            break
        parts.append(section.text)
        n += len(section.text)
    return "\n".join(parts)


def total_chars(sections: list[Section] | tuple[Section, ...]) -> int:
    return sum(len(s.text) for s in sections)


def split_blocks(text: str) -> list[str]:
    """Blank-line separated blocks, without their surrounding blank lines."""
    return [b.strip("\n") for b in re.split(r"\n[ \t\u3000]*\n", text) if b.strip()]


def sections_for_blocks(blocks: list[str], heading: str | None) -> list[Section]:
    """Join blocks under one heading, cutting at block boundaries when long."""
    sections: list[Section] = []
    current: list[str] = []
    size = 0
    for block in _cut_long_blocks(blocks):
        if current and size + len(block) > SECTION_MAX_CHARS:
            sections.append(Section(text="\n\n".join(current), heading=heading))
            current, size = [], 0
        current.append(block)
        size += len(block) + 2
    if current:
        sections.append(Section(text="\n\n".join(current), heading=heading))
    return sections


def _cut_long_blocks(blocks: list[str]) -> list[str]:
    # A block with no blank lines (an HTML page without headings, a law
    # pasted as text) is cut at line ends; a single huge line stays whole.
    out: list[str] = []
    for block in blocks:
        if len(block) <= SECTION_MAX_CHARS:
            out.append(block)
            continue
        piece: list[str] = []
        size = 0
        for line in block.split("\n"):
            if piece and size + len(line) > SECTION_MAX_CHARS:
                out.append("\n".join(piece))
                piece, size = [], 0
            piece.append(line)
            size += len(line) + 1
        if piece:
            out.append("\n".join(piece))
    return out
