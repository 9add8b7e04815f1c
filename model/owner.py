"""Whose attribute a quote states: a near miss answers the same attribute of another owner.

A question about an attribute names its owner: 飼い猫 in 「飼い猫を市に登録する
ときの手数料」, 個人 in 個人番号. A corpus that lacks the fact often holds the
same attribute of a sibling — 犬の登録, 暗証番号 — and a quote from that
section has every word of the question but the owner. Words alone do not tell
this from a paraphrase (土日 answered by 土曜日・日曜日, 落ち度 by 重大な過失),
but the section's heading does: a heading says what its text is about, and
when it names the asked attribute with an owner the question does not name
(犬の登録, 暗証番号の設定) while the question's owner is nowhere in the quote
or its context, the quote answers another question. The quote's first sentence
says the same when its subject is the asked attribute of an explicit other
owner (「初めて」という割合は…, 委員の任期は…) while the question's owner (外国人観光客
of 外国人観光客の割合) is nowhere in the quote or its context.

>>> from model.qtype import analyse
>>> qt = analyse("飼い猫を市に登録するときの手数料はいくらですか")
>>> other_owner(qt, "飼い猫を市に登録するときの手数料はいくらですか", [0.0, 1.0, 1.0, 1.0], "犬の登録")
('飼い猫', '登録', '犬')
>>> other_owner(qt, "飼い猫を市に登録するときの手数料はいくらですか", [0.0, 1.0, 1.0, 1.0], "登録の手続")
>>> qt = analyse("飼い犬を市に登録するときの手数料はいくらですか")
>>> other_owner(qt, "飼い犬を市に登録するときの手数料はいくらですか", [0.0, 1.0, 1.0, 1.0], "犬の登録")
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jtext.aliases import written_forms
from jtext.sentences import question_proper, situation
from jtext.terms import lemma_terms

from .qtype import QuestionType

# A noun run: kanji, katakana and their marks.
_NOUN = r"[\u4e00-\u9fff\u30a0-\u30ffー々〆ヶ]"
# Between an owner and its attribute in a question: 外国人観光客の割合, 飼い猫を(市に)登録.
_OWNS = r"(?:の|を)(?:[^、。をのはが]{0,4}に)?"


def asked_owners(qt: QuestionType, question: str, coverage: Sequence[float]) -> list[tuple[str, str]]:
    """(owner, attribute) pairs of the question whose owner the evidence misses
    (``coverage`` per key compound, :func:`model.keys.key_coverage`) and whose
    attribute it holds: 「飼い猫を…登録」 → (飼い猫, 登録); a compound whose last part is
    found without the rest, 個人番号 → (個人番号, 番号)."""
    covered = [w for w, c in zip(qt.key_words, coverage) if c >= 0.5 and len(w) >= 2]
    out = []
    for i, (comp, c) in enumerate(zip(qt.key, coverage)):
        if c >= 0.5 or i in qt.optional or (i in qt.told and _restated(qt.key_words[i], question)):
            continue
        owner = qt.key_words[i]
        if len(comp) >= 2 and len(comp[-1][1]) >= 2:
            out.append((owner, comp[-1][1]))
        for attr in covered:
            if re.search(rf"{re.escape(owner)}{_OWNS}{re.escape(attr)}", question):
                out.append((owner, attr))
    return out


_KANJI = re.compile(r"[\u4e00-\u9fff]")


def _restated(owner: str, question: str) -> bool:
    """Whether the question proper names the thing the story's ``owner`` qualified by a clause of its own instead
    (「病院の健康診断を受けた…自分で受けた健康診断の結果を」): the story's word is then no owner asked about."""
    asked = question_proper(question)
    if asked is None:
        return False
    return any(re.search(rf"(?:た|る|い){re.escape(attr)}", asked)
               for attr in re.findall(rf"{re.escape(owner)}{_OWNS}({_NOUN}+)", situation(question)))


# What the national laws call every municipality and prefecture, and what an asker calls one of them.
_LOCAL_BODY = frozenset({"地方公共団体", "公共団体", "地方自治体", "自治体", "普通地方公共団体"})
_LOCAL_GOVERNMENTS = frozenset({"市", "町", "村", "区", "市役所", "町役場", "村役場", "区役所", "役所", "役場", "市町村",
                                "都道府県", "県", "県庁", "都庁", "府庁", "道庁", "市区町村"})


def _related(a: str, b: str) -> bool:
    """Two owners that may name one thing: one written inside the other, sharing a kanji
    (犬 and 飼い犬, 職員 and 会計年度任用職員; not 犬 and 飼い猫, 暗証 and 個人), or two names
    of one thing (個人番号 and マイナンバーカード's マイナンバー: :mod:`jtext.aliases`), or a city, town or village
    (市役所, 町役場) and the 地方公共団体 the national laws name every one of them by."""
    if a in b or b in a or bool(set(_KANJI.findall(a)) & set(_KANJI.findall(b))):
        return True
    if {a, b} & _LOCAL_BODY and {a, b} & _LOCAL_GOVERNMENTS:
        return True  # 市役所の職員 asked: the law's 地方公共団体の職員 is the same owner
    return any(x in b or b in x for x in written_forms(a)[1:])  # 個人番号 is マイナンバー


