"""Citation verifier: supported / unsupported Japanese sentences with expected verdicts."""

from __future__ import annotations

import pytest

from model.verify import (
    UNVERIFIED_MARK,
    canon,
    citation_precision,
    facts,
    is_refusal,
    render,
    split_answer,
    verify_text,
)

P = [
    # [1]
    "部分休業の承認は、1日を通じて2時間を超えない範囲内で、30分単位で行う。"
    "職員は、小学校就学の始期に達するまでの子を養育するため、部分休業をすることができる。",
    # [2]
    "第十条 実施機関は、開示請求があった日から十五日以内に、開示するかどうかの決定をしなければならない。"
    "2 前項の期間は、事務処理上の困難その他正当な理由があるときは、三十日以内に限り延長することができる。",
    # [3]
    "この条例は、令和5年4月1日から施行する。住民票の写しの交付手数料は、1通につき300円とする。"
    "補助金の上限額は200万円とする。",
]

CASES = [
    # (answer sentence, expected supported, expected reason)
    ("部分休業は1日2時間を超えない範囲で、30分単位で承認されます。[1]", True, "ok"),
    ("部分休業は1日につき二時間までです。[1]", True, "ok"),  # kanji ↔ arabic
    ("部分休業は1日3時間までです。[1]", False, "fact-mismatch"),  # wrong number
    ("部分休業は1日2時間までです。[2]", False, "low-overlap"),  # wrong passage
    ("部分休業は1日2時間までです。", False, "no-citation"),  # no citation
    ("部分休業は1日2時間までです。[7]", False, "bad-citation"),  # no such passage
    ("開示決定は開示請求があった日から15日以内にしなければなりません。[2]", True, "ok"),
    ("開示決定の期間は三十日以内に限り延長することができます。[2]", True, "ok"),
    ("開示決定の期間は60日以内に限り延長することができます。[2]", False, "fact-mismatch"),
    ("第10条により、開示決定は15日以内に行います。[2]", True, "ok"),  # 第10条 ↔ 第十条
    ("第12条により、開示決定は15日以内に行います。[2]", False, "fact-mismatch"),  # wrong article
    ("この条例は2023年4月1日から施行されます。[3]", True, "ok"),  # 令和5年 ↔ 2023年
    ("この条例は令和五年四月一日から施行されます。[3]", True, "ok"),
    ("この条例は2024年4月1日から施行されます。[3]", False, "fact-mismatch"),  # wrong year
    ("この条例は令和5年5月1日から施行されます。[3]", False, "fact-mismatch"),  # wrong month
    ("住民票の写しの交付手数料は1通300円です。[3]", True, "ok"),
    ("住民票の写しの交付手数料は1通三百円です[3]。", True, "ok"),
    ("住民票の写しの交付手数料は1通350円です。[3]", False, "fact-mismatch"),
    ("補助金の上限額は2,000,000円です。[3]", True, "ok"),  # 200万円 ↔ 2,000,000円
    ("補助金の上限額は300万円です。[3]", False, "fact-mismatch"),
    ("東京都の人口は約1400万人です。[1]", False, "low-overlap"),  # invented
    ("マイナンバーカードは市役所の窓口で受け取れます。[3]", False, "low-overlap"),
]


@pytest.mark.parametrize("sentence,supported,reason", CASES)
def test_verdicts(sentence: str, supported: bool, reason: str) -> None:
    checks = verify_text(sentence, P)
    assert len(checks) == 1
    c = checks[0]
    assert (c.supported, c.reason) == (supported, reason), (c.score, c.missing, c.scores)


def test_canon_forms() -> None:
    assert canon("令和5年4月1日から第十二条") == "2023年4月1日から第12条"
    assert canon("平成三十一年度") == "2019年度"
    assert canon("三百円") == "300円" and canon("2,000円") == "2000円" and canon("200万円") == "2000000円"
    assert facts("第二十条の二第一項") >= {"第20条", "第1項"}
    assert facts("令和元年5月1日") == {"2019年", "5月", "1日"}


def test_split_answer_markers() -> None:
    # markers written after the 。 belong to the sentence before it
    got = split_answer("部分休業は2時間までです。[1] 申請は書面で行います[2]。【1、3】確認してください。\n[2]")
    assert got == [
        ("部分休業は2時間までです。", (1,)), ("申請は書面で行います。", (2, 1, 3)), ("確認してください。", (2,)),
    ]
    assert split_answer("回答です［１］［２］。") == [("回答です。", (1, 2))]


def test_render_remove_and_mark_and_precision() -> None:
    text = "部分休業は1日2時間までです。[1][2] この条例は2024年4月1日から施行されます。[3]"
    checks = verify_text(text, P)
    assert [c.supported for c in checks] == [True, False]
    assert checks[0].supported_by == (1,)  # [2] does not support it: dropped from the output
    assert render(checks, "remove") == "部分休業は1日2時間までです。[1]"
    marked = render(checks, "mark")
    assert marked.endswith(UNVERIFIED_MARK) and "2024年" in marked
    assert citation_precision(checks) == pytest.approx(1 / 3)


def test_refusal_detection() -> None:
    assert is_refusal("資料の中に該当する記述が見つかりませんでした。")
    assert is_refusal("資料には答えが書かれていません。")
    assert not is_refusal("部分休業は1日2時間までです。[1]")
