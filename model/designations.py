"""Numbered designations (第八期, 第二十条, 第2種) a question names and a quote must hold.

>>> sorted(designations("国家賠償法第八条と第十九条の七"))
['第19条の7', '第8条']
>>> sorted(designations("移管協議書（様式第2号）"))
['様式第2号', '第2号']
>>> sorted(designations("レベル6（L6）はどのようなレベルですか"))
['レベル6']
>>> sorted(article_asked("雇用保険法の第九十条では、どのようなことを定めていますか"))
['第90条']
>>> article_asked("第九十条の規定による届出は誰にしますか")
frozenset()
>>> sorted(bare_designations("規程の第11では、どのようなことを定めていますか"))
['第11']
>>> sorted(bare_designations("第3子以降の手当、第1書庫、第2号様式"))
[]
"""

from __future__ import annotations

import re
import unicodedata

from jtext.numerals import kanji_to_int

# A numbered designation names one thing among its siblings: 第八期 is not
# 第九期, 第二十条 not 第十二条, 第2種電柱 not 第1種, 第1段階 not 第5段階, 第3版 not 第2版. Kanji or arabic digits.
_DESIGNATION = re.compile(r"第\s*([0-9〇一二三四五六七八九十百千]+)\s*(段階|[条項号章節款編期種次回類級版])((?:の[0-9〇一二三四五六七八九十]+)*)")

# A numbered level (レベル6, 警戒レベル3) names one of its siblings the same way: レベル6 is not レベル5.
_LEVEL = re.compile(r"レベル\s*([0-9〇一二三四五六七八九十]+)")


def designations(text: str) -> frozenset[str]:
    """The numbered designations of ``text`` (第○条, 第○期, 第○種 …), in one
    written form (arabic digits): ``designations("第八期")`` == ``{"第8期"}``."""
    out = set()
    text_nfkc = unicodedata.normalize("NFKC", text)
    for m in _DESIGNATION.finditer(text_nfkc):
        try:
            n = kanji_to_int(m.group(1))  # kanji or arabic digits
            branches = "".join(f"の{kanji_to_int(b)}" for b in m.group(3).split("の")[1:])
        except ValueError:
            continue
        out.add(f"第{n}{m.group(2)}{branches}")
        if m.group(2) == "号" and text_nfkc[max(0, m.start() - 2):m.start()] == "様式":
            out.add(f"様式第{n}号{branches}")  # a form's number, always written out (not an unlabelled item)
    for m in _LEVEL.finditer(text_nfkc):
        try:
            out.add(f"レベル{kanji_to_int(m.group(1))}")
        except ValueError:
            continue
    return frozenset(out)


# What an article provides is asked (第九十条では、どのようなことを定めていますか, 第八条には何が規定されて):
# that article answers, not another that cites it
_ARTICLE_ASKED = re.compile(r"(第[0-9〇一二三四五六七八九十百千]+条(?:の[0-9〇一二三四五六七八九十]+)*)(?:では|には|は|で)、?"
                            r"[^。？?]{0,30}(?:定め|規定)")


def article_asked(question: str) -> frozenset[str]:
    """The article (in :func:`designations`' form) whose provisions the question asks about; empty when none."""
    m = _ARTICLE_ASKED.search(question)
    return designations(m.group(1)) if m else frozenset()


# A numbered part of a 規程 or 要綱 without a counter (第2 対象者, 第11 雑則): named in a question
# (規程の第11では), it must be a part of the text found; 第3子 and 第1書庫 name no part.
_BARE = re.compile(r"第\s*([0-9〇一二三四五六七八九十百千]+)(?![0-9〇一二三四五六七八九十百千])"
                   r"(?=[ \t\u3000\n]|では|には|は|で|に|の|、|[（(])")


def bare_designations(text: str) -> frozenset[str]:
    """The counterless numbered parts ``text`` names (第11, 第2), in arabic digits."""
    out = set()
    for m in _BARE.finditer(unicodedata.normalize("NFKC", text)):
        try:
            out.add(f"第{kanji_to_int(m.group(1))}")
        except ValueError:
            continue
    return frozenset(out)
