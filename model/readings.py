"""A figure of a statute's article that its 附則 reads otherwise for the time being (当分の間).

Laws change a figure for a transition without rewriting the article: 雇用保険法第四十条 says the
特例一時金 is 「基本手当の日額の三十日分」, and its 附則第八条 says 「第四十条第一項の規定の適用に
ついては、当分の間、同項中「三十日」とあるのは、「四十日」とする。」 A quote of the article alone
states a figure that does not apply today; :func:`current_reading` finds, among the passages found,
the 附則 sentence that reads the quoted words otherwise, which the answer then quotes first
(shirube/reading.py fetches that 附則 when retrieval did not).

>>> rule = "第四十条第一項の規定の適用については、当分の間、同項中「三十日」とあるのは、「四十日」とする。"
>>> read = reading_in(rule)
>>> read.article, read.paragraph, read.old, read.new
('第四十条', 1, '三十日', '四十日')
>>> read.applies("第四十条", "基本手当の日額の三十日分とする。"), read.applies("第四十条", "基本手当の日額の五十日分")
(True, False)
>>> read.applies("第四十条第二項", "三十日分")  # another paragraph of the article
False
>>> reading_in("第十三条第一項の事業場以外の事業場についての第六十六条の十の規定の適用については、当分の間、"
...            "同条第一項中「行わなければ」とあるのは、「行うよう努めなければ」とする。").article
'第六十六条の十'

A reading limited to a case (「工作物の建設の事業…に関する第三十六条の規定の適用については」) is the
law in force only for that case: it leads only when the question names the case.

>>> build = reading_in("工作物の建設の事業(災害時における復旧及び復興の事業に限る。)に関する第三十六条の規定の適用"
...                    "については、当分の間、同条第五項中「百時間未満」とあるのは、「百時間」とする。")
>>> build.case
'工作物の建設の事業'
>>> build.case_named("三六協定の限度時間は一箇月あたり何時間ですか"), build.case_named("工作物の建設の事業の限度時間は何時間ですか")
(False, True)
>>> read.case, read.case_named("特例一時金は何日分ですか")  # a reading for every case
('', True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from jtext.aliases import written_forms
from jtext.sentences import ASIDE, Sentence, split_sentences

from .answerer import Passage
from .keys import key_terms
from .quote_shape import ARTICLE_NUMERALS as _N, article_of, paragraph_of
from .sentence_score import Scored

# 第百十四条の規定の適用については、当分の間、同条ただし書中「五年」とあるのは、「三年」とする。
_READING = re.compile(
    r"(?:(.{1,200}?)(?:について|に関する|に対する|に係る|における)の?)?"
    rf"(第[{_N}]+条(?:の[{_N}]+)*)(第[{_N}]+項)?(?:第[{_N}]+号)?(?:[(（][^)）]{{0,30}}[)）])?の規定の適用については、当分の間、"
    r"[^「。]{0,40}「([^」]{1,60})」とあるのは、?「([^」]{1,200})」")


@dataclass(frozen=True)
class Reading:
    """「old」とあるのは「new」: what the 附則 reads in ``article`` (``paragraph``: the one it names, 0 for any;
    ``case``: the case it is limited to, with its parentheses dropped, "" for every case)."""

    article: str
    paragraph: int
    old: str
    new: str
    case: str = ""

    def case_named(self, question: str) -> bool:
        """Whether ``question`` names the case the reading is limited to (its first key term, not an
        article number: 工作物 of 工作物の建設の事業, 介護休業 of 介護休業を開始した被保険者); True without one."""
        names = [w for w in ("".join(s for _, s in c) for c in key_terms(self.case)) if not w.startswith("第")]
        return not names or any(w in question for w in written_forms(names[0]))

    def applies(self, locator: str | None, text: str) -> bool:
        """Whether the reading changes ``text``, quoted from ``locator`` (第四十条, 第四十条第二項)."""
        if article_of(locator) != self.article or self.old not in text:
            return False
        return self.paragraph == 0 or paragraph_of(locator) == self.paragraph


def reading_in(sentence: str) -> Reading | None:
    """The reading a 附則 sentence states, or None."""
    m = _READING.search(sentence)
    if m is None:
        return None
    paragraph = paragraph_of(m.group(2) + m.group(3)) if m.group(3) else 0
    case = ASIDE.sub("", m.group(1) or "")  # (災害時における復旧及び復興の事業に限る。) dropped
    return Reading(m.group(2), paragraph, m.group(4), m.group(5), case)


def readings_in(text: str) -> list[tuple[Sentence, Reading]]:
    """The readings a 附則's text states, with their sentences (a 。 inside parentheses ends none)."""
    return [(s, r) for s in split_sentences(text) if (r := reading_in(s.text)) is not None]


def current_reading(lead: Scored, passages: Sequence[Passage], question: str = "") -> Scored | None:
    """The sentence of a 附則 among ``passages`` (of the lead's document) that reads the lead's
    quoted words otherwise for the time being, for every case or for one ``question`` names; None
    when there is none."""
    hit = passages[lead.p_index].hit
    if not article_of(hit.article) or (hit.article or "").startswith("附則"):
        return None
    for i, p in enumerate(passages):
        if p.hit.document_id != hit.document_id or not (p.hit.article or "").startswith("附則"):
            continue
        for s, read in readings_in(p.hit.text):
            if read.applies(hit.article, lead.text) and read.case_named(question):
                return Scored(lead.score, i, s.start, s.end, s.text, lead.key)
    return None
