"""Markdown loader: sections per #/##/### heading, markup removed.

A small line-based converter rather than a Markdown library: we only need
the text a reader sees, and the rules below are predictable in tests.
Deeper headings (####…) stay in the text as plain lines.
"""

from __future__ import annotations

import re

from indexer.loaders._common import (
    LoadLimits,
    check_chars,
    mostly_japanese,
    text_title,
    total_text,
    normalize_newlines,
    sections_for_blocks,
    split_blocks,
    total_chars,
)
from indexer.loaders.encoding import decode_text
from indexer.types import LoadedDocument, Section

_SECTION_LEVELS = 3

_FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX_RE = re.compile(r"^\s{0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)[ \t]*$")
_HR_RE = re.compile(r"^\s{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_BULLET_RE = re.compile(r"^(\s*)[-*+][ \t]+")
_ORDERED_RE = re.compile(r"^(\s*)(\d+)[.)][ \t]+")
_QUOTE_RE = re.compile(r"^\s{0,3}>[ \t]?")
_REF_DEF_RE = re.compile(r"^\s{0,3}\[(?!\^)[^\]]+\]:\s*\S+.*$")
_FOOTNOTE_DEF_RE = re.compile(r"^\s{0,3}\[\^([^\]]+)\]:\s*")
_FOOTNOTE_REF_RE = re.compile(r"\[\^([^\]\s]+)\]")
_TABLE_SEP_RE = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(?:\|\s*:?-{1,}:?\s*)*\|?\s*$")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)

_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]")
_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\[[^\]]*\]")
_AUTOLINK_RE = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>")
_CODE_RE = re.compile(r"(`+)(.+?)\1")
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_TAG_RE = re.compile(r"</?[A-Za-z][^>\n]*>")
_STRONG_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
# Single _ only around whole words, so snake_case names survive.
_EM_RE = re.compile(r"\*(?=\S)([^*\n]+?)(?<=\S)\*|(?<![\w])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])")
_STRIKE_RE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")
_PLACEHOLDER = "\x00{}\x00"
_UNSPACED_HEADING_RE = re.compile(r"^#{1,6}(?=[^#\s])")


def load_markdown(data: bytes, source: str, limits: LoadLimits) -> LoadedDocument:
    """Decode Markdown and return heading sections of plain text."""
    raw, encoding = decode_text(data, source)
    raw = normalize_newlines(raw.lstrip("\ufeff"))
    check_chars(source, len(raw), limits)
    sections, title = split_markdown(raw)
    check_chars(source, total_chars(sections), limits)
    if not title:
        # a first line written as a heading without the space CommonMark asks for (#データマネジメント実践ガイドブック)
        # is the document's name without its marker
        first = "\n".join(s.text for s in sections[:1])
        title = _UNSPACED_HEADING_RE.sub("", text_title(first, source, mostly_japanese(total_text(sections))))
    return LoadedDocument(
        source=source,
        kind="markdown",
        title=title,
        sections=tuple(sections),
        encoding=encoding,
    )


def split_markdown(text: str) -> tuple[list[Section], str]:
    """Return (sections, title); title is the first # heading or ""."""
    lines = _strip_front_matter(_COMMENT_RE.sub("", text).split("\n"))
    path: list[str | None] = [None] * _SECTION_LEVELS
    body: list[str] = []
    sections: list[Section] = []
    title = ""

    def flush() -> None:
        heading = " > ".join(h for h in path if h) or None
        sections.extend(sections_for_blocks(split_blocks("\n".join(body)), heading))
        body.clear()

    for kind, level, content in _blocks(lines):
        if kind == "heading" and level <= _SECTION_LEVELS:
            flush()
            heading = inline_text(content).strip()
            path[level - 1] = heading
            for deeper in range(level, _SECTION_LEVELS):
                path[deeper] = None
            if level == 1 and not title:
                title = heading[:80]
        elif kind == "heading":
            body.append(inline_text(content).strip())
        else:
            body.append(content)
    flush()
    return sections, title


