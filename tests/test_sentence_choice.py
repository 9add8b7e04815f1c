"""Which sentence the extractive answerer quotes first when several retrieved
passages compete: the question's predicate, the sentence's own focus on the
question and how close the retriever ranks the passages, on real Japanese law
text (no index, no embedder)."""

from __future__ import annotations

import re

import pytest

from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from jtext.sentences import table_rows
from model.qtype import analyse, predicate
from model.quote_shape import shape_quotes
from model.records import Hit
from model.sentence_score import FEATURES, Scored, in_document_order, sentence_features


@pytest.mark.parametrize(
    "question, verb",
    [
        ("在留カードを交付するのは誰ですか。", "交付"),
        ("中長期在留者は、住居地を定めてから何日以内に届け出る必要がありますか。", "届け出る"),
        ("物資の保管場所へ立入検査する職員は何を携帯しなければなりませんか。", "携帯"),
        # a function verb (に対する) or a framing verb (ありますか) says nothing of the act
        ("不正アクセス行為をした者に対する罰金の上限はいくらですか。", ""),
        ("市長の任期は何年ですか", ""),
        ("テレワークは自宅以外でもできますか", ""),
    ],
)
def test_predicate_is_the_act_the_question_asks_about(question, verb):
    assert predicate(question) == verb
    assert analyse(question).predicate == verb


_LAW = "労働基準法"
_HEAD = "第四章\u3000労働時間、休憩、休日及び年次有給休暇 > 第三十六条（時間外及び休日の労働）"
# 労働基準法第三十六条: the fifth paragraph (ranked first by the retriever) mentions
# 一箇月 and 四十五時間 in passing; the fourth states the limit.
_P5 = ("第一項の協定においては、第二項各号に掲げるもののほか、当該事業場における通常予見することのできない業務量の"
       "大幅な増加等に伴い臨時的に第三項の限度時間を超えて労働させる必要がある場合において、一箇月について労働時間を"
       "延長して労働させ、及び休日において労働させることができる時間(第二項第四号に関して協定した時間を含め百時間未満"
       "の範囲内に限る。)並びに一年について労働時間を延長して労働させることができる時間(同号に関して協定した時間を含め"
       "七百二十時間を超えない範囲内に限る。)を定めることができる。この場合において、第一項の協定に、併せて第二項第二号"
       "の対象期間において労働時間を延長して労働させる時間が一箇月について四十五時間(第三十二条の四第一項第二号の対象"
       "期間として三箇月を超える期間を定めて同条の規定により労働させる場合にあつては、一箇月について四十二時間)を超える"
       "ことができる月数(一年について六箇月以内に限る。)を定めなければならない。")
_P4 = ("前項の限度時間は、一箇月について四十五時間及び一年について三百六十時間(第三十二条の四第一項第二号の対象期間と"
       "して三箇月を超える期間を定めて同条の規定により労働させる場合にあつては、一箇月について四十二時間及び一年について"
       "三百二十時間)とする。")
_P3 = ("前項第四号の労働時間を延長して労働させることができる時間は、当該事業場の業務量、時間外労働の動向その他の事情を"
       "考慮して通常予見される時間外労働の範囲内において、限度時間を超えない時間に限る。")


def _law_passage(n: int, text: str, article: str, score: float) -> Passage:
    # n: the paragraph's number, also its section's order in the document
    hit = Hit(n, 1, n, _LAW, "roudou_kijun.xml", "text", 1, None, article, _HEAD, text, 0, len(text), score)
    return Passage(hit, text, [])


# IDF of the question's lemmas in a corpus of laws, guidelines and JSQuAD paragraphs
_IDF = {"三": 0.6, "六": 1.0, "協定": 5.0, "定める": 1.3, "時間": 3.6, "外": 4.5, "労働": 1.8, "限度": 4.6, "一": 0.5,
        "箇月": 4.6, "当たり": 5.4, "何": 4.9}


def test_the_paragraph_stating_the_limit_is_quoted_first():
    passages = [
        _law_passage(5, _P5, "第三十六条第五項", 7.41),
        _law_passage(4, _P4, "第三十六条第四項", 6.54),
        _law_passage(3, _P3, "第三十六条第三項", 4.96),
    ]
    ans = ExtractiveAnswerer(lambda t: _IDF.get(t, 1.0)).answer("三六協定で定める時間外労働の限度時間は、一箇月あたり何時間ですか。", passages)
    assert ans.answered, ans.text
    # the fourth paragraph is quoted too, and the article's paragraphs keep their order
    assert ans.citations[0].article == "第三十六条第四項"
    assert "四十五時間" in ans.citations[0].quote


def test_features_of_a_sentence_focused_on_the_question():
    q = analyse_query("三六協定で定める時間外労働の限度時間は、一箇月あたり何時間ですか。")
    passages = [_law_passage(5, _P5, "第三十六条第五項", 7.41), _law_passage(4, _P4, "第三十六条第四項", 6.54)]
    sents, rows = sentence_features({t: _IDF.get(t, 1.0) for t in q.lemmas}, set(q.grams), analyse(q.normalized), passages)
    assert all(len(r) == len(FEATURES) for r in rows)
    col = {name: i for i, name in enumerate(FEATURES)}
    first_p5 = next(r for s, r in zip(sents, rows) if s.p_index == 0)
    p4 = next(r for s, r in zip(sents, rows) if s.p_index == 1)
    # the short paragraph is more about the question than the long one that mentions its words
    assert p4[col["precision"]] > first_p5[col["precision"]]
    # the retriever ranks the fourth paragraph close to the fifth: 6.54 / 7.41
    assert p4[col["score_ratio"]] == pytest.approx(6.54 / 7.41)
    assert first_p5[col["score_ratio"]] == 1.0
    assert first_p5[col["predicate"]] == 1.0  # 定める


def test_the_choice_fit_learns_what_tells_candidates_apart():
    """bench/fit_reranker.py: a column constant within each question (how easy
    the question is) says nothing about which of its sentences answers; the
    conditional logit leaves it at 0 where a pointwise fit leans on it."""
    import numpy as np

    from bench.fit_reranker import fit, fit_choice

    rng = np.random.default_rng(0)
    X, y, qid = [], [], []
    for q in range(300):
        easy = float(q % 2)
        answer = rng.integers(4)
        for s in range(4):
            # column 0: evidence in the sentence (noisy); column 1: the question is easy
            X.append([float(s == answer) + rng.normal(0, 0.5), easy])
            y.append(float(s == answer and (easy or q % 3 == 0)))  # easy questions are answered more often
            qid.append(q)
    X, y, qid = np.asarray(X), np.asarray(y), np.asarray(qid)
    w_choice, w_point = fit_choice(X, y, qid), fit(X, y)
    assert w_choice[1] > 1.0 and abs(w_choice[2]) < 1e-6
    assert w_point[2] > 0.5


