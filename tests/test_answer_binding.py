"""Refusals where the quote holds a number, but not the one asked (model/extractive.py):
the form in a sentence about something else (answer_min_form_key), a rate counted over
another period (model/measures.period_lost), and a figure left to a 政令
(model/delegation.py), or a body asked that the quote only says a 規則 names, a count
read from a list number (2. 名簿班), and a place's whereabouts asked of a quote that only names it. Real Japanese sentences; no index, no embedder."""

from __future__ import annotations

import pytest

from base.errors import ConfigError
from base.settings import Settings
from jtext.terms import analyse_query
from model.delegation import asked_terms, delegated, delegation_asked, which_delegated
from model.extractive import ExtractiveAnswerer
from model.location import location_lost, obtained_lost
from model.measures import period_lost
from model.registry import make_answerer

from .llm_helpers import passage

KAIGO = passage(1, "6.相談窓口\n(1) 地域包括支援センターは、高齢者の総合相談窓口として、市内5か所に設置しています。\n"
                   "名称\n担当地区\n北部地域包括支援センター\n北町、桜ヶ丘、緑が丘\n西部地域包括支援センター\n西町、山手、梅林\n"
                   "(2) 介護保険に関するお問合せは、標市健康福祉部介護保険課(電話 0123-45-6320)へ。", "介護保険のしおり")
KAIGO_OWN = passage(2, "北部地域包括支援センター(電話 0123-45-6401、平日の午前8時30分から午後5時15分まで)", "介護保険のしおり")
TELEWORK = passage(3, "第4 実施日数\nテレワークの実施日数は、1か月につき10日を上限とする。", "標市テレワーク実施要領")
SHIKIN = passage(4, "前払式支払手段発行者は、基準日未使用残高が政令で定める額(以下この章において「基準額」という。)を超えるときは、"
                    "当該基準日未使用残高の二分の一の額以上の額に相当する額の発行保証金を供託しなければならない。",
                 "資金決済に関する法律", "第十四条")
FUSEI = passage(5, "都道府県公安委員会は、前項の規定による援助を行うため必要な事例分析の実施の事務の全部又は一部を"
                   "国家公安委員会規則で定める者に委託することができる。", "不正アクセス行為の禁止等に関する法律", "第九条第二項")
FUSEI_RULE = passage(6, "法第九条第二項の国家公安委員会規則で定める者は、次に掲げる者とする。\n一 一般社団法人情報セキュリティ協会",
                     "不正アクセス行為の禁止等に関する法律施行規則", "第一条")
HINANJO = passage(7, "第六条 避難所運営委員会は、次に掲げる者をもって組織する。\n一 自主防災組織又は自治会の代表者\n"
                     "二 施設管理者又はその指名する者\n三 避難所担当職員\n2. 名簿班は、避難者の受付を行う。", "標市避難所運営規則")


def _answerer(**kw) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(lambda t: 3.0, min_evidence=0.2, **kw)


def test_a_number_about_something_else_does_not_answer():
    q = "北部地域包括支援センターの電話番号は何番ですか"
    # the table without its column titles: its cells are lines, the 介護保険課's number the nearest figure
    lines = passage(1, KAIGO.hit.text.replace("名称\n担当地区\n", ""), "介護保険のしおり")
    assert not _answerer(min_form_key=0.5).answer(q, [lines]).answered
    assert _answerer(min_form_key=0.0).answer(q, [lines]).answered  # the rule is what refuses
    # under its titles each row is read whole (北部地域包括支援センター / 北町、…): no number of its own either
    assert not _answerer(min_form_key=0.5).answer(q, [KAIGO]).answered
    own = _answerer(min_form_key=0.5).answer(q, [KAIGO_OWN])
    assert own.answered and "0123-45-6401" in own.text


def test_the_default_settings_bind_the_form_to_the_question():
    assert Settings().answer_min_form_key == 0.5
    made = make_answerer("extractive", Settings(), lambda t: 3.0)
    assert made.min_form_key == 0.5
    assert not make_answerer("extractive", Settings(), lambda t: 3.0, answer_min_form_key=0.0).min_form_key
    with pytest.raises(ConfigError, match="answer_min_form_key"):
        Settings().replace(answer_min_form_key=1.5)


def test_a_rate_over_another_period_does_not_answer():
    assert period_lost("テレワークは1週間に何日まで実施できますか", TELEWORK.hit.text)
    assert not period_lost("テレワークは1か月に何日まで実施できますか", TELEWORK.hit.text)
    assert not period_lost("テレワークは何日まで実施できますか", TELEWORK.hit.text)  # no period named
    assert not _answerer().answer("標市の職員のテレワークは、1週間に何日まで実施できますか", [TELEWORK]).answered
    ok = _answerer().answer("標市の職員のテレワークは、1か月に何日まで実施できますか", [TELEWORK])
    assert ok.answered and "10日" in ok.text
    # a date's day (7月1日に) or the last digit of another number (11か月) counts over no period
    every_other_year = "表彰は、隔年7月1日に行う。"
    assert not period_lost("表彰は毎年行われているのですか。どのくらいの間隔で行いますか", every_other_year)
    assert period_lost("表彰は1日に何回行いますか", "表彰は、1年に1回行う。")
    assert not period_lost("1週間に何日休めますか", "休暇の日数は、11か月に一度見直す。")


