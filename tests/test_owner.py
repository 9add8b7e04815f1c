"""A quote about the asked attribute of another owner is refused: the near miss
「飼い猫の登録手数料」 against a city page headed 犬の登録, 「個人番号の桁数」 against
the card's 暗証番号 section — while the owner the page is about, or a form of
it (飼い犬 for 犬), is answered from the same text (model/owner.py, no index)."""

from __future__ import annotations

import pytest

from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.owner import asked_owners
from model.qtype import analyse
from model.records import NOT_FOUND, Hit

_DOG = ("生後91日以上の犬を飼い始めたときは、30日以内に市に登録してください。"
        "登録手数料は、1頭につき3,000円です。登録すると鑑札を交付します。")
_PIN = ("マイナンバーカードの受け取りの際に、次の暗証番号を設定していただきます。\n"
        "・署名用電子証明書:英数字6文字以上16文字以下\n"
        "・利用者証明用電子証明書、住民基本台帳用、券面事項入力補助用:数字4桁(同じ番号でもかまいません)")


def _passage(text: str, title: str, heading: str, source: str, article: str | None = None) -> Passage:
    hit = Hit(1, 1, 1, title, source, "text", 1, None, article, heading, text, 0, len(text), 7.0)
    return Passage(hit, text, [])


def _ask(question: str, passage: Passage):
    answerer = ExtractiveAnswerer(lambda t: 3.0)
    query = analyse_query(question)
    return answerer.answer(question, [passage], query=query), answerer.candidate(question, [passage], query)


_DOG_PAGE = _passage(_DOG, "犬の登録と狂犬病予防注射", "犬の登録", "inu_toroku.html")
_PIN_PAGE = _passage(_PIN, "マイナンバーカードの受け取り", "マイナンバーカードの受け取り > 暗証番号の設定", "mynumber.html")


@pytest.mark.parametrize(
    "question, page, other",
    [
        ("飼い猫を市に登録するときの手数料はいくらですか", _DOG_PAGE, ("飼い猫", "登録", "犬")),
        ("個人番号（マイナンバー）は何桁の数字ですか。", _PIN_PAGE, ("個人番号", "番号", "暗証")),
    ],
)
def test_the_same_attribute_of_another_owner_is_refused(question, page, other):
    answer, cand = _ask(question, page)
    assert cand.other_owner == other
    assert not answer.answered and answer.text == NOT_FOUND
    assert answer.passages and not answer.citations  # the closest passages are listed, nothing cited


@pytest.mark.parametrize(
    "question, page, expected",
    [
        ("犬を市に登録するときの手数料はいくらですか", _DOG_PAGE, "3,000円"),
        # 飼い犬 is a form of the 犬 the heading names, not another owner
        ("飼い犬を登録するときの手数料はいくらですか", _DOG_PAGE, "3,000円"),
        ("カードの暗証番号は何桁の数字ですか。", _PIN_PAGE, "4桁"),
    ],
)
def test_the_owner_the_section_is_about_is_answered(question, page, expected):
    answer, cand = _ask(question, page)
    assert cand.other_owner is None
    assert answer.answered and expected in answer.text


def test_the_asked_owner_and_attribute_are_read_from_the_question():
    q = "令和5年度の調査で、外国人観光客の割合は何パーセントでしたか"
    qt = analyse(q)
    cov = [1.0 if w != "外国" else 0.0 for w in qt.key_words]
    assert ("外国", "割合") not in asked_owners(qt, q, cov)  # 外国 owns 人観光客, not 割合 directly
    q = "飼い猫を市に登録するときの手数料はいくらですか"
    qt = analyse(q)
    assert asked_owners(qt, q, [0.0, 1.0, 1.0, 1.0]) == [("飼い猫", "登録")]
    # an owner the evidence holds is no near miss
    assert asked_owners(qt, q, [1.0, 1.0, 1.0, 1.0]) == []