# 行政機関の保有する情報の公開に関する法律: the rule (第十条, 30 days) and its exception
# (第十一条, 開示決定等の期限の特例), which the retriever ranks first because it repeats more of
# the question's words.
_JOHO = "行政機関の保有する情報の公開に関する法律"
_ART10 = ("前条各項の決定（以下「開示決定等」という。）は、開示請求があった日から三十日以内にしなければならない。"
          "ただし、第四条第二項の規定により補正を求めた場合にあっては、当該補正に要した日数は、当該期間に算入しない。")
_ART11 = ("開示請求に係る行政文書が著しく大量であるため、開示請求があった日から六十日以内にそのすべてについて開示決定等を"
          "することにより事務の遂行に著しい支障が生ずるおそれがある場合には、前条の規定にかかわらず、行政機関の長は、"
          "開示請求に係る行政文書のうちの相当の部分につき当該期間内に開示決定等をし、残りの行政文書については相当の期間内に"
          "開示決定等をすれば足りる。")


def _joho(n: int, text: str, article: str, heading: str, score: float) -> Passage:
    hit = Hit(n, 2, n, _JOHO, "joho_kokai.html", "html", 1, None, article, heading, text, 0, len(text), score)
    return Passage(hit, text, [])


def _joho_passages() -> list[Passage]:
    return [
        _joho(11, _ART11, "第十一条", "第二章 行政文書の開示 > 第十一条（開示決定等の期限の特例）", 9.1),
        _joho(10, _ART10, "第十条", "第二章 行政文書の開示 > 第十条（開示決定等の期限）", 8.7),
    ]


def test_structure_features_of_exceptions_supplements_and_fragments():
    col = {name: i for i, name in enumerate(FEATURES)}

    def rows_for(question: str, passages: list[Passage]):
        q = analyse_query(question)
        return sentence_features({t: 1.0 for t in q.lemmas}, set(q.grams), analyse(q.normalized), passages)

    joho = _joho_passages()
    sents, rows = rows_for("開示決定等は何日以内に行いますか。", joho)
    exc = {joho[s.p_index].hit.article: r[col["exception"]] for s, r in zip(sents, rows)}
    assert exc["第十一条"] == 1.0 and exc["第十条"] == 0.0
    # a question about the exception itself: not held against it
    sents, rows = rows_for("開示決定等の期限の特例では何日以内ですか。", _joho_passages())
    assert all(r[col["exception"]] == 0.0 for r in rows)
    # a supplementary provision answers only a question about enforcement or transition
    supp = _joho(99, "この法律は、公布の日から起算して一年を超えない範囲内において政令で定める日から施行する。",
                 "附則第一条", "附則", 5.0)
    _, rows = rows_for("開示決定等は何日以内に行いますか。", [supp])
    assert rows[0][col["supplementary"]] == 1.0
    _, rows = rows_for("この法律はいつから施行されますか。", [supp])
    assert rows[0][col["supplementary"]] == 0.0
    # a heading or a date line of a guide is a fragment; running text and list items are not
    text = "道路占用許可申請の手引き\n令和6年4月\n5.提出書類\n(1) 道路占用許可申請書(正副2部)\n工事が完了したときは、工事完了届を提出してください。"
    guide = Passage(Hit(1, 3, 1, "道路占用許可申請の手引き", "doro.pdf", "pdf", 1, 1, None, None, text, 0, len(text), 3.0),
                    text, [])
    sents, rows = rows_for("工事が終わったら何を提出しますか", [guide])
    frag = {s.text.strip(): r[col["fragment"]] for s, r in zip(sents, rows)}
    assert frag["令和6年4月"] == 1.0 and frag["5.提出書類"] == 1.0
    assert frag["(1) 道路占用許可申請書(正副2部)"] == 0.0
    assert frag["工事が完了したときは、工事完了届を提出してください。"] == 0.0


def test_the_choice_fit_converges_where_plain_newton_steps_overshoot():
    """Damped Newton: the conditional logit's loss never rises from one step to the next, and
    a refit from the same rows gives the same weights."""
    import numpy as np

    from bench.fit_reranker import fit_choice

    rng = np.random.default_rng(1)
    X, y, qid = [], [], []
    for q in range(200):
        answer = rng.integers(6)
        for s in range(6):
            # nearly separable: plain Newton steps from 0 overshoot
            X.append([float(s == answer) * 6 + rng.normal(0, 0.3), rng.normal(), float(s == 0)])
            y.append(float(s == answer))
            qid.append(q)
    X, y, qid = np.asarray(X), np.asarray(y), np.asarray(qid)
    w1, w2 = fit_choice(X, y, qid, l2=0.01), fit_choice(X, y, qid, l2=0.01, iters=60)
    assert np.allclose(w1, w2, atol=1e-3)
    assert w1[1] > 1.0  # the evidence column decides


def test_a_table_row_quote_carries_its_next_cell_as_evidence():
    """A quoted line that is no sentence (a table cell) has the line after it in its evidence,
    so the row's other cell counts for the key check; a FAQ question line never does."""
    from model.sentence_score import quote_evidence

    text = ("10年\n予算及び決算に関する文書、許可、認可等の行政処分に関する文書5年\n"
            "契約に関する文書、補助金の交付に関する文書\n3年\n")
    table = Passage(Hit(1, 4, 1, "公文書管理規程", "kitei.pdf", "pdf", 1, 2, None, None, text, 0, len(text), 5.0),
                    text, [])
    row = "予算及び決算に関する文書、許可、認可等の行政処分に関する文書5年"
    start = text.index(row)
    ev = quote_evidence([Scored(0.5, 0, start, start + len(row), row)], [table])
    assert "契約に関する文書" in ev
    faq_text = "## 目次\n・1.3. GIFの策定プロセスを教えてください。\n"
    faq = Passage(Hit(2, 5, 2, "GIF FAQ", "faq.md", "markdown", 1, None, None, None, faq_text, 0, len(faq_text), 5.0),
                  faq_text, [])
    ev = quote_evidence([Scored(0.5, 0, 0, 5, "## 目次")], [faq])
    assert "策定プロセス" not in ev
    # a sentence (with 。) does not take the next one
    sent = "委員の任期は、二年とする。"
    jorei_text = sent + "\n市長の任期は四年とする。"
    jorei = Passage(Hit(3, 6, 3, "条例", "jorei.txt", "text", 1, None, "第十四条", None, jorei_text, 0,
                        len(jorei_text), 5.0), jorei_text, [])
    assert "市長" not in quote_evidence([Scored(0.5, 0, 0, len(sent), sent)], [jorei])


