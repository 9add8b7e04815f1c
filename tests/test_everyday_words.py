"""A question in everyday words (職員, 赤ちゃん, 子ども) is answered from a law's words (労働者, 生児, 児童), and
the municipality a question names (標市では) need not be repeated by its own page: through the extractive
answerer, on text written like the real statute and guide."""

from __future__ import annotations

from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.records import Hit


def _passage(text: str, title: str, article: str | None = None, heading: str | None = None) -> Passage:
    return Passage(Hit(1, 1, 1, title, "doc.xml", "xml", 1, None, article, heading, text, 0, len(text), 7.0), text, [])


def _answer(question: str, passage: Passage):
    return ExtractiveAnswerer(lambda t: 3.0).answer(question, [passage], query=analyse_query(question))


_LBS = _passage("使用者は、労働者の死亡又は退職の場合において、権利者の請求があつた場合においては、七日以内に賃金を支払い、"
                "労働者の権利に属する金品を返還しなければならない。", "労働基準法", "第二十三条")


def test_shokuin_is_answered_from_the_law_on_roudousha():
    ans = _answer("職員が退職し、本人から請求があった場合、使用者は未払いの賃金を何日以内に支払わなければなりませんか", _LBS)
    assert ans.answered and "七日以内" in ans.text, ans.text


def test_a_word_the_table_does_not_hold_still_counts_against():
    """職員 is 労働者; 派遣先 is nothing the article names, and the question is refused as before."""
    ans = _answer("派遣先の担当者が退職し、派遣元から請求があった場合、派遣先は未払いの委託料を何日以内に支払いますか", _LBS)
    assert not ans.answered, ans.text


def test_the_municipality_asked_about_need_not_be_on_its_own_page():
    guide = _passage("・ごみ集積所は、利用する町内会・自治会が管理しています。\n・ごみは収集日の朝8時30分までに出してください。",
                     "家庭ごみの分け方・出し方", heading="◆ごみ出しの基本ルール")
    ans = _answer("近所のごみ集積所の掃除当番のことで相談したいと思っています。標市では、ごみ集積所は誰が管理していることに"
                  "なっていますか", guide)
    assert ans.answered and "町内会・自治会" in ans.text, ans.text
    other = _passage("・ごみ集積所は、かつらぎ町の区長が管理しています。", "かつらぎ町 ごみの出し方", heading="集積所")
    assert not _answer("標市では、ごみ集積所は誰が管理していることになっていますか", other).answered
