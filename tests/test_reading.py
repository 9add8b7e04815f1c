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
