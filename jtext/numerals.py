"""Japanese numerals, era years and law article labels, both ways.

The eras themselves (和暦 ↔ 西暦) live in :mod:`jtext.eras`; their functions
are importable from here too.

Documents and questions write the same thing in several forms (第十二条 /
第12条, 令和5年 / 2023年 / R5). :func:`search_expansions` returns the other
forms of every such reference so that both the index and the query carry them.

>>> kanji_to_int("二千二十三"), int_to_kanji(2023)
(2023, '二千二十三')
>>> article_to_arabic("第二十条の二第一項")
'第20条の2第1項'
>>> search_expansions("令和5年4月1日から第十二条を適用")
['2023年4月1日', '第12条']
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from .eras import ERAS, Era, date_to_era, era_to_western, eras_for_month, western_to_era

__all__ = [
    "ERAS", "Era", "article_to_arabic", "article_to_kanji", "date_to_era", "era_to_western",
    "int_to_kanji", "kanji_to_int", "search_expansions", "western_to_era",
]

# --------------------------------------------------------------------------
# Kanji numerals
# --------------------------------------------------------------------------

_DIGITS: dict[str, int] = {
    "〇": 0, "零": 0, "○": 0,  # ○ (white circle) is a common stand-in for 〇
    "一": 1, "壱": 1, "壹": 1,
    "二": 2, "弐": 2, "貳": 2,
    "三": 3, "参": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陸": 6,
    "七": 7, "漆": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
for _d in range(10):
    _DIGITS[str(_d)] = _d
    _DIGITS[chr(0xFF10 + _d)] = _d  # full-width digits

_SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "阡": 1000}
_BIG_UNITS: dict[str, int] = {"万": 10**4, "萬": 10**4, "億": 10**8, "兆": 10**12}
_BIG_NAMES: tuple[tuple[int, str], ...] = ((10**12, "兆"), (10**8, "億"), (10**4, "万"), (1, ""))
_KANJI_DIGITS = "〇一二三四五六七八九"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def kanji_to_int(s: str) -> int:
    """Parse a kanji (or arabic, or mixed) numeral.

    Handles positional form (百二十三), digit-by-digit form (一〇五, 二〇二三),
    old forms (壱萬弐千, 参拾), mixed forms (1万2千) and 元 (as in 元年 = 1).

    >>> kanji_to_int("百一"), kanji_to_int("一〇五"), kanji_to_int("元")
    (101, 105, 1)
    """
    text = s.strip()
    if not text:
        raise ValueError(f"not a numeral: {s!r} (empty)")
    if text == "元":
        return 1
    if all(ch in _DIGITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    return _parse_positional(text, s)


def _parse_positional(text: str, original: str) -> int:
    def junk(why: str) -> ValueError:
        return ValueError(f"not a numeral: {original!r} ({why})")

    total = 0
    section = 0  # value below the current 万/億/兆 group
    pending: int | None = None  # digits read but not yet multiplied
    last_small = 10**4  # units inside a group must strictly decrease (千 > 百 > 十)
    last_big = 10**16
    for ch in text:
        if ch in _DIGITS:
            pending = (pending or 0) * 10 + _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_small:
                raise junk(f"{ch} after a unit of the same or lower order")
            if pending is not None and not 0 < pending < 10:
                raise junk(f"{pending} before {ch}")
            section += (pending or 1) * unit
            last_small, pending = unit, None
        elif ch in _BIG_UNITS:
            big = _BIG_UNITS[ch]
            if big >= last_big:
                raise junk(f"{ch} after a unit of the same or lower order")
            if pending is not None:
                section += pending
            if section == 0 and total == 0 and pending is None:
                section = 1  # a bare leading 万 reads as 一万
            if not 0 < section < 10**4:
                raise junk(f"group value {section} before {ch}")
            total += section * big
            section, pending, last_small, last_big = 0, None, 10**4, big
        else:
            raise junk(f"unexpected character {ch!r}")
    if pending is not None:
        if pending >= last_small:
            raise junk(f"trailing {pending} does not fit below the last unit")
        section += pending
    return total + section


def int_to_kanji(n: int) -> str:
    """Write ``n`` in the positional kanji style of law article numbers.

    Leading 一 is dropped before 十/百/千 but kept before 万/億/兆, as in
    e-Gov law text (第百条, 第千条, 一万).

    >>> int_to_kanji(12), int_to_kanji(100), int_to_kanji(10000)
    ('十二', '百', '一万')
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"int_to_kanji needs an int (got {n!r})")
    if not 0 <= n < 10**16:
        raise ValueError(f"int_to_kanji supports 0 to 10**16-1 (got {n})")
    if n == 0:
        return "〇"
    parts = []
    for big, name in _BIG_NAMES:
        group = n // big % 10**4
        if group:
            parts.append(_group_to_kanji(group, keep_one=bool(name)) + name)
    return "".join(parts)


