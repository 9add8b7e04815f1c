"""A named member of a set (東地区, 川辺団地) that the quote lists only others of (北地区, 南地区).

「東地区の燃やすごみは何曜日ですか」 answered from 「収集日:北地区は月曜日・木曜日、南地区は火曜日・
金曜日」 gives the days of two other districts: the quote names the compound's head (地区: a place or facility one of a set) after
at least two other names and never the asked one. One other name alone may be the same thing
worded otherwise (本庁舎 for 市庁舎), so two are needed.

>>> sibling_lost("標市の東地区に引っ越してきました。燃やすごみは何曜日に出せばよいですか",
...              "収集日:北地区は月曜日・木曜日、南地区は火曜日・金曜日")
True
>>> sibling_lost("北地区の燃やすごみは何曜日ですか", "収集日:北地区は月曜日・木曜日、南地区は火曜日・金曜日")
False
>>> sibling_lost("川辺団地の家賃はいくらですか", "桜ヶ丘団地(2DK) 4戸、東町団地(3DK) 5戸")
True

A quantity asked of a named one (中央防災倉庫) that the quote never names is a figure for
another scope, a total or another member's, even with no sibling written:

>>> sibling_lost("中央防災倉庫には主食が何食分保管されていますか", "アルファ化米等の主食 108,000食(18,000人×3食×2日)")
True
>>> sibling_lost("中央防災倉庫には主食が何食分保管されていますか", "中央防災倉庫:アルファ化米等の主食 36,000食")
False
>>> sibling_lost("東地区に住んでいます。燃やすごみの袋はいくらですか", "燃やすごみ用 10枚入り 400円")
False

A head written as part of a longer word (地区計画 after 東地区 asked) is not a member of the set:

>>> sibling_lost("東地区の集会所はどこですか", "北地区計画と南地区計画を定める")
False
"""

from __future__ import annotations

import re
import unicodedata

from jtext.aliases import written_forms
from jtext.sentences import question_proper

from .keys import key_terms
from .qtype import analyse

# heads that name one of a set of places or facilities (データ項目, 基本手当: generic heads have
# siblings everywhere and name no set the asker picked one of)
_SET_HEADS = frozenset({
    "地区", "地域", "団地", "会場", "校区", "学区", "出張所", "支所", "会館", "公民館", "公園", "保育所", "保育園",
    "小学校", "中学校", "図書館", "体育館", "庁舎", "病院", "診療所", "センター", "窓口", "霊園", "墓地", "浄水場", "倉庫",
})
# the name before a head: a run of kanji or katakana (ヶ and 々 inside names: 桜ヶ丘, 佐々木)
_NAME_CHAR = r"[\u4e00-\u9fff\u30a1-\u30faー々ヶ]"
_GOES_ON = re.compile(_NAME_CHAR)


def sibling_lost(question: str, evidence: str) -> bool:
    """Whether a key compound of ``question`` (a name before a head that names one of a set of
    places: 東地区, 川辺団地) is missing from ``evidence`` (the quote and its context), which writes the head
    after two or more other names, or which gives the count or amount asked without naming it."""
    evidence, question = unicodedata.normalize("NFKC", evidence), unicodedata.normalize("NFKC", question)
    asked = question_proper(question) or question  # not a place told before the question (東地区に住んでいます。)
    for comp in key_terms(question):
        if len(comp) < 2 or (head := comp[-1][1]) not in _SET_HEADS:
            continue
        word = "".join(s for _, s in comp)
        name = word[: -len(head)]
        if any(w in evidence for w in written_forms(word)):
            continue
        others = set()
        for m in re.finditer(rf"({_NAME_CHAR}{{1,{len(name) + 2}}}){re.escape(head)}", evidence):
            if _GOES_ON.match(evidence, m.end()):
                continue  # 北地区計画: the head inside a longer word
            before = m.group(1)
            if not (before.endswith(name) or name.endswith(before)):
                others.add(before[-len(name):])
        if len(others) >= 2 or (name not in evidence and word in asked and analyse(question).kind in ("count", "amount")):
            return True  # other members only, or a quantity asked of the named one given for none: a total
    return False