def test_a_figure_left_to_a_cabinet_order_is_not_stated():
    q = "前払式支払手段の発行保証金の供託が必要になる基準額は、具体的にいくらですか"
    assert "基準額" in asked_terms(q, ("前払式支払手段", "発行保証金", "供託", "基準額", "具体的"))
    assert delegated(q, ("前払式支払手段", "発行保証金", "供託", "基準額"), SHIKIN.hit.text)
    assert not _answerer().answer(q, [SHIKIN]).answered
    # 基準額 named as a condition: the share asked is stated (二分の一)
    q2 = "基準額を超えた前払式支払手段発行者は、未使用残高のどれだけ以上の発行保証金を供託しなければなりませんか"
    ok = _answerer().answer(q2, [SHIKIN])
    assert ok.answered and "二分の一" in ok.text


def test_a_body_a_rule_names_is_not_stated_by_the_delegating_article():
    q = "不正アクセス禁止法で、事例分析の事務を委託できる「国家公安委員会規則で定める者」とは、具体的にどの機関ですか"
    assert delegation_asked(q, FUSEI.hit.text)
    assert not _answerer().answer(q, [FUSEI]).answered
    assert not delegation_asked(q, FUSEI_RULE.hit.text)  # the rule itself says who: not this refusal
    assert not delegation_asked("事例分析の事務は誰に委託できますか", FUSEI.hit.text)  # the delegation is the answer


def test_what_a_rule_sets_may_be_asked_after_the_rule_is_named():
    """「…規則で定める国は、…と聞きました。具体的にはどの国や地域が」: the 具体的に comes sentences later."""
    law = ("個人情報取扱事業者は、外国(個人の権利利益を保護する上で我が国と同等の水準にあると認められる個人情報の"
           "保護に関する制度を有している外国として個人情報保護委員会規則で定めるものを除く。)にある第三者に個人データを"
           "提供する場合には、あらかじめ本人の同意を得なければならない。")
    q = ("日本と同等の水準の制度がある外国として個人情報保護委員会規則で定める国は、提供の制限で特別に扱われると聞きました。"
         "具体的にはどの国や地域が定められていますか")
    assert delegation_asked(q, law)
    assert not _answerer().answer(q, [passage(10, law, "個人情報の保護に関する法律")]).answered
    # named as a condition, not asked: the consent asked of is stated
    assert not delegation_asked("個人情報保護委員会規則で定める国以外にある第三者に提供するときは、何が必要ですか", law)


def test_which_one_asked_is_not_stated_by_a_rule_that_leaves_it_to_an_ordinance():
    """「どの出張所に置かれますか」 against 「省令で定める出張所に…を置く」: which one is left to the 省令."""
    law = "厚生労働省令で定める公共職業安定所に、日雇労働相談員を置く。"
    q = "日雇労働相談員は、具体的にどの公共職業安定所に置かれていますか"
    assert which_delegated(q, law)
    assert not _answerer().answer(q, [passage(11, law, "雇用保険法")]).answered
    # the ordinance itself says which: not this refusal
    assert not which_delegated(q, "厚生労働省令で定める公共職業安定所は、東京及び大阪の公共職業安定所とする。")
    # a named office is the answer
    named = passage(12, "日雇労働相談員は、飯田橋公共職業安定所に置く。", "雇用保険法")
    assert not which_delegated(q, named.hit.text)
    assert _answerer().answer(q, [named]).answered
    # どの範囲まで asks no name (災害救助基金 取崩し): a rule's 政令で定める範囲 elsewhere does not refuse it
    assert not which_delegated("基金はどの範囲まで取り崩せますか", "政令で定める範囲内において取り崩すことができる。")


def test_a_list_number_is_not_a_head_count():
    q = "標市の避難所運営委員会は、委員を何人で構成することになっていますか"
    assert not _answerer().answer(q, [HINANJO]).answered  # 2. 名簿班 is no count of 名
    staffed = passage(8, "避難所運営委員会は、委員10名以内で組織する。", "標市避難所運営規則")
    ok = _answerer().answer(q, [staffed])
    assert ok.answered and "10名" in ok.text


BICHIKU = passage(9, "第6 保管場所\n2.拠点備蓄倉庫は、中央防災倉庫(標市中央公園内)、北部防災倉庫及び南部防災倉庫とする。",
                  "標市防災備蓄計画")


