from __future__ import annotations

from datetime import date

import pytest

from jtext.numerals import (
    article_to_arabic,
    article_to_kanji,
    date_to_era,
    era_to_western,
    int_to_kanji,
    kanji_to_int,
    search_expansions,
    western_to_era,
)

KANJI_INTS = [
    ("〇", 0),
    ("零", 0),
    ("一", 1),
    ("九", 9),
    ("十", 10),
    ("十二", 12),
    ("二十", 20),
    ("四十七", 47),
    ("百", 100),
    ("百一", 101),
    ("百十", 110),
    ("百二十三", 123),
    ("九百九十九", 999),
    ("千", 1000),
    ("三千五", 3005),
    ("二千二十三", 2023),
    ("一〇五", 105),  # digit-by-digit form
    ("二〇二三", 2023),
    ("二○二三", 2023),  # ○ (white circle) typed for 〇
    ("元", 1),  # 元年
    ("壱", 1),
    ("弐拾", 20),
    ("参拾", 30),
    ("壱萬弐千", 12000),
    ("一万", 10000),
    ("十万", 100000),
    ("千二百万三千", 12003000),
    ("一億二千万", 120000000),
    ("12", 12),
    ("１２", 12),
    ("1万2千", 12000),
]


@pytest.mark.parametrize(("text", "value"), KANJI_INTS)
def test_kanji_to_int(text: str, value: int) -> None:
    assert kanji_to_int(text) == value


@pytest.mark.parametrize("junk", ["", "　", "十十", "百千", "一二十", "万万", "十23", "abc", "二十日", "元年"])
def test_kanji_to_int_rejects_junk(junk: str) -> None:
    with pytest.raises(ValueError):
        kanji_to_int(junk)


INT_KANJI = [
    (0, "〇"),
    (1, "一"),
    (10, "十"),
    (12, "十二"),
    (20, "二十"),
    (100, "百"),
    (101, "百一"),
    (110, "百十"),
    (1000, "千"),
    (2023, "二千二十三"),
    (10000, "一万"),
    (10001, "一万一"),
    (11000, "一万千"),
    (20000, "二万"),
    (123456, "十二万三千四百五十六"),
    (100000000, "一億"),
]


@pytest.mark.parametrize(("value", "text"), INT_KANJI)
def test_int_to_kanji(value: int, text: str) -> None:
    assert int_to_kanji(value) == text


def test_int_kanji_round_trip() -> None:
    for n in [*range(0, 3000), 10000, 10010, 99999, 120034005, 10**12 + 7]:
        assert kanji_to_int(int_to_kanji(n)) == n


@pytest.mark.parametrize("bad", [-1, True, 1.5, 10**16])
def test_int_to_kanji_rejects(bad: object) -> None:
    with pytest.raises(ValueError):
        int_to_kanji(bad)  # type: ignore[arg-type]


ERA_WESTERN = [
    ("令和", 5, 2023),
    ("令和", 1, 2019),
    ("平成", 31, 2019),
    ("平成", 1, 1989),
    ("昭和", 64, 1989),
    ("昭和", 1, 1926),
    ("大正", 15, 1926),
    ("大正", 1, 1912),
    ("明治", 45, 1912),
    ("明治", 1, 1868),
    ("R", 5, 2023),
    ("H", 31, 2019),
    ("ｓ", 64, 1989),
]


@pytest.mark.parametrize(("era", "year", "western"), ERA_WESTERN)
def test_era_to_western(era: str, year: int, western: int) -> None:
    assert era_to_western(era, year) == western


@pytest.mark.parametrize(("era", "year"), [("平成", 32), ("昭和", 65), ("令和", 0), ("慶応", 1), ("大正", 16)])
def test_era_to_western_rejects(era: str, year: int) -> None:
    with pytest.raises(ValueError):
        era_to_western(era, year)


WESTERN_ERA = [
    (2023, [("令和", 5)]),
    (2020, [("令和", 2)]),
    (2019, [("平成", 31), ("令和", 1)]),
    (1990, [("平成", 2)]),
    (1989, [("昭和", 64), ("平成", 1)]),
    (1988, [("昭和", 63)]),
    (1926, [("大正", 15), ("昭和", 1)]),
    (1912, [("明治", 45), ("大正", 1)]),
    (1868, [("明治", 1)]),
    (1867, []),
]


@pytest.mark.parametrize(("year", "eras"), WESTERN_ERA)
def test_western_to_era(year: int, eras: list[tuple[str, int]]) -> None:
    assert western_to_era(year) == eras