_ART4 = ("開示請求は、次に掲げる事項を記載した書面（以下「開示請求書」という。）を行政機関の長に提出してしなければならない。\n"
         "一 開示請求をする者の氏名又は名称及び住所又は居所並びに法人その他の団体にあっては代表者の氏名\n"
         "二 行政文書の名称その他の開示請求に係る行政文書を特定するに足りる事項\n"
         "行政機関の長は、開示請求書に形式上の不備があると認めるときは、相当の期間を定めて、その補正を求めることができる。")


def test_a_lead_in_is_quoted_with_the_list_it_introduces():
    """情報公開法第四条: 「次に掲げる事項を記載した書面」 is answered by its items 一 and 二,
    quoted under the same citation; the next paragraph is not part of the list."""
    p = _joho(4, _ART4, "第四条", "第二章 行政文書の開示 > 第四条（開示請求の手続）", 9.0)
    ans = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1).answer("開示請求書には何を記載する必要がありますか。", [p])
    assert ans.answered, ans.text
    quote = ans.citations[0].quote
    assert "次に掲げる事項" in quote and "氏名又は名称" in quote and "行政文書の名称" in quote
    assert "形式上の不備" not in quote
    assert ans.text.count("[1]") == 3  # each item carries the marker of its lead-in


def test_any_next_noun_lead_in_takes_its_items():
    """災害救助法: 「次の方法によらなければならない」 introduces items like 次に掲げる does."""
    text = ("災害救助基金の運用は、次の方法によらなければならない。\n一 財政融資資金への預託\n二 確実な銀行への預金\n"
            "三 主務大臣の指定する有価証券の取得")
    hit = Hit(26, 7, 26, "災害救助法", "saigai.html", "html", 1, None, "第二十六条", None, text, 0, len(text), 8.0)
    ans = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1).answer(
        "災害救助基金はどのような方法で運用することになっていますか。", [Passage(hit, text, [])])
    assert ans.answered, ans.text
    assert "確実な銀行への預金" in ans.citations[0].quote


def test_a_heading_is_quoted_with_the_text_under_it():
    """A guidebook's heading (3.認定の有効期間と更新, 申請に必要なもの) says nothing by
    itself: when it is quoted, the items or the sentence under it come with it."""
    text = ("(4) 審査会が審査・判定を行い、申請日から原則30日以内に結果を通知します。\n"
            "3.認定の有効期間と更新\n"
            "(1) 新規申請の場合の有効期間は、原則6か月です。\n"
            "(2) 更新申請の場合の有効期間は、原則12か月です。\n"
            "4.サービス利用時の自己負担\n"
            "(1) サービス利用時の自己負担は、原則として費用の1割です。")
    hit = Hit(1, 1, 1, "介護保険サービス利用の手引き", "kaigo.pdf", "pdf", 1, 2, None, None, text, 0, len(text), 7.0)
    ans = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1).answer(
        "要介護認定の有効期間と更新について教えてください", [Passage(hit, text, [])])
    assert ans.answered, ans.text
    quote = ans.citations[0].quote
    assert quote.startswith("3.認定の有効期間と更新") and "原則6か月" in quote, quote
    assert "自己負担" not in quote  # the next heading ends what the first one introduced


def test_a_sentence_ending_a_line_is_no_heading():
    """A line that ends its sentence (。) is text, not a heading: nothing is added to it."""
    text = "申請は、開始日の14日前までに行ってください。\n受付時間は、平日の午前8時30分から午後5時15分までです。"
    hit = Hit(1, 1, 1, "道路占用許可の手引き", "doro.pdf", "pdf", 1, 1, None, None, text, 0, len(text), 7.0)
    ans = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1).answer(
        "道路占用の申請は何日前までに行いますか", [Passage(hit, text, [])])
    assert ans.answered and "受付時間" not in ans.citations[0].quote, ans.text


def test_a_definition_question_is_answered_by_the_definition():
    """行政手続法第二条: 「行政指導」とは is answered by item 六, which defines it, though the
    passage ranked first (items 七 and 八) shares more of the question's words."""
    first = ("七 届出 行政庁に対し一定の事項の通知をする行為(申請に該当するものを除く。)であって、法令により直接に"
             "当該通知が義務付けられているものをいう。\n八 命令等 内閣又は行政機関が定める次に掲げるものをいう。")
    second = ("五 行政機関 次に掲げる機関をいう。\n六 行政指導 行政機関がその任務又は所掌事務の範囲内において一定の"
              "行政目的を実現するため特定の者に一定の作為又は不作為を求める指導、勧告、助言その他の行為であって"
              "処分に該当しないものをいう。")
    passages = [
        Passage(Hit(1, 2, 1, "行政手続法", "gyosei_tetsuzuki.html", "html", 1, None, "第二条", None, t, 0, len(t), s),
                t, [])
        for t, s in ((first, 9.0), (second, 8.0))
    ]
    ans = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1).answer(
        "行政手続法でいう「行政指導」とはどのような行為を指しますか。", passages)
    assert ans.answered, ans.text
    assert ans.citations[0].quote.startswith("六 行政指導") and "処分に該当しないもの" in ans.text