def test_only_the_owner_a_heading_opens_with_counts():
    from model.owner import other_owner

    q = "救助のために物資を収用するときには、相手方に何を交付する必要がありますか。"
    qt = analyse(q)
    cov = [0.0 if w == "物資" else 1.0 for w in qt.key_words]
    assert ("物資", "収用") in asked_owners(qt, q, cov)
    # 長等 is who expropriates (指定行政機関の長等の収用), not another thing expropriated
    assert other_owner(qt, q, cov, "第五条（指定行政機関の長等の収用等）") is None
    assert other_owner(qt, q, cov, "土地の収用") == ("物資", "収用", "土地")
    # a numbered or marked heading opens with its words all the same
    assert other_owner(qt, q, cov, "◆2.1. 土地の収用") == ("物資", "収用", "土地")


def test_a_negating_prefix_is_no_other_owner():
    from model.owner import other_owner

    q = "東京都の機関に保有個人情報の開示を請求する際の手数料はいくらですか。"
    qt = analyse(q)
    cov = [0.0 if w == "保有個人情報" else 1.0 for w in qt.key_words]
    assert other_owner(qt, q, cov, "不開示情報") is None


_SURVEY = ("市外から訪れた人の神戸訪問について、全市では今回が「初めて」という割合は1割に満たない。"
           "神戸市以外も訪問予定があるという割合は、全市では2割弱となっている。")
_SURVEY_PAGE = _passage(_SURVEY, "令和5年度神戸市観光動向調査結果", "", "kobe_kanko.pdf")


def test_a_first_sentence_about_the_attribute_of_another_owner_is_refused():
    # no heading here: the first sentence's subject is the 割合 of those answering 「初めて」
    answer, cand = _ask("令和5年度の神戸市観光動向調査で、外国人観光客の割合は何パーセントでしたか", _SURVEY_PAGE)
    assert cand.other_owner == ("外国人観光客", "割合", "「」")
    assert not answer.answered
    # 市長の任期 against 委員の任期は、二年とする。
    law = _passage("委員の任期は、二年とする。ただし、補欠の委員の任期は、前任者の残任期間とする。",
                   "標市情報公開条例", "第十四条（審査会）", "jorei.html")
    answer, cand = _ask("市長の任期は何年ですか", law)
    assert cand.other_owner is not None and cand.other_owner[2] == "委員"
    assert not answer.answered


def test_a_first_sentence_about_the_asked_owner_is_answered():
    text = "外国人観光客の割合は、全市で12.5%となった。" + _SURVEY
    answer, cand = _ask("令和5年度の神戸市観光動向調査で、外国人観光客の割合は何パーセントでしたか",
                        _passage(text, "令和5年度神戸市観光動向調査結果", "", "kobe_kanko.pdf"))
    assert cand.other_owner is None
    assert answer.answered and "12.5%" in answer.text


def test_an_owner_the_question_asks_for_or_the_text_names_before_is_no_other_owner():
    from model.owner import other_subject

    q = "ポルトガルはどの国の影響を強く受けましたか"
    qt = analyse(q)
    cov = [1.0] * len(qt.key)
    assert other_subject(qt, q, cov, "ポルトガル", "イギリスの影響が強い。") is None
    q = "寛保の天皇は誰ですか"
    qt = analyse(q)
    cov = [0.0 if w == "寛保" else 1.0 for w in qt.key_words]
    # この時代 is the era the text named before: its 天皇 may well be 寛保's
    assert other_subject(qt, q, cov, "この時代の天皇は中御門天皇。", "この時代の天皇は中御門天皇。") is None
    assert other_subject(qt, q, cov, "延享の天皇は桜町天皇。", "延享の天皇は桜町天皇。") == ("寛保", "天皇", "延享")
    # 当該検査 (the inspection just named) is written as one noun run with its determiner
    q = "ストレスチェックの結果を、医師等が本人の同意なしに事業者へ渡すことは許されますか"
    qt = analyse(q)
    cov = [0.0 if w == "ストレスチェック" else 1.0 for w in qt.key_words]
    lead = "当該検査の結果は、検査を受けた労働者の同意を得ないで、事業者に提供してはならない。"
    assert other_subject(qt, q, cov, lead, lead) is None
    other = "健康診断の結果は、事業者が保存しなければならない。"
    assert other_subject(qt, q, cov, other, other) == ("ストレスチェック", "結果", "健康診断")


