"""Follow-up questions: an elliptical question rewritten with the conversation's topic.

In a conversation people ask 「部分休業は1日何時間までですか」 and then
「その場合、給与はどうなりますか」. Searched alone, the second question has no
topic left (その場合 + 給与), so retrieval drifts to unrelated documents. This
module decides whether a question depends on the previous ones and, if so,
builds the question to search from the previous topic:

>>> resolve_followup("その場合、給与はどうなりますか", ["部分休業は1日何時間までですか"])  # doctest: +SKIP
'部分休業の場合、給与はどうなりますか'

A question with a topic of its own is left as it is. Pure functions over
fugashi morphemes (``jtext.morph``); nothing is remembered between calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .morph import Token, tokenize

# 「では」「じゃあ」…: the question continues the previous one.
_OPENING = re.compile(
    r"^\s*(?:それでは|それじゃあ?|それなら|それだと|それから|それと|そして|さらに|では|じゃあ?|なら|ちなみに|あと|また|次に|続いて)\s*[、,，]?\s*"
)
_ARTICLES = {"其の", "此の", "当該"}  # + noun: その場合, この手続き, 当該書類
_NOT_ANAPHORIC = {"他", "外", "度", "都度", "辺", "上", "内"}  # その他, この度, その都度, その上
_ARTICLE_NO = {"上記", "前述", "前記", "先述", "上述"}  # + の: 上記の場合, 前述の手続き
_PRONOUNS = {"其れ", "此れ", "其方", "此方", "其処", "此処"}  # それ, これ, そちら, こちら, そこ, ここ
_SAME = {"同じ"}  # 同じ手続き → 住民票の写しと同じ手続き
_EARLIER = re.compile(r"^\s*(?:先ほど|先程|さっき)の?(?:質問|件|話)?(?:で|について)?[、,]?\s*")
_INTERROGATIVES = {"何", "幾ら", "何時", "何処", "誰", "如何", "幾つ", "何故", "何方", "どれ", "どの", "どう", "何れ"}
# Nouns that name an aspect of a topic, not a topic: 「期限は？」「費用は？」「代理人が請求する場合は？」.
GENERIC = frozenset("""
場合 時 時間 期間 期限 期日 時期 日 日数 月 年 年度 曜日 回 回数 上限 下限 最長 最短 最大 最小 最低 以上 以下 以内 以外
前 後 中 間 際 ため 為 事 こと 物 もの 者 方 点 所 ところ 様 等 的 化 性 用 料 額 分 毎 各 全て 全部 一部 他 外
費用 料金 手数 手数料 納税 納期 納期限 限 金額 率 税率 負担 支払い 支払 納付 支給 給与 給料 手当 報酬 減額 免除 割引 無料 有料 税 金 お金 現金
方法 手続き 手続 手順 流れ 申請 申込み 申込 申し込み 請求 提出 届出 届け出 届 受付 受け付け 受付け 受け取り 受取 交付 発行 更新 変更 延長 取消し 取り消し 取消 廃止 再発行
必要 不要 可能 不可 要件 条件 基準 対象 範囲 内容 理由 目的 例外 注意 留意 制限 禁止 義務 権利 資格 根拠 規定 扱い 取扱い 取り扱い
書類 必要書類 書面 様式 用紙 証明 証明書 原本 資料 添付 持ち物 印鑑 本人 確認 本人確認
代理 代理人 人 家族 同居 親族 職員 担当 担当者 窓口 場所 先 課 係 連絡 連絡先 問い合わせ 問合せ 相談 電話 郵送 オンライン 電子 インターネット メール 書留
歳 円 通 件 枚 倍 割 週 ヶ月 か月 箇月 パーセント 号 条 項 ページ 頁
違い 差 関係 影響 結果 効果 状況 状態 予定 準備 開始 終了 期間中 当日 前日 翌日 以前 以後 今後 今回 次回 最初 最後 途中
子 子ども 子供 親 保護者 世帯 住民 市民 利用者 申請者 自分 私
最終 最新 改正 制定 施行 公布 施行日
毎年 毎月 毎週 毎日 毎回 一度 一人
""".split())
# 「災害など緊急のときは？」「日付だけの場合はどう書きますか」: the previous question
# asked again under a condition, when the main clause names nothing of its own.
_CONDITION = re.compile(r"(?:場合|とき|時)(?:は|には|でも|だと)[、,]?")
_NP_POS = {"名詞", "接頭辞", "接尾辞"}
_LINK = {"の"}


@dataclass(frozen=True)
class _Phrase:
    """A run of nouns (with prefixes and suffixes): 住民票, 交付手数料, 1日."""

    start: int
    end: int
    lemmas: tuple[str, ...]  # prefixes (納, 再) and numbers (1, 何, 三十) left out
    surface: str

    @property
    def generic(self) -> bool:
        """An aspect, a number or a question word (期限, 1日, 何時間), not a topic."""
        return self.surface in GENERIC or all(lem in GENERIC or lem in _INTERROGATIVES for lem in self.lemmas)


def _noun(t: Token) -> bool:
    return t.pos1 in _NP_POS and t.lemma not in _ARTICLES | _ARTICLE_NO


def _chains(text: str, toks: list[Token]) -> list[list[_Phrase]]:
    """Noun phrases, and chains of them joined by の: [[住民票, 写し, 交付手数料]]."""
    chains: list[list[_Phrase]] = []
    cur: list[_Phrase] = []
    i = 0
    while i < len(toks):
        if not _noun(toks[i]):
            i += 1
        else:
            j = i
            while j < len(toks) and _noun(toks[j]):
                j += 1
            content = tuple(t.lemma for t in toks[i:j] if t.pos1 != "接頭辞" and t.pos2 != "数詞")
            cur.append(_Phrase(toks[i].start, toks[j - 1].end, content, text[toks[i].start:toks[j - 1].end]))
            i = j
            if i + 1 < len(toks) and toks[i].surface in _LINK and _noun(toks[i + 1]):
                i += 1  # 住民票 の 写し: one chain
                continue
        if cur:
            chains.append(cur)
            cur = []
    if cur:
        chains.append(cur)
    return chains


def topic(question: str) -> str | None:
    """The question's topic: its first chain of specific nouns (住民票の写し, 部分休業), or None.

    Aspect nouns at the chain's end are left out (住民票の写しの交付手数料 → 住民票の写し),
    numbers and question words are not a topic (1日, 何時間). The agent of the
    question's act (a chain marked by が) and a verbal noun (任命 of 任命する) are
    passed over for a later chain: 常勤職員が育児休業を請求するとき → 育児休業.
    """
    toks = tokenize(question)
    after = {t.start: t for t in toks}
    found: list[tuple[str, bool]] = []  # (topic, passed over when another follows)
    for chain in _chains(question, toks):
        parts = list(chain)
        while parts and parts[-1].generic:
            parts.pop()
        while parts and parts[0].generic:
            parts.pop(0)
        if parts:
            nxt = after.get(chain[-1].end)
            minor = nxt is not None and (nxt.surface == "が" or nxt.lemma == "為る")
            found.append((question[parts[0].start:parts[-1].end], minor))
    return next((t for t, minor in found if not minor), found[0][0] if found else None)


def _anaphor(toks: list[Token]) -> tuple[int, int, str] | None:
    """The first anaphor as (start, end, kind): kind "article" (その場合), "pronoun" (それは), "same" (同じ)."""
    for i, t in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t.lemma in _ARTICLES and nxt is not None and _noun(nxt) and nxt.lemma not in _NOT_ANAPHORIC \
                and (t.pos1 == "連体詞" or t.lemma == "当該") and not any(x.lemma == nxt.lemma for x in toks[:i]):
            # (not 「市役所の職員が…通報し、…その職員は」: the question named its 職員 itself)
            return t.start, nxt.start, "article"
        if t.lemma in _ARTICLE_NO and nxt is not None and nxt.surface == "の":
            return t.start, nxt.end, "article"
        if t.lemma in _PRONOUNS and t.pos1 == "代名詞" and not _after_clause(toks, i):
            return t.start, t.end, "pronoun"
        if t.lemma in _SAME and t.pos1 == "連体詞":
            return t.start, t.end, "same"
    return None


def _after_clause(toks: list[Token], i: int) -> bool:
    """Whether the pronoun ``toks[i]`` opens a clause after one the question itself ended with a verb
    (「…通報し、それで退去強制令書が出た場合」, 「申請書を出し、それに写真を添えて」): it points back within the
    question, not to the previous one."""
    return i >= 2 and toks[i - 1].surface in ("、", ",", "，") and (
        toks[i - 2].pos1 in ("動詞", "助動詞") or toks[i - 2].surface in ("て", "で"))


def _has_predicate(toks: list[Token]) -> bool:
    """More than 「Xは？」 / 「Xはどうですか」: a verb, an adjective or a question word of its own."""
    return any(t.pos1 in ("動詞", "形容詞", "副詞") or t.lemma in _INTERROGATIVES for t in toks
               if t.surface not in ("どう", "いかが", "如何"))


# 何を提出…, 何が必要…: the previous question asked for a thing, which a following それ names.
_ASKS_THING = re.compile(r"[、,]?\s*(?:何|なに)(?:を|が)")


# 道路占用料はどのように計算されますか: the previous question asked how a thing is done, which a following それ names
_ASKS_HOW = re.compile(r"([^、,。はが]+?)は[、,]?どのように([一-龥]{2,4})(?:され|し|する)")


def _asked_thing(previous: str) -> str | None:
    """What a 「それ」 after ``previous`` stands for when ``previous`` asked for a thing: the
    answer, named by the question (「工事が終わったら、何を提出しなければなりませんか」 →
    「工事が終わったら提出するもの」; 「道路占用料はどのように計算されますか」 → 「道路占用料の計算方法」); None when
    ``previous`` asks for no thing."""
    if (how := _ASKS_HOW.search(previous)) is not None:
        return f"{how.group(1)}の{how.group(2)}方法"
    m = _ASKS_THING.search(previous)
    if m is None or m.start() == 0:
        return None
    toks = tokenize(previous[m.end():])
    k = next((i for i, t in enumerate(toks) if t.pos1 in ("名詞", "動詞")), None)
    if k is None:
        return None
    word, nxt = toks[k], toks[k + 1] if k + 1 < len(toks) else None
    if word.pos1 == "動詞":
        action = word.lemma  # 何を持っていく → 持つ…: the verb's dictionary form
    elif nxt is not None and nxt.lemma == "為る":
        action = word.surface + "する"  # 何を提出しなければ → 提出する
    else:
        action = word.surface + "な"  # 何が必要ですか → 必要な
    return f"{previous[:m.start()].rstrip('、, ')}{action}もの"


# the source a question reads from: 入管法では, 避難所運営マニュアルでは
_SOURCE = re.compile(r"([一-龥々ァ-ヶーA-Za-z]{2,30}(?:法|条例|規則|規程|要綱|要領|ガイドライン|ガイドブック|マニュアル|指針))では")


# nouns that point at the previous question's situation or person (その場合, その際, その方), not at a thing
# its source says something of (その延長, その通報)
_SITUATION_NOUNS = frozenset({"場合", "時", "とき", "際", "件", "点", "事", "こと", "方", "人", "者", "ため", "為", "後", "前",
                              "間", "中", "上", "結果", "状況", "状態"})


def _named_source(previous: str, noun: Token | None) -> str | None:
    """The source ``previous`` names (入管法では) when the noun an article points at (通報 of その通報, 延長 of
    その延長) is one ``previous`` itself says, not its situation or person (その場合, その方): the article points
    back at it there."""
    m = _SOURCE.search(previous)
    if m is None or noun is None or not _noun(noun):
        return None
    return m.group(1) if noun.surface not in _SITUATION_NOUNS and noun.lemma not in _SITUATION_NOUNS \
        and noun.surface in previous else None


# a title quoted in a question (『データ利活用のてびき』, 「避難所運営マニュアル」), and the nouns that point back at a titled
# document (その資料, その手引き)
_TITLE = re.compile(r"『([^』]{2,40})』|「([^」]{2,40})」")
_DOCUMENT_NOUNS = frozenset({"資料", "文書", "冊子", "報告書", "てびき", "手引き", "手引", "ガイド", "ガイドライン", "ガイドブック",
                             "マニュアル", "パンフレット", "リーフレット", "通知", "規格", "様式", "書式", "報告", "レポート"})


def _titled(previous: str, noun: str) -> str | None:
    """The one title ``previous`` quotes (『データ利活用のてびき』) when ``noun`` (資料 of その資料) names a document:
    その資料 is that document. None when ``previous`` quotes no title or more than one."""
    titles = [m.group(0) for m in _TITLE.finditer(previous)]
    return titles[0] if noun in _DOCUMENT_NOUNS and len(titles) == 1 else None


def _body_of(previous: str, noun: str) -> str | None:
    """The body ``previous`` names whose name holds ``noun`` and goes on past it (入国者収容所等視察委員会 for 委員): the
    members asked of are that body's; None when it names none."""
    toks = tokenize(previous)
    for chain in _chains(previous, toks):
        for phrase in chain:
            at = phrase.surface.find(noun)
            if 0 <= at and at + len(noun) < len(phrase.surface) and phrase.surface.endswith(_BODIES):
                return phrase.surface
    return None


