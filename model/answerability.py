"""Answerability: how likely the extractive answer about to be given is right.

The extractive answerer (:mod:`model.extractive`) picks its quote, then
decides whether to give it or to say the documents do not answer. The hand
rules (``min_evidence``, ``answer_min_key``) each look at one signal; this
module reads every signal the answerer has at that moment into one
:class:`Signals` record and turns it into P(the quote is a right answer) with
a logistic model (:mod:`model.answerability_weights`) fitted by
``bench/fit_answerability.py`` on JSQuAD only: each question asked with its
paragraph present (label: the answer holds the gold string) and with it
hidden by the access filter (label 0: the corpus no longer answers it, and
the other paragraphs of the same article are realistic near misses). The
answerer refuses when the probability is under ``answer_min_confidence``.

No raw embedding cosine is a feature: its scale belongs to one embedder (a
fine-tuned or other model shifts it), while the fused retrieval score is a
z-score lead over the candidates whatever the embedder.

The rules about the question itself (a named designation, a named source, the
answer form of a quantity question) stay hard checks in the answerer.

>>> sig = Signals(0.8, 1.0, 0.9, 0.2, 1.0, 2, 3.0, 1.5, 0, 1, "what")
>>> len(sig.vector()) == len(FEATURES)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .answerer import Passage
from .qtype import QuestionType

# Question kinds (model/qtype.py) with a one-hot column; "what" is the base.
KINDS = ("how", "yesno", "documents", "amount", "date", "count", "age", "place", "person")

FEATURES: tuple[str, ...] = (
    "grounding", "key_cov", "best_p", "margin_p", "best_key", "no_key", "log_n_key",
    "top_score", "score_margin", "best_in_top", "n_chosen",
) + tuple(f"kind_{k}" for k in KINDS)


@dataclass(frozen=True)
class Signals:
    """What the extractive answerer knows when it decides to answer or refuse."""

    grounding: float  # best share of the question's weighted content one passage covers
    key_cov: float  # share of the question's key compounds the quote and its context cover
    best_p: float  # reranker P(answers) of the leading quoted sentence
    second_p: float  # the best P(answers) of any other sentence
    best_key: float  # key coverage of the leading sentence with its context
    n_key: int  # number of key compounds in the question
    top_score: float  # fused retrieval score (z-score lead) of the first passage
    second_score: float  # ... of the second passage (top_score when there is none)
    best_passage: int  # retrieval rank (0-based) of the passage the lead sentence comes from
    n_chosen: int  # sentences quoted
    kind: str  # question kind (model/qtype.py)

    def vector(self) -> list[float]:
        """The feature row, in :data:`FEATURES` order."""
        return [
            self.grounding, self.key_cov, self.best_p, self.best_p - self.second_p, self.best_key,
            1.0 if self.n_key == 0 else 0.0, math.log1p(self.n_key),
            self.top_score, self.top_score - self.second_score, 1.0 if self.best_passage == 0 else 0.0,
            float(self.n_chosen),
        ] + [1.0 if self.kind == k else 0.0 for k in KINDS]


def signals(
    grounding: float, key_cov: float, qt: QuestionType, scored: Sequence, chosen: Sequence,
    passages: Sequence[Passage],
) -> Signals:
    """:class:`Signals` of a quote: ``scored`` are the candidate sentences
    (:class:`model.sentence_score.Scored`), the leading one first; ``chosen``
    the sentences quoted."""
    lead = scored[0]
    second = max((x.score for x in scored[1:]), default=0.0)
    hits = [p.hit for p in passages]
    top = hits[0].score if hits else 0.0
    return Signals(
        grounding=grounding, key_cov=key_cov, best_p=lead.score, second_p=second, best_key=lead.key,
        n_key=len(qt.key), top_score=top, second_score=hits[1].score if len(hits) > 1 else top,
        best_passage=lead.p_index, n_chosen=len(chosen), kind=qt.kind,
    )


def probability(sig: Signals, weights: Sequence[float] | None = None) -> float:
    """P(the quote is a right answer): the logistic model, bias first."""
    if weights is None:
        from .answerability_weights import WEIGHTS

        weights = WEIGHTS
    if len(weights) != len(FEATURES) + 1:
        raise ValueError(f"answerability weights: {len(weights)} values for {len(FEATURES)} features + bias")
    z = weights[0] + sum(w * x for w, x in zip(weights[1:], sig.vector()))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
