"""Grounding: how much of the question the retrieved passages cover.

The extractive answerer refuses when even the best passage covers too little
of the question (``min_evidence``), and the learned answerability model
(:mod:`model.answerability`) reads the same number. A question that opens with
a situation (「国民健康保険に入っていた息子が会社に就職しました。国保の資格は
いつ…」) carries words no passage repeats (息子, 会社, 就職): for it, grounding
is the better of the whole question's and the question proper's
(:func:`jtext.sentences.question_proper`), so the story told at the counter does
not count against a passage that answers what is asked. The same holds for the case a question
sets before what it asks (「本人が結んだ契約が不利だと分かった場合、契約を解除できるのは誰ですか」).

>>> from jtext.terms import analyse_query
>>> from model.answerer import Passage
>>> from model.records import Hit
>>> text = "被保険者は、他の保険の被保険者となつた日の翌日から、その資格を喪失する。"
>>> hit = Hit(1, 1, 1, "国民健康保険法", "kokuho.xml", "xml", 1, None, "第八条", None, text, 0, len(text), 1.0)
>>> passages = [Passage(hit, text, [[0, 0]])]
>>> q = analyse_query("息子が会社に就職して勤め先の健康保険に入りました。国保の被保険者の資格はいつ喪失しますか")
>>> idf = lambda term: 1.0
>>> round(evidence(*weights(idf, q), passages), 2), round(grounding(idf, q, *weights(idf, q), passages), 2)
(0.39, 0.62)
>>> q = analyse_query("息子が会社に就職して勤め先の健康保険に入った場合、国保の被保険者の資格はいつ喪失しますか")
>>> round(evidence(*weights(idf, q), passages), 2), round(grounding(idf, q, *weights(idf, q), passages), 2)
(0.37, 0.62)
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jtext.sentences import ASIDE, question_proper
from jtext.terms import QueryTerms, analyse_query, gram_terms, lemma_terms

from .answerer import Passage
from .sentence_score import coverage


# The case a question sets before what it asks (…不利だと分かった場合、…解除できるのは誰ですか), up to its last 場合、
# or とき、: its words (本人, 中身, 分かる) are the asker's, as a situation's are; what follows must still ask something.
_CONDITION = re.compile(r"^.*(?:場合|とき)(?:に|は|には)?、")
MIN_AFTER_CONDITION = 8


def weights(idf: Callable[[str], float], query: QueryTerms) -> tuple[dict[str, float], set[str]]:
    """IDF weight of each question lemma, and the question's bigrams."""
    return {t: idf(t) for t in query.lemmas}, set(query.grams)


def evidence(q_terms: dict[str, float], q_grams: set[str], passages: list[Passage]) -> float:
    """Best share of the question's (IDF-weighted) content that one passage covers."""
    best = 0.0
    for p in passages:
        h = p.hit
        text = h.text + "\n" + (h.heading or "") + "\n" + (h.article or "") + "\n" + h.title
        # the lemmas stored at ingest are those of the same text (jtext.terms.index_text)
        terms = p.terms if p.terms is not None else set(lemma_terms(text))
        cov = coverage(q_terms, terms)
        gram = len(q_grams & set(gram_terms(text))) / max(1, len(q_grams))
        best = max(best, 0.7 * cov + 0.3 * gram)
    return best


def grounding(idf: Callable[[str], float], query: QueryTerms, q_terms: dict[str, float], q_grams: set[str],
              passages: list[Passage]) -> float:
    """:func:`evidence` of the question (``q_terms``, ``q_grams``: its :func:`weights`, which the
    answerer has computed already); of a question opening with a situation, the better of the
    whole question's and the question proper's; of one setting a case (…場合、), the better of those and
    what follows the case's 場合、."""
    def of_part(text: str) -> float:
        # its asides too count only where found, like the keys written in parentheses (model.qtype)
        return evidence(*weights(idf, analyse_query(ASIDE.sub("　", text))), passages)

    best = evidence(q_terms, q_grams, passages)
    asked = question_proper(query.normalized)
    if asked is not None:
        best = max(best, of_part(asked))
    text = asked or query.normalized
    if (m := _CONDITION.search(text)) is not None and len(text) - m.end() >= MIN_AFTER_CONDITION:
        best = max(best, of_part(text[m.end():]))
    return best
