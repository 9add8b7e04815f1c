"""HTML loader: visible text, sections per h1–h3; statute pages by article.

Law pages (e-Gov 法令検索, 例規集, any page shaped like a statute) get one
section per paragraph labelled 第○条第○項, as the e-Gov XML does
(:mod:`indexer.loaders.law_text`).

The tree is walked iteratively (not recursively) so a page with thousands of
nested tags cannot exhaust the Python stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from indexer.loaders._common import (
    LoadLimits,
    check_chars,
    mostly_japanese,
    text_title,
    total_text,
    sections_for_blocks,
    split_blocks,
    total_chars,
)
from indexer.loaders.encoding import decode_declared
from indexer.loaders.law_text import law_sections, looks_like_law
from indexer.types import LoadedDocument, Section
from base.errors import LoaderError

_DROP = frozenset(
    {"script", "style", "noscript", "template", "nav", "iframe", "svg", "head", "object", "embed", "button", "select",
     "canvas", "rt", "rp"}  # ruby readings: 定<rt>さだ</rt>める is 定める
)
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
_ARTICLE_MENTION_RE = re.compile(r"第[0-9０-９一二三四五六七八九十百千]+条")
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
    law = law_page(soup, text)
    meta: dict[str, str] = {}
    if law is not None:
        sections, law_title, meta = law
        title, first_h1 = law_title or title.lstrip("○"), ""
    else:
        sections, first_h1 = html_sections(soup)
    if not sections:
        raise LoaderError(source, "テキストなし（本文が見つかりません）")
    check_chars(source, total_chars(sections), limits)
    return LoadedDocument(
        source=source,
        kind="html",
        title=(title or first_h1 or text_title(sections[0].text, source, mostly_japanese(total_text(sections))))[:80],
        sections=tuple(sections),
        encoding=encoding,
        meta=meta,
    )


def law_page(soup: Any, text: str) -> tuple[list[Section], str, dict[str, str]] | None:
    """Article sections of a statute page, with the law's name and number; None for other pages.

    e-Gov 法令検索 pages are known by their markup (``#lawTitle``, ``_div_ArticleTitle``),
    例規集 pages by their ``eline`` rows; any other page by its text shape
    (:func:`~indexer.loaders.law_text.looks_like_law`).
    """
    name, meta = "", {}
    if soup.find(id="lawTitle") is not None or soup.find(class_="_div_ArticleTitle") is not None:
        root = soup.find(id="contentsLaw") or soup.body or soup
        for tag_id, key in (("lawTitle", "name"), ("lawTitleNo", "law_num")):
            tag = soup.find(id=tag_id)
            if tag is not None:
                value = _SPACES_RE.sub(" ", tag.get_text()).strip()
                if key == "name":
                    name = value
                elif value:
                    meta[key] = value
                tag.decompose()
        for toc in soup.find_all(class_="TOC"):
            toc.decompose()
        marked = True
    elif soup.find(class_="eline") is not None:
        root = soup.find(id="primary") or soup.body or soup  # not the side bar's 目次 and 沿革
        title = soup.find(class_="title-irregular")
        name = _SPACES_RE.sub(" ", title.get_text()).strip().lstrip("○") if title is not None else ""
        marked = True
    elif len(_ARTICLE_MENTION_RE.findall(text)) >= 3:
        root, marked = soup.body or soup, False
    else:
        return None
    lines = html_lines(root)
    if not marked and not looks_like_law(lines):
        return None
    sections = law_sections(lines)
    if not any(s.article for s in sections):
        return None
    return sections, name, meta


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
    path: list[str | None] = [None, None, None]
    parts: list[str] = []
    sections: list[Section] = []
    first_h1 = ""

    def flush() -> None:
        heading = " > ".join(h for h in path if h) or None
        sections.extend(sections_for_blocks(split_blocks(_finish("".join(parts))), heading))
        parts.clear()

    def on_heading(level: int, heading: str) -> None:
        nonlocal first_h1
        flush()
        path[level - 1] = heading or None
        for deeper in range(level, 3):
            path[deeper] = None
        if level == 1 and not first_h1:
            first_h1 = heading[:80]

    _walk(soup.body or soup, parts, on_heading)
    flush()
    return sections, first_h1


def html_lines(root: Any) -> list[str]:
    """The visible text of ``root`` as lines, one per block; headings are lines too."""
    parts: list[str] = []
    _walk(root, parts, None)
    # Table cells joined by a full-width space, as the law text (and the XML loader) separates columns.
    return _finish("".join(parts), "\u3000").split("\n")


def _walk(root: Any, parts: list[str], on_heading: Callable[[int, str], None] | None) -> None:
    """Flatten ``root`` into ``parts`` (text and block markers); h1–h3 go to ``on_heading`` if given."""
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

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
        if name in _SECTION_TAGS and on_heading is not None:
            on_heading(_SECTION_TAGS[name], _SPACES_RE.sub(" ", node.get_text()).strip())
            continue
        if name == "br":
            parts.append(_NL)
            continue
        if name == "img":
            continue
        child_state = (in_content or name in _CONTENT_ROOTS, in_pre or name == "pre")
        block = name in _BLOCK or name in _SECTION_TAGS
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


def _list_marker(li: Any) -> str:
    parent = li.parent
    if parent is not None and parent.name == "ol":
        position = 1 + sum(1 for sib in li.find_previous_siblings("li"))
        start = parent.get("start")
        if isinstance(start, str) and start.isdigit():
            position += int(start) - 1
        return f"{position}. "
    return "・"


def _finish(raw: str, cell_sep: str = " ") -> str:
    """Turn the marker stream into lines; a run of block breaks is one newline.

    Paragraph-ish blocks (<p>, <div>) do not produce blank lines: sections
    already follow the headings, and pages nest divs so deep that blank lines
    per block would shred them into fragments.
    """
    raw = raw.replace(_CELL, cell_sep)
    lines = []
    for line in raw.split(_NL):
        line = line.strip(" ")
        if line:
            lines.append(line)
    return "\n".join(lines)
