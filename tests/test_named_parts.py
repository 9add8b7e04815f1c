"""A numbered part of a 規程 named without a counter (規程の第11では) must be a part of the text found, and a
who question asking the holder of a role (座長を務めたのは誰) needs the role in the quote."""

from __future__ import annotations

from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.records import Hit

_KITEI = ("標市職員の育児休業等の取扱いに関する規程\n第1 目的\nこの規程は、職員の育児休業、育児短時間勤務及び部分休業の取扱いについて"
          "必要な事項を定めることを目的とする。\n第2 対象者\n1.この規程の対象となる職員は、任期の定めのない常勤職員とする。\n"
          "第3 育児休業の請求\n1.育児休業を請求する場合は、育児休業承認請求書を、育児休業を始めようとする日の1か月前までに所属長に提出する。")


def _page(text: str, title: str, page: int | None = 1, heading: str | None = None) -> Passage:
    return Passage(Hit(1, 1, 1, title, "kitei.pdf", "pdf", 1, page, None, heading, text, 0, len(text), 7.0), text, [])


def _answer(question: str, passage: Passage):
    return ExtractiveAnswerer(lambda t: 3.0).answer(question, [passage], query=analyse_query(question))


def test_a_numbered_part_the_text_does_not_have_is_refused():
    page = _page(_KITEI, "標市職員の育児休業等の取扱いに関する規程")
    assert not _answer("標市職員の育児休業等の取扱いに関する規程の第11では、どのようなことを定めていますか", page).answered
    ans = _answer("標市職員の育児休業等の取扱いに関する規程の第3では、どのようなことを定めていますか", page)
    assert ans.answered and "育児休業承認請求書" in ans.text
    # a counter after the number names no part of the text: 第3子, 第1書庫 ask what they always did
    ans = _answer("育児休業承認請求書は、育児休業を始めようとする日の何か月前までに提出しますか（第1子の場合）", page)
    assert ans.answered and "1か月前" in ans.text


def test_the_role_whose_holder_is_asked_must_be_in_the_quote():
    faq = ("コアデータパターンや各データモデルは、デジタル庁データ連携ワーキンググループで検討した上で、"
           "デジタル庁技術検討会議で決定したものです。")
    page = _page(faq, "政府相互運用性フレームワーク FAQ", None, "1.3. GIFの策定プロセス")
    q = "データモデルを検討したデジタル庁のデータ連携ワーキンググループで、座長を務めたのは誰ですか"
    assert not _answer(q, page).answered  # 座長 is nowhere
    chaired = _page(faq + "同ワーキンググループの座長は、データ太郎教授が務めました。", "政府相互運用性フレームワーク FAQ",
                    None, "1.3. GIFの策定プロセス")
    ans = _answer(q, chaired)
    assert ans.answered and "データ太郎教授" in ans.text


_TABLE = ("第6 保存期間\n1.公文書の保存期間は、次の表のとおりとする。\n保存期間\n主な公文書\n30年\n"
          "条例、規則等の制定又は改廃に関する文書、市議会の議決を要する事案に関する文書\n10年\n"
          "予算及び決算に関する文書、許可、認可等の行政処分に関する文書5年\n契約に関する文書、補助金の交付に関する文書\n"
          "1年未満\n定型的又は日常的な業務連絡に関する文書、公文書の写し\n"
          "2.保存期間の起算日は、文書を作成し、又は取得した日の属する年度の翌年度の4月1日とする。")


def test_a_value_first_table_row_is_answered_with_its_value():
    """pypdf writes this table value first (30年 / its row's label): the value belongs to the label after it,
    also when it was run onto the end of the row above (「…に関する文書5年」, as in the real PDF)."""
    page = _page(_TABLE, "標市公文書管理規程", 2)
    ans = _answer("標市公文書管理規程では、条例や規則の制定・改廃に関する文書の保存期間は何年ですか", page)
    assert ans.answered and ans.text.startswith("30年") and "条例、規則等の制定又は改廃" in ans.text, ans.text
    ans = _answer("契約に関する文書の保存期間は何年ですか", page)
    assert ans.answered and ans.text.startswith("5年[1]契約に関する文書"), ans.text
    assert ans.citations[0].quote.startswith("5年") and "契約に関する文書" in ans.citations[0].quote
