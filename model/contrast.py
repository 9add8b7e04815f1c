"""A question that sets one thing against its sibling asks about the second.

「防災備蓄計画で、標市直下地震ではなく南海トラフ地震が起きた場合の想定避難者数は」 asks about
the 南海トラフ地震: a quote of the 標市直下地震's figure answers the question the asker set
aside. When the two things named around ではなく are of one kind (the same last word: 地震 and
地震, 医師 and 医師), the quote must name the second.

>>> contrast_lost("標市直下地震ではなく南海トラフ地震が起きた場合の想定避難者数は何人ですか",
...               "標市直下地震(マグニチュード6.9)の場合、避難者数は最大18,000人と想定されている。")
True
>>> contrast_lost("標市直下地震ではなく南海トラフ地震が起きた場合の想定避難者数は何人ですか",
...               "南海トラフ地震の場合、避難者数は最大9,000人と想定されている。")
False

Things of different kinds (都道府県知事ではなく市町村長, 物資ではなく金銭) are a choice the quote may
state in its own words, so they are not judged here:

>>> contrast_lost("救助を物資ではなく金銭の支給で行うことはできますか", "救助は、金銭を支給してこれを行うことができる。")
False
>>> contrast_lost("知事ではなく市町村長に行わせることはできますか", "事務の一部を市町村長が行うこととすることができる。")
False
"""

from __future__ import annotations

from .keys import key_terms


def contrast_lost(question: str, evidence: str) -> bool:
    """Whether the question sets a thing against its sibling (X ではなく Y, X and Y ending in the
    same word) and ``evidence`` (the quote with its context) does not name Y."""
    at = question.find("ではなく")
    if at < 0:
        return False
    before, after = key_terms(question[:at]), key_terms(question[at + len("ではなく"):])
    if not before or not after:
        return False
    x, y = before[-1], after[0]
    if x == y or x[-1][1] != y[-1][1] or len(y) < 2:
        return False  # not two of one kind (医師 and 医師 is no contrast the words can check)
    return "".join(s for _, s in y) not in evidence
