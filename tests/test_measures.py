"""A size the question names (20リットル, 3DK) quoted only for other sizes is another thing's answer
(model/measures.py, refused by model/extractive.py)."""

from __future__ import annotations

from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.measures import measure_lost
from model.records import Hit

_BAGS = ("◆指定ごみ袋の価格\n・燃やすごみ用(緑色) 大(45リットル)10枚入り 500円、中(30リットル)10枚入り 350円\n"
         "・燃やさないごみ用(黄色) 30リットル 10枚入り 350円")


def _ask(question: str, text: str = _BAGS):
    hit = Hit(1, 1, 1, "家庭ごみの分け方・出し方", "gomi.txt", "text", 1, None, None, "◆指定ごみ袋の価格", text, 0,
              len(text), 7.0)
    return ExtractiveAnswerer(lambda t: 3.0).answer(question, [Passage(hit, text, [])], query=analyse_query(question))


def test_a_size_quoted_only_for_other_sizes_is_lost():
    assert measure_lost("20リットルの燃やすごみ用の袋はいくらですか", _BAGS)
    assert not measure_lost("30リットルの燃やすごみ用の袋はいくらですか", _BAGS)
    assert not measure_lost("三十リットルの袋はいくらですか", _BAGS)  # kanji numerals are read
    assert not measure_lost("燃やすごみ用の袋はいくらですか", _BAGS)  # no size named


def test_a_bound_may_cover_the_asked_size():
    assert not measure_lost("58歳でも介護保険のサービスは使えますか", "40歳以上の方が加入者(被保険者)となります。")
    assert not measure_lost("1歳未満の子を養育するとき", "その二歳に満たない子を養育するため")
    assert not measure_lost("3DKの住宅の家賃は", "家賃は月額18,000円から52,000円までです。")  # no DK quoted at all
    assert measure_lost("3DKの住宅の家賃は", "・桜ヶ丘団地(2DK) 4戸 家賃 30,000円")


def test_the_answerer_refuses_the_other_size_and_answers_the_asked_one():
    no = _ask("燃やすごみ用の20リットルの指定袋は10枚入りでいくらですか")
    assert not no.answered and not no.citations
    ok = _ask("燃やすごみ用の45リットルの指定袋は10枚入りでいくらですか")
    assert ok.answered and "500円" in ok.text


_SHARES = ("【医療機関で支払う自己負担の割合】\n・義務教育就学前 2割\n・義務教育就学後から69歳まで 3割\n"
           "・70歳から74歳まで 2割(現役並み所得者は3割)")


def test_a_range_covers_only_the_ages_inside_it():
    assert measure_lost("75歳以上の人が窓口で支払う自己負担の割合は何割ですか", _SHARES)
    assert not measure_lost("72歳の人が窓口で支払う自己負担の割合は何割ですか", _SHARES)
    assert not measure_lost("70歳以上の人が窓口で支払う自己負担の割合は何割ですか", _SHARES)  # 70〜74 is among them
    assert measure_lost("68歳の人の割合は何割ですか", "70歳から74歳まで 2割")


def test_the_answerer_refuses_an_age_no_range_of_the_quote_covers():
    no = _ask("国民健康保険に入っている母がまもなく75歳になります。75歳以上の人が医療機関の窓口で支払う自己負担の割合は何割ですか",
              _SHARES)
    assert not no.answered
    ok = _ask("国民健康保険に入っている母は72歳です。72歳の人が医療機関の窓口で支払う自己負担の割合は何割ですか", _SHARES)
    assert ok.answered and "2割" in ok.text
