"""A question's key terms: the noun compounds that say *which* thing is asked about, and how much of
each a text covers.

:func:`key_terms` reads the compounds of a question (市長 and 任期 of 市長の任期は何年ですか, not the
interrogative or the words that frame the question: 何, 場合, 方法, 教える); :func:`key_coverage`
scores each against a quote, so the answerer can tell a quote about 委員の任期 from one about
市長の任期. :mod:`model.qtype` builds a question's :class:`~model.qtype.QuestionType` on them.

>>> ["".join(s for _, s in c) for c in key_terms("市長の任期は何年ですか")]
['市長', '任期']
>>> key_coverage(key_terms("市長の任期は何年ですか"), set(), "委員の任期は、二年とする。")
[0.0, 1.0]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set as AbstractSet
from functools import lru_cache

from jtext.aliases import written_forms
from jtext.morph import tokenize

from .negation import negation_lost

# a key compound: its parts' (lemma, surface) pairs, 下水道使用料 → (下水, 道, 使用, 料)
Compound = tuple[tuple[str, str], ...]

# Words that frame the question rather than name its subject.
_GENERIC = frozenset(
    ["何", "何時", "何処", "誰", "いくら", "幾ら", "如何", "何故", "どう", "どの", "どれ", "どちら", "此れ", "其れ", "彼れ", "場合", "方法", "教える", "知る", "分かる", "出来る", "可能", "第", "以降", "以前", "以後", "必要", "最長", "最大", "最短", "最低", "上限", "下限", "程度", "くらい", "位", "原則", "形", "以内", "以上", "以下", "期間", "時期", "期限", "目安", "際", "時", "後", "前", "中", "上", "下", "為る", "居る", "有る", "成る", "言う", "行う", "思う", "考える", "関する", "対する", "於く", "付く", "付ける", "何れ", "全て", "ため", "方", "人", "もの", "所", "ところ", "等", "など", "今", "ご", "御", "お", "様", "ください", "下さる", "呉れる", "貰う", "頂く", "いる", "ある", "なる", "できる", "良い", "よい", "宜しい",
     # framing: how often, how many, on what terms (毎月何日, 複数の…に同時に, 最初に付与される条件)
     "毎月", "毎年", "毎日", "毎週", "同時", "最初", "条件", "複数", "通常", "一般", "ごと",
     # what is counted besides or in all (委員長のほか委員何人, 合計何件): the count is asked, not these
     "他", "ほか", "合計", "総計",
     # both, all of them (両方とも印鑑登録できますか): how many of the things asked, not a thing
     "両方", "双方", "とも",
     # among (性別構成のうち女性の割合, その日のうちに): where the asked thing is, not a thing
     "うち",
     # as it is (同意を得ないまま就業規則を…): a formal noun, not a thing
     "侭", "まま",
     # on the basis of (知った事実をもとに通報): a formal noun written in kana, not a thing (元号, 発行元 stay)
     "もと",
     # about, at what point, for example (約何文字, どの時点, 例を挙げて): the answer's frame
     "約", "時点", "例",
     # the answer's slot: 京都市長の名前は？ is answered by 門川大作, not by 名前 (a name, a
     # short name, a reading, a year of the calendar, a person, a place, a word)
     "名前", "名称", "呼び名", "名", "略称", "通称", "別名", "読み", "読み方", "西暦", "人物", "場所", "言葉", "こと",
     # the asker's own time and person (来月、第一子が生まれる予定です; 自分の組織): no document says them
     "来月", "今月", "先月", "来年", "今年", "昨年", "去年", "先日", "今日", "明日", "昨日", "今度", "今回",
     "先週", "来週", "最近", "自分", "私", "具体", "実際", "長年", "昔"]
)

_PORTION = [("分", "分")]  # 国保が給付した分: the portion, a formal noun alone (国税分 keeps it)


@lru_cache(maxsize=1024)
def key_terms(question: str) -> tuple[Compound, ...]:
    """The noun compounds that name what the question is about, each as its
    parts' (lemma, surface) pairs: 下水道使用料 → (下水, 道, 使用, 料)."""
    out: list[Compound] = []
    run: list[tuple[str, str]] = []
    prev_interrogative = False

    def close() -> None:
        if run and any(len(s) >= 2 or _is_kanji(s) for _, s in run) and tuple(run) not in out and run != _PORTION:
            out.append(tuple(run))
        run.clear()

    tokens = tokenize(question)
    for tok, after in zip(tokens, [*tokens[1:], None]):
        lemma = unicodedata.normalize("NFKC", tok.lemma).lower()
        counter = prev_interrogative and tok.pos1 in ("名詞", "接尾辞")
        # 何, and the interrogatives written as one word with their counter (何分, 何人, 何曜)
        asks = tok.surface.startswith(("何", "幾"))
        prev_interrogative = asks
        # a na-adjective written onto a noun is part of its name: 長期優良住宅, 特別永住者証明書 (not 重大な過失)
        noun = tok.pos1 in ("名詞", "接頭辞", "接尾辞") or (tok.pos1 == "形状詞" and after is not None and after.pos1 == "名詞"
                                                       and after.lemma not in _GENERIC and after.surface not in _GENERIC)
        keep = (noun and tok.pos2 not in ("数詞", "代名詞", "助動詞語幹") and not asks
                and lemma not in _GENERIC and tok.surface not in _GENERIC and not counter)
        if keep and not (tok.pos1 == "接尾辞" and not run):
            run.append((lemma, tok.surface))
        else:
            close()
    close()
    return tuple(out)


def key_coverage(key: tuple[Compound, ...], terms: AbstractSet[str], text: str) -> list[float]:
    """For each key compound, the share of its parts that ``terms`` (lemmas) or ``text`` (as a substring)
    hold; a compound found whole, or under another of its names (国保 as 国民健康保険: :mod:`jtext.aliases`),
    counts 1, one whose longest part is missing at most 0.25, one whose negated part (非課税) the text
    writes only without its negation (課税) 0."""
    out = []
    for comp in key:
        word = "".join(s for _, s in comp)
        if word in text or any(_names(w, text) for w in written_forms(word)[1:]):  # 国保 as 国民健康保険 too
            out.append(1.0)
            continue
        if negation_lost(comp, text):
            out.append(0.0)  # 非課税世帯 against 課税世帯: the text is about the opposite
            continue
        found = [lemma in terms or surface in text for lemma, surface in comp]
        # the longest part names the thing (個人 of 個人番号; 道 and 料 are everywhere); before a one-character suffix
        # (料, 費, 量, 者) every longest part does (申請 and 手数 of 申請手数料: 占用料 is another fee)
        longest = max(len(s) for _, s in comp)
        heads = [f for f, (_, s) in zip(found, comp) if len(s) == longest]
        named = all(heads) if len(comp[-1][1]) == 1 else heads[0]
        out.append(sum(found) / len(comp) if named else min(sum(found) / len(comp), 0.25))
    return out


def _names(name: str, text: str) -> bool:
    """Whether ``text`` writes ``name`` as a word of its own, not as the first part of a
    longer compound (マイナンバー in マイナンバーカード names the card, not the number)."""
    return any(not _COMPOUND_GOES_ON.match(text, m.end()) for m in re.finditer(re.escape(name), text))


_COMPOUND_GOES_ON = re.compile(r"[\u4e00-\u9fff\u30a1-\u30faー]")


def _is_kanji(s: str) -> bool:
    return bool(s) and all("\u4e00" <= ch <= "\u9fff" for ch in s)