def test_a_place_named_without_its_whereabouts_does_not_say_where_it_is():
    q = "標市の北部防災倉庫はどこにありますか"
    assert location_lost(q, BICHIKU.hit.text)
    assert not _answerer().answer(q, [BICHIKU]).answered
    ok = _answerer().answer("標市の中央防災倉庫はどこにありますか", [BICHIKU])
    assert ok.answered and "中央公園内" in ok.text


API_TERMS = passage(8, "第21条(準拠法及び管轄裁判所)\n(1) 本利用規約は日本法に準拠し、日本法に基づいて解釈される。\n"
                       "(2) 本APIの利用及び本利用規約に関する紛争については、(裁判所名)を、第一審の専属的な合意管轄裁判所とする。",
                    "API導入実践ガイドブック")
REAL_TERMS = passage(9, "第21条(準拠法及び管轄裁判所)\n(2) 本APIの利用及び本利用規約に関する紛争については、"
                        "東京地方裁判所を、第一審の専属的な合意管轄裁判所とする。", "標市API利用規約")


def test_a_templates_blank_names_no_court():
    """A model text's blank (（裁判所名）) is no answer to which court: the template is quoted
    only where its text answers; the same article with a court named is answered."""
    q = "API利用規約では、紛争が起きたときの第一審の専属的合意管轄裁判所はどこの裁判所と定められていますか"
    answerer = _answerer()
    assert not answerer.answer(q, [API_TERMS]).answered
    ans = answerer.answer(q, [REAL_TERMS])
    assert ans.answered and "東京地方裁判所" in ans.text


def test_where_a_paper_is_had_needs_a_place_it_is_given_out():
    """「請求書の用紙はどこで入手できますか」: an address to post the request to is not where the blank is had; a page
    saying the counter gives it out or that it can be downloaded answers."""
    q = "遠方の方から問い合わせがありました。郵送で請求するときの請求書の用紙はどこで入手できますか"
    post = passage(1, "請求書、本人確認書類の写しを同封し、次のあて先に送付してください。〒000-0001 標市中央一丁目1番1号 "
                   "標市役所市民課郵送請求担当", "住民票の写しの交付について")
    assert obtained_lost(q, post.hit.text)
    assert not _answerer().answer(q, [post]).answered
    given = passage(2, "郵送で請求するときの請求書の用紙は、市民課の窓口で配布するほか、市のホームページからダウンロードできます。",
                    "住民票の写しの交付について")
    answer = _answerer().answer(q, [given])
    assert not obtained_lost(q, given.hit.text) and answer.answered and "ダウンロード" in answer.text


def test_a_period_asked_for_an_act_must_be_that_act_s():
    """「諮問を受けた日から何日以内に答申を出さなければ」: the 二十日以内 by which the 諮問 is made is another act's
    period (model/focus.deadline_act_words); a sentence giving the 答申's period answers."""
    q = "標市情報公開審査会は、実施機関から諮問を受けた日から何日以内に答申を出さなければならないとされていますか"
    guide = passage(1, "審査請求があったときは、実施機関は標市情報公開審査会に諮問し、その答申を尊重して裁決します。",
                    "情報公開請求の手続")
    answerer = ExtractiveAnswerer(lambda t: 4.0)
    other = passage(2, "前項の規定による諮問は、審査請求があった日から二十日以内にしなければならない。", "標市情報公開条例",
                    "第十三条第二項")
    decision = answerer.decide(q, [guide, other], analyse_query(q))
    assert decision.check == "require_form", decision.check
    own = passage(2, "審査会は、諮問を受けた日から六十日以内に答申するよう努めるものとする。", "標市情報公開条例", "第十四条")
    answer = answerer.answer(q, [guide, own], query=analyse_query(q))
    assert answer.answered and "六十日以内" in answer.text, answer.text


def test_a_figure_asked_of_a_named_thing_must_be_that_thing_s():
    """「家賃は、毎月何日が納期限ですか」: the lottery's date (7月26日) is no 納期限 (model/focus.quantity_of_words); a
    sentence naming the 納期限 answers."""
    q = "市営住宅に入居が決まった方から聞かれました。標市の市営住宅の家賃は、毎月何日が納期限ですか"
    page = ("家賃は、世帯の所得に応じて月額18,000円から52,000円までの範囲で決定します。"
            "公開抽選は、令和6年7月26日(金)午前10時から本庁舎5階大会議室で行います。")
    answerer = ExtractiveAnswerer(lambda t: 4.0)
    assert not answerer.answer(q, [passage(1, page, "市営住宅入居者募集")], query=analyse_query(q)).answered
    page += "家賃の納期限は、毎月20日です(休日のときは翌営業日)。"
    answer = answerer.answer(q, [passage(1, page, "市営住宅入居者募集")], query=analyse_query(q))
    assert answer.answered and "毎月20日" in answer.text, answer.text