# what a body's name ends with (視察委員会, 審査会, 協議会): 委員 of 委員会 are its members
_BODIES = ("委員会", "審査会", "協議会", "審議会", "評議会")


def rewrite(question: str, previous: str) -> str:
    """``question`` as a self-contained question, given the (already self-contained)
    ``previous`` one; ``question`` itself when it has a topic of its own or ``previous`` has none."""
    prev_topic = topic(previous)
    if not prev_topic:
        return question
    q = question.strip()
    m = _OPENING.match(q) or _EARLIER.match(q)
    opened = bool(m)
    body = q[m.end():] if m else q
    if not body:
        return question
    toks = tokenize(body)
    ana = _anaphor(toks)
    if ana is not None:
        a, b, kind = ana
        if prev_topic in body:
            return question
        if kind == "article":
            pointed = next((t for t in toks if t.start == b), None)  # the noun after その (or 上記の)
            if pointed is not None and (title := _titled(previous, pointed.surface)) is not None:
                # 「…に載っている『データ利活用のてびき』は、どこが作成した…」「その資料はいつ付け…」: that title
                return body[:a] + title + body[pointed.end:]
            if (source := _named_source(previous, pointed)) is not None:
                # 「入管法では、…通報するかどうか…」「その通報は」: that law's 通報, not the story's first topic (転入);
                # 「…視察委員会…何人以内の委員で」「その委員の任期は」: the 委員 of the body ``previous`` names
                body_of = _body_of(previous, pointed.surface) if pointed is not None else None
                return f"{source}では、{body[:a]}{body_of + 'の' if body_of else ''}{body[b:]}"
        asked = _asked_thing(previous) if kind == "pronoun" else None
        sub = asked or {"article": prev_topic + "の", "pronoun": prev_topic, "same": prev_topic + "と同じ"}[kind]
        return body[:a] + sub + body[b:]
    own = topic(body)
    if own:
        if opened and not _has_predicate(toks) and prev_topic in previous and own != prev_topic:
            # 「では、印鑑登録証明書は？」 after 「住民票の写しの交付手数料はいくらですか」: the same question, new topic
            return previous.replace(prev_topic, own, 1)
        cond = _CONDITION.search(body)
        if cond is not None and not body[cond.end():].strip(" ?？"):
            # 「災害など緊急のときは？」: the previous question itself, asked under that condition
            return f"{body[:cond.end()].rstrip('、,')}、{previous}"
        if cond is not None and topic(body[cond.end():]) is None:
            return f"{prev_topic}について、{body}"
        return question  # its own topic: searched as asked
    # 「期限は？」「給与はどうなりますか」: an aspect of the topic; otherwise 「…について、」
    k = next((i for i, t in enumerate(toks) if not _noun(t)), len(toks))
    if 0 < k < len(toks) and toks[k].surface in ("は", "も", "の"):
        return f"{prev_topic}の{body}"
    return f"{prev_topic}について、{body}"


def resolve_followup(question: str, history: Sequence[str] | None = None) -> str:
    """The question to search for ``question`` asked after ``history`` (previous questions, oldest first).

    Each earlier question is resolved against the ones before it, so a chain of
    follow-ups keeps the original topic; the most recent resolved question with a
    topic is the one ``question`` refers to. Returns ``question`` unchanged when
    it stands on its own or nothing before it has a topic.
    """
    if not history:
        return question
    resolved: list[str] = []
    for past in history:
        if past and past.strip():
            resolved.append(_rewrite_against(past, resolved))
    return _rewrite_against(question, resolved)


def _rewrite_against(question: str, resolved: list[str]) -> str:
    for previous in reversed(resolved):
        if topic(previous):
            return rewrite(question, previous)
    return question