def _strip_front_matter(lines: list[str]) -> list[str]:
    if lines and lines[0].strip() == "---":
        for end in range(1, min(len(lines), 200)):
            if lines[end].strip() in ("---", "..."):
                return lines[end + 1 :]
    return lines


def _blocks(lines: list[str]) -> list[tuple[str, int, str]]:
    """Classify lines: ("heading", level, text) or ("line", 0, plain text)."""
    out: list[tuple[str, int, str]] = []
    fence: str | None = None
    for i, line in enumerate(lines):
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            else:
                out.append(("line", 0, line))  # code is kept verbatim
            continue
        fence_match = _FENCE_RE.match(line)
        if fence_match:
            fence = fence_match.group(1)
            continue
        atx = _ATX_RE.match(line)
        if atx:
            out.append(("heading", len(atx.group(1)), atx.group(2) or ""))
            continue
        setext = _SETEXT_RE.match(line)
        if setext and out and out[-1][0] == "line" and out[-1][2].strip() and _is_paragraph_line(lines[i - 1]):
            _, _, previous = out.pop()
            out.append(("heading", 1 if setext.group(1)[0] == "=" else 2, previous))
            continue
        converted = _convert_line(line)
        if converted is not None:
            out.append(("line", 0, converted))
    return out


def _is_paragraph_line(line: str) -> bool:
    return not (
        _BULLET_RE.match(line) or _ORDERED_RE.match(line) or _QUOTE_RE.match(line) or "|" in line
    )


def _convert_line(line: str) -> str | None:
    """Plain text of one line; None for lines that vanish (table rules, link definitions)."""
    if _HR_RE.match(line):
        return ""  # a thematic break still separates paragraphs
    if _REF_DEF_RE.match(line) or (_TABLE_SEP_RE.match(line) and "-" in line and "|" in line):
        return None
    footnote = _FOOTNOTE_DEF_RE.match(line)
    if footnote:
        # Footnotes are real text; "[1] …" keeps them matchable to their "[1]" marks.
        return f"[{footnote.group(1)}] " + inline_text(line[footnote.end() :])
    while _QUOTE_RE.match(line):
        line = _QUOTE_RE.sub("", line, count=1)
    bullet = _BULLET_RE.match(line)
    if bullet:
        return bullet.group(1) + "・" + inline_text(line[bullet.end() :])
    ordered = _ORDERED_RE.match(line)
    if ordered:
        return f"{ordered.group(1)}{ordered.group(2)}. " + inline_text(line[ordered.end() :])
    stripped = line.strip()
    if stripped.startswith("|") or (stripped.endswith("|") and "|" in stripped[:-1]):
        return _table_row(stripped)
    return inline_text(line)


def _table_row(row: str) -> str:
    row = row.strip().strip("|")
    # Split on pipes that are not escaped (\|).
    cells = [c.replace("\\|", "|").strip() for c in re.split(r"(?<!\\)\|", row)]
    return " ".join(inline_text(c) for c in cells if c)


def inline_text(text: str) -> str:
    """Remove inline Markdown markup, keeping what a reader sees.

    >>> inline_text("**必ず**[申請書](a.pdf)を`PDF`で提出")
    '必ず申請書をPDFで提出'
    """
    # Code spans and backslash escapes are literal: park them so the
    # emphasis and link rules do not touch them.
    spans: list[str] = []

    def park(literal: str) -> str:
        spans.append(literal)
        return _PLACEHOLDER.format(len(spans) - 1)

    text = _CODE_RE.sub(lambda m: park(m.group(2).strip() or m.group(2)), text)
    text = _ESCAPE_RE.sub(lambda m: park(m.group(1)), text)
    text = _FOOTNOTE_REF_RE.sub(r"[\1]", text)
    text = _IMAGE_RE.sub("", text)
    text = _LINK_RE.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    text = _AUTOLINK_RE.sub(r"\1", text)
    text = _BR_RE.sub("\n", text)
    text = _TAG_RE.sub("", text)
    text = _STRONG_RE.sub(r"\2", text)
    text = _EM_RE.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    text = _STRIKE_RE.sub(r"\1", text)
    return re.sub("\x00(\\d+)\x00", lambda m: spans[int(m.group(1))], text)
