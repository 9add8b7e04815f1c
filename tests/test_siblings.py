"""A place asked (東地区, 川辺団地) that the quote lists only others of (北地区, 南地区) is another
place's answer (model/siblings.py, refused by model/extractive.py)."""

from __future__ import annotations

from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.records import Hit
from model.siblings import sibling_lost

_DAYS = ("◆燃やすごみ\n・収集日:北地区は月曜日・木曜日、南地区は火曜日・金曜日\n"
         "・ごみは、収集日の朝8時30分までに、決められたごみ集積所に出してください。")


def _ask(question: str, text: str = _DAYS):
    hit = Hit(1, 1, 1, "家庭ごみの分け方・出し方", "gomi.txt", "text", 1, None, None, "◆燃やすごみ", text, 0, len(text), 7.0)
    return ExtractiveAnswerer(lambda t: 3.0).answer(question, [Passage(hit, text, [])], query=analyse_query(question))


def test_a_place_quoted_only_beside_others_of_its_kind_is_lost():
    assert sibling_lost("東地区の燃やすごみは何曜日ですか", _DAYS)
    assert not sibling_lost("北地区の燃やすごみは何曜日ですか", _DAYS)
    assert not sibling_lost("燃やすごみは何曜日ですか", _DAYS)  # no place named
    # one other place alone may be the asked one worded otherwise
    assert not sibling_lost("東地区の燃やすごみは何曜日ですか", "収集日:中央地区は月曜日・木曜日")
    # a generic head (データ項目, 基本手当) names no set the asker picked from
    assert not sibling_lost("失業手当はいつ支給されますか", "傷病手当は…、基本手当は…、就職促進手当は…")


def test_the_answerer_refuses_the_other_districts_days_and_answers_the_asked_ones():
    no = _ask("標市の東地区に引っ越してきました。燃やすごみは何曜日に出せばよいですか")
    assert not no.answered and not no.citations
    ok = _ask("標市の南地区に引っ越してきました。燃やすごみは何曜日に出せばよいですか")
    assert ok.answered and "火曜日" in ok.text
