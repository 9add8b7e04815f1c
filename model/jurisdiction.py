"""A question about one municipality or prefecture answered from another's rules.

「かつらぎ町の情報公開審査会は、委員何人で組織されていますか」 is not answered by 標市情報公開条例's
「審査会は、委員五人以内で組織する。」: the question names かつらぎ町, the quote's document is
標市's. Each local government has its own ordinances, so a question that names one (標市,
かつらぎ町, 東京都, 神戸市) is answered only by a quote whose context names it too, when that
context names another.

>>> other_jurisdiction("かつらぎ町の情報公開審査会は、委員何人で組織されていますか",
...                    "標市情報公開条例\\n審査会は、委員五人以内で組織する。")
True
>>> other_jurisdiction("かつらぎ町の情報公開審査会は、委員何人で組織されていますか",
...                    "かつらぎ町情報公開条例\\n審査会は、委員五人以内で組織する。")
False

The quote's document may name its government only elsewhere (its letterhead, its contact address),
in another passage found of the same document:

>>> other_jurisdiction("かつらぎ町で住民票の写しを取るときの窓口はどこですか", "住民票の写しの交付について\\n本庁舎1階 市民課",
...                    ["〒000-0001 標市中央一丁目1番1号 標市役所市民課郵送請求担当"])
True

A national law names no local government, so it may answer a question about one; 都道府県 and
市町村 name none either:

>>> other_jurisdiction("標市で国民健康保険の資格を失うのはいつですか", "国民健康保険法\\n第八条 被保険者は…")
False
>>> other_jurisdiction("都道府県公安委員会に援助を申し出るときは", "標市個人情報取扱要領\\n…")
False
"""

from __future__ import annotations

from collections.abc import Sequence

from jtext.morph import tokenize

# the suffix of a local government's name (標市, かつらぎ町, 東京都), after a noun of its own (not 道 or 区:
# 国道, 解放区, 東京9区)
_SUFFIXES = frozenset("都府県市町村")
# nouns before a suffix that name no particular one (全市, 本市, 各県, 他市町村)
_NO_NAME = frozenset({"全", "本", "当", "各", "同", "他", "旧", "新", "大", "小", "両", "近隣", "指定", "政令", "中核",
                      "特別", "地方", "外", "前", "後", "都", "道", "府", "県", "市", "町", "村", "区"})


def jurisdictions(text: str) -> set[str]:
    """The local governments ``text`` names: a noun followed by 都, 府, 県, 市, 町 or 村."""
    tokens = tokenize(text)
    out = set()
    for a, b in zip(tokens, tokens[1:]):
        if (b.surface in _SUFFIXES and a.pos1 == "名詞" and a.pos2 not in ("代名詞", "数詞")  # not 何市, 三県
                and a.surface not in _NO_NAME and a.end == b.start):
            out.add(a.surface + b.surface)
    return out


def other_jurisdiction(question: str, evidence: str, document: Sequence[str] = ()) -> bool:
    """Whether the question names a local government that ``evidence`` (the quote with its
    title and context) and ``document`` (the other passages found of the quote's document: its
    letterhead, its contact address) do not name while naming another."""
    asked = jurisdictions(question)
    if not asked:
        return False
    text = "\n".join([evidence, *document])
    if any(a in text for a in asked):
        return False
    return bool(jurisdictions(text))  # another one is named (the one asked is not)