def test_a_list_item_is_quoted_with_the_sentence_that_introduces_its_list():
    """雇用保険法第六条 (abridged): item 五 (季節的に雇用される者) alone does not say that the law
    does not apply to them; its lead-in 「次に掲げる者については、この法律は、適用しない。」, four
    long items away, does: it is quoted before the item (not the items between)."""
    text = ("次に掲げる者については、この法律は、適用しない。\n"
            "一 一週間の所定労働時間が二十時間未満である者(第三十七条の五第一項の規定による申出をして高年齢被保険者と"
            "なる者及びこの法律を適用することとした場合において第四十三条第一項に規定する日雇労働被保険者に該当する"
            "こととなる者を除く。)\n"
            "二 同一の事業主の適用事業に継続して三十一日以上雇用されることが見込まれない者(前二月の各月において十八日"
            "以上同一の事業主の適用事業に雇用された者及びこの法律を適用することとした場合において第四十二条に規定する"
            "日雇労働者であつて第四十三条第一項各号のいずれかに該当するものに該当することとなる者を除く。)\n"
            "三 船員法第一条に規定する船員であつて、漁船に乗り組むため雇用される者(一年を通じて船員として適用事業に"
            "雇用される場合を除く。)であつて、厚生労働省令で定めるところにより、これに該当する旨の確認を受けたもの\n"
            "四 学校教育法第一条、第百二十四条又は第百三十四条第一項の学校の学生又は生徒であつて、前各号に掲げる者に"
            "準ずるものとして厚生労働省令で定める者\n"
            "五 季節的に雇用される者であつて、第三十八条第一項各号のいずれかに該当するもの")
    hit = Hit(6, 3, 6, "雇用保険法", "koyo_hoken.xml", "xml", 1, None, "第六条", None, text, 0, len(text), 9.0)
    passages = [Passage(hit, text, [])]
    item = text.index("五 季節的")
    chosen = [Scored(0.6, 0, item, len(text), text[item:])]
    quoted = [c.text for c in in_document_order(shape_quotes(chosen, passages), passages)]
    assert quoted == ["次に掲げる者については、この法律は、適用しない。", text[item:]]  # not the items between
    # an item whose lead-in is just before it is one quote
    one = text.index("一 一週間")
    assert [c.text for c in shape_quotes([Scored(0.6, 0, one, text.index("\n", one), "")], passages)] == [
        text[:text.index("\n", one)]]


def _article(title: str, text: str) -> Passage:
    return Passage(Hit(1, 1, 1, title, f"{title}.txt", "text", 1, None, None, None, text, 0, len(text), 5.0), text, [])


def test_the_subject_a_quote_is_written_under_is_named():
    """JSQuAD's ポルトガル: 「リスボン、ポルト、ファロがおもな国際空港。」 answers リスボン…がある国は？ only
    with the title it is written under, so the answer names it first; not when the question
    or the quote names it, nor for a question asking an amount."""
    p = _article("ポルトガル", "リスボン、ポルト、ファロがおもな国際空港。首都はリスボンである。")
    ans = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1).answer("リスボン、ポルト、ファロがおもな国際空港である国は？", [p])
    assert ans.answered and ans.text.startswith("【ポルトガル】リスボン、ポルト、ファロ"), ans.text
    named = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1).answer("ポルトガルのおもな国際空港は？", [p])
    assert named.answered and not named.text.startswith("【"), named.text
    fee = _article("手数料のご案内", "住民票の写しの交付手数料は、1通300円です。")
    amount = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1).answer("住民票の写しの交付手数料はいくらですか", [fee])
    assert amount.answered and amount.text.startswith("住民票の写し"), amount.text


def test_the_leading_quote_s_article_comes_first_whatever_the_scores():
    """The answerer puts the sentence holding the asked-for form first (a 何人 question: 八人)
    though another article's sentence scores higher; the answer keeps that order."""
    texts = {"第百三十四条": "委員会は、委員長及び委員八人をもって組織する。",
             "第百三十五条": "委員長及び委員は、人格が高潔で識見の高い者のうちから任命する。"}
    passages = [Passage(Hit(n, 5, n, "個人情報の保護に関する法律", "kojin_joho.xml", "xml", 1, None, art,
                            f"第六章 個人情報保護委員会 > {art}", t, 0, len(t), 9.0 - n), t, [])
                for n, (art, t) in enumerate(texts.items())]
    lead = Scored(0.3, 0, 0, len(texts["第百三十四条"]), texts["第百三十四条"])
    other = Scored(0.6, 1, 0, len(texts["第百三十五条"]), texts["第百三十五条"])
    assert [c.text for c in in_document_order([lead, other], passages)] == [lead.text, other.text]
    assert [c.text for c in in_document_order([other, lead], passages)] == [other.text, lead.text]
    # a PDF's pages are such units too: the lead's page 2 before page 1
    pages = {1: "申請書の提出先は、道路管理課です。", 2: "工事が完了したときは、7日以内に工事完了届を提出してください。"}
    pdf = [Passage(Hit(n, 7, n, "道路占用許可の手引き", "doro.pdf", "pdf", 1, n, None, None, t, 0, len(t), 5.0), t, [])
           for n, t in pages.items()]
    p1, p2 = (Scored(sc, k, 0, len(pages[k + 1]), pages[k + 1]) for k, sc in ((0, 0.6), (1, 0.4)))
    assert [c.text for c in in_document_order([p2, p1], pdf)] == [pages[2], pages[1]]


def test_an_item_already_quoted_with_its_lead_in_takes_no_further_place():
    """東京都の条例: the lead-in 「次に掲げる事項を記載した帳簿…」 is quoted with its items, so
    an item (here ranked second and third by a scorer that favours list items) is no
    further quote: the next place goes to the paragraph on what is done with the 登録簿."""
    text = ("都の機関等は、保有個人情報を取り扱う事務について、次に掲げる事項を記載した帳簿(以下「登録簿」という。)を"
            "備え付けなければならない。\n一 保有個人情報を取り扱う事務の名称\n二 保有個人情報を取り扱う組織の名称\n"
            "都の機関等は、登録簿を公表し、かつ、一般の閲覧に供しなければならない。")
    hit = Hit(3, 9, 3, "東京都個人情報の保護に関する法律施行条例", "tokyo.html", "html", 1, None, "第三条", None,
              text, 0, len(text), 9.0)
    weights = [0.0] * (len(FEATURES) + 1)
    weights[1 + FEATURES.index("first_in_passage")] = 3.0  # the lead-in first …
    weights[1 + FEATURES.index("item")] = 2.0  # … then its items, then the last paragraph
    ans = ExtractiveAnswerer(lambda t: 1.0, max_sentences=2, weights=tuple(weights)).answer(
        "都の機関等は、保有個人情報の登録簿をどのように扱わなければなりませんか。", [Passage(hit, text, [])])
    assert ans.answered, ans.text
    assert "組織の名称" in ans.text and "一般の閲覧に供しなければならない" in ans.text, ans.text


def test_the_rule_leads_its_special_case():
    """情報公開法: 第十一条 (開示決定等の期限の特例, 六十日) scores higher than the rule it departs
    from, 第十条 (開示決定等の期限, 三十日): the rule, found by its caption, leads the answer;
    asked about the special case, the special case leads."""
    strong = {"開示": 5.0, "請求": 3.0, "決定": 3.0, "大量": 4.0, "行政": 1.0, "文書": 1.0}
    ans = ExtractiveAnswerer(lambda t: strong.get(t, 1.0)).answer(
        "行政文書の開示請求が大量のとき、開示決定等は何日以内に行うことになっていますか。", _joho_passages())
    assert ans.answered and ans.citations[0].article == "第十条", ans.text
    assert "六十日" in ans.text  # the special case is still quoted, after the rule
    special = ExtractiveAnswerer(lambda t: strong.get(t, 1.0)).answer(
        "開示決定等の期限の特例では、何日以内に開示決定等をすればよいですか。", _joho_passages())
    assert special.answered and special.citations[0].article == "第十一条", special.text