# What may stand before a heading's words: a mark, a number (2.3., (1)), an article label.
_HEADING_LABEL = re.compile(r"^\s*(?:(?:[◆◇■□●○・※]|\d+(?:\.\d+)*\.?|[(（]\d+[)）]|第[0-9〇一二三四五六七八九十百千]+[条章節款])\s*)*")


# One-character prefixes that qualify the attribute rather than name an owner (不開示, 未払, 再交付).
_PREFIXES = frozenset("不非未無再各全")


def _heading_owner(heading: str, owner: str, attr: str, question_lemmas: set[str]) -> str:
    """The owner the heading opens with for ``attr`` (犬 of 犬の登録, 暗証 of 暗証番号の設定)
    when the question names none of its words and it is not a form of the question's
    ``owner``; "" otherwise. Only the heading's first words: in 指定行政機関の長等の収用等 the
    の before 収用 marks who expropriates, not what."""
    m = re.match(rf"({_NOUN}+)の?{re.escape(attr)}", _HEADING_LABEL.sub("", heading))
    if m is None:
        return ""
    other = m.group(1)
    if other in _PREFIXES:
        return ""  # 不開示 is the same act denied, not the act of another owner
    lemmas = set(lemma_terms(other))
    return other if lemmas and not lemmas & question_lemmas and not _related(other, owner) else ""


def other_owner(
    qt: QuestionType, question: str, coverage: Sequence[float], heading: str,
) -> tuple[str, str, str] | None:
    """(the question's owner, the attribute, the heading's other owner) when the
    section headed ``heading`` is about the asked attribute of another owner and
    the question's owner is missing from the evidence; ``None`` otherwise."""
    pairs = asked_owners(qt, question, coverage)
    if not pairs or not heading:
        return None
    question_lemmas = set(lemma_terms(question))
    for owner, attr in pairs:
        other = _heading_owner(heading, owner, attr, question_lemmas)
        if other:
            return owner, attr, other
    return None


# An owner in the question: a noun run (with okurigana: 飼い猫) before の/を and the attribute.
_RUN = re.compile(rf"((?:{_NOUN}|[いうえきくけしすせちつてみりれ](?={_NOUN}))+){_OWNS}")
_ASKED_BY = re.compile(r"(?:どの|どんな|どういう|いずれの|何の)$")  # どの国の影響: the owner is asked
_ANAPHOR = re.compile(r"(?:この|その|あの|同|当該|本)$")  # この時代の天皇: the owner named before
_ANAPHORIC_RUN = re.compile(r"(?:当該|前記|上記)")  # 当該検査 of 当該検査の結果: written as one noun run


def _question_owners(qt: QuestionType, question: str, evidence: str) -> list[tuple[str, str]]:
    """(owner run, attribute) pairs whose owner the evidence does not hold whole:
    外国人観光客の割合 → (外国人観光客, 割合). Not an owner the question asks for (何の, どの国の)."""
    out = []
    # the key words, and an attribute too general to be a key (特別永住者証明書の有効期間は: 期間 frames the question)
    topics = [m.group(1) for m in re.finditer(rf"の({_NOUN}{{2,}})(?:は|が)[、,]?", question)]
    for attr in dict.fromkeys([*qt.key_words, *topics]):
        if len(attr) < 2:
            continue
        for m in re.finditer(_RUN.pattern + re.escape(attr), question):
            run = m.group(1)
            if len(run) < 2 or "何" in run or not re.match(_NOUN, run) or _ASKED_BY.search(question[:m.start(1)]):
                continue
            if run not in evidence:
                out.append((run, attr))
    return out


def other_subject(
    qt: QuestionType, question: str, coverage: Sequence[float], evidence: str, lead: str,
) -> tuple[str, str, str] | None:
    """(the question's owner, the attribute, the other owner) when ``lead`` (the quote's first
    sentence) has the asked attribute of another owner as its subject (委員の任期は,
    「初めて」という割合は) and ``evidence`` (the quote and its context) lacks the question's
    owner; ``None`` otherwise. ``coverage``: per key compound, as for :func:`other_owner`."""
    question_lemmas: set[str] | None = None
    for run, attr in _question_owners(qt, question, evidence):
        inside = [c for w, c in zip(qt.key_words, coverage) if w in run]
        if inside and all(c >= 1.0 for c in inside):
            continue  # every key of the owner is found: worded otherwise, not missing
        for m in re.finditer(rf"({_NOUN}+の|」という){re.escape(attr)}(?:は|が)", lead):
            if _ANAPHOR.search(lead[:m.start(1)]) or _ANAPHORIC_RUN.match(m.group(1)):
                continue  # その検査の結果, 当該検査の結果: the owner named before
            other = m.group(1).removesuffix("の").removesuffix("という")
            if other == "」":
                return run, attr, "「」"  # a quoted answer's share (「初めて」という割合)
            if question_lemmas is None:
                question_lemmas = set(lemma_terms(question))
            if other not in _PREFIXES and not set(lemma_terms(other)) & question_lemmas and not _related(other, run):
                return run, attr, other
    return None
