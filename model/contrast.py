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
state in its own words, so they are not judged by the context's words:

>>> contrast_lost("救助を物資ではなく金銭の支給で行うことはできますか", "救助は、金銭を支給してこれを行うことができる。")
False
>>> contrast_lost("知事ではなく市町村長に行わせることはできますか", "事務の一部を市町村長が行うこととすることができる。")
False
"""

from __future__ import annotations

from .keys import Compound, key_terms


def _sides(question: str) -> tuple[Compound, Compound] | None:
    """The key compounds just before and just after ではなく (X and Y of X ではなく Y), or None."""
    at = question.find("ではなく")
    if at < 0:
        return None
    before, after = key_terms(question[:at]), key_terms(question[at + len("ではなく"):])
    return (before[-1], after[0]) if before and after else None


def contrast_lost(question: str, evidence: str) -> bool:
    """Whether the question sets a thing against its sibling (X ではなく Y, X and Y ending in the
    same word) and ``evidence`` (the quote with its context) does not name Y."""
    if (sides := _sides(question)) is None:
        return False
    x, y = sides
    if x == y or x[-1][1] != y[-1][1] or len(y) < 2:
        return False  # not two of one kind (医師 and 医師 is no contrast the words can check)
    return "".join(s for _, s in y) not in evidence


def set_aside_quoted(question: str, lead: str) -> bool:
    """Whether the question sets a thing aside (X ではなく Y, of any kinds) and the quote's leading
    sentence ``lead`` names X but not Y: it states the set-aside thing's fact.

    >>> q = "標市の集合注射ではなく動物病院で受ける場合、注射そのものの料金は1頭いくらですか"
    >>> set_aside_quoted(q, "集合注射の料金は、注射料金と注射済票交付手数料を合わせて1頭につき3,300円です。")
    True
    >>> set_aside_quoted(q, "動物病院での注射料金は病院ごとに異なります。")
    False
    >>> set_aside_quoted("救助を物資ではなく金銭の支給で行うことはできますか", "救助は、金銭を支給してこれを行うことができる。")
    False
    >>> set_aside_quoted("救助の事務を、都道府県知事ではなく市町村長に行わせることはできますか",
    ...                  "都道府県知事は、…事務の一部を災害発生市町村等の長が行うこととすることができる。")
    False
    """
    if (sides := _sides(question)) is None:
        return False
    x, y = ("".join(s for _, s in t) for t in sides)
    # Y in the law's words: 市町村長 as 災害発生市町村等の長 (each of its characters is there)
    return x != y and len(x) >= 2 and x in lead and not all(c in lead for c in y)
