"""Plain-text loader: sections under heading-like lines.

Japanese office texts mark headings by convention, not syntax: 「第1　目的」,
「１．対象者」, 「1 受付時間」, 「（１）」, 「【申請方法】」, 「■ 問い合わせ先」, 「○支給日」. A line counts as a
heading when it is short, does not end a sentence (。), and is not one of a
run of same-style lines (that is a list). Heading levels follow the order in
which the styles first appear, as reStructuredText does for underlines.

A text shaped like a statute (第○条 lines with 項 numbers and 号 items) is read
by article instead, as e-Gov XML is (:mod:`indexer.loaders.law_text`).
"""

from __future__ import annotations

import re

from indexer.loaders._common import (
    LoadLimits,
    check_chars,
    mostly_japanese,
    text_title,
    normalize_newlines,
    sections_for_blocks,
    split_blocks,
    stem,
    total_chars,
)
from indexer.loaders.encoding import decode_text
from indexer.loaders.law_text import law_sections, law_title, looks_like_law
from indexer.types import LoadedDocument, Section

_NUM = r"[0-9０-９一二三四五六七八九十百千〇]+"
_HEADING_MAX_CHARS = 40

# (style, pattern) — the first matching style wins.
_HEADING_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^第{_NUM}[編部](?:[\s　]|$)")),
    ("chapter", re.compile(rf"^第{_NUM}章(?:[\s　]|$)")),
    ("section", re.compile(rf"^第{_NUM}節(?:[\s　]|$)")),
    ("dai", re.compile(rf"^第{_NUM}(?:条(?:の{_NUM})?)?(?:[\s　]|$)")),
    ("dotted", re.compile(r"^[0-9０-９]+[\.．][0-9０-９]+[\.．]?(?:[0-9０-９]+[\.．]?)*[\s　]*\S")),
    ("num", re.compile(r"^[0-9０-９]+(?:[\.．、)）][\s　]*|[ 　]+)\S")),
    ("paren", re.compile(rf"^[（(]{_NUM}[)）][\s　]*\S")),
    ("circled", re.compile(r"^[\u2460-\u2473][\s　]*\S")),
    ("bracket", re.compile(r"^【[^】]+】")),
    ("square", re.compile(r"^[■□][\s　]*\S")),
    ("circle", re.compile(r"^[○●◎][\s　]*\S")),
    ("diamond", re.compile(r"^[◆◇][\s　]*\S")),
    ("triangle", re.compile(r"^[▼▲▽△][\s　]*\S")),
)


def load_text(data: bytes, source: str, limits: LoadLimits) -> LoadedDocument:
    """Decode and split a plain-text file."""
    text, encoding = decode_text(data, source)
    text = normalize_newlines(text.lstrip("\ufeff"))
    check_chars(source, len(text), limits)
    lines = text.split("\n")
    law = looks_like_law(lines)
    sections = law_sections(lines) if law else split_text_sections(text)
    check_chars(source, total_chars(sections), limits)
    return LoadedDocument(
        source=source,
        kind="text",
        title=(law_title(lines) if law else text_title(text, source, mostly_japanese(text))) or stem(source),
        sections=tuple(sections),
        encoding=encoding,
    )


def split_text_sections(text: str) -> list[Section]:
    """Group blank-line blocks under heading-like lines.

    >>> [(s.heading, s.text) for s in split_text_sections("【対象】\\n市民の方\\n\\n【方法】\\n窓口で申請")]
    [('【対象】', '市民の方'), ('【方法】', '窓口で申請')]
    """
    lines = text.split("\n")
    styles = [_heading_style(line) for line in lines]
    _unmark_lists(lines, styles)
    levels: dict[str, int] = {}
    path: list[tuple[int, str]] = []
    body: list[str] = []
    sections: list[Section] = []

    def flush() -> None:
        heading = " > ".join(title for _, title in path) or None
        sections.extend(sections_for_blocks(split_blocks("\n".join(body)), heading))
        body.clear()

    for line, style in zip(lines, styles):
        if style is None:
            body.append(line)
            continue
        flush()
        level = levels.setdefault(style, len(levels) + 1)
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, line.strip()))
    flush()
    return sections


def _heading_style(line: str) -> str | None:
    stripped = line.strip()
    # A heading never stops mid-sentence: 「…範囲内で、」 is a hard-wrapped line.
    if not stripped or len(stripped) > _HEADING_MAX_CHARS or stripped.endswith(("。", "、", "，", ",")):
        return None
    # Indented lines are body text or list continuations in these documents.
    if line[:1] in (" ", "\t") and not stripped.startswith(("■", "□", "◆", "◇", "【")):
        return None
    for style, pattern in _HEADING_STYLES:
        if pattern.match(stripped):
            # 「第５条　部分休業の承認は、…」 is an article's text, 「第1　目的」 a heading.
            if style == "dai" and "、" in stripped:
                return None
            return style
    return None


def _unmark_lists(lines: list[str], styles: list[str | None]) -> None:
    """Adjacent lines of one style are list items, not headings."""
    for i in range(len(lines) - 1):
        if styles[i] is not None and styles[i] == styles[i + 1]:
            style = styles[i]
            j = i
            while j < len(lines) and styles[j] == style:
                styles[j] = None
                j += 1
