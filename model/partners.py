"""Two parties of an act, swapped: the mirror provision answers another question.

Guidelines and laws often state one rule twice, once for each party: 「発見者は、…製品開発者の了解を得て、
製品開発者と直接情報交換を行うことができます」 and 「製品開発者は、…発見者の了解を得て、発見者と直接情報交換を
行うことができます」. A question about one side (「製品開発者が発見者と直接情報交換をするには何が必要」) holds
every word of both, so words alone cannot tell them apart; the roles do. The question names the doer
with が and the other party with と; a quote whose subject (…は、) is the question's other party, and which
names the question's doer as its own other party (…と), is the other side's rule.

>>> q = "製品開発者が発見者と直接情報交換をするには何が必要とされていますか"
>>> partners_swapped(q, "発見者は、IPAを介し、製品開発者の了解を得て、製品開発者と直接情報交換を行うことができます。")
True
>>> partners_swapped(q, "製品開発者は、IPAを介し、発見者の了解を得て、発見者と直接情報交換を行うことができます。")
False
>>> partners_swapped("使用者が労働者と協定を結ぶには", "使用者は、労働者の過半数で組織する労働組合と協定をする。")
False
"""

from __future__ import annotations

import re

from jtext.sentences import question_proper

# the doer (が) and the other party (と) of the question's act: 製品開発者が発見者と直接…
_DOER_WITH = re.compile(r"([一-龥ァ-ヶー]{2,12})が(?:[^、。がと]{0,8}?)([一-龥ァ-ヶー]{2,12})と(?!して|の|は|も)")


def partners_swapped(question: str, lead: str) -> bool:
    """Whether ``lead`` (the quote's first sentence) has the question's other party as its subject and
    the question's doer as its own other party: the mirror rule, for the other side."""
    m = _DOER_WITH.search(question_proper(question) or question)
    if m is None:
        return False
    doer, other = m.group(1), m.group(2)
    if doer == other or doer in other or other in doer:
        return False
    subject = re.match(rf"^\s*(?:[(（]?[0-9０-９一二三四五六七八九十]+[)）.．]?\s*)?{re.escape(other)}(?:は|が)[、,]?", lead)
    return subject is not None and re.search(rf"{re.escape(doer)}と", lead[subject.end():]) is not None
