"""HTML loader: visible text, sections per h1–h3.

The tree is walked iteratively (not recursively) so a page with thousands of
nested tags cannot exhaust the Python stack.
"""

from __future__ import annotations

import re
from typing import Any

from indexer.loaders._common import (
    LoadLimits,
    check_chars,
    first_line,
    sections_for_blocks,
    split_blocks,
    stem,
    total_chars,
)
from indexer.loaders.encoding import decode_declared
from indexer.types import LoadedDocument, Section
from base.errors import LoaderError

_DROP = frozenset({"script", "style", "noscript", "template", "nav", "iframe", "svg", "head", "object", "embed", "button", "select", "canvas"})
# Page-level header/footer is site chrome; inside <article>/<main> a header
# usually holds the document's own title, so it is kept there.
_CHROME = frozenset({"header", "footer"})
_CONTENT_ROOTS = frozenset({"article", "main"})
_SECTION_TAGS = {"h1": 1, "h2": 2, "h3": 3}
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "form", "h4", "h5", "h6", "hgroup", "hr", "legend", "li", "main",
        "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul", "center",
    }
)
_CELLS = frozenset({"td", "th"})
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_SPACES_RE = re.compile(r"[ \t\n\r\f]+")
# Markers in the flattened stream; NUL cannot occur in sniffed text.
_NL = "\x00n"
_CELL = "\x00c"


def load_html(data: bytes, source: str, limits: LoadLimits) -> LoadedDocument:
    """Decode, parse and split an HTML page."""
    declared = _META_CHARSET_RE.search(data[:16384])  # meta usually sits in the first KB; be generous
    text, encoding = decode_declared(data, declared.group(1).decode("ascii") if declared else None, source)
    soup = _parse(text, source)
    title_tag = soup.find("title")
    title = _SPACES_RE.sub(" ", title_tag.get_text()).strip() if title_tag is not None else ""
    sections, first_h1 = html_sections(soup)
    if not sections:
        raise LoaderError(source, "テキストなし（本文が見つかりません）")
    check_chars(source, total_chars(sections), limits)
    return LoadedDocument(
        source=source,
        kind="html",
        title=(title or first_h1 or first_line(sections[0].text) or stem(source))[:80],
        sections=tuple(sections),
        encoding=encoding,
    )


def _parse(text: str, source: str) -> Any:
    from bs4 import BeautifulSoup  # lazy: only for HTML files

    try:
        return BeautifulSoup(text, "lxml")
    except Exception:  # noqa: BLE001 - lxml missing or choking: the stdlib parser is slower but lenient
        try:
            return BeautifulSoup(text, "html.parser")
        except Exception as exc:  # noqa: BLE001
            raise LoaderError(source, f"HTMLを解析できません: {type(exc).__name__}") from exc


def html_sections(soup: Any) -> tuple[list[Section], str]:
    """Return (sections, first h1 text) for a parsed document."""
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    path: list[str | None] = [None, None, None]
    parts: list[str] = []
    sections: list[Section] = []
    first_h1 = ""

    def flush() -> None:
        heading = " > ".join(h for h in path if h) or None
        sections.extend(sections_for_blocks(split_blocks(_finish("".join(parts))), heading))
        parts.clear()

    root = soup.body or soup
    # Stack of (node, in_content_root, in_pre); None entries close a block.
    stack: list[Any] = [(root, False, False)]
    while stack:
        item = stack.pop()
        if item is None:
            parts.append(_NL)
            continue
        if isinstance(item, str):
            parts.append(item)
            continue
        node, in_content, in_pre = item
        if isinstance(node, PreformattedString):
            continue  # comments, CDATA, doctype, processing instructions
        if isinstance(node, NavigableString):
            parts.append(str(node) if in_pre else _SPACES_RE.sub(" ", str(node)))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name.lower()
        if name in _DROP or (name in _CHROME and not in_content):
            continue
        if name in _SECTION_TAGS:
            flush()
            heading = _SPACES_RE.sub(" ", node.get_text()).strip()
            level = _SECTION_TAGS[name]
            path[level - 1] = heading or None
            for deeper in range(level, 3):
                path[deeper] = None
            if level == 1 and not first_h1:
                first_h1 = heading[:80]
            continue
        if name == "br":
            parts.append(_NL)
            continue
        if name == "img":
            continue
        child_state = (in_content or name in _CONTENT_ROOTS, in_pre or name == "pre")
        block = name in _BLOCK
        children = list(node.children)
        if block:
            stack.append(None)
        elif name in _CELLS:
            stack.append(_CELL)
        for child in reversed(children):
            stack.append((child, *child_state))
        if block:
            parts.append(_NL)
            if name == "li":
                parts.append(_list_marker(node))
    flush()
    return sections, first_h1


def _list_marker(li: Any) -> str:
    parent = li.parent
    if parent is not None and parent.name == "ol":
        position = 1 + sum(1 for sib in li.find_previous_siblings("li"))
        start = parent.get("start")
        if isinstance(start, str) and start.isdigit():
            position += int(start) - 1
        return f"{position}. "
    return "・"


def _finish(raw: str) -> str:
    """Turn the marker stream into lines; a run of block breaks is one newline.

    Paragraph-ish blocks (<p>, <div>) do not produce blank lines: sections
    already follow the headings, and pages nest divs so deep that blank lines
    per block would shred them into fragments.
    """
    raw = raw.replace(_CELL, " ")
    lines = []
    for line in raw.split(_NL):
        line = line.strip(" ")
        if line:
            lines.append(line)
    return "\n".join(lines)
