"""Which questions need their answer form in the quote, and which quoted sentences may give it.

A quantity question (いくら, 何日, いつ), an address asked (所在地は) and a 何が必要 question that asks for
papers (添付書類, 必要な書類) must find the form they ask for (2,400円, 三十日, 〒…, 申請書) in the quote:
a quote without one says nothing about what was asked.

The form counts only in a sentence about the question's keys (``min_form_key`` of them), and a
sentence other than the lead only when it is about the same thing as the lead: it must hold the
rarest key the lead holds. 「遭難による上陸の許可を受けた場合、最長で何日間…」 is not answered by the
lead 「…遭難による上陸を許可することができる。」 (no period) with 「…船舶観光上陸を許可することができる。…
三十日…」 after it: 三十日 is another permission's period, and 遭難 is nowhere in it.

>>> from model.qtype import analyse
>>> qt = analyse("遭難による上陸の許可を受けた外国人が上陸していられるのは最長で何日間ですか")
>>> idf = lambda term: {"遭難": 6.0, "上陸": 4.0, "許可": 2.0}.get(term, 1.0)
>>> lead = "入国審査官は、外国人の救護のため必要があると認めたときは、遭難による上陸を許可することができる。"
>>> other = "入国審査官は、指定旅客船に乗つている外国人に対し、三十日を超えない範囲内で船舶観光上陸を許可することができる。"
>>> rarest_kept(qt, lead, other, idf)
False
>>> rarest_kept(qt, lead, "遭難による上陸の期間は、十五日を超えない範囲内とする。", idf)
True

A sentence of the lead's document that says what the question's last clause asks and the lead does not (初版,
決定) is not about another thing:

>>> qt = analyse("地理的な目標物に付けるPOIコードは、初版がいつ決定されましたか")
>>> row = "2019年3月28日 - 初版決定"
>>> lead = "観光施設など地理的目標物に対する分類コードである。"
>>> rarest_kept(qt, lead, f"POIコード 改訂履歴 {row}", idf, row, "初版がいつ決定されましたか")
True

A 何が必要 question names papers, or only asks what is needed (which may be a consent or a licence):

>>> analyse("救助実施市の指定の申請書に添付しなければならない書類は何ですか").papers
True
>>> analyse("犬を飼い始めたときは何が必要ですか").papers
False

Asked what to attach to a paper the question names (変更承認申請書には…どのような書類を添付), a sentence that names
only that paper (…あらかじめ変更承認申請書を提出し…) gives none; filing (届け出る) is not a paper either:

>>> q = "事業内容を変更するとき、変更承認申請書にはどのような書類を添付する必要がありますか"
>>> names_new_paper(q, "補助事業者は、あらかじめ変更承認申請書(様式第5号)を提出しなければならない。")
False
>>> names_new_paper(q, "変更承認申請書には、見積書の写しを添付すること。")
True
>>> names_new_paper("届出書にはどのような書類を添付しますか", "その旨を内閣総理大臣に届け出なければならない。")
False

A count of a part (「応援協定のうち、飲料メーカーとの協定は何件」) is given only by a sentence naming the part:
the number of all 協定 does not answer it.

>>> q = "標市が災害時の物資調達のために結んでいる応援協定のうち、飲料メーカーとの協定は何件ですか"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in subset_words(qt, q)]
['飲料メーカー']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from jtext.sentences import question_proper
from jtext.terms import lemma_terms

from .answerer import Passage
from .focus import deadline_act_words, quantity_of_words
from .keys import key_coverage
from .qtype import QuestionType
from .sentence_score import FORM_KINDS, Scored, quote_evidence


def wants_form(qt: QuestionType) -> bool:
    """Whether the quote must hold the question's answer form: a quantity, an address, or the papers asked for."""
    return qt.kind in FORM_KINDS or qt.address or qt.papers


def rarest_kept(qt: QuestionType, lead: str, other: str, idf: Callable[[str], float], adds: str = "",
                asked: str = "") -> bool:
    """Whether ``other`` (a sentence with its context) is about the lead's thing: it holds the rarest key
    compound of the question that ``lead`` holds whole (rarity: the summed idf of its parts; keys only in
    parentheses aside). ``adds``: the other sentence's own text when it is from the lead's document, which
    may instead say what the question's last clause (``asked``) asks and the lead does not (初版 and 決定 of
    「POIコードは、初版がいつ決定されましたか」 in the code's revision history, where the lead defines the code)."""
    covered = key_coverage(qt.key, set(lemma_terms(lead)), lead)
    whole = [(sum(idf(lemma) for lemma, _ in comp), i) for i, (comp, cov) in enumerate(zip(qt.key, covered))
             if cov >= 1.0 and i not in qt.optional]
    if not whole:
        return True
    rare = max(whole)[1]
    if key_coverage((qt.key[rare],), set(lemma_terms(other)), other)[0] >= 0.5:
        return True
    said = key_coverage(qt.key, set(lemma_terms(adds)), adds) if adds else []
    return any(h >= 0.5 and c < 0.5 for h, c, word in zip(said, covered, qt.key_words) if word in asked)