def test_a_purpose_clause_does_not_lead_unless_the_purpose_is_asked():
    """被災者生活再建支援法: 第一条 (目的) repeats the law's words and outscores 第三条, which
    says what is paid; it leads only when the question asks about the purpose."""
    purpose = ("この法律は、自然災害によりその生活基盤に著しい被害を受けた者に対し、都道府県が相互扶助の観点から拠出した"
               "基金を活用して被災者生活再建支援金を支給するための措置を定めることにより、その生活の再建を支援し、"
               "もって住民の生活の安定と被災地の速やかな復興に資することを目的とする。")
    payment = "都道府県は、当該都道府県の区域内において被災世帯となった世帯の世帯主に対し、支援金の支給を行うものとする。"
    law = "被災者生活再建支援法"
    passages = [
        Passage(Hit(1, 4, 1, law, "shien.html", "html", 1, None, "第一条", f"{law} > 第一条（目的）", purpose, 0,
                    len(purpose), 9.0), purpose, []),
        Passage(Hit(3, 4, 3, law, "shien.html", "html", 1, None, "第三条", f"{law} > 第三条（被災者生活再建支援金の支給）",
                    payment, 0, len(payment), 8.0), payment, []),
    ]
    ans = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1).answer(
        "被災者生活再建支援金は誰が支給しますか。", passages)
    assert ans.answered and ans.citations[0].article == "第三条", ans.text
    purpose_ans = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1).answer(
        "被災者生活再建支援法の目的は何ですか。", passages)
    assert purpose_ans.answered and purpose_ans.citations[0].article == "第一条", purpose_ans.text


def _shohizei(article: str, caption: str, text: str, score: float) -> Passage:
    hit = Hit(int(score * 10), 8, int(score * 10), "消費税法", "shohizei.xml", "xml", 1, None, article,
              f"第一章 総則 > {article}（{caption}）", text, 0, len(text), score)
    return Passage(hit, text, [])


def test_the_rule_leads_its_special_case_for_a_where_question():
    """消費税法: asked where an individual's tax is paid (どこ, no quantity), 第二十一条 (個人事業者の
    納税地の特例), ranked well above and scoring above the rule, does not lead: 第二十条
    (個人事業者の納税地), the rule, does."""
    rule = _shohizei("第二十条", "個人事業者の納税地",
                     "個人事業者の資産の譲渡等に係る消費税の納税地は、次の各号に掲げる場合の区分に応じ当該各号に定める場所とする。\n"
                     "一 国内に住所を有する場合 その住所地", 3.0)
    special = _shohizei("第二十一条", "個人事業者の納税地の特例",
                        "国内に住所のほか居所を有する個人事業者で所得税法第十六条第一項の規定の適用を受ける者の消費税の納税地は、"
                        "前条の規定にかかわらず、その住所地に代え、その居所地とする。", 9.0)
    ans = ExtractiveAnswerer(lambda t: 1.0).answer("国内に住所がある個人事業者の消費税の納税地はどこですか。",
                                                  [special, rule])
    assert ans.answered and ans.citations[0].article == "第二十条", ans.text


def _shien(article: str, text: str, score: float) -> Passage:
    hit = Hit(int(score * 10), 9, int(score * 10), "被災者生活再建支援法", "shien.html", "html", 1, None, article,
              "第三章 被災者生活再建支援法人 > 第十条（運営委員会）", text, 0, len(text), score)
    return Passage(hit, text, [])


def test_the_leading_quote_opens_its_article():
    """被災者生活再建支援法 第十条: the answer (第四項, who sits on the committee) comes before the
    article's earlier paragraph quoted with it (第三項), which says something else; an
    earlier paragraph holding the asked-for form too (再入国許可の五年 before the 六年 of its
    extension) keeps its place, as does a lead that refers back (前項の…)."""
    p3 = _shien("第十条第三項", "運営委員会は、支援業務の運営に関する重要事項について審議する。", 7.0)
    p4 = _shien("第十条第四項", "運営委員会の委員は、都道府県知事をもって充てるものとする。", 8.0)
    lead = Scored(0.8, 1, 0, len(p4.hit.text), p4.hit.text)
    other = Scored(0.5, 0, 0, len(p3.hit.text), p3.hit.text)
    assert [c.text for c in in_document_order([lead, other], [p3, p4])] == [lead.text, other.text]
    back = _shien("第十条第四項", "前項の委員は、都道府県知事をもって充てるものとする。", 8.0)
    lead_back = Scored(0.8, 1, 0, len(back.hit.text), back.hit.text)
    assert [c.text for c in in_document_order([lead_back, other], [p3, back])] == [other.text, lead_back.text]
    five = _shien("第十条第三項", "許可の有効期間は、五年を超えない範囲内で定める。", 7.0)
    six = _shien("第十条第五項", "有効期間の延長は、六年を超えない範囲内でする。", 8.0)
    qt = analyse("再入国許可の有効期間は最長何年ですか。")
    lead6 = Scored(0.8, 1, 0, len(six.hit.text), six.hit.text)
    other5 = Scored(0.5, 0, 0, len(five.hit.text), five.hit.text)
    assert [c.text for c in in_document_order([lead6, other5], [five, six], qt.form_in)] == [other5.text, lead6.text]
    assert [c.text for c in in_document_order([lead6, other5], [five, six])] == [lead6.text, other5.text]


