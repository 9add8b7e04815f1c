"""A town's head asked about (町長は…), the national law naming every head 地方公共団体の長: the key is
covered (jtext.aliases), so the law's rule answers; a quote about someone else still does not."""

from __future__ import annotations

from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.records import Hit

_LAW = "個人情報の保護に関する法律"


def _article(text: str, article: str) -> Passage:
    return Passage(Hit(1, 1, 1, _LAW, "415AC0000000057.xml", "xml", 1, None, article, None, text, 0, len(text), 7.0),
                   text, [])


_QUESTION = ("町の総務課で、個人情報保護法の施行に関して必要な事項を定める条例を新しく制定しました。"
             "町長は、条例を定めた旨とその内容をどこに届け出なければなりませんか")


def _answer(passages: list[Passage]):
    return ExtractiveAnswerer(lambda t: 3.0).answer(_QUESTION, passages, query=analyse_query(_QUESTION))


def test_the_law_on_every_head_answers_a_question_on_the_town_head():
    rule = _article("地方公共団体の長は、この法律の規定に基づき個人情報の保護に関する条例を定めたときは、遅滞なく、"
                    "個人情報保護委員会規則で定めるところにより、その旨及びその内容を委員会に届け出なければならない。", "第百六十七条")
    ans = _answer([rule])
    assert ans.answered and "委員会に届け出" in ans.text, ans.text


def test_a_rule_for_someone_else_still_does_not():
    other = _article("委員会は、前項の規定による届出があったときは、当該届出に係る事項をインターネットの利用その他適切な方法により"
                     "公表しなければならない。", "第百六十七条第二項")
    assert not _answer([other]).answered
