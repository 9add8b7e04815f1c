"""A figure a 附則 reads otherwise for the time being (当分の間) is answered as read now, citing the
附則 first (model/readings.py, shirube/reading.py), through the real engine over an e-Gov XML law."""

from __future__ import annotations

from pathlib import Path

from base.settings import Settings
from model.answerer import Passage
from model.readings import current_reading
from model.records import Hit
from model.sentence_score import Scored
from shirube.engine import Shirube

from .egov_xml import article, law

# 雇用保険法 (abridged): 第四十条 gives 三十日分; its own 附則第八条 reads 三十日 as 四十日 for now.
LAW = law("雇用保険法", "こようほけんほう", "昭和四十九年法律第百十六号", (
    article(39, "第三十九条", "特例一時金", "特例一時金は、短期雇用特例被保険者が失業した場合において、支給する。")
    + article(40, "第四十条", "特例一時金",
              "特例一時金の額は、特例受給資格者に支給されることとなる基本手当の日額の三十日分とする。")
), '<SupplProvision Extract="true"><SupplProvisionLabel>附　則</SupplProvisionLabel>'
   + article(8, "第八条", "特例一時金に関する暫定措置",
             "第四十条第一項の規定の適用については、当分の間、同項中「三十日」とあるのは、「四十日」とする。")
   + "</SupplProvision>")


def test_the_figure_in_force_is_quoted_first_with_the_article(tmp_path: Path):
    sh = Shirube(Settings.load(home=tmp_path, env={}, embedder="fake"))
    sh.ingest_bytes([("koyo.xml", LAW.encode("utf-8"))])
    q = "特例一時金の額は、基本手当の日額の何日分ですか"
    assert [h.article for h in sh.search(q, k=1)] == ["第四十条"]  # retrieval finds the article, not the 附則
    ans = sh.ask(q, k=1, answer_min_confidence=0.0)
    assert ans.answered, ans.text
    assert ans.citations[0].article == "附則第八条" and "「四十日」" in ans.text
    assert any(c.article == "第四十条" for c in ans.citations) and "三十日分" in ans.text  # the article read


def _hit(chunk: int, article: str, text: str, document: int = 1) -> Passage:
    return Passage(Hit(chunk, document, chunk, "雇用保険法", "koyo.xml", "xml", 1, None, article, None, text, 0,
                       len(text), 1.0), text, [])


def test_a_reading_applies_only_to_the_article_and_words_it_names():
    rule = "第四十条第一項の規定の適用については、当分の間、同項中「三十日」とあるのは、「四十日」とする。"
    lead_text = "特例一時金の額は、基本手当の日額の三十日分とする。"
    lead = Scored(0.9, 0, 0, len(lead_text), lead_text, 1.0)
    assert current_reading(lead, [_hit(1, "第四十条", lead_text), _hit(2, "附則第八条", rule)]) is not None
    # another article, another paragraph, other words, another law's 附則: no reading
    assert current_reading(lead, [_hit(1, "第四十一条", lead_text), _hit(2, "附則第八条", rule)]) is None
    assert current_reading(lead, [_hit(1, "第四十条第二項", lead_text), _hit(2, "附則第八条", rule)]) is None
    other = "基本手当の日額の五十日分とする。"
    assert current_reading(Scored(0.9, 0, 0, len(other), other, 1.0),
                           [_hit(1, "第四十条", other), _hit(2, "附則第八条", rule)]) is None
    assert current_reading(lead, [_hit(1, "第四十条", lead_text), _hit(2, "附則第八条", rule, document=2)]) is None


# 労働基準法 (abridged): 第三十六条 sets the 限度時間; one 附則 reading is limited to the construction
# industry (a case, with a 。 inside its parentheses), another, for every case, reads 第百十五条's 二年間.
LABOUR = law("労働基準法", "ろうどうきじゅんほう", "昭和二十二年法律第四十九号", (
    article(36, "第三十六条", "時間外及び休日の労働",
            "前項の協定で定める時間外労働の限度時間は、一箇月について四十五時間及び一年について三百六十時間とする。")
    + article(115, "第百十五条", "時効",
              "この法律の規定による賃金(退職手当を除く。)の請求権は、これを行使することができる時から二年間行わない場合"
              "においては、時効によつて消滅する。")
), '<SupplProvision Extract="true"><SupplProvisionLabel>附　則</SupplProvisionLabel>'
   + article(139, "第百三十九条", "建設の事業に関する暫定措置",
             "工作物の建設の事業(災害時における復旧及び復興の事業に限る。)に関する第三十六条の規定の適用については、"
             "当分の間、同条中「四十五時間」とあるのは、「八十時間」とする。")
   + article(143, "第百四十三条", "賃金の請求権の時効に関する経過措置",
             "第百十五条の規定の適用については、当分の間、同条中「二年間」とあるのは、"
             "「一年間(退職手当を除く。)」とする。")
   + "</SupplProvision>")


def test_a_reading_limited_to_a_case_leads_only_when_the_question_names_the_case(tmp_path: Path):
    sh = Shirube(Settings.load(home=tmp_path, env={}, embedder="fake"))
    sh.ingest_bytes([("roki.xml", LABOUR.encode("utf-8"))])
    general = sh.ask("時間外労働の限度時間は、一箇月について何時間ですか", k=1, answer_min_confidence=0.0)
    assert general.answered and general.citations[0].article == "第三十六条", general.text
    assert "「八十時間」" not in general.text  # the construction industry's reading is not the general rule
    built = sh.ask("工作物の建設の事業では、時間外労働の限度時間は一箇月について何時間ですか", k=1, answer_min_confidence=0.0)
    assert built.answered and built.citations[0].article == "附則第百三十九条", built.text
    assert "「八十時間」" in built.text and "四十五時間" in built.text


def test_a_reading_with_a_full_stop_in_its_parentheses_is_fetched_and_leads(tmp_path: Path):
    sh = Shirube(Settings.load(home=tmp_path, env={}, embedder="fake"))
    sh.ingest_bytes([("roki.xml", LABOUR.encode("utf-8"))])
    ans = sh.ask("賃金の請求権は何年で時効によつて消滅しますか", k=1, answer_min_confidence=0.0)
    assert ans.answered and ans.citations[0].article == "附則第百四十三条", ans.text
    assert "一年間" in ans.text and "二年間" in ans.text