def test_an_earlier_figure_answering_less_of_the_question_does_not_lead():
    """標市情報公開条例 第十条: asked how long the deadline may be extended (延長), 第二項's
    三十日以内 is the answer and leads, although it opens 前項の規定にかかわらず; 第一項's
    十五日以内, the same form but without 延長, would be read as the answer if it came first.
    An earlier figure covering as many of the question's keys keeps its place (五年 before 六年)."""
    first = _shien("第十条", "公開決定等は、公開請求があった日から起算して十五日以内にしなければならない。", 7.0)
    second = _shien("第十条第二項", "前項の規定にかかわらず、実施機関は、正当な理由があるときは、"
                    "同項に規定する期間を三十日以内に限り延長することができる。", 8.0)
    qt = analyse("公開決定の期限を延長するとき、延長できるのは最長で何日以内ですか")
    assert qt.form_in(first.hit.text) and qt.form_in(second.hit.text)
    lead = Scored(0.5, 1, 0, len(second.hit.text), second.hit.text, key=0.9)
    rival = Scored(0.3, 0, 0, len(first.hit.text), first.hit.text, key=0.6)
    assert [c.text for c in in_document_order([lead, rival], [first, second], qt.form_in)] == [lead.text, rival.text]
    as_much = Scored(0.3, 0, 0, len(first.hit.text), first.hit.text, key=0.9)
    assert [c.text for c in in_document_order([lead, as_much], [first, second], qt.form_in)] == [as_much.text,
                                                                                                lead.text]


def test_an_item_brings_the_heading_it_is_written_under():
    """A guidebook's item 「(2) 更新申請の場合の有効期間は、原則12か月です。」 says what it
    says only under its heading 3.認定の有効期間と更新: chosen alone, it is quoted with the
    heading and the heading's items; a page number line (13) is no heading."""
    text = ("13\n3.認定の有効期間と更新\n(1) 新規申請の場合の有効期間は、原則6か月です。\n"
            "(2) 更新申請の場合の有効期間は、原則12か月です。\n4.サービス利用時の自己負担")
    hit = Hit(1, 1, 1, "介護保険サービス利用の手引き", "kaigo.pdf", "pdf", 1, 2, None, None, text, 0, len(text), 7.0)
    passages = [Passage(hit, text, [])]
    item = text.index("(2)")
    quoted = [c.text for c in shape_quotes([Scored(0.5, 0, item, text.index("\n", item), "")], passages)]
    assert len(quoted) == 1 and quoted[0].startswith("3.認定の有効期間と更新"), quoted
    assert "原則6か月" in quoted[0] and "原則12か月" in quoted[0] and "13" not in quoted[0]


_BICHIKU = ("本計画の備蓄目標量は、この数値を基準として算定する。\n第4 備蓄品目及び目標量\n"
            "主な備蓄品目及び目標量は、次の表のとおりとする。\n品目\n目標量\n算定の考え方\n"
            "アルファ化米等の主食\n108,000食\n18,000人×3食×2日\n携帯トイレ\n270,000回分\n1人1日5回×3日\n"
            "毛布\n18,000枚\n1人1枚\n- 1 -")


def test_a_section_number_or_a_page_number_is_no_quantity():
    """「第4 備蓄品目及び目標量」 states no quantity and 「- 1 -」 is a page's number: the table's
    cell 「270,000回分」 answers どれだけ, not the heading above the table or the page footer."""
    q = "防災備蓄計画で、携帯トイレはどれだけ備蓄する目標になっていますか"
    qt = analyse(q)
    assert not qt.form_in("第4 備蓄品目及び目標量")
    assert qt.form_in("270,000回分")
    # an item's number is no quantity either; a decimal or a rate at a line's start is
    assert not qt.form_in("2.乳児用として液体ミルク及び粉ミルクを、高齢者用としてやわらか食を備蓄する。")
    assert not qt.form_in("(3) 女性及び子育て家庭に配慮し、授乳用ポンチョ等を備蓄する。")
    assert qt.form_in("1.5倍とする。") and qt.form_in("2.5%を上限とする。")
    p = Passage(Hit(1, 7, 1, "標市防災備蓄計画", "bichiku.pdf", "pdf", 1, 1, None, None, _BICHIKU, 0,
                    len(_BICHIKU), 5.0), _BICHIKU, [])
    sents, _ = sentence_features({"携帯": 5.0, "トイレ": 5.0, "備蓄": 3.0, "目標": 2.0}, set(), qt, [p])
    assert "- 1 -" not in [s.text for s in sents] and "携帯トイレ\n270,000回分\n1人1日5回×3日" in [s.text for s in sents]
    idf = {"携帯": 5.0, "トイレ": 5.0, "備蓄": 3.0, "目標": 2.0, "防災": 2.0, "計画": 1.0}
    ans = ExtractiveAnswerer(lambda t: idf.get(t, 1.0)).answer(q, [p])
    assert "270,000回分" in ans.text.split("[2]")[0] and "- 1 -" not in ans.text, ans.text


def test_a_table_s_figure_is_quoted_with_its_row_s_label():
    """A figure alone on its line (270,000回分) is quoted with the cell before it (携帯トイレ) in a table without
    column titles; a name cell (大谷駅前駐輪場) does not take the cell before it, the last row's address."""
    untitled = _BICHIKU.replace("品目\n目標量\n算定の考え方\n", "")
    p = Passage(Hit(1, 7, 1, "標市防災備蓄計画", "bichiku.pdf", "pdf", 1, 1, None, None, untitled, 0,
                    len(untitled), 5.0), untitled, [])
    start = untitled.index("270,000回分")
    shaped = shape_quotes([Scored(0.5, 0, start, start + len("270,000回分"), "270,000回分")], [p])
    assert [s.text for s in shaped] == ["携帯トイレ\n270,000回分"]
    text = "名称\n位置\n妙寺駅前駐輪場\nかつらぎ町大字新田95番地の11\n大谷駅前駐輪場\nかつらぎ町大字大谷247番地の1"
    jorei = Passage(Hit(2, 8, 2, "かつらぎ町駐車場等設置条例", "k518.html", "html", 1, None, "第三条", None, text, 0,
                        len(text), 5.0), text, [])
    start = text.index("大谷駅前駐輪場")
    shaped = shape_quotes([Scored(0.5, 0, start, start + len("大谷駅前駐輪場"), "大谷駅前駐輪場")], [jorei])
    assert "新田" not in shaped[0].text
    start = text.index("かつらぎ町大字大谷")
    shaped = shape_quotes([Scored(0.5, 0, start, len(text), text[start:])], [jorei])
    assert shaped[0].text.startswith("大谷駅前駐輪場")


def test_an_address_answers_where_a_place_is():
    """「大谷駅前駐輪場はどこにありますか」: 大字大谷247番地の1 is where it is, though no 駅 or 町 is left
    once the question's own words are set aside."""
    qt = analyse("かつらぎ町の大谷駅前駐輪場はどこにありますか？")
    assert qt.kind == "place"
    assert qt.form_in("かつらぎ町大字大谷247番地の1")