def _group_to_kanji(group: int, *, keep_one: bool) -> str:
    if group == 1 and keep_one:
        return "一"
    out = []
    for unit, name in ((1000, "千"), (100, "百"), (10, "十")):
        digit = group // unit % 10
        if digit:
            out.append(("" if digit == 1 else _KANJI_DIGITS[digit]) + name)
    if group % 10:
        out.append(_KANJI_DIGITS[group % 10])
    return "".join(out)


# --------------------------------------------------------------------------
# Law article labels (第十二条第二項第一号, 第二十条の二)
# --------------------------------------------------------------------------

_NUM = r"[0-9〇一二三四五六七八九十百千]+"
_UNITS = "条項号章節款目編"
# A branch number (の二) must not run on into a word: 第三条の一部 is "part of
# article 3", not "article 3-1 部". 第 may follow (第二十条の二第一項).
_NOT_WORD = r"(?!(?!第)[\u3400-\u4dbf\u4e00-\u9fff〇々])"
_ARTICLE_CHAIN = re.compile(rf"(?:附則)?(?:第{_NUM}[{_UNITS}](?:の{_NUM}{_NOT_WORD})*)+")
_ARTICLE_PIECE = re.compile(rf"(第|の)({_NUM})")


def article_to_arabic(label: str) -> str:
    """Arabic digits in every article reference of ``label``.

    >>> article_to_arabic("附則第三条"), article_to_arabic("第二十条の二")
    ('附則第3条', '第20条の2')
    """
    return _convert_articles(label, lambda n: str(n))


def article_to_kanji(label: str) -> str:
    """Kanji numerals in every article reference of ``label`` (full-width digits accepted).

    >>> article_to_kanji("第１２条第2項")
    '第十二条第二項'
    """
    return _convert_articles(label, int_to_kanji)


def _convert_articles(label: str, write: Callable[[int], str]) -> str:
    def piece(m: re.Match[str]) -> str:
        try:
            return m.group(1) + write(kanji_to_int(m.group(2)))
        except ValueError:
            return m.group()  # malformed numeral (第十十条): leave it as written

    text = label.translate(_FULLWIDTH_DIGITS)
    return _ARTICLE_CHAIN.sub(lambda m: _ARTICLE_PIECE.sub(piece, m.group()), text)


# --------------------------------------------------------------------------
# Search expansions
# --------------------------------------------------------------------------

_ERA_NAMES = "|".join(e.name for e in ERAS)
_KNUM = "[〇一二三四五六七八九十]{1,3}"
_ERA_DATE = re.compile(
    rf"(?P<era>{_ERA_NAMES})\s?(?P<y>[0-9]{{1,2}}|元|{_KNUM})\s?年"
    rf"(?:(?P<fy>度)|(?:\s?(?P<m>[0-9]{{1,2}}|{_KNUM})月(?:\s?(?P<d>[0-9]{{1,2}}|{_KNUM})日)?)?)"
)
_WESTERN_DATE = re.compile(
    r"(?<![0-9.,])(?P<y>1[89][0-9]{2}|20[0-9]{2})年"
    r"(?:(?P<fy>度)|(?:(?P<m>[0-9]{1,2})月(?:(?P<d>[0-9]{1,2})日)?)?)"
)
# Only R/H/S: T1 or M2 are far more often model numbers than 大正/明治 years.
_ABBREV_DATE = re.compile(
    r"(?<![A-Za-z0-9])(?P<era>[RHS])\.?(?P<y>[0-9]{1,2}|元)"
    r"(?:(?P<fy>年度)|年|[./](?P<m>[0-9]{1,2})[./](?P<d>[0-9]{1,2}))?(?![A-Za-z0-9])"
)
_ABBREV_TO_NAME = {e.abbrev: e.name for e in ERAS}


