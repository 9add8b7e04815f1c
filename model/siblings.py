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

A head written as part of a longer word (地区計画 after 東地区 asked) is not a member of the set:

>>> sibling_lost("東地区の集会所はどこですか", "北地区計画と南地区計画を定める")
False
"""

from __future__ import annotations

import re
import unicodedata

from jtext.aliases import written_forms

from .qtype import key_terms

# heads that name one of a set of places or facilities (データ項目, 基本手当: generic heads have
# siblings everywhere and name no set the asker picked one of)
_SET_HEADS = frozenset({
    "地区", "地域", "団地", "会場", "校区", "学区", "出張所", "支所", "会館", "公民館", "公園", "保育所", "保育園",
    "小学校", "中学校", "図書館", "体育館", "庁舎", "病院", "診療所", "センター", "窓口", "霊園", "墓地", "浄水場",
})
# the name before a head: a run of kanji or katakana (ヶ and 々 inside names: 桜ヶ丘, 佐々木)
_NAME_CHAR = r"[\u4e00-\u9fff\u30a1-\u30faー々ヶ]"
_GOES_ON = re.compile(_NAME_CHAR)


def sibling_lost(question: str, evidence: str) -> bool:
    """Whether a key compound of ``question`` (a name before a head that names one of a set of
    places: 東地区, 川辺団地) is missing from ``evidence`` (the quote and its context), which writes the head
    after two or more other names."""
    evidence = unicodedata.normalize("NFKC", evidence)
    for comp in key_terms(unicodedata.normalize("NFKC", question)):
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
        if len(others) >= 2:
            return True
    return False