# a paper named in full (変更承認申請書, 住民票の写し, 届出書), not the act of filing (届け出る)
_PAPER = re.compile(r"[一-龥ァ-ヶー]*(?:委任状|書類|書|証|手帳|印鑑|カード|届(?![けい出])|写し)")


def names_new_paper(question: str, sentence: str) -> bool:
    """Whether ``sentence`` names a paper the question does not name itself: asked what to attach to the
    変更承認申請書, a sentence saying only that the 変更承認申請書 is to be filed names none."""
    return any(m.group(0) not in question for m in _PAPER.finditer(sentence))


_SUBSET = re.compile(r"のうち[、,]?(.+?)(?:は|が|を|の(?:割合|数))")


def subset_words(qt: QuestionType, question: str) -> list[int]:
    """The key compounds (indexes into ``qt.key``) naming the part a 「AのうちBは何件」 question asks about:
    the words of B that A does not hold (飲料メーカー of 「応援協定のうち、飲料メーカーとの協定は何件」)."""
    m = _SUBSET.search(question)
    if m is None:
        return []
    whole, part = question[: m.start()], m.group(1)
    return [i for i, w in enumerate(qt.key_words) if w in part and w not in whole and i not in qt.optional]


# 「毛布はどれだけ備蓄する」「職員の数は何人」: the thing whose quantity is asked, before は and the quantity word
_COUNTED_THING = re.compile(r"([^、,。はがをでにと」]+?)(?:の(?:目標量|数量|総数|量|数|額|金額|割合|比率|率|件数|人数))?は[、,]?"
                            r"(?:どれだけ|どれくらい|どのくらい|どれほど|いくら|何|幾|どう(?:なって|なり))")


def counted_words(qt: QuestionType, question: str) -> list[int]:
    """The key compounds (indexes into ``qt.key``) naming the thing a quantity question counts: 毛布 of
    「標市防災備蓄計画では、毛布はどれだけ備蓄する目標になっていますか」."""
    m = _COUNTED_THING.search(question_proper(question) or question)
    if m is None:
        return []
    return [i for i, w in enumerate(qt.key_words) if len(w) >= 2 and w in m.group(1) and i not in qt.optional]


def _names_all(qt: QuestionType, keys: list[int], text: str) -> bool:
    """Whether ``text`` names each of the key compounds ``keys`` (indexes into ``qt.key``)."""
    return all(cov >= 0.5 for cov in key_coverage([qt.key[i] for i in keys], set(lemma_terms(text)), text))


def form_found(qt: QuestionType, question: str, chosen: Sequence[Scored], passages: Sequence[Passage],
               idf: Callable[[str], float], min_form_key: float, duty: Scored | None = None) -> bool:
    """Whether the quote ``chosen`` (its lead first) gives the form the question asks for (True when it
    asks none): in a sentence about the question's keys, about the lead's own thing; or anywhere in
    the provision that punishes the duty found (``duty``), which cites that duty by number only."""
    if not wants_form(qt):
        return True
    if duty is not None:
        return any(qt.form_in(c.text) for c in chosen)
    lead = chosen[0]
    part = subset_words(qt, question) if qt.kind in ("count", "amount") else []
    if part:
        # 「協定のうち、飲料メーカーとの協定は何件」: the count must be the part's, in a sentence naming it
        chosen = [c for c in chosen if any(
            cov >= 0.5 for cov in key_coverage([qt.key[i] for i in part], set(lemma_terms(c.text)), c.text))]
    counted = counted_words(qt, question) if qt.kind in ("count", "amount") and not part else []
    if counted and qt.form_in(lead.text) and "。" not in lead.text and _names_all(qt, counted, lead.text):
        # 毛布はどれだけ: a table's row (no sentence) naming the thing counted, 毛布 18,000枚, gives its figure, however
        # few of the story's words it holds
        return True
    # 何日以内に答申を, 何日が納期限: the figure must be the 答申's (not the 諮問's), the 納期限's (not a lottery's date)
    acts = deadline_act_words(qt, question) + quantity_of_words(qt, question)
    lead_evidence = None
    asked = re.split(r"[、,]", question_proper(question) or question)[-1]  # the question's last clause
    for c in chosen:
        if not qt.form_in(c.text) or c.key < min_form_key or (qt.papers and not names_new_paper(question, c.text)):
            continue
        if acts and not _names_all(qt, acts, quote_evidence([c], list(passages))):
            continue
        if c is lead:
            return True
        if lead_evidence is None:
            lead_evidence = quote_evidence([lead], list(passages))
        own = c.text if passages[c.p_index].hit.document_id == passages[lead.p_index].hit.document_id else ""
        if rarest_kept(qt, lead_evidence, quote_evidence([c], list(passages)), idf, own, asked):
            return True
    return False
