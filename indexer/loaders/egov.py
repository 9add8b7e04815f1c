"""e-Gov law XML loader: one section per paragraph (項), labelled in kanji.

Accepts the bare ``Law`` document and the two e-Gov API envelopes:
``DataRoot/ApplData/LawFullText/Law`` (API v1) and
``law_data_response/law_full_text/Law`` (API v2).

Labels follow the way laws are cited: paragraph 1 of an article is the
article itself (「第十二条」), later ones append 項 (「第十二条第二項」);
supplementary provisions are prefixed 「附則」. Items (号) stay inside their
paragraph's text, one line each, as 「一　…」.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from indexer.loaders._common import LoadLimits, check_chars, stem, total_chars
from indexer.types import LoadedDocument, Section
from base.errors import LoaderError

_HIERARCHY = ("Part", "Chapter", "Section", "Subsection", "Division")
_SKIP = frozenset({"TOC", "LawTitle", "LawNum", "EnactStatement"})
_COLUMN_SEP = "\u3000"  # full-width space, as the law text itself separates columns
_DIGITS = "〇一二三四五六七八九"


def load_egov(data: bytes, source: str, limits: LoadLimits) -> LoadedDocument:
    """Parse e-Gov law XML safely and return paragraph sections."""
    root = _parse(data, source)
    law = _find_law(root, source)
    try:
        sections = list(_law_sections(law))
    except RecursionError as exc:
        raise LoaderError(source, "XMLを解析できません: 入れ子が深すぎます") from exc
    if not sections:
        raise LoaderError(source, "テキストなし（条文が見つかりません）")
    check_chars(source, total_chars(sections), limits)
    title_elem = _child(_child(law, "LawBody"), "LawTitle")
    title = _text(title_elem).strip()
    law_num = _text(_child(law, "LawNum")).strip()
    # the law's official short names (Abbrev="マイナンバー法,個人番号法,番号法"): staff ask by them
    abbrev = ",".join(a.strip() for a in (title_elem.get("Abbrev", "") if title_elem is not None else "").split(",")
                      if a.strip())
    meta = {"law_num": law_num} if law_num else {}
    return LoadedDocument(
        source=source,
        kind="egov_xml",
        title=title or stem(source),
        sections=tuple(sections),
        meta=meta | ({"abbrev": abbrev} if abbrev else {}),
    )


def kanji_number(value: int) -> str:
    """Write a positive integer the way statutes do.

    >>> [kanji_number(n) for n in (1, 10, 12, 20, 105, 1234)]
    ['一', '十', '十二', '二十', '百五', '千二百三十四']
    """
    if value <= 0:
        return str(value)
    if value >= 10_000:
        high, low = divmod(value, 10_000)
        return kanji_number(high) + "万" + (kanji_number(low) if low else "")
    out = []
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        digit, value = divmod(value, unit_value)
        if digit:
            out.append(("" if digit == 1 else _DIGITS[digit]) + unit)
    if value:
        out.append(_DIGITS[value])
    return "".join(out)


def num_label(num: str | None) -> str | None:
    """Paragraph/article Num attribute ("2", "3_2") in kanji ("二", "三の二")."""
    if not num:
        return None
    parts = num.split("_")
    if not all(p.isdigit() for p in parts):
        return None
    return "の".join(kanji_number(int(p)) for p in parts)


# --- parsing ---------------------------------------------------------------


def _parse(data: bytes, source: str) -> Any:
    import xml.etree.ElementTree as stdlib_et

    import defusedxml
    import defusedxml.ElementTree as safe_et

    try:
        # Entities are refused outright: laws never declare any, and this is
        # what stops billion-laughs and external-entity documents.
        return safe_et.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        raise LoaderError(source, "XMLを解析できません: 実体宣言（ENTITY）を含むXMLは読み込めません") from exc
    except defusedxml.DefusedXmlException as exc:
        raise LoaderError(source, f"XMLを解析できません: 外部参照を含むXMLは読み込めません（{type(exc).__name__}）") from exc
    except stdlib_et.ParseError as exc:
        raise LoaderError(source, f"XMLを解析できません: {exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise LoaderError(source, f"XMLを解析できません: {type(exc).__name__}") from exc


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find_law(root: Any, source: str) -> Any:
    name = _local(root.tag)
    if name == "Law":
        return root
    if name == "DataRoot":
        path = ("ApplData", "LawFullText", "Law")
    elif name == "law_data_response":
        path = ("law_full_text", "Law")
    else:
        raise LoaderError(source, f"e-Gov法令XMLではありません（ルート要素: {name}）")
    node = root
    for step in path:
        node = _child(node, step)
    if node is None:
        message = _text(_child(_child(root, "Result"), "Message")).strip()
        detail = f"（APIエラー: {message}）" if message else "（Law要素がありません）"
        raise LoaderError(source, f"e-Gov法令XMLではありません{detail}")
    return node


def _child(elem: Any, name: str) -> Any:
    if elem is None:
        return None
    for child in elem:
        if _local(child.tag) == name:
            return child
    return None


def _children(elem: Any, name: str) -> list[Any]:
    return [c for c in elem if _local(c.tag) == name]


# --- walking the law --------------------------------------------------------


def _law_sections(law: Any) -> Iterator[Section]:
    body = _child(law, "LawBody")
    if body is None:
        return
    for part in body:
        name = _local(part.tag)
        if name in _SKIP:
            continue
        if name == "Preamble":
            text = "\n".join(t for t in map(_paragraph_text, _children(part, "Paragraph")) if t)
            if text:
                yield Section(text=text, article="前文", heading="前文")
        elif name == "MainProvision":
            yield from _provision(part, [], "")
        elif name == "SupplProvision":
            yield from _provision(part, [_suppl_heading(part)], "附則")
        elif name.startswith("Appdx"):
            yield from _appendix(part, [])


def _provision(elem: Any, path: list[str], prefix: str) -> Iterator[Section]:
    """Walk Part/Chapter/…/Article/Paragraph below elem."""
    for child in elem:
        name = _local(child.tag)
        if name in _HIERARCHY:
            title = _text(_child(child, f"{name}Title")).strip()
            yield from _provision(child, path + [title] if title else path, prefix)
        elif name == "Article":
            if child.get("Delete") == "true":
                continue
            yield from _article(child, path, prefix)
        elif name == "Paragraph":
            section = _loose_paragraph(child, path, prefix)
            if section.text:
                yield section
        elif name.startswith(("SupplProvisionAppdx", "Appdx")):
            yield from _appendix(child, path)


def _article(article: Any, path: list[str], prefix: str) -> Iterator[Section]:
    title = _text(_child(article, "ArticleTitle")).strip()
    caption = _text(_child(article, "ArticleCaption")).strip()
    label = prefix + title
    article_heading = title + caption
    for index, para in enumerate(_children(article, "Paragraph"), start=1):
        number = _int_num(para.get("Num")) or index
        para_label = label if number == 1 else f"{label}第{num_label(para.get('Num')) or kanji_number(number)}項"
        heading = path + [article_heading]
        para_caption = _text(_child(para, "ParagraphCaption")).strip()
        if para_caption:
            heading.append(para_caption)
        text = _paragraph_text(para)
        if text:  # 抄 (extract) versions keep empty paragraph shells
            yield Section(text=text, article=para_label or None, heading=" > ".join(heading))


def _loose_paragraph(para: Any, path: list[str], prefix: str) -> Section:
    # Paragraphs directly under a provision: supplementary provisions without
    # articles (「附則」「附則第二項」) and short laws that have no articles.
    number = _int_num(para.get("Num")) or 1
    kanji = num_label(para.get("Num")) or kanji_number(number)
    if prefix:
        label = prefix if number == 1 else f"{prefix}第{kanji}項"
    else:
        label = f"第{kanji}項"
    heading = list(path)
    caption = _text(_child(para, "ParagraphCaption")).strip()
    if caption:
        heading.append(caption)
    return Section(text=_paragraph_text(para), article=label, heading=" > ".join(heading) or None)


def _suppl_heading(suppl: Any) -> str:
    label = _text(_child(suppl, "SupplProvisionLabel")).strip() or "附則"
    amend = suppl.get("AmendLawNum")
    # Each amendment brings its own 附則 with its own 第一条: the amending law's
    # number in the heading tells them apart.
    heading = f"{label}（{amend}）" if amend else label
    if suppl.get("Extract") == "true":
        heading += "　抄"
    return heading


def _appendix(elem: Any, path: list[str]) -> Iterator[Section]:
    title = ""
    related = ""
    lines: list[str] = []
    for child in elem:
        name = _local(child.tag)
        if name.endswith("Title") and not title:
            title = _text(child).strip()
        elif name == "RelatedArticleNum":
            related = _text(child).strip()
        else:
            lines.extend(_lines(child))
    text = "\n".join(line for line in lines if line)
    if not text:
        return
    # 「別表第一（第二条関係）」 is cited as 「別表第一」.
    label = title.split("（", 1)[0].strip() or None
    yield Section(text=text, article=label, heading=" > ".join(path + [title + related]) or None)


# --- text ------------------------------------------------------------------


def _paragraph_text(para: Any) -> str:
    lines: list[str] = []
    for child in para:
        name = _local(child.tag)
        if name in ("ParagraphNum", "ParagraphCaption"):
            continue
        lines.extend(_lines(child))
    return "\n".join(line for line in lines if line)


def _lines(elem: Any) -> list[str]:
    """Flatten one structural element into display lines."""
    name = _local(elem.tag)
    if name.endswith("Sentence"):
        return [_sentence(elem)]
    if name == "Item" or (name.startswith("Subitem") and not name.endswith("Title")):
        return _item_lines(elem, name)
    if name == "TableRow":
        return [_COLUMN_SEP.join(" ".join(_lines(col)) if len(col) else _text(col).strip() for col in elem)]
    if name == "Column":
        return [_text(elem).strip()]
    if name in ("Rt", "ParagraphNum"):
        return []
    if len(elem) == 0:
        text = _text(elem).strip()
        return [text] if text else []
    lines: list[str] = []
    for child in elem:
        lines.extend(_lines(child))
    return lines


def _item_lines(item: Any, name: str) -> list[str]:
    title = _text(_child(item, f"{name}Title")).strip()
    sentence_elem = _child(item, f"{name}Sentence")
    sentence = _sentence(sentence_elem) if sentence_elem is not None else ""
    lines = [f"{title}{_COLUMN_SEP}{sentence}" if title and sentence else title or sentence]
    for child in item:
        child_name = _local(child.tag)
        if child_name not in (f"{name}Title", f"{name}Sentence"):
            lines.extend(_lines(child))
    return lines


def _sentence(elem: Any) -> str:
    columns = _children(elem, "Column")
    if columns:
        return _COLUMN_SEP.join(_text(c).strip() for c in columns)
    sentences = _children(elem, "Sentence")
    if sentences:
        # Main sentence and proviso (ただし書) run on, as printed.
        return "".join(_text(s).strip() for s in sentences)
    return _text(elem).strip()


def _text(elem: Any) -> str:
    """Inline text of elem without ruby readings or pretty-print indentation."""
    if elem is None:
        return ""
    parts: list[str] = []
    _collect(elem, parts)
    return "".join(parts)


def _collect(elem: Any, parts: list[str]) -> None:
    if elem.text and not _is_indent(elem.text):
        parts.append(elem.text)
    for child in elem:
        if _local(child.tag) != "Rt":
            _collect(child, parts)
        if child.tail and not _is_indent(child.tail):
            parts.append(child.tail)


def _is_indent(text: str) -> bool:
    return "\n" in text and not text.strip()


def _int_num(num: str | None) -> int | None:
    if not num:
        return None
    head = num.split("_", 1)[0]
    return int(head) if head.isdigit() else None
