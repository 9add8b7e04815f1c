"""A figure the quote leaves to another instrument (政令で定める額) instead of stating it.

「前払式支払手段の発行保証金の供託が必要になる基準額はいくらですか」 is not answered by
「基準日未使用残高が政令で定める額(以下この章において「基準額」という。)を超えるときは…」:
the law names the 基準額 and leaves its figure to a 政令 that is not in the corpus. A quantity
question whose asked term the quote defines that way is refused (the closest passages are
listed, so the 政令 reference stays visible).

Only the term asked for counts (the one just before いくら), not one the question names as a
condition (基準額を超えた発行者は、未使用残高のどれだけ以上を供託しますか is answered: 二分の一).

>>> law = "基準日未使用残高が政令で定める額(以下この章において「基準額」という。)を超えるときは"
>>> delegated("発行保証金の供託が必要になる基準額はいくらですか", ("発行保証金", "供託", "基準額"), law)
True
>>> delegated("基準額を超えた前払式支払手段発行者は、未使用残高のどれだけ以上の発行保証金を供託しますか",
...           ("基準額", "前払式支払手段発行者", "未使用残高", "発行保証金", "供託"), law)
False

A question that asks what the delegated thing itself is (「国家公安委員会規則で定める者」とは、具体的に
どの機関ですか) is not answered by the sentence that delegates it either, only by a text that
says what it is (…規則で定める者は、次に掲げる者とする):

>>> act = "事例分析の実施の事務の全部又は一部を国家公安委員会規則で定める者に委託することができる。"
>>> delegation_asked("「国家公安委員会規則で定める者」とは、具体的にどの機関ですか", act)
True
>>> delegation_asked("「国家公安委員会規則で定める者」とは、具体的にどの機関ですか",
...                  "法第九条第三項の国家公安委員会規則で定める者は、次に掲げる者とする。")
False

The law may name the delegated thing in other words than the question quotes:

>>> delegation_asked("「規則で定める証明書」として一通三百円かかるのは、具体的にどんな証明書ですか",
...                  "市長が交付する証明書で規則で定めるものの交付に係る手数料の額は、一通につき三百円とする。")
True
>>> delegation_asked("「規則で定める証明書」として一通三百円かかるのは、具体的にどんな証明書ですか",
...                  "条例第二条第二項の規則で定めるものは、次に掲げる証明書とする。")
False
"""

from __future__ import annotations

import re

# the instruments a law leaves a matter to
_INSTRUMENT = r"(?:政令|省令|府令|規則|告示|条例)"
# 政令で定める額(以下「基準額」という。): the defined term is group 1
_DEFINED = re.compile(
    rf"{_INSTRUMENT}で定める(?:額|金額|数|人数|日数|期間|率|割合|基準|時間|回数)"
    r"\s*[(（]以下[^()（）「」]{0,30}「([^「」]{1,20})」という。?[)）]"
)


_ASKED = re.compile(r"いくら|幾ら|どれだけ|どれくらい|どのくらい|何")
_NEAR = 20  # characters before the interrogative where the asked term ends


def asked_terms(question: str, key_words: tuple[str, ...]) -> set[str]:
    """The key words that end shortly before the question's interrogative (基準額 of 基準額はいくら)."""
    m = _ASKED.search(question)
    if m is None:
        return set()
    before = question[:m.start()]
    return {w for w in key_words if len(w) >= 2 and (at := before.rfind(w)) >= 0
            and m.start() - (at + len(w)) <= _NEAR}


def delegated(question: str, key_words: tuple[str, ...], evidence: str) -> bool:
    """Whether ``evidence`` defines the term ``question`` asks for (one of its ``key_words``) as a
    figure another instrument sets (政令で定める額(以下「基準額」という。))."""
    asked = asked_terms(question, key_words)
    return bool(asked) and any(m.group(1) in asked for m in _DEFINED.finditer(evidence))


# 「…規則で定める者」とは / 政令で定める基準って: the question asks what an instrument sets
_ASKS_DELEGATED = re.compile(rf"({_INSTRUMENT}で定める[^\s、。「」()（）]{{1,8}}?)\s*(?:」|とは|って|は)")
# …で定める国は、…と聞きました。具体的にはどの国: what it is is asked after it is named
_WHICH = re.compile(r"具体的|何|どの|どれ|誰|どこ")


def delegation_asked(question: str, evidence: str) -> bool:
    """Whether ``question`` asks what an instrument sets (「規則で定める者」とは) and ``evidence``
    only names it as set there, without saying what it is (no 「…で定める者は、」 or 「…とは」)."""
    m = _ASKS_DELEGATED.search(question)
    if m is None or not _WHICH.search(question, m.end()):
        return False
    phrase = m.group(1)
    if phrase in evidence:
        return re.search(re.escape(phrase) + r"\s*(?:とは|は)", evidence) is None
    # the law may name it otherwise (「規則で定める証明書」 asked, 「証明書で規則で定めるもの」 written)
    stem = phrase[:phrase.index("で定める") + len("で定める")]
    return stem in evidence and re.search(re.escape(stem) + r"(?:もの|者)?\s*(?:とは|は、)", evidence) is None


# どの出入国在留管理官署に / 何という課 / どちらの機関: the thing whose name is asked (group 1)
_WHICH_NOUN = re.compile(r"(?:どの|どちらの|何という|なんという)([\u4e00-\u9fff\u30a1-\u30faー]{2,})")


def which_delegated(question: str, evidence: str) -> bool:
    """Whether ``question`` asks which one a thing is (どの官署に置かれていますか) and ``evidence`` names
    that thing only as what another instrument sets (法務省令で定める出入国在留管理官署に…を置く),
    without saying which (no 「…で定める官署は、」).

    >>> law = "法務省令で定める出入国在留管理官署に、入国者収容所等視察委員会を置く。"
    >>> which_delegated("視察委員会は、具体的にどの出入国在留管理官署に置かれていますか", law)
    True
    >>> which_delegated("視察委員会は、具体的にどの出入国在留管理官署に置かれていますか",
    ...                 "法第六十一条の七の二の法務省令で定める出入国在留管理官署は、次のとおりとする。")
    False
    >>> which_delegated("視察委員会は、どの官署に置かれていますか", "東京出入国在留管理局に委員会を置く。")
    False
    """
    m = _WHICH_NOUN.search(question)
    if m is None:
        return False
    noun = m.group(1)
    if len(noun) < 3:  # どの範囲まで, どの程度: no thing's name asked
        return False
    # the asked noun, or its last two characters or more (官署 of 出入国在留管理官署), after で定める
    for tail in (noun[i:] for i in range(len(noun) - 1)):
        at = re.search(rf"{_INSTRUMENT}で定める[^\s、。()（）]{{0,6}}?{re.escape(tail)}", evidence)
        if at is not None:
            return re.search(re.escape(evidence[at.start():at.end()]) + r"\s*(?:とは|は、)", evidence) is None
    return False