def test_two_names_of_one_thing_are_one_owner_and_one_key():
    from model.owner import other_owner
    from model.keys import key_coverage

    # the law names マイナンバーカード 個人番号カード: its section is about the asked card
    q = "マイナンバーカードを持っている人が国外へ転出するとき、カードはどこに提出しますか。"
    qt = analyse(q)
    cov = [0.0 if w == "マイナンバーカード" else 1.0 for w in qt.key_words]
    assert other_owner(qt, q, cov, "第十七条（個人番号カードの交付等）") is None
    text = "個人番号カードの交付を受けている者は、国外に転出をするときは、当該個人番号カードを返納しなければならない。"
    assert key_coverage(analyse(q).key, set(), text)[0] == 1.0
    # マイナンバー inside マイナンバーカード names the card, not the number
    assert key_coverage(analyse("個人番号は何桁ですか").key, set(), "マイナンバーカードの暗証番号")[0] < 0.5
    assert key_coverage(analyse("国保の保険料はいくらですか").key, set(), "国民健康保険の保険料は")[0] == 1.0


_KAIGO = ("(2) 1か月の自己負担額が上限額を超えた場合は、申請により高額介護サービス費が支給されます。"
          "住民税課税世帯の一般的な方の上限額は、世帯で月額44,400円です。")


def test_a_quote_about_the_negated_opposite_is_refused():
    page = _passage(_KAIGO, "介護保険サービス利用の手引き", "5.高額介護サービス費", "kaigo.pdf")
    answer, cand = _ask("住民税非課税世帯の場合、高額介護サービス費の上限額は月額いくらですか。", page)
    assert not cand.negation_ok and not answer.answered
    answer, cand = _ask("住民税課税世帯の場合、高額介護サービス費の上限額は月額いくらですか。", page)
    assert cand.negation_ok and answer.answered and "44,400円" in answer.text


def test_a_negated_key_told_only_as_the_situation_is_the_askers_fact():
    """「…型式検定で不合格とされました。…審査請求をすることはできますか」: 不合格 is what happened to the asker,
    not what is asked; the article saying no 審査請求 lies against 型式検定's results answers, though it never
    writes 不合格 (it writes 合格 elsewhere). Asked of a 不合格 itself (不合格の場合の手数料), it still refuses."""
    text = ("型式検定に合格した型式の機械等には、表示を付さなければならない。"
            "第三十八条の検査、性能検査、個別検定又は型式検定の結果についての処分については、審査請求をすることができない。")
    page = _passage(text, "労働安全衛生法", "第十章 > 第百十一条（審査請求）", "anei.xml", "第百十一条")
    answer, cand = _ask("保護具のメーカーから相談がありました。型式検定を受けたところ不合格とされたそうです。"
                        "型式検定の結果についての処分に対して、審査請求をすることはできますか。", page)
    assert cand.negation_ok and answer.answered and "審査請求をすることができない" in answer.text
    answer, cand = _ask("型式検定で不合格となった機械等の表示はどうなりますか。", page)
    assert not cand.negation_ok and not answer.answered