def test_where_a_matter_is_provided_for_is_answered_by_the_instrument_it_is_left_to():
    """かつらぎ町駐車場等設置条例: asked where the matters needed to enforce it are set, the last article, which
    leaves them to a 規則, leads: not the purpose clause, nor the list of car parks and their addresses, which
    score higher on the story's words (駐車場, 駐輪場)."""
    title = "かつらぎ町駐車場等設置条例"
    arts = [
        ("第一条", "目的", "この条例は、車両を利用する者の利便に資するため、駐車場等の設置及び管理に関する必要な事項を定めることを目的とする。", 9.0),
        ("第二条", "名称及び位置", "駐車場等の名称及び位置は、次のとおりとする。 妙寺駅前駐輪場 かつらぎ町大字妙寺 笠田駅前駐輪場 かつらぎ町大字笠田東", 8.5),
        ("第五条", "駐車できるもの", "駐輪場に駐車できるものは、次の各号に掲げるものとする。(1) 自転車 (2) 前号に掲げるもののほか、町長が特に認めたもの", 8.0),
        ("第九条", "委任", "この条例の施行に関し必要な事項は、別に規則で定める。", 7.0),
    ]
    passages = [Passage(Hit(i + 1, 5, i + 1, title, "k518.html", "html", 1, None, a, f"{title} > {a}（{c}）", t, 0,
                            len(t), s), t, []) for i, (a, c, t, s) in enumerate(arts)]
    idf = {"施行": 3.0, "必要": 0.5, "事項": 0.5, "条例": 0.3, "定める": 0.3}
    answerer = ExtractiveAnswerer(lambda t: idf.get(t, 1.5), max_sentences=1)
    q = ("かつらぎ町駐車場等設置条例には、駐車場や駐輪場の細かな管理の仕方までは書かれていません。"
         "この条例の施行に必要な事項は、どこで定めることになっていますか")
    cand = answerer.candidate(q, passages, analyse_query(q))
    assert cand is not None and cand.chosen[0].text == "この条例の施行に関し必要な事項は、別に規則で定める。"


def test_a_yes_no_question_of_leave_is_led_by_the_sentence_saying_whether_the_act_may_be_done():
    """行政手続法第二十四条: asked whether the parties may ask to see the record and the report, the paragraph
    saying they may (閲覧を求めることができる) leads, not the first, which shares the record's words but says what the
    hearing officer must write."""
    law = "行政手続法"
    paras = [
        ("第二十四条", "主宰者は、聴聞の審理の経過を記載した調書を作成し、当該調書において、不利益処分の原因となる事実に対する"
                       "当事者及び参加人の陳述の要旨を明らかにしておかなければならない。", 9.0),
        ("第二十四条第三項", "主宰者は、聴聞の終結後速やかに、不利益処分の原因となる事実に対する当事者等の主張に理由があるかどうかに"
                             "ついての意見を記載した報告書を作成し、第一項の調書とともに行政庁に提出しなければならない。", 8.0),
        ("第二十四条第四項", "当事者又は参加人は、第一項の調書及び前項の報告書の閲覧を求めることができる。", 7.0),
    ]
    passages = [Passage(Hit(i + 1, 6, i + 1, law, "tetsuzuki.html", "html", 1, None, a, f"{law} > 第二十四条（聴聞調書及び報告書）",
                            t, 0, len(t), s), t, []) for i, (a, t, s) in enumerate(paras)]
    answerer = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1)
    q = "聴聞が終わった後、主宰者がまとめた調書や報告書について、当事者はこれらを見せてもらうよう求めることができますか"
    cand = answerer.candidate(q, passages, analyse_query(q))
    assert cand is not None and cand.chosen[0].text.startswith("当事者又は参加人は")


def test_the_class_of_a_named_thing_is_led_by_the_row_naming_it():
    """GIF サービスカタログ: asked which class 講習会 falls under, the table's row naming it (イベント系 教室・講習会)
    leads, not the table's lead-in, which shares more of the question's words."""
    text = ("行政サービスの種類は以下のように分かれます。\n種類 内容\n情報啓発系 お知らせ\n届出系 届出\n相談系 相談\n"
            "施設系 施設\nイベント系 イベント\nイベント系 教室・講習会")
    title = "コード サービスカタログ"
    passages = [Passage(Hit(1, 7, 1, title, "catalog.md", "md", 1, None, None, f"{title} > 3.3. サービス種別", text, 0,
                            len(text), 8.0), text, [])]
    answerer = ExtractiveAnswerer(lambda t: 1.0, max_sentences=1)
    q = "市の離乳食の案内ページに、GIFの個人向けサービスカタログのサービス種別のタグを付けます。講習会はどの種別に当たりますか"
    cand = answerer.candidate(q, passages, analyse_query(q))
    assert cand is not None and cand.chosen[0].text == "イベント系 教室・講習会"


_KAIGO_TABLE = ("6.相談窓口\n(1) 地域包括支援センターは、高齢者の総合相談窓口として、市内5か所に設置しています。\n"
                "担当地区は次の表のとおりです。\n名称\n担当地区\n中央地域包括支援センター\n中央、本町、駅前\n"
                "北部地域包括支援センター\n北町、桜ヶ丘、緑が丘\n東部地域包括支援センター\n東町、旭、若葉\n"
                "(2) 介護保険に関するお問合せは、標市健康福祉部介護保険課(電話 0123-45-6320)へ。")


def test_a_table_under_column_titles_is_read_row_by_row():
    """pypdf writes a two-column table (名称 / 担当地区) one cell per line: each row's cells are read as one row, so
    the center for 桜ヶ丘 is quoted with the districts it serves, not the districts alone."""
    rows = [s.text for s in table_rows(_KAIGO_TABLE)]
    assert "北部地域包括支援センター\n北町、桜ヶ丘、緑が丘" in rows and "名称" in rows
    title = "介護保険サービス利用の手引き"
    passages = [Passage(Hit(1, 8, 1, title, "kaigo.pdf", "pdf", 1, 2, None, title, _KAIGO_TABLE, 0, len(_KAIGO_TABLE),
                            9.0), _KAIGO_TABLE, [])]
    answerer = ExtractiveAnswerer(lambda t: 1.0)
    q = "桜ヶ丘に住んでいる高齢者の相談を担当する地域包括支援センターはどこですか"
    answer = answerer.answer(q, passages, query=analyse_query(q))
    assert answer.answered and re.search(r"北部地域包括支援センター\[(\d)\]北町、桜ヶ丘、緑が丘\[\1\]", answer.text)


