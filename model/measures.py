"""A measure the question names (20リットル, 3DK, 1歳) that the quote gives only for other sizes.

「20リットルの指定袋はいくらですか」 answered from 「大(45リットル)10枚入り 500円、中(30リットル)
10枚入り 350円」 quotes the price of other bags: the quote lists the same unit with other
numbers and never the asked one. A quote that gives the unit as a bound (40歳以上, 30リットル
まで) may cover the asked number, so it is not judged here.

>>> measure_lost("燃やすごみ用の20リットルの袋は10枚入りでいくらですか", "大(45リットル)10枚入り 500円、中(30リットル)10枚入り 350円")
True
>>> measure_lost("燃やすごみ用の30リットルの袋は10枚入りでいくらですか", "大(45リットル)10枚入り 500円、中(30リットル)10枚入り 350円")
False
>>> measure_lost("58歳でも使えますか", "40歳以上の方が加入者となります")
False
>>> measure_lost("65歳で退職しました。高年齢求職者給付金は何日分ですか", "六十歳に達した日の…")
False

The same holds for the period a rate is counted over: 「1週間に何日まで実施できますか」 is not
answered by 「1か月につき10日を上限とする」 (:func:`period_lost`).

>>> period_lost("テレワークは1週間に何日まで実施できますか", "実施日数は、1か月につき10日を上限とする。")
True
>>> period_lost("育児時間は1日に何回請求できますか", "1日2回各々少なくとも30分、その生児を育てるための時間を請求することができる。")
False

A sum asked per month (月額) is not one given per year (年額), nor the other way round:

>>> period_lost("市道に看板を出す場合、占用料は月額いくらですか", "突出看板 1平方メートルにつき年額2,100円")
True
>>> period_lost("介護保険料の基準額は年額いくらですか", "保険料基準額は、月額6,100円(年額73,200円)です。")
False
"""

from __future__ import annotations

import re
import unicodedata

from jtext.numerals import kanji_to_int
from jtext.sentences import question_proper

# Units that name a size or a class of thing rather than the quantity asked for (not 円, 日,
# 年: those are what a question asks about, and 令和6年 names a year).
_UNITS = (r"リットル|ℓ|キログラム|キロメートル|キロ|kg|km|グラム|平方メートル|メートル|センチ|cm|ミリ|mm"
          r"|LDK|SLDK|DK|畳|歳|才|人槽|インチ|ワット|W")
_NUMBER = r"[0-9]+(?:\.[0-9]+)?|[〇一二三四五六七八九十百千]+"
_MEASURE = re.compile(rf"({_NUMBER})\s*({_UNITS})")
# a bound or a range after the measure: the quote may cover the asked number
_BOUND = re.compile(r"\s*(?:以上|以下|未満|超|を超え|に満たな|に満たず|に達する|まで|から|以内|程度|前後|～|〜|~|-)")


def _value(num: str) -> float | None:
    if num[0].isdigit():
        return float(num)
    n = kanji_to_int(num)
    return float(n) if n is not None else None


def _measures(text: str) -> list[tuple[float | None, str, bool]]:
    """(value, unit, bounded) of each measure in ``text`` (NFKC)."""
    out = []
    for m in _MEASURE.finditer(text):
        bounded = bool(_BOUND.match(text, m.end()))
        out.append((_value(m.group(1)), m.group(2), bounded))
    return out


def measure_lost(question: str, quote: str) -> bool:
    """Whether a measure the question names is given in the quote only for other sizes. A
    measure told only as the question's situation (65歳を過ぎてから退職しました。…) is the asker's
    fact, which a rule states as a bound (六十五歳以上), not the size asked about."""
    q = unicodedata.normalize("NFKC", question_proper(question) or question)
    asked = {(v, u) for v, u, _ in _measures(q) if v is not None}
    if not asked:
        return False
    given = _measures(unicodedata.normalize("NFKC", quote))
    for value, unit in asked:
        same_unit = [(v, b) for v, u, b in given if u == unit]
        if same_unit and not any(b or v == value for v, b in same_unit):
            return True
    return False


# The period a rate is counted over: 1週間に, 週あたり, 毎週 (a number after it: 1日2回, 月2回).
_ONE = r"(?:1|一)\s*"
_PERIODS = {
    "day": re.compile(rf"{_ONE}日\s*(?:に|あたり|当たり|につき|[0-9一二三四五六七八九十])|毎日"),
    "week": re.compile(rf"(?:{_ONE})?週(?:間)?\s*(?:に|あたり|当たり|につき|[0-9一二三四五六七八九十])|毎週"),
    "month": re.compile(rf"{_ONE}(?:か|ヶ|カ|ヵ|箇)?月\s*(?:に|あたり|当たり|につき)|(?<![0-9一二三四五六七八九十])月\s*(?:に|あたり|当たり)?\s*[0-9一二三四五六七八九十]+\s*回|毎月|月額"),
    "year": re.compile(rf"{_ONE}年\s*(?:に|あたり|当たり|につき|間に)|年間|毎年|年額"),
}


def _periods(text: str) -> set[str]:
    return {name for name, pattern in _PERIODS.items() if pattern.search(text)}


def period_lost(question: str, quote: str) -> bool:
    """Whether the question counts per one period (1週間に何日) and the quote counts only per
    others (1か月につき10日)."""
    asked = _periods(unicodedata.normalize("NFKC", question))
    if not asked:
        return False
    given = _periods(unicodedata.normalize("NFKC", quote))
    return bool(given) and not asked & given
