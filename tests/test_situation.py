"""Questions that open with a situation, as asked at a counter: the story told before
the question proper (息子が会社に就職しました。) is not what the passage must cover.
Real 国民健康保険法 text, no index, no embedder."""

from __future__ import annotations

from dataclasses import replace

from jtext.sentences import question_proper
from jtext.terms import analyse_query
from model.answerability import probability
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.grounding import evidence, grounding, weights
from model.keys import key_terms
from model.qtype import analyse

# 国民健康保険法 第八条 (資格喪失の時期)
_ART8 = ("都道府県等が行う国民健康保険の被保険者は、都道府県の区域内に住所を有しなくなつた日の翌日又は第六条各号"
         "(第九号及び第十号を除く。)のいずれかに該当するに至つた日の翌日から、その資格を喪失する。")
_TOLD = "大学を出た息子が春から会社に勤め始め、勤め先の健康保険に加入しました。"
_ASKED = "国民健康保険の被保険者の資格はいつ喪失しますか"


def _passages() -> list[Passage]:
    from model.records import Hit

    hit = Hit(1, 1, 1, "国民健康保険法", "kokuho.xml", "xml", 1, None, "第八条", None, _ART8, 0, len(_ART8), 1.0)
    return [Passage(hit, _ART8, [])]


def _idf(term: str) -> float:
    return 1.0


def test_question_proper_is_what_follows_the_situation():
    assert question_proper(_TOLD + _ASKED) == _ASKED
    assert question_proper("遺族補償の額を知りたいのですが、何日分ですか") == "何日分ですか"
    # 〜予定ですが、 and 〜としていますが、 tell a situation too
    assert question_proper("会員の住所を集める予定ですが、事前に本人に何をしておく必要がありますか") == "事前に本人に何をしておく必要がありますか"
    assert question_proper("目標を令和7年度までとしていますが、令和8年度以降は") == "令和8年度以降は"
    assert question_proper(_ASKED) is None
    assert question_proper(_ASKED + "。") is None


def test_a_question_asked_before_a_second_one_is_part_of_the_question_proper():
    """「…はいつ喪失しますか。手続も教えてください」 asks both: the first is no situation, so the form it asks is still
    asked (a quote without 様式 does not answer 「どのような様式の申出書ですか。書く事項も教えてください」)."""
    assert question_proper(_TOLD + _ASKED + "。必要な手続も教えてください") == _ASKED + "。必要な手続も教えてください"
    # a second sentence that narrows the first (改定の間隔を教えてください) is the question proper alone
    assert question_proper(_ASKED + "。その日付を教えてください") == "その日付を教えてください"
    q = "聴聞に参加したいと考えています。どのような様式の申出書を出すのですか。書く事項も教えてください"
    law = "前項の申出は、次に掲げる事項を記載した申出書を提出してしなければならない。"
    from model.means import format_lost
    assert format_lost(q, law)
    assert not format_lost(q, law + "申出書の様式は、別記様式第一号のとおりとする。")


def test_situation_words_do_not_lower_grounding():
    passages = _passages()
    told = analyse_query(_TOLD + _ASKED)
    plain = analyse_query(_ASKED)
    # the whole question: 息子, 大学, 会社… are in no passage
    assert evidence(*weights(_idf, told), passages) < evidence(*weights(_idf, plain), passages)
    # grounding reads the question proper as well: the passage answers what is asked
    assert (grounding(_idf, told, *weights(_idf, told), passages)
            == grounding(_idf, plain, *weights(_idf, plain), passages))
    # a question without a situation is measured as it is
    assert grounding(_idf, plain, *weights(_idf, plain), passages) == evidence(*weights(_idf, plain), passages)


def test_situational_question_is_answered_by_the_article_that_answers_it():
    answerer = ExtractiveAnswerer(_idf, min_confidence=0.075)  # the default learned gate
    passages = _passages()
    cand = answerer.candidate(_TOLD + _ASKED, passages)
    assert cand is not None
    # read on the whole question alone, the same quote's probability is under the threshold
    whole = evidence(*weights(_idf, analyse_query(_TOLD + _ASKED)), passages)
    assert probability(replace(cand.signals, grounding=whole)) < 0.075
    assert probability(cand.signals) >= 0.075
    ans = answerer.answer(_TOLD + _ASKED, passages)
    assert ans.answered and "翌日から、その資格を喪失する" in ans.text


def test_the_askers_own_time_and_person_are_not_keys():
    words = ["".join(s for _, s in c) for c in key_terms("来月、娘が出産の予定です。自分で児童手当を申請できますか")]
    assert "来月" not in words and "自分" not in words
    assert {"娘", "出産", "児童手当", "申請"} <= set(words)
    # told before the question proper, 娘 and 出産 are situation keys
    qt = analyse("来月、娘が出産の予定です。児童手当は月額いくらですか")
    told = {qt.key_words[i] for i in qt.told}
    assert {"娘", "出産"} <= told and "児童手当" not in told