@dataclass(frozen=True)
class _Ymd:
    """A parsed date reference; month/day optional, ``fiscal`` for 年度."""

    year: int
    month: int | None = None
    day: int | None = None
    fiscal: bool = False

    def suffix(self) -> str:
        if self.fiscal:
            return "年度"
        out = "年"
        if self.month is not None:
            out += f"{self.month}月"
            if self.day is not None:
                out += f"{self.day}日"
        return out

    def valid(self) -> bool:
        if self.month is None:
            return self.day is None
        if not 1 <= self.month <= 12:
            return False
        return self.day is None or 1 <= self.day <= calendar.monthrange(self.year, self.month)[1]


def search_expansions(text: str) -> list[str]:
    """Other written forms of the article and date references in ``text``.

    Index them beside the text and add them to the query, so 第12条 finds
    第十二条 and 2023年 finds 令和5年. Deduplicated, in order of appearance;
    forms already written in the text at that place are not repeated.

    >>> search_expansions("平成31年度及び第二十条の二")
    ['2019年度', '第20条の2']
    """
    src = text.translate(_FULLWIDTH_DIGITS)
    found: list[tuple[int, str]] = []
    for finder in (_article_forms, _era_forms, _western_forms, _abbrev_forms):
        found.extend(finder(src))
    found.sort(key=lambda item: item[0])  # stable: keeps each match's own order
    return list(dict.fromkeys(form for _, form in found))


def _article_forms(src: str) -> Iterator[tuple[int, str]]:
    for m in _ARTICLE_CHAIN.finditer(src):
        for form in (article_to_arabic(m.group()), article_to_kanji(m.group())):
            if form != m.group():
                yield m.start(), form


def _small_int(token: str | None) -> int | None:
    return None if token is None else kanji_to_int(token)


def _era_year_forms(name: str, era_year: int, ymd: _Ymd) -> list[str]:
    """Canonical era spellings: arabic digits, plus 元年 for year one."""
    forms = [f"{name}{era_year}{ymd.suffix()}"]
    if era_year == 1:
        forms.insert(0, f"{name}元{ymd.suffix()}")
    return forms


def _from_era(m: re.Match[str], name: str) -> Iterator[tuple[int, str]]:
    era_year = kanji_to_int(m.group("y"))
    try:
        western = era_to_western(name, era_year)
    except ValueError:
        return  # 昭和70年 and the like: not a real date, leave it alone
    ymd = _Ymd(western, _small_int(m.group("m")), _small_int(m.group("d")), bool(m.group("fy")))
    if not ymd.valid():
        return
    forms = [f"{western}{ymd.suffix()}"] + _era_year_forms(name, era_year, ymd)
    for form in forms:
        if form != m.group():
            yield m.start(), form


def _era_forms(src: str) -> Iterator[tuple[int, str]]:
    for m in _ERA_DATE.finditer(src):
        yield from _from_era(m, m.group("era"))


def _abbrev_forms(src: str) -> Iterator[tuple[int, str]]:
    for m in _ABBREV_DATE.finditer(src):
        yield from _from_era(m, _ABBREV_TO_NAME[m.group("era")])


def _western_forms(src: str) -> Iterator[tuple[int, str]]:
    for m in _WESTERN_DATE.finditer(src):
        ymd = _Ymd(int(m.group("y")), _small_int(m.group("m")), _small_int(m.group("d")), bool(m.group("fy")))
        if not 1868 <= ymd.year <= 2099 or not ymd.valid():
            continue
        for name, era_year in _eras_of(ymd):
            for form in _era_year_forms(name, era_year, ymd):
                yield m.start(), form


def _eras_of(ymd: _Ymd) -> list[tuple[str, int]]:
    """Eras of a western date, as precisely as the date allows."""
    if ymd.day is not None and ymd.month is not None:
        try:
            return [date_to_era(date(ymd.year, ymd.month, ymd.day))]
        except ValueError:
            return []
    if ymd.month is not None:
        return eras_for_month(ymd.year, ymd.month)
    return western_to_era(ymd.year)
