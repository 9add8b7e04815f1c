"""A measure the question names (20リットル, 3DK, 1歳) that the quote gives only for other sizes.

「20リットルの指定袋はいくらですか」 answered from 「大(45リットル)10枚入り 500円、中(30リットル)
10枚入り 350円」 quotes the price of other bags: the quote lists the same unit with other
numbers and never the asked one. A quote that gives the unit as a bound (40歳以上, 30リットル
まで) covers the numbers on its side.

>>> measure_lost("燃やすごみ用の20リットルの袋は10枚入りでいくらですか", "大(45リットル)10枚入り 500円、中(30リットル)10枚入り 350円")
True
>>> measure_lost("燃やすごみ用の30リットルの袋は10枚入りでいくらですか", "大(45リットル)10枚入り 500円、中(30リットル)10枚入り 350円")
False
>>> measure_lost("58歳でも使えますか", "40歳以上の方が加入者となります")
False
>>> measure_lost("65歳で退職しました。高年齢求職者給付金は何日分ですか", "六十歳に達した日の…")
False

A bound or a range counts for the values it covers: 75歳以上 is not among 「69歳まで」 and 「70歳から
74歳まで」, 72歳 is.

>>> shares = "・義務教育就学後から69歳まで 3割・70歳から74歳まで 2割"
>>> measure_lost("75歳以上の人の自己負担の割合は何割ですか", shares), measure_lost("72歳の人は何割ですか", shares)
(True, False)

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

A length of time named as the condition of a question that asks no number (保存期間を7年とされている
文書) is not met by a quote giving that kind of period only with other lengths (:func:`duration_lost`):

>>> table = "予算及び決算に関する文書 10年、契約に関する文書 5年、軽易な照会に関する文書 1年未満"
>>> duration_lost("保存期間を7年とされている公文書にはどのようなものがありますか", table)
True
>>> duration_lost("保存期間を五年とされている公文書にはどのようなものがありますか", table)
False
>>> duration_lost("保存期間が7年の文書は何年保存しますか", table)  # a number asked: not a condition
False
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from jtext.numerals import kanji_to_int
from jtext.sentences import question_proper

# Units that name a size or a class of thing rather than the quantity asked for (not 円, 日,
# 年: those are what a question asks about, and 令和6年 names a year).
_UNITS = (r"リットル|ℓ|キログラム|キロメートル|キロ|kg|km|グラム|平方メートル|メートル|センチ|cm|ミリ|mm"
          r"|LDK|SLDK|DK|畳|歳|才|人槽|インチ|ワット|W")
_NUMBER = r"[0-9]+(?:\.[0-9]+)?|[〇一二三四五六七八九十百千]+"
_MEASURE = re.compile(rf"({_NUMBER})\s*({_UNITS})")
# what follows a measure: a bound, or the start of a range (70歳から74歳まで)
_BOUND = re.compile(r"\s*(以上|以下|未満|を超え|超|に満たな|に満たず|まで|以内|から|に達する|程度|前後|～|〜|~|-)")
_UPPER = {"以下": True, "まで": True, "以内": True, "未満": False, "に満たな": False, "に満たず": False}  # bound: closed
_INF = float("inf")
_OPEN = 1e-6  # an open bound (未満, を超え) as a closed one moved inward


@dataclass(frozen=True)
class _Span:
    """The values [low, high] a measure covers (a bare measure: one value)."""

    low: float
    high: float

    def meets(self, other: _Span) -> bool:
        return self.low <= other.high and other.low <= self.high


def _value(num: str) -> float | None:
    if num[0].isdigit():
        return float(num)
    n = kanji_to_int(num)
    return float(n) if n is not None else None


def _measures(text: str) -> list[tuple[str, _Span | None]]:
    """(unit, the values it covers) of each measure in ``text`` (NFKC); ``None`` when the
    measure is told only roughly (程度, に達する) or its number cannot be read."""
    found = [(m, _value(m.group(1)), _BOUND.match(text, m.end())) for m in _MEASURE.finditer(text)]
    out: list[tuple[str, _Span | None]] = []
    ends: set[int] = set()  # measures that end a range (74歳まで of 70歳から74歳まで)
    for i, (m, v, bound) in enumerate(found):
        unit, kind = m.group(2), bound.group(1) if bound else None
        if i in ends:
            continue
        if v is None or kind in ("に達する", "程度", "前後"):
            out.append((unit, None))
        elif kind is None:
            out.append((unit, _Span(v, v)))
        elif kind in ("以上", "を超え", "超"):
            out.append((unit, _Span(v if kind == "以上" else v + _OPEN, _INF)))
        elif kind in _UPPER:
            out.append((unit, _Span(-_INF, v if _UPPER[kind] else v - _OPEN)))
        else:  # から / ～: up to the next measure of the unit when it follows at once, else open
            nxt = found[i + 1] if i + 1 < len(found) else None
            joined = nxt is not None and nxt[0].group(2) == unit and nxt[0].start() - bound.end() <= 2
            high = nxt[1] if joined and nxt is not None and nxt[1] is not None else _INF
            if high != _INF:
                ends.add(i + 1)
            out.append((unit, _Span(v, high)))
    return out


def measure_lost(question: str, quote: str) -> bool:
    """Whether a measure the question names is given in the quote only for other sizes or other
    ranges (75歳以上 asked; 69歳まで and 70歳から74歳まで quoted). A measure told only as the
    question's situation (65歳を過ぎてから退職しました。…) is the asker's fact, which a rule
    states as a bound (六十五歳以上), not the size asked about."""
    q = unicodedata.normalize("NFKC", question_proper(question) or question)
    return _only_others(_measures(q), _measures(unicodedata.normalize("NFKC", quote)))


def _only_others(asked: list[tuple[str, _Span | None]], given: list[tuple[str, _Span | None]]) -> bool:
    """Whether some measure asked (unit, values) is given only with other values of its unit."""
    for unit, span in asked:
        if span is None:
            continue
        same_unit = [g for u, g in given if u == unit]
        if same_unit and not any(g is None or g.meets(span) for g in same_unit):
            return True
    return False


# The period a rate is counted over: 1週間に, 週あたり, 毎週 (a number after it: 1日2回, 月2回).
# one, not the last digit of another number or of a date (7月1日に, 11か月)
_ONE = r"(?<![0-9〇一二三四五六七八九十百千月年])(?:1|一)\s*"
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


# A period named as a condition in a question that asks no number (保存期間を7年とされている文書は):
# not a year (令和6年, 2023年), a date or a 年度; kanji numerals are read (三十年).
_ASKS_NUMBER = re.compile(r"何|いくら|幾ら|いくつ|どれ(?:くらい|ぐらい|だけ|ほど)|どのくらい|どのぐらい|どの程度|いつ")
_NOT_DURATION = re.compile(r"(?:令和|平成|昭和|大正|明治|西暦)\s*(?:[0-9]+|元)\s*年|[0-9]{4}\s*年|[0-9]+\s*月\s*[0-9]+\s*日"
                           r"|[0-9]+\s*年\s*[0-9]+\s*月|[0-9]+\s*年度")
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(年|か月|ヶ月|カ月|箇月|週間)(?!度)")
_KANJI_COUNT = re.compile(r"[〇一二三四五六七八九十百千]+(?=\s*(?:年|か月|ヶ月|カ月|箇月|週間))")


def _arabic(m: re.Match[str]) -> str:
    try:
        return str(kanji_to_int(m.group(0)))
    except ValueError:
        return m.group(0)


def _durations(text: str) -> list[tuple[str, _Span | None]]:
    """(unit, the lengths it covers) of each length of time in ``text`` (NFKC): 5年, 6か月以上."""
    text = _NOT_DURATION.sub("　", _KANJI_COUNT.sub(_arabic, text))
    out: list[tuple[str, _Span | None]] = []
    for m in _DURATION.finditer(text):
        unit = "か月" if m.group(2) in ("ヶ月", "カ月", "箇月") else m.group(2)
        bound = _BOUND.match(text, m.end())
        kind, v = (bound.group(1) if bound else None), float(m.group(1))
        if kind is None:
            out.append((unit, _Span(v, v)))
        elif kind in ("以上", "を超え", "超"):
            out.append((unit, _Span(v, _INF)))
        elif kind in _UPPER:
            out.append((unit, _Span(-_INF, v)))
        else:
            out.append((unit, None))  # a range or a rough length: not read
    return out


def duration_lost(question: str, quote: str) -> bool:
    """Whether a length of time the question names as its condition (not as the number it asks)
    is given in the quote only as other lengths of the same unit."""
    q = unicodedata.normalize("NFKC", question_proper(question) or question)
    if _ASKS_NUMBER.search(q):
        return False
    return _only_others(_durations(q), _durations(unicodedata.normalize("NFKC", quote)))
