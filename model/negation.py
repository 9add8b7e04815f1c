"""A negated key quoted without its negation: the quote is about the opposite.

「住民税非課税世帯の場合、上限額はいくらですか」 is not answered by 「住民税課税世帯の一般的な方の
上限額は…」: the question's compound holds a negated part (非課税, 非常勤, 不開示, 未成年) that
the quote writes only without its negation (課税, 常勤, 開示, 成年).

>>> key = (("住民", "住民"), ("税", "税"), ("非", "非"), ("課税", "課税"), ("世帯", "世帯"))
>>> negation_lost(key, "住民税課税世帯の一般的な方の上限額は、世帯で月額44,400円です。")
True
>>> negation_lost(key, "住民税非課税世帯の方の上限額は、世帯で月額24,600円です。")
False
"""

from __future__ import annotations

_NEGATIONS = frozenset("非不未無")


def negation_lost(comp: tuple[tuple[str, str], ...], text: str) -> bool:
    """Whether a negated part of the compound (its parts' (lemma, surface) pairs: 非課税 of
    住民税非課税世帯, 非常勤, 不開示) is written in ``text`` only without its negation (課税, 常勤, 開示)."""
    for i in range(len(comp) - 1):
        prefix, stem = comp[i][1], comp[i + 1][1]
        if prefix in _NEGATIONS and len(stem) >= 2 and prefix + stem not in text and stem in text:
            return True
    return False
