"""Statutes given as lines of text: article sections labelled as e-Gov XML's.

HTML law pages (e-Gov 法令検索, municipal 例規集) and plain-text laws arrive as
lines, one per printed line: 「第一章　総則」, 「（目的）」, 「第一条　この法律は…」,
「２　前項の…」, 「一　…」, 「附　則」, 「別表第一（第二条関係）」. This module reads
that shape back into the structure :mod:`indexer.loaders.egov` builds from
the XML: one section per paragraph (項) labelled in kanji as laws are cited
(「第十二条」, 「第十二条第二項」, 「附則第三条」, 「附則第二項」), items (号) staying in
their paragraph's text, and the heading path 編/章/節 > 第○条（見出し）.

>>> secs = law_sections(["第一章　総則", "（目的）", "第1条　この条例は、…を定める。", "2　前項の…による。", "附　則", "この条例は、公布の日から施行する。"])
>>> [(s.article, s.heading) for s in secs]
[('第一条', '第一章　総則 > 第一条（目的）'), ('第一条第二項', '第一章　総則 > 第一条（目的）'), ('附則', '附　則')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from indexer.loaders._common import TITLE_MAX_CHARS, sections_for_blocks
from indexer.types import Section
from jtext.numerals import int_to_kanji, kanji_to_int

_KNUM = "[一二三四五六七八九十百千〇]+"
_ANUM = "[0-9０-９]+"
_NUM = f"(?:{_KNUM}|{_ANUM})"
_BRANCH = f"(?:の{_NUM})*"
_SPACE = "[\\s\u3000]"
_ARTICLE = f"第{_NUM}条{_BRANCH}"
_ARTICLE_RE = re.compile(
    rf"^(?P<label>{_ARTICLE}(?:(?:から|及び|・|、){_ARTICLE}(?:まで)?)?)(?:{_SPACE}+(?P<body>.*))?$"
)
_LEVELS = {"編": 0, "章": 1, "節": 2, "款": 3, "目": 4}
_HIER_RE = re.compile(rf"^第{_NUM}(?P<kind>[編章節款目]){_BRANCH}(?:{_SPACE}+\S.*)?$")
_TOC_TAIL_RE = re.compile(r"[（(]第[^（）()]*条[^（）()]*[)）]$")  # 「第一章　総則（第一条―第四条）」
_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ①..⑳: paragraphs of older laws
_PARA_RE = re.compile(rf"^(?P<num>{_ANUM}{_SPACE}|[\u2460-\u2473]){_SPACE}*(?P<body>\S.*)$")
_ITEM_RE = re.compile(rf"^(?:{_KNUM}(?:の{_KNUM})*{_SPACE}|[（(]{_ANUM}(?:の{_ANUM})*[)）])")
_CAPTION_RE = re.compile(r"^[（(][^（）()。]{1,40}[)）]$")
# 「（令六条例一〇七・一部改正）」: an amendment note after a provision, not a caption.
_AMEND_NOTE_RE = re.compile(r"改正|追加|全改|旧第|繰下|繰上|削除")
_SUPPL_RE = re.compile(rf"^附{_SPACE}*則(?P<rest>(?:{_SPACE}|[（(抄]).*)?$")
_APPDX_RE = re.compile(rf"^(?P<label>(?:別表|別記様式|別記|様式)(?:第{_NUM})?{_BRANCH})(?:$|{_SPACE}|[（(])")
_LABEL_NUM_RE = re.compile(rf"(第|の)({_NUM})")
_LAW_NUM_RE = re.compile(r"^[（(]?(?:明治|大正|昭和|平成|令和)\S*(?:号|日)[)）]?$")  # 平成五年法律第八十八号
_MAX_STRUCT_CHARS = 80  # headings, 附則 and 別表 titles are short and never end a sentence


@dataclass
class _Unit:
    article: str | None
    heading: str | None
    lines: list[str] = field(default_factory=list)
    page: int | None = None


def kanji_label(label: str) -> str:
    """An article label with kanji numerals, as cited (「第2条の3」→「第二条の三」).

    >>> kanji_label("第１０条"), kanji_label("別表第2"), kanji_label("第十三条から第十五条まで")
    ('第十条', '別表第二', '第十三条から第十五条まで')
    """

    def piece(m: re.Match[str]) -> str:
        try:
            return m.group(1) + int_to_kanji(kanji_to_int(m.group(2)))
        except ValueError:
            return m.group()

    return _LABEL_NUM_RE.sub(piece, label)


def paragraph_label(article: str, number: int) -> str:
    """「第十条」 for paragraph 1, 「第十条第二項」 after it (as the XML loader writes)."""
    return article if number == 1 else f"{article}第{int_to_kanji(number)}項"


def item_label(paragraph: str, number: int) -> str:
    """A 号 under a paragraph label: 「第十条第二項第一号」."""
    return f"{paragraph}第{int_to_kanji(number)}号"


def article_lines(lines: list[str]) -> int:
    """How many lines open an article (「第三条　…」), in increasing order."""
    count, last = 0, 0
    for line in lines:
        m = _ARTICLE_RE.match(line.strip())
        if m and m.group("body"):
            number = _first_number(m.group("label"))
            if number is not None and number >= last:
                count += 1
                last = number
            elif number is not None:
                last = number  # a new 附則 restarts at 第一条
    return count


def looks_like_law(lines: list[str]) -> bool:
    """A text shaped like a statute: several 第○条 lines, with 項 numbers or 号 items.

    >>> looks_like_law(["第1条　目的を定める。", "第2条　次に掲げる。", "(1)　甲", "第3条　委任する。"])
    True
    >>> looks_like_law(["第1　目的", "本要領は、事務の手順を定める。"])
    False
    """
    articles = article_lines(lines)
    if articles < 2:
        return False
    structure = sum(1 for line in lines if _PARA_RE.match(line.strip()) or _ITEM_RE.match(line.strip()))
    return articles >= 4 or structure >= 1


def law_title(lines: list[str]) -> str:
    """The law's name: the first line that is not its number or date (「○」 dropped).

    >>> law_title(["", "○架空町文書管理規程", "平成9年4月1日", "第1条　…"])
    '架空町文書管理規程'
    >>> law_title(["平成五年法律第八十八号", "架空手続法"])
    '架空手続法'
    """
    for raw in lines:
        line = raw.strip().lstrip("○").strip()
        if line and not _LAW_NUM_RE.match(line):
            return line[:TITLE_MAX_CHARS]
    return ""


def law_sections(lines: list[str], pages: list[int] | None = None) -> list[Section]:
    """Paragraph sections of a statute given as lines (empty lines are ignored).

    ``pages`` (a PDF's page number of each line) cuts a paragraph that runs
    over a page break into one section per page, each with its page number.
    """
    return _Reader().read(lines, pages)


class _Reader:
    def __init__(self) -> None:
        self.hierarchy: list[str | None] = [None] * len(_LEVELS)
        self.suppl: str | None = None  # heading of the current 附則
        self.article: str | None = None  # label of the current article, prefix included
        self.article_heading = ""
        self.paragraph = 0
        self.caption: str | None = None  # a （見出し） waiting for its article or paragraph
        self.seen_article = False
        self.unit: _Unit | None = None
        self.units: list[_Unit] = []
        self.page: int | None = None

    # -- the walk -----------------------------------------------------------
    def read(self, lines: list[str], pages: list[int] | None = None) -> list[Section]:
        for index, raw in enumerate(lines):
            line = raw.strip()
            if not line:
                continue
            if pages is not None and pages[index] != self.page:
                self.page = pages[index]
                if self.unit is not None and self.unit.lines:  # the paragraph goes on over the page
                    self.units.append(self.unit)
                    self.unit = self._new(self.unit.article, self.unit.heading)
            self._line(line)
        self._close()
        sections: list[Section] = []
        for unit in self.units:
            text = "\n".join(unit.lines).strip()
            if text:
                for piece in sections_for_blocks([text], unit.heading):
                    sections.append(replace(piece, article=unit.article, page=unit.page))
        return sections

    def _new(self, article: str | None, heading: str | None, lines: list[str] | None = None) -> _Unit:
        return _Unit(article, heading, lines or [], self.page)

    def _line(self, line: str) -> None:
        short = len(line) <= _MAX_STRUCT_CHARS and not line.endswith("。")
        if short and self.seen_article and _SUPPL_RE.match(line):
            self._start_suppl(line)
            return
        m = _HIER_RE.match(line) if short else None
        if m and not _TOC_TAIL_RE.search(line):
            self._close()
            level = _LEVELS[m.group("kind")]
            self.hierarchy[level] = line
            for deeper in range(level + 1, len(self.hierarchy)):
                self.hierarchy[deeper] = None
            self.article, self.paragraph = None, 0
            return
        if _CAPTION_RE.match(line) and not _AMEND_NOTE_RE.search(line):
            self._flush_caption()
            self.caption = line
            return
        m = _ARTICLE_RE.match(line)
        if m:
            self._start_article(kanji_label(m.group("label")), m.group("body") or "")
            return
        m = _APPDX_RE.match(line) if short and self.seen_article else None
        if m:
            self._start_appendix(kanji_label(m.group("label")), line)
            return
        m = _PARA_RE.match(line)
        if m and self._is_next_paragraph(m.group("num")):
            self._start_paragraph(_number(m.group("num")), m.group("body"))
            return
        self._text(line)

    # -- structure ----------------------------------------------------------
    def _path(self) -> list[str]:
        base = [self.suppl] if self.suppl else []
        return base + [h for h in self.hierarchy if h]

    def _start_suppl(self, line: str) -> None:
        self._close()
        # 「附　則　（平成一一年…号）　抄」 as the XML loader writes it: 「附　則（…）　抄」.
        self.suppl = re.sub(r"[\s\u3000]+(?=[（(])", "", line)
        self.hierarchy = [None] * len(_LEVELS)
        self.article, self.paragraph = None, 0

    def _start_article(self, label: str, body: str) -> None:
        self._close()
        self.seen_article = True
        self.article = ("附則" if self.suppl else "") + label
        self.article_heading = label + (self.caption or "")
        self.caption = None
        self.paragraph = 1
        self.unit = self._new(self.article, " > ".join(self._path() + [self.article_heading]))
        if body:
            self.unit.lines.append(body)

    def _is_next_paragraph(self, num: str) -> bool:
        number = _number(num)
        if self.article is None and self.suppl is None:
            return False  # before any article, or rows of a 別表: a list, not paragraphs
        return number == self.paragraph + 1

    def _start_paragraph(self, number: int, body: str) -> None:
        self._close()
        self.paragraph = number
        if self.article is not None:
            label = paragraph_label(self.article, number)
            heading = self._path() + [self.article_heading]
        else:  # 附則 without articles: 「附則」, 「附則第二項」
            label = paragraph_label("附則", number)
            heading = self._path()
        if self.caption:
            heading.append(self.caption)
            self.caption = None
        self.unit = self._new(label, " > ".join(heading) or None, [body])

    def _start_appendix(self, label: str, title: str) -> None:
        # 別表 and 様式 follow the 附則 but belong to the law itself, as in the XML (「別表第一（第二条関係）」).
        self._close()
        self.suppl, self.article, self.paragraph = None, None, 0
        self.hierarchy = [None] * len(_LEVELS)
        self.unit = self._new(label, title)

    def _text(self, line: str) -> None:
        if self.unit is None and self.suppl is not None and self.article is None and self.paragraph == 0:
            self._start_paragraph(1, line)  # 附則 whose only paragraph has no number
            return
        self._flush_caption()
        if self.unit is None:
            # Before the first article (title, number, 前文) or a chapter with no article yet.
            self.unit = self._new(None, " > ".join(self._path()) or None)
        self.unit.lines.append(line)

    def _flush_caption(self) -> None:
        if self.caption is not None:
            caption, self.caption = self.caption, None
            self._text(caption)

    def _close(self) -> None:
        if self.unit is not None:
            self.units.append(self.unit)
            self.unit = None


def _number(num: str) -> int:
    num = num.strip()
    return _CIRCLED.get(num) or kanji_to_int(num)


def _first_number(label: str) -> int | None:
    m = _LABEL_NUM_RE.search(label)
    try:
        return kanji_to_int(m.group(2)) if m else None
    except ValueError:
        return None
