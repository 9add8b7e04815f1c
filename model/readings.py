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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from jtext.sentences import split_sentences

from .answerer import Passage
from .quote_shape import article_of, paragraph_of
from .sentence_score import Scored

_N = "〇一二三四五六七八九十百千"
# 第百十四条の規定の適用については、当分の間、同条ただし書中「五年」とあるのは、「三年」とする。
_READING = re.compile(
    rf"(第[{_N}]+条(?:の[{_N}]+)*)(第[{_N}]+項)?(?:第[{_N}]+号)?(?:[(（][^)）]{{0,30}}[)）])?の規定の適用については、当分の間、"
    r"[^「。]{0,40}「([^」]{1,60})」とあるのは、?「([^」]{1,200})」")


@dataclass(frozen=True)
class Reading:
    """「old」とあるのは「new」: what the 附則 reads in ``article`` (``paragraph``: the one it names, 0 for any)."""

    article: str
    paragraph: int
    old: str
    new: str

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
    paragraph = paragraph_of(m.group(1) + m.group(2)) if m.group(2) else 0
    return Reading(m.group(1), paragraph, m.group(3), m.group(4))


def current_reading(lead: Scored, passages: Sequence[Passage]) -> Scored | None:
    """The sentence of a 附則 among ``passages`` (of the lead's document) that reads the lead's
    quoted words otherwise for the time being; None when there is none."""
    hit = passages[lead.p_index].hit
    if not article_of(hit.article) or (hit.article or "").startswith("附則"):
        return None
    for i, p in enumerate(passages):
        if p.hit.document_id != hit.document_id or not (p.hit.article or "").startswith("附則"):
            continue
        for s in split_sentences(p.hit.text):
            read = reading_in(s.text)
            if read is not None and read.applies(hit.article, lead.text):
                return Scored(lead.score, i, s.start, s.end, s.text, lead.key)
    return None