def test_a_city_office_is_the_laws_local_public_body():
    """市役所の職員 asked, 地方公共団体の職員 written: the national law names every city by that word, so its
    職員 is no other owner's; and 「事実をもとに」's もと is a formal noun, no key the quote must hold."""
    text = ("第六十二条第一項の規定による通報をした者がある場合において、その通報に基いて退去強制令書が発付されたときは、"
            "法務大臣は、その通報者に対し、五万円以下の金額を報償金として交付することができる。"
            "但し、通報が国又は地方公共団体の職員がその職務の遂行に伴い知り得た事実に基くものであるときは、この限りでない。")
    page = _passage(text, "出入国管理及び難民認定法", "第六十六条（報償金）", "nyukan.xml", "第六十六条")
    answer, cand = _ask("市役所の職員が仕事の中で知った事実をもとに通報し、退去強制令書が出た場合、その職員は報償金を"
                        "受け取れるのですか", page)
    assert cand.other_owner is None and answer.answered and "この限りでない" in answer.text
    answer, cand = _ask("民間病院の職員が仕事の中で知った事実をもとに通報し、退去強制令書が出た場合、その職員は報償金を"
                        "受け取れるのですか", page)
    assert cand.other_owner is not None and not answer.answered  # a private hospital is not the law's 地方公共団体


def test_who_holds_a_role_the_quote_never_names_is_refused():
    text = ("審査請求があったときは、実施機関は標市情報公開・個人情報保護審査会に諮問しなければならない。"
            "審査会は、委員五人以内で組織する。委員は、学識経験を有する者のうちから、市長が委嘱する。")
    page = _passage(text, "標市情報公開条例", "第十四条（審査会）", "jorei.xml")
    answer, cand = _ask("標市情報公開・個人情報保護審査会の会長は誰が務めますか。", page)
    assert not answer.answered  # 会長 is nowhere: the 委員 and 市長 are not the asked role
    answer, cand = _ask("標市情報公開・個人情報保護審査会の委員は誰が委嘱しますか。", page)
    assert answer.answered and "市長が委嘱する" in answer.text


def test_whose_opinion_is_asked_names_no_role():
    """会社は誰の意見を聴かなければ: 会社 is who acts, not a role whose holder is asked; the law
    says 事業者 and the answer is 医師."""
    text = ("事業者は、第一項又は第二項ただし書の規定による面接指導の結果に基づき、当該労働者の健康を保持するために"
            "必要な措置について、厚生労働省令で定めるところにより、医師の意見を聴かなければならない。")
    page = _passage(text, "労働安全衛生法", "第七章 > 第六十六条の八（面接指導等）", "anei.xml")
    answer, cand = _ask("面接指導の結果に基づく措置を決める前に、会社は誰の意見を聴かなければなりませんか。", page)
    assert cand.role_ok and answer.answered and "医師の意見" in answer.text
    answer, cand = _ask("面接指導の結果に基づく措置について、衛生委員会の委員長は誰が務めますか。", page)
    assert not cand.role_ok and not answer.answered  # 委員長, the role asked, is nowhere


def test_a_further_quote_from_another_document_must_name_the_source_asked():
    law = _passage("行政庁は、申請がその事務所に到達してから当該申請に対する処分をするまでに通常要すべき標準的な期間を"
                   "定めるよう努めるとともに、これを定めたときは、公にしておかなければならない。",
                   "行政手続法", "第二章 > 第六条（標準処理期間）", "gyosei_tetsuzuki.html")
    guide = _passage("申請を受け付けてから許可書を交付するまでの標準処理期間は、10日(閉庁日を除く。)です。",
                     "道路占用許可申請の手引き", "3.標準処理期間", "doro.pdf")
    q = "行政手続法では、申請を受けてから処分をするまでの標準処理期間を何日以内と定めていますか。"
    answerer = ExtractiveAnswerer(lambda t: 3.0)
    answer = answerer.answer(q, [law, guide], query=analyse_query(q))
    assert "10日" not in answer.text  # the road guide's period is not the law's
    q = "道路占用許可の標準処理期間は何日ですか。"
    answer = answerer.answer(q, [guide, law], query=analyse_query(q))
    assert answer.answered and "10日" in answer.text