def test_lines_that_do_not_fill_rows_under_the_titles_stay_lines():
    text = "名称\n担当地区\n中央地域包括支援センター\n中央、本町、駅前\n北部地域包括支援センター"
    assert [s.text for s in table_rows(text)] == text.split("\n")


_BICHIKU_TITLED = ("第2 備蓄の基本方針\n3.市は、想定避難者数の2日分(1人1日3食)の食料を公的備蓄として確保し、3日目以降は、国及び県からの"
                   "支援物資により対応する。\n第4 備蓄品目及び目標量\n主な備蓄品目及び目標量は、次の表のとおりとする。\n品目\n目標量\n"
                   "算定の考え方\nアルファ化米等の主食\n108,000食\n18,000人×3食×2日\n保存水(500ミリリットル)\n216,000本\n"
                   "1人1日3リットル×2日\n毛布\n18,000枚\n1人1枚\n生理用品\n30,000枚\n女性避難者数の推計に基づく\n- 1 -")


def test_a_three_column_table_is_read_row_by_row_up_to_the_page_number():
    """Titles 品目 / 目標量 / 算定の考え方, then rows of three cells and the page's number (- 1 -), which is no cell."""
    rows = [s.text for s in table_rows(_BICHIKU_TITLED)]
    assert "毛布\n18,000枚\n1人1枚" in rows and "保存水(500ミリリットル)\n216,000本\n1人1日3リットル×2日" in rows
    assert rows[-1] == "- 1 -" and "算定の考え方" in rows


def test_the_figure_of_the_thing_counted_leads():
    """「毛布はどれだけ備蓄する目標」: the row 毛布 18,000枚 leads (model/form_source.counted_words), not the policy's
    2日分 in a sentence holding more of the story's words; the row's figure is the form asked, however few of them."""
    title = "標市防災備蓄計画"
    passages = [Passage(Hit(1, 8, 1, title, "bichiku.pdf", "pdf", 1, 1, None, title, _BICHIKU_TITLED, 0, len(_BICHIKU_TITLED), 9.0),
                        _BICHIKU_TITLED, [])]
    q = "避難所担当職員向けの研修資料を作っています。標市防災備蓄計画では、毛布はどれだけ備蓄する目標になっていますか"
    decision = ExtractiveAnswerer(lambda t: 1.0).decide(q, passages, analyse_query(q))
    assert decision.check == "answered" and decision.candidate.chosen[0].text == "毛布\n18,000枚\n1人1枚"
    answer = ExtractiveAnswerer(lambda t: 1.0).answer(q, passages, query=analyse_query(q))
    assert re.search(r"毛布\[(\d)\]18,000枚\[\1\]", answer.text), answer.text


def test_the_tail_of_a_sentence_cut_by_the_chunk_s_start_is_no_sentence():
    """A chunk of a long article may start inside a sentence's brackets: 「)又は添付書類に…」 is the tail of a sentence
    whose subject is in the chunk before, not a quotable sentence."""
    text = (")又は添付書類に記載すべきものとされている事項を、財務省令で定めるところによりあらかじめ税務署長に届け出て"
            "行う電子情報処理組織を使用する方法により提供しなければならない。\n前項の届出書には、財務省令で定める書類を"
            "添付しなければならない。")
    p = Passage(Hit(1, 7, 1, "消費税法", "law.xml", "xml", 1, None, "第四十六条の二", None, text, 0, len(text), 5.0),
                text, [])
    qt = analyse("届出書にはどのような書類を添付しますか")
    sents, _ = sentence_features({"届出": 3.0, "書類": 2.0, "添付": 3.0}, set(), qt, [p])
    assert [s.text[:5] for s in sents] == ["前項の届出"]


def test_a_target_amount_asked_as_how_it_stands_is_a_quantity():
    """「500ミリリットルの保存水の目標量はどうなっていますか」: a quantity, given by the row naming 保存水 (216,000本),
    not by the sentence on how the targets are computed."""
    qt = analyse("では、500ミリリットルの保存水の目標量はどうなっていますか")
    assert qt.kind == "count" and qt.form_in("216,000本")
    title = "標市防災備蓄計画"
    text = "本計画の備蓄目標量は、この数値を基準として算定する。\n" + _BICHIKU_TITLED
    passages = [Passage(Hit(1, 8, 1, title, "bichiku.pdf", "pdf", 1, 1, None, title, text, 0, len(text), 9.0), text, [])]
    q = "標市防災備蓄計画で、500ミリリットルの保存水の目標量はどうなっていますか"
    decision = ExtractiveAnswerer(lambda t: 1.0).decide(q, passages, analyse_query(q))
    assert decision.check == "answered" and decision.candidate.chosen[0].text.startswith("保存水(500ミリリットル)\n216,000本")


def test_a_sentence_naming_the_law_the_question_names_leads():
    """「…ガイドラインの法的な論点では、機器に組み込まれたソフトウェアについて製造物責任法の責任が問われることは」:
    the guide's sentence on 製造物責任法 leads, not the one on 民法's 契約責任 and 不法行為責任 that the retriever ranks
    first and whose words are more of the question's."""
    title = "情報セキュリティ早期警戒パートナーシップガイドライン"
    civil = ("脆弱性関連情報の取扱いに関する法的な論点として、ソフトウェアの脆弱性が原因で利用者に損害が生じた場合には、"
             "製品開発者は、契約責任(民法415条)、不法行為責任(民法709条)の対象となる可能性があります。")
    product = ("製造物責任法上の問題として、現時点において、ソフトウエアそれ自体については製造物責任が問われないと一般に解釈"
               "されていますが、電気機器その他の工業製品等に組み込まれたソフトウエアは動産である製造物ですので製造物責任法に"
               "定める責任規定の適用がなされる可能性があります。")
    first = Passage(Hit(1, 1, 1, title, "ipa.pdf", "pdf", 40, None, None, None, civil, 0, len(civil), 9.0), civil, [])
    second = Passage(Hit(1, 2, 1, title, "ipa.pdf", "pdf", 41, None, None, None, product, 0, len(product), 6.0), product, [])
    q = ("庁舎の入退室管理装置に組み込まれているソフトウェアの脆弱性が原因で損害が出たら、メーカーの責任はどうなるのかと"
         "上司に聞かれました。情報セキュリティ早期警戒パートナーシップガイドラインの法的な論点では、機器に組み込まれた"
         "ソフトウェアについて製造物責任法の責任が問われることはありうるとされていますか")
    ans = ExtractiveAnswerer(lambda t: 4.0).answer(q, [first, second], query=analyse_query(q))
    assert ans.answered and ans.text.startswith("製造物責任法上の問題"), ans.text
