"""Where the answer form may come from (model/form_source.py), papers asked for, and a list introduced
with 以下のとおり: through the extractive answerer, on text written like the real statutes and guides."""

from __future__ import annotations

from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.records import Hit


def _article(text: str, title: str, article: str, score: float = 7.0) -> Passage:
    return Passage(Hit(1, 1, 1, title, "law.xml", "xml", 1, None, article, None, text, 0, len(text), score), text, [])


def _section(text: str, title: str, heading: str) -> Passage:
    return Passage(Hit(2, 2, 1, title, "guide.md", "md", 1, None, None, heading, text, 0, len(text), 7.0), text, [])


_RARE = {"遭難": 7.0, "救護": 6.0, "船舶": 5.0, "目標": 5.0}  # idf as in the real corpus: 遭難 is rare, 上陸 and 許可 are not


def _answer(question: str, passages: list[Passage]):
    return ExtractiveAnswerer(lambda t: _RARE.get(t, 3.0)).answer(question, passages, query=analyse_query(question))


_LAW = "出入国管理及び難民認定法"
_DISTRESS = _article("入国審査官は、遭難船舶等がある場合において、当該船舶等に乗つていた外国人の救護のため緊急の必要があると"
                     "認めたときは、当該外国人に対し遭難による上陸を許可することができる。", _LAW, "第十八条")
_CRUISE = _article("入国審査官は、指定旅客船に乗つている外国人が、出国するまでの間三十日を超えない範囲内で上陸することを希望する"
                   "場合において、当該外国人に対し船舶観光上陸を許可することができる。", _LAW, "第十四条の二", 2.0)
_QUESTION = ("外国の客船が日本の近海で遭難し、乗っていた外国人が救護されました。入管法の遭難による上陸の許可を受けた場合、"
             "日本に上陸していられるのは最長で何日間ですか")


def test_a_period_from_another_permission_does_not_answer():
    """三十日 is the 船舶観光上陸's period; the lead about 遭難による上陸 gives none."""
    ans = _answer(_QUESTION, [_DISTRESS, _CRUISE])
    assert not ans.answered, ans.text


def test_a_period_of_the_same_permission_answers():
    stated = _article("遭難による上陸の許可を受けた外国人が上陸していられる期間は、十五日を超えない範囲内とする。", _LAW, "第十八条第五項")
    ans = _answer(_QUESTION, [_DISTRESS, stated, _CRUISE])
    assert ans.answered and ans.text.startswith("遭難による上陸の許可") and "十五日" in ans.text, ans.text


def test_papers_asked_need_papers_in_the_quote():
    title = "災害救助法"
    rule = _article("救助実施市の指定は、内閣府令で定めるところにより、救助を行おうとする市の申請により行う。", title, "第二条の二第三項")
    question = "市が災害救助法の救助実施市の指定を受けようとして申請をする場合、申請書に添付しなければならない書類は何ですか"
    assert not _answer(question, [rule]).answered
    listed = _article("救助実施市の指定の申請書には、次に掲げる書類を添付しなければならない。\n一 地域防災計画の写し\n"
                      "二 救助の実施体制を記載した書類", title, "第二条の二第六項")
    ans = _answer(question, [rule, listed])
    assert ans.answered and "地域防災計画の写し" in ans.text, ans.text


def test_a_lead_in_with_izen_no_toori_brings_its_list():
    """「公開すべき項目は以下のとおりです。」 says nothing without the items after it."""
    text = ("コードを割当てた項目の廃止等より削除したコードは、原則として再利用しないことを推奨します。"
            "やむを得ずコードの変更(削除、更新)をする際には、コードを公開しているWebサイト等に、一定期間の告知を行います。\n\n"
            "また、コードの変更等を行った場合には、その内容を公開します。公開すべき項目は以下のとおりです。\n\n"
            "・バージョン\n・変更日\n・変更理由\n・変更点\n\n"
            "コード変更等の際には、継続性の観点から、改定版と旧版との間で比較可能とすることが重要です。")
    page = _section(text, "コード（分類体系）導入実践ガイドブック", "4.3. コードの変更手順")
    ans = _answer("課で公開している施設の分類コードを、やむを得ず変更することになりました。コード（分類体系）導入実践ガイドブック"
                  "では、コードを変更したときにどのような項目を公開する必要があるとしていますか", [page])
    assert ans.answered and "変更理由" in ans.text and "変更日" in ans.text, ans.text