def test_a_statute_named_is_not_answered_from_another_statute_whose_heading_shares_its_words():
    """労働契約法 asked; 労働基準法 第二十条 sits under its 第二章 労働契約, so every part of the name
    is in the quote's context, but the law is another."""
    text = "使用者は、労働者を解雇しようとする場合においては、少くとも三十日前にその予告をしなければならない。"
    q = "労働契約法では、解雇の予告は何日前までにしなければならないと定めていますか。"
    other = _passage(text, "労働基準法", "第二章 労働契約 > 第二十条（解雇の予告）", "kijun.xml", "第二十条")
    answer, cand = _ask(q, other)
    assert not cand.named_ok and not answer.answered
    same = _passage(text, "労働基準法", "第二章 労働契約 > 第二十条（解雇の予告）", "kijun.xml", "第二十条")
    answer, cand = _ask("労働基準法では、解雇の予告は何日前までにしなければならないと定めていますか。", same)
    assert cand.named_ok and answer.answered and "三十日前" in answer.text
    # an article about a statute, not the statute's own article (an encyclopaedia's 労働基準法): its headings may name it
    about = _passage(text, "労働基準法", "労働契約法との関係", "wiki.txt")
    assert _ask(q, about)[1].named_ok


def test_a_statute_named_by_its_whole_title_is_not_answered_from_a_longer_title_sharing_its_words():
    """行政手続法 asked, and 行政手続法 itself found: the 番号法 (行政手続における…に関する法律) is another law."""
    bango = Hit(1, 2, 2, "行政手続における特定の個人を識別するための番号の利用等に関する法律", "bango.xml", "xml", 1, None,
                "第四十七条", "第九章 雑則 > 第四十七条（政令への委任）",
                "この法律に定めるもののほか、この法律の実施のための手続その他この法律の施行に関し必要な事項は、政令で定める。",
                0, 60, 7.0)
    tetsuzuki = Hit(2, 1, 1, "行政手続法", "tetsuzuki.html", "html", 1, None, "第二条", "第一章 総則 > 第二条（定義）",
                    "この法律において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。", 0, 40, 6.0)
    passages = [Passage(bango, bango.text, []), Passage(tetsuzuki, tetsuzuki.text, [])]
    answerer = ExtractiveAnswerer(lambda t: 3.0)
    q = "行政手続法第四十七条では、どのようなことが定められていますか"
    cand = answerer.candidate(q, passages, analyse_query(q))
    assert cand is not None and not cand.named_ok
    assert not answerer.answer(q, passages, query=analyse_query(q)).answered
    # asked by the 番号法's own title, the same article answers
    q = "行政手続における特定の個人を識別するための番号の利用等に関する法律の第四十七条では、どのようなことが定められていますか"
    assert answerer.candidate(q, passages, analyse_query(q)).named_ok


def test_a_role_named_only_by_its_members_is_not_the_role():
    """委員長には、誰が就く: a quote saying who the 委員 are names 委員 (half of 委員長) but not the role asked."""
    text = ("支援法人は、運営委員会を置くものとする。"
            "運営委員会の委員は、都道府県知事の全国的連合組織の推薦する都道府県知事をもって充てるものとする。")
    page = _passage(text, "被災者生活再建支援法", "第三章 > 第十条（運営委員会）", "shien.html")
    answer, cand = _ask("被災者生活再建支援法人に置かれる運営委員会の委員長には、誰が就くことになっていますか", page)
    assert not cand.role_ok and not answer.answered
    answer, cand = _ask("被災者生活再建支援法人に置かれる運営委員会の委員には、誰が充てられますか", page)
    assert cand.role_ok and answer.answered and "都道府県知事" in answer.text


def test_a_role_asked_with_its_doer_must_be_named():
    """誰が講師を務めましたか asks who held 講師: a quote saying which ministry ran the course names no 講師."""
    text = ("総務省が全府省向けに実施する政府情報システム統一研修で、2021年1月12日に本人材フレームワークの試行として"
            "データ入門コースを実施しました。講師は、デジタル庁のデータ専門官が務めました。")
    page = _passage(text, "データ人材管理実践ガイドブック", "4.2. 研修等", "guidebook.md")
    q = "2021年1月に政府情報システム統一研修で試行されたデータ入門コースでは、誰が講師を務めましたか"
    answer, cand = _ask(q, page)
    assert cand.role_ok and answer.answered and "データ専門官" in answer.text
    without = _passage(text.split("講師")[0], "データ人材管理実践ガイドブック", "4.2. 研修等", "guidebook.md")
    answer, cand = _ask(q, without)
    assert not cand.role_ok and not answer.answered


