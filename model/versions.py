"""A version of a document the question names, which the quote's evidence never names.

「…国土交通データプラットフォームについて、ver2.0の後の新しい版（ver3.0）が公開されたのはいつですか」 is not
answered by the date of ver2.0: the version the question names last (ver3.0, Ver.2.0, v2.0.1, 1.1版, 第3版), the one
it asks about, must be named in the quote or its context (the heading 「15. 国土交通データプラットフォームver2.0」
names ver2.0, not ver3.0). Versions are compared by their numbers, trailing zeros dropped (ver2 is ver2.0; 第三版 is
第3版).

>>> version_lost("ver2.0の後の新しい版（ver3.0）が公開されたのはいつですか",
...              "15. 国土交通データプラットフォームver2.0\\n国土交通省 2021年8月6日")
True
>>> version_lost("ver2.0の後の新しい版（ver3.0）が公開されたのはいつですか", "16. 国土交通データプラットフォームver3.0")
False
>>> version_lost("「国土交通データプラットフォームver2.0」は、いつ付けのものとして紹介されていますか",
...              "15. 国土交通データプラットフォームVer.2.0\\n国土交通省 2021年8月6日")
False
>>> version_lost("GIFのコアデータモデル全体概要の次の版（第3版）は、いつ公開される予定ですか",
...              "コアデータモデル全体概要 第2版 令和4年3月")
True
>>> version_lost("契約ガイドライン1.1版はどこの省が出したものですか", "AI・データの利用に関する契約ガイドライン 1.1版 経済産業省")
False
>>> version_lost("W3CがDCATのバージョン3を勧告として公開したのはいつですか", "DCAT(2020年2月勧告)は、現在バージョン3の検討中")
False
>>> version_lost("在留カードの有効期間は何年ですか", "在留カードの有効期間は七年とする。")
False
"""

from __future__ import annotations

import re

from jtext.numerals import kanji_to_int

# ver3.0, Ver.2.0, version 2, v2.0.1 (not a word ending in v), バージョン3; 1.1版, 2.0版; 第3版, 第三版
_VERSION = re.compile(r"(?i)(?<![a-z])(?:ver(?:sion)?\.?|v|バージョン)\s*([0-9]+(?:\.[0-9]+)*)"
                      r"|([0-9]+(?:\.[0-9]+)*)\s*版|第([0-9〇一二三四五六七八九十]+)版")


def _versions(text: str) -> list[str]:
    """The numbers of the versions ``text`` names in order, each without trailing zeros (2.0 → 2, 第三版 → 3)."""
    out = []
    for m in _VERSION.finditer(text):
        number = m.group(1) or m.group(2) or str(kanji_to_int(m.group(3)) if not m.group(3).isdigit() else m.group(3))
        parts = [str(int(p)) for p in number.split(".")]
        while len(parts) > 1 and parts[-1] == "0":
            parts.pop()
        out.append(".".join(parts))
    return out


def version_lost(question: str, evidence: str) -> bool:
    """Whether the version the question names last (ver3.0, 第3版) is one ``evidence`` (the quote with its context)
    does not name."""
    asked = _versions(question)
    return bool(asked) and asked[-1] not in _versions(evidence)