def test_a_date_in_the_leads_own_document_that_says_what_is_asked_answers():
    """The lead defines the POI code; its revision history, in the same document, holds 初版決定 and its date."""
    title = "コード POIコード"
    definition = _section("観光施設、公共施設など地理的目標物に対する分類コードである。無意コード4桁でありコードは別表に示す。",
                          title, "1. POIコード")
    history = _section("改訂年月日 改訂箇所 改訂内容\n2022年3月31日 GIF体系に移行(内容の変更なし)\n2019年3月28日 - 初版決定\n"
                       "2017年12月22日 - α版公開", title, "改訂履歴")
    ans = _answer("施設などの地理的な目標物に付けるPOIコードは、初版がいつ決定されましたか。", [definition, history])
    assert ans.answered and "2019年3月28日" in ans.text, ans.text


def test_a_count_asked_with_a_katakana_counter_needs_the_count():
    """何システム asks how many systems: the survey's method without the figure does not answer it."""
    title = "データマネジメント実践ガイドブック（導入編）"
    method = _section("データマネジメントタスクフォースは、令和2年度に、各府省庁につき主要なシステムを対象として、"
                      "データマネジメントレベル調査を実施しました。", title, "4.2. 実施手順")
    question = "令和2年度のデータマネジメントレベル調査では、全府省庁を合わせて何システムが調査の対象になりましたか"
    assert not _answer(question, [method]).answered
    counted = _section(method.hit.text + "調査の対象は、全府省庁で計48システムです。", title, "4.2. 実施手順")
    ans = _answer(question, [counted])
    assert ans.answered and "48システム" in ans.text, ans.text


def test_what_to_bring_needs_a_thing_to_bring_in_the_quote():
    """「何を持っていく必要がありますか」 asks for papers like 何が必要: a quote saying only where the
    counter is answers nothing."""
    title = "マイナンバーカードの受け取り方法|標市"
    where = _section("暗証番号を連続して3回間違えると、ロックがかかります。ロックの解除は市民課の窓口で行います。",
                     title, "暗証番号の設定")
    question = "マイナンバーカードの暗証番号を続けて間違えてロックがかかりました。市民課の窓口でロックを解除してもらうとき、何を持っていく必要がありますか"
    assert not _answer(question, [where]).answered
    listed = _section("ロックの解除は市民課の窓口で行います。ロックの解除には、マイナンバーカードと本人確認書類が必要です。",
                      title, "暗証番号の設定")
    ans = _answer(question, [listed])
    assert ans.answered and "本人確認書類" in ans.text, ans.text


def test_a_lead_in_counting_its_items_brings_its_list():
    """「基本は以下の4分類を参照している。」 (a count before the noun) and 「上記に加えて以下を参照している。」 say nothing
    without the items after them; 「5万円以下を」 is a bound, no lead-in."""
    text = ("既存の施設コード、地理目的コードから選択している。\n基本は以下の4分類を参照している。\n\n"
            "・国土地理院 電子国土基本図 地物種別コード\n・国土交通省 都市計画GIS 地物一覧\n・国土交通省 国土数値情報\n"
            "・国土地理院 公共測量標準図式 数値地形図データ取得分類コード表\n\n"
            "観光とスポーツ施設について、上記に加えて以下を参照している。\n\n"
            "・観光庁 観光入込客統計に関する共通基準 観光地点等分類コード\n")
    page = _section(text, "コード POIコード", "2.1. 分類対象の選択")
    ans = _answer("GIFのPOIコードは、既存のどのような地物や施設の分類をもとに整理されていますか。基本として参照したものを"
                  "教えてください", [page])
    assert ans.answered and "電子国土基本図" in ans.text and "国土数値情報" in ans.text, ans.text
    from model.quote_shape import _LIST_LEAD
    assert _LIST_LEAD.search("上記に加えて以下を参照している。")
    assert not _LIST_LEAD.search("補助の対象は、50万円以下を上限とする。")