@pytest.mark.parametrize(
    ("day", "era"),
    [
        (date(2019, 4, 30), ("平成", 31)),
        (date(2019, 5, 1), ("令和", 1)),
        (date(1989, 1, 7), ("昭和", 64)),
        (date(1989, 1, 8), ("平成", 1)),
        (date(2023, 4, 1), ("令和", 5)),
    ],
)
def test_date_to_era(day: date, era: tuple[str, int]) -> None:
    assert date_to_era(day) == era


ARTICLES = [  # (kanji form, arabic form)
    ("第十二条第二項第一号", "第12条第2項第1号"),
    ("第二十条の二", "第20条の2"),
    ("附則第三条", "附則第3条"),
    ("第一条", "第1条"),
    ("第百二十三条の十五第三項", "第123条の15第3項"),
    ("第十二条の二の三", "第12条の2の3"),
    ("第百条", "第100条"),
    ("第千条", "第1000条"),
    ("第二章第三節", "第2章第3節"),
    ("同法第四十条第一項の規定", "同法第40条第1項の規定"),
]


@pytest.mark.parametrize(("kanji", "arabic"), ARTICLES)
def test_article_to_arabic(kanji: str, arabic: str) -> None:
    assert article_to_arabic(kanji) == arabic


@pytest.mark.parametrize(("kanji", "arabic"), ARTICLES)
def test_article_to_kanji(kanji: str, arabic: str) -> None:
    assert article_to_kanji(arabic) == kanji


@pytest.mark.parametrize(
    ("label", "arabic"),
    [
        ("第三条の一部を改正", "第3条の一部を改正"),  # 一部 is a word, not branch number 一
        ("第三者に提供", "第三者に提供"),
        ("第１２条", "第12条"),
        ("第12条", "第12条"),
        ("第十十条", "第十十条"),  # malformed: left as written
    ],
)
def test_article_to_arabic_edge_cases(label: str, arabic: str) -> None:
    assert article_to_arabic(label) == arabic


def test_article_to_kanji_full_width() -> None:
    assert article_to_kanji("第１２条第２項") == "第十二条第二項"


EXPANSIONS = [
    ("第十二条第二項", ["第12条第2項"]),
    ("第12条の2", ["第十二条の二"]),
    ("附則第三条及び第五条", ["附則第3条", "第5条"]),
    ("令和5年", ["2023年"]),
    ("令和五年", ["2023年", "令和5年"]),
    ("令和元年", ["2019年", "令和1年"]),
    ("平成31年", ["2019年"]),
    ("昭和64年1月7日", ["1989年1月7日"]),
    ("令和5年4月1日から施行する", ["2023年4月1日"]),
    ("令和五年四月一日", ["2023年4月1日", "令和5年4月1日"]),
    ("令和6年度予算", ["2024年度"]),
    ("2023年", ["令和5年"]),
    ("2023年4月1日", ["令和5年4月1日"]),
    ("2019年", ["平成31年", "令和元年", "令和1年"]),
    ("2019年4月30日", ["平成31年4月30日"]),
    ("2019年5月1日", ["令和元年5月1日", "令和1年5月1日"]),
    ("1989年1月", ["昭和64年1月", "平成元年1月", "平成1年1月"]),
    ("２０２３年度", ["令和5年度"]),
    ("R5", ["2023年", "令和5年"]),
    ("H31年度", ["2019年度", "平成31年度"]),
    ("R5.4.1", ["2023年4月1日", "令和5年4月1日"]),
    ("令和5年4月1日（2023年4月1日）", ["2023年4月1日", "令和5年4月1日"]),
    ("第3条により令和2年から", ["第三条", "2020年"]),
    # nothing to expand, or not a real date
    ("1500年", []),
    ("12023年", []),
    ("昭和70年", []),
    ("2019年13月", []),
    ("H2Oの分子", []),
    ("ABR5", []),
    ("第三者", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), EXPANSIONS)
def test_search_expansions(text: str, expected: list[str]) -> None:
    assert search_expansions(text) == expected


def test_search_expansions_query_meets_document() -> None:
    # The point of expansions: some form is shared by query and document.
    pairs = [
        ("第12条", "第十二条"),
        ("2023年", "令和5年"),
        ("令和元年", "2019年"),
        ("R5", "令和五年"),
        ("令和元年", "令和1年"),
    ]
    for query, document in pairs:
        q = {query, *search_expansions(query)}
        d = {document, *search_expansions(document)}
        assert q & d, (query, document)
