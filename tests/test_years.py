"""A question naming a year is answered only from a passage about that year:
令和7年度の申請期間 is not the 令和6年度 one (jtext/years.py, model/extractive.py)."""

from __future__ import annotations

from jtext.terms import analyse_query
from jtext.years import years_in
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.records import Hit

_TEXT = ("第5 申請期間及び申請方法\n1.令和6年度の申請期間は、令和6年5月7日(火)から令和6年6月28日(金)までとする。\n"
         "2.申請者は、補助金交付申請書に次の書類を添えて、経済部商工振興課に提出するものとする。")


def _page(text: str) -> Passage:
    hit = Hit(1, 1, 1, "標市中小企業設備投資補助金交付要綱", "hojokin.pdf", "pdf", 1, 2, None, None, text, 0, len(text), 7.0)
    return Passage(hit, text, [])


def _ask(question: str):
    return ExtractiveAnswerer(lambda t: 3.0).answer(question, [_page(_TEXT)], query=analyse_query(question))


def test_years_in_any_era_or_numerals_are_one_year():
    assert years_in("令和5年度") == years_in("2023年度") == years_in("令和五年") == years_in("R5年") == {2023}
    assert years_in("令和元年") == {2019}
    assert years_in("5年以内に、50年前の第3年次") == frozenset()


def test_the_year_asked_is_answered_and_another_year_refused():
    ok = _ask("設備投資補助金の令和6年度の申請期間はいつからいつまでですか")
    assert ok.answered and "令和6年6月28日" in ok.text
    same = _ask("設備投資補助金の2024年度の申請期間はいつまでですか")
    assert same.answered and "令和6年6月28日" in same.text
    other = _ask("設備投資補助金の令和7年度の申請期間はいつからいつまでですか")
    assert not other.answered and not other.citations
    # a question naming no year is answered from whichever year the text gives
    assert _ask("設備投資補助金の申請期間はいつまでですか").answered


def test_a_fiscal_year_is_not_the_calendar_year_its_dates_fall_in():
    text = "■令和6年度の納期限\n第1期 令和6年5月31日(金)\n第4期 令和7年2月28日(金)"
    hit = Hit(1, 1, 1, "固定資産税のご案内", "kotei.txt", "text", 1, None, None, "■令和6年度の納期限", text, 0, len(text), 7.0)
    page = Passage(hit, text, [])
    ask = ExtractiveAnswerer(lambda t: 3.0)
    q = "令和7年度の固定資産税の第1期の納期限はいつですか"
    assert not ask.answer(q, [page], query=analyse_query(q)).answered  # 令和7年2月28日 is 令和6年度's
    q = "令和6年度の固定資産税の第1期の納期限はいつですか"
    a = ask.answer(q, [page], query=analyse_query(q))
    assert a.answered and "令和6年5月31日" in a.text


def test_same_year_reads_eras_and_fiscal_years():
    from jtext.years import same_year

    assert same_year("申請期間はいつまでですか", "令和6年度の申請期間")  # no year asked: any
    assert same_year("2024年度の納期限は", "令和6年度の納期限: 令和7年2月28日")
    assert not same_year("令和7年度の納期限は", "令和6年度の納期限: 令和7年2月28日")
    assert not same_year("令和8年の申請期間は", "令和6年5月7日から令和6年6月28日まで")


def test_a_year_named_only_in_a_plan_is_not_what_happened_then():
    from jtext.years import same_year

    page = "政府機関が保有するコード一覧 内閣官房IT総合戦略室 2021年1月20日\n※2022年にコード一覧の更新を予定しています。"
    assert not same_year("コード一覧の2022年版は、いつ公開されましたか", page)
    assert same_year("コード一覧の2021年版は、いつ公開されましたか", page)
    assert same_year("2022年にはコード一覧について何が予定されていますか", page)  # the plan is asked
    assert same_year("防災備蓄計画の令和6年度の目標量は", "標市防災備蓄計画(令和6年度)")  # 計画 in a title is no plan


def test_a_year_told_before_the_question_proper_is_not_the_year_asked():
    from jtext.years import same_year

    goal = "1.市は、令和7年度までに男性職員の育児休業取得率を85%以上とすることを目標とする。"
    q = "標市は男性職員の育児休業取得率の目標を令和7年度までとしていますが、令和8年度以降はどのような目標値を掲げる予定ですか"
    assert not same_year(q, goal)
    assert same_year("標市は男性職員の育児休業取得率の目標を令和7年度までにどこまで上げるとしていますか", goal)
    answer = ExtractiveAnswerer(lambda t: 3.0).answer(q, [_page(goal)], query=analyse_query(q))
    assert not answer.answered


def test_a_table_s_year_may_be_in_another_chunk_of_its_page():
    # a PDF page: the year in a caption one chunk holds, the table in the next (金融庁 保険モニタリングレポート)
    from jtext.years import same_year
    from model.sentence_score import page_context

    def chunk(n: int, page: int, text: str) -> Passage:
        hit = Hit(n, 1, 1, "保険モニタリングレポート", "report.pdf", "pdf", 1, page, None, None, text, 0, len(text), 5.0)
        return Passage(hit, text, [])

    table = chunk(2, 5, "支払件数 支払保険金\n台風14号 157,958件 1,045億円\n台風15号 27,095件 534億円")
    caption = chunk(1, 5, "＜2022年に発生した主な自然災害と保険金支払額＞")
    elsewhere = chunk(3, 6, "＜2022年に発生した主な自然災害と保険金支払額＞")
    question = "2022年の台風14号で、損害保険会社が支払った保険金の額はどのくらいでしたか"
    assert same_year(question, page_context(table, [table, caption]))
    assert not same_year(question, page_context(table, [table, elsewhere]))  # another page says nothing of this one
    assert not same_year("2019年の台風19号の保険金の額は", page_context(table, [table, caption]))
