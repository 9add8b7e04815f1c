"""The calendar years a text names, in western years, whatever the era or numerals.

令和5年度, R5年, 2023年度 and 令和五年 all name 2023; 令和元年 names 2019. A
question about 令和7年度 is not answered from a text about 令和6年度.

>>> sorted(years_in("令和5年度の調査と2024年3月末の件数"))
[2023, 2024]
>>> sorted(years_in("平成三十一年四月、令和元年五月"))
[2019]
>>> sorted(years_in("第5年次、5年以内、50年前"))
[]
"""

from __future__ import annotations

import re
import unicodedata

from .eras import era_to_western
from .numerals import kanji_to_int
from .sentences import question_proper

_NUMERAL = r"[0-9〇一二三四五六七八九十百千]+|元"
# an era year (令和5年, 平成三十一年度, R5年) or a western year of four digits (2023年, 二〇二三年)
_ERA_YEAR = re.compile(rf"(明治|大正|昭和|平成|令和|(?<![A-Za-z])[MTSHR])\s*({_NUMERAL})\s*年")
_WESTERN_YEAR = re.compile(r"(?<![0-9〇一二三四五六七八九])((?:1[89]|20)[0-9]{2}|[一二][〇九][〇一二三四五六七八九]{2})\s*年")


def _number(s: str) -> int:
    return 1 if s == "元" else int(s) if s.isdigit() else kanji_to_int(s)


def years_in(text: str, fiscal: bool = False) -> frozenset[int]:
    """The western years ``text`` names (an era year or a four-digit year before 年);
    with ``fiscal``, only those written as a fiscal year (令和6年度, 2024年度).

    >>> sorted(years_in("令和6年度の納期限: 令和7年2月28日", fiscal=True))
    [2024]
    """
    text = unicodedata.normalize("NFKC", text)
    out = set()
    for m in _ERA_YEAR.finditer(text):
        if fiscal and not text.startswith("度", m.end()):
            continue
        try:
            out.add(era_to_western(m.group(1), _number(m.group(2))))
        except ValueError:
            continue  # 令和99年: no such year
    for m in _WESTERN_YEAR.finditer(text):
        if fiscal and not text.startswith("度", m.end()):
            continue
        out.add(_number(m.group(1)))  # 2023, 二〇二三
    return frozenset(out)


# a sentence that states a plan or an expectation, not what happened
_PLANNED = re.compile(r"予定(?:して|です|であ|する|され|しており)|見込(?:みです|まれ|んで)|を目指(?:し|す)")


def same_year(question: str, text: str) -> bool:
    """Whether ``text`` (a passage with its title and heading) may be about the year the
    question names: it names one of its years (令和5年度 = 2023年度), and when the question
    names a fiscal year (令和7年度の納期限) and the text names fiscal years, one of those;
    a question naming no year is about any.

    >>> same_year("令和7年度の納期限は", "令和6年度の納期限: 令和7年2月28日")
    False
    >>> same_year("2024年度の納期限は", "令和6年度の納期限: 令和7年2月28日")
    True

    A year named only in a plan (2022年に更新を予定しています) does not say what happened then,
    unless the question asks about the plan:

    >>> same_year("2022年版はいつ公表されましたか", "2021年1月20日公表。2022年に更新を予定しています。")
    False
    >>> same_year("2022年に何を予定していますか", "2021年1月20日公表。2022年に更新を予定しています。")
    True

    A year told before the question proper is the asker's premise, not the year asked about:

    >>> same_year("目標を令和7年度までとしていますが、令和8年度以降の目標値は", "令和7年度までに85%以上とする")
    False
    """
    # the years of the question proper when it names one (令和7年度までとしていますが、令和8年度以降は…)
    years = years_in(question_proper(question) or "") or years_in(question)
    if not years:
        return True
    if not _PLANNED.search(question):
        text = "".join(s for s in re.split(r"(?<=[。\n])", text) if not _PLANNED.search(s))
    if not years & years_in(text):
        return False
    fiscal, written = years_in(question, fiscal=True), years_in(text, fiscal=True)
    return not (fiscal and written) or bool(fiscal & written)  # 令和6年度の納期限 … 令和7年2月28日