def test_the_other_party_asked_is_no_role():
    """…番号の生成を求める相手は誰: 相手 names the other party of the act, which the law names (機構) without
    ever writing 相手."""
    text = ("市町村長は、前条第一項又は第二項の規定により個人番号を指定するときは、あらかじめ機構に対し、"
            "当該指定しようとする者に係る住民票に記載された住民票コードを通知するとともに、個人番号とすべき番号の生成を求めるものとする。")
    page = _passage(text, "行政手続における特定の個人を識別するための番号の利用等に関する法律", "第二章 > 第八条（個人番号とすべき番号の生成）",
                    "bango.xml", "第八条")
    answer, cand = _ask("市町村長が住民に新しく個人番号を指定するとき、番号の生成を求める相手は誰とされていますか", page)
    assert cand.role_ok and answer.answered and "機構" in answer.text


def test_an_owner_told_only_in_the_story_is_not_asked_when_the_question_restates_the_thing():
    """「…自分で病院の健康診断を受けたので…。労働安全衛生法では、…自分で受けた健康診断の結果を…」: the question proper
    says which 健康診断 by a clause of its own, so the story's 病院 is no owner the quote must name; the section on
    自発的健康診断 answers it. A story's owner that the question proper does not restate still counts (国民健康保険税の
    減免 told, 減免の申請 asked: a page on the 市民税's 減免 answers another question)."""
    text = ("深夜業に従事する労働者であつて、厚生労働省令で定める要件に該当するものは、自ら受けた健康診断の結果を"
            "証明する書面を事業者に提出することができる。")
    page = _passage(text, "労働安全衛生法", "第七章 > 第六十六条の二（自発的健康診断の結果の提出）", "anei.xml", "第六十六条の二")
    q = ("夜勤の多い倉庫で働く方から、会社の健康診断とは別に自分で病院の健康診断を受けたので、その結果を会社に伝えたいと"
         "相談を受けました。労働安全衛生法では、深夜業に従事する労働者は、自分で受けた健康診断の結果をどのような形で"
         "事業者に示すことができるとされていますか")
    answer, cand = _ask(q, page)
    assert cand.other_owner is None and answer.answered and "証明する書面" in answer.text
    fee = "下水道使用料の減免を受けようとする者は、納期限までに、減免申請書を市長に提出しなければならない。"
    page = _passage(fee, "標市下水道条例", "第三章 > 下水道使用料の減免", "gesui.xml", "第二十一条")
    answer, cand = _ask("失業して収入がなくなったので、標市の国民健康保険税の減免を申請したいと考えています。"
                        "減免の申請は、いつまでにしなければなりませんか", page)
    assert cand.other_owner is not None and not answer.answered


def test_the_owner_of_an_attribute_too_general_to_be_a_key_is_still_asked():
    """特別永住者証明書の有効期間は: 有効期間 frames the question (it is no key), but a quote whose subject is 在留カード's
    有効期間 answers another card's question; asked of 在留カード, the same quote answers."""
    text = ("在留カードの有効期間は、その交付を受ける中長期在留者に係る次の各号に掲げる区分に応じ、当該各号に定める日が"
            "経過するまでの期間とする。一 永住者 在留カードの交付の日から起算して七年を経過する日")
    page = _passage(text, "出入国管理及び難民認定法", "第二款 中長期の在留 > 第十九条の五（在留カードの有効期間）", "nyukan.xml",
                    "第十九条の五")
    answer, cand = _ask("特別永住者証明書の有効期間は、交付の日から何年ですか", page)
    assert cand.other_owner is not None and not answer.answered
    answer, cand = _ask("永住者の在留カードの有効期間は、交付の日から何年ですか", page)
    assert cand.other_owner is None and answer.answered and "七年" in answer.text
