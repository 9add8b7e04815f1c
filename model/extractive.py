"""The default answerer: quote the sentences that best answer the question.

No language model, so nothing is invented: every sentence of the answer is a
sentence of a retrieved passage, followed by its [n] citation. Sentences are
scored by how much of the question's content (IDF-weighted lemmas, plus
character bigrams for compounds the dictionary splits differently) they
cover, whether they hold the answer form the question expects (an amount
for いくら, a date for いつ, documents for 何が必要: :mod:`model.qtype`), with
a prior for the passage's retrieval rank; a sentence that is itself a
question (a FAQ heading, a table-of-contents line) answers nothing. Which
sentence leads is :mod:`model.lead`'s choice (the one holding the asked-for form,
the rule rather than its special case, the provision punishing the duty found, the
definition asked, never a purpose clause unless asked). Quotes keep the document's structure
(:mod:`model.quote_shape`): a rule with its proviso, a paragraph with the one
after it that refers back to it (前項…), a lead-in (次に掲げる事項を記載した
書面…) with the list items that follow it and an item with its lead-in, a
heading with the text under it, an article's paragraphs in order; a
what/who/where answer whose quote does not name its subject opens with the
title of the document it comes from (【ポルトガル】…).

It refuses — says the documents do not answer and lists the closest passages
instead — when even the best passage covers too little of the question
(``min_evidence``), when the quote does not cover the question's key terms
(市長 in 市長の任期: ``min_key``), when it lacks a numbered designation
the question names (第八期, 第二十条), when its passage names none of the years the
question names (令和7年度 is not 令和6年度), when it writes a negated key only without
its negation (課税世帯 for 住民税非課税世帯), when a who question's role (会長) is
nowhere in it, when the section it comes from is about the asked attribute of another owner
and the question's owner is nowhere in it (犬の登録 for 飼い猫の登録手数料: :mod:`model.owner`),
when a size the question names (20リットル) is quoted only for other sizes or a rate it names
(1週間に) only over other periods (:mod:`model.measures`), when a place whose whereabouts is
asked (or where an office is placed) is quoted without them (:mod:`model.location`), when a plan or next
version asked is quoted only with what was done (:mod:`model.plans`), when it never names a yes/no
question's object, the act it asks leave for (傍聴) or the question's topic (:mod:`model.focus`),
when a body asked by name (何という団体, どの府省) is quoted only by its kind (:mod:`model.body_name`), when
the sibling it sets against another (標市直下地震ではなく南海トラフ地震) is not named or the lead states the
thing set aside (集合注射ではなく動物病院: :mod:`model.contrast`), when a field asked (どの項目) is quoted with a
class diagram's legend and no field label (:mod:`model.field_label`), when a どこ or 誰 answer would be a
template's blank (（裁判所名）), when
what is asked is one the quote leaves to a 政令 or 規則 (:mod:`model.delegation`), or when the question asks for
a form (an amount, a date, a count, a telephone number, an address) that the quote does not hold
(``require_form``) in a sentence about the question's keys (``min_form_key``); and,
with ``min_confidence`` > 0, when the learned answerability model
(:mod:`model.answerability`) gives the quote less than that probability of
being a right answer (the probability is in ``Answer.meta["answerability"]``);
and, with a judge (:mod:`model.judge`) and ``min_judge`` > 0, when no quoted
sentence states the answer with at least that probability (``meta["judge"]``).
With a judge and ``judge_override`` > 0, a quote the learned answerability would
refuse is given when the judge finds it states the answer with at least that
probability.
Every answer names the check that decided it (``meta["decided_by"]``: one of :data:`CHECKS`,
"answered" when all pass); :meth:`ExtractiveAnswerer.decide` gives the same decision with the
candidate quote, for benchmarks that count why right quotes are refused.
"""

from __future__ import annotations

import re
import time

from jtext.sentences import joined_wraps, split_sentences
from jtext.terms import QueryTerms, analyse_query, lemma_terms
from jtext.years import same_year

from .answerability import probability, signals
from .answerer import IdfFn, Passage, TokenCallback
from .body_name import body_lost
from .candidate import CHECKS, Candidate, Decision  # noqa: F401  (CHECKS: model.extractive.CHECKS for callers)
from .contrast import set_aside_quoted
from .delegation import delegated, delegation_asked, which_delegated
from .field_label import legend_quoted
from .focus import focus_lost, rare_keys
from .form_source import form_found, wants_form
from .grounding import grounding as question_grounding
from .grounding import weights
from .judge import Judge
from .jurisdiction import other_jurisdiction
from .lost import quote_lost
from .means import means_lost
from .negation import negation_lost
from .owner import other_owner, other_subject
from .partners import partners_swapped
from .keys import key_coverage
from .qtype import QuestionType
from .qtype import analyse as analyse_question
from .lead import PREFER_FORM, SELECT_RATIO, choose_lead, same_document
from .quote_shape import shape_into, shape_quotes, subject_label
from .readings import current_reading
from .records import NOT_FOUND, Answer, Citation
from .rerank_weights import WEIGHTS
from .sentence_score import (
    MIN_KEY,
    from_named_source,
    in_document_order,
    page_context,
    quote_evidence,
    quote_key_coverage,
    score_sentences,
    section_heading,
)
from .sentence_score import Scored as _Scored


def answer_cues(question: str) -> list[re.Pattern[str]]:
    """Patterns that a sentence answering ``question`` is expected to contain."""
    return list(analyse_question(question).forms)


_ASKED_ROLE = re.compile(r"(?:には|は|が|を)、?(?:誰|だれ|どなた)(?!の)")  # not 会社は誰の意見を: whose opinion, not a role
# the role held (座長を務めたのは誰, 委員長になるのは誰): the noun before the verb is the role asked
_HOLDS_ROLE = re.compile(r"(?:を(?:務め|つとめ)|に(?:就い|就任し|選ばれ|なっ|な))[^、。をに]{0,4}の$")
# the role asked with its doer (誰が講師を務めましたか, 誰が議長を務める)
_WHO_HOLDS = re.compile(r"(?:誰|だれ|どなた)が([^、。をが]{1,12})を(?:務め|つとめ)")
# nouns that name the other party of an act, not a role (求める相手は誰: 機構 answers, never naming 相手)
_NO_ROLE = frozenset({"相手", "相手方", "主体"})


def _role_named(qt: QuestionType, question: str, per_key: list[float]) -> bool:
    """For a who question, whether the quote names the role whose holder is asked (会長 of
    審査会の会長は誰が務めますか) whole: 委員 is not 委員長; ``per_key``: the quote's coverage of each key."""
    if qt.kind != "person":
        return True  # 地域はどこ, 都市はどこ: a place question's noun is the answer's kind, not named by it
    if (m := _WHO_HOLDS.search(question)) is not None:
        before = m.group(1)  # 誰が講師を務めましたか: 講師
    elif (m := _ASKED_ROLE.search(question)) is not None:
        before = _HOLDS_ROLE.sub("", question[:m.start()])
    else:
        return True
    for word, cov in zip(qt.key_words, per_key):
        if before.endswith(word) and word not in _NO_ROLE:
            return cov >= 1.0
    return True


# A template's blank (（裁判所名）, ○○市): a model text, which names no court, office or person
PLACEHOLDER = re.compile(r"[（(][一-龥ァ-ヶー]{1,10}名[）)]|○○|〇〇|××")

# A refusal shows this many closest passages, each at its sentence nearest the question (Answer.closest)
CLOSEST_SHOWN = 3


class ExtractiveAnswerer:
    name = "extractive"
    model_id = "extractive-v2"

    def __init__(
        self, idf: IdfFn, max_sentences: int = 3, min_evidence: float = 0.25, min_key: float = MIN_KEY,
        require_form: bool = True, weights: tuple[float, ...] | None = None, min_confidence: float = 0.0,
        confidence_weights: tuple[float, ...] | None = None, name_subject: bool = True,
        judge: Judge | None = None, min_judge: float = 0.0, min_form_key: float = 0.0, judge_override: float = 0.0,
    ) -> None:
        self.idf = idf
        self.max_sentences = max_sentences
        self.min_evidence = min_evidence
        self.min_key = min_key
        self.require_form = require_form
        self.weights = weights if weights is not None else WEIGHTS
        self.min_confidence = min_confidence  # 0: the hand thresholds alone decide
        self.confidence_weights = confidence_weights  # None: model/answerability_weights.py
        # 【title】 before a quote that does not name its subject (quote_shape.subject_label); off where every
        # sentence of the text must be a quote (fine-tuning targets, shirube/sft.py)
        self.name_subject = name_subject
        # model/judge.py: refuse when no quoted sentence states the answer with P >= min_judge (0: off)
        self.judge = judge
        self.min_judge = min_judge
        # …and answer what the learned answerability refuses when one states it with P >= judge_override (0: off)
        self.judge_override = judge_override
        self.min_form_key = min_form_key

    def answer(
        self, question: str, passages: list[Passage], *, on_token: TokenCallback | None = None,
        query: QueryTerms | None = None,
    ) -> Answer:
        ans = self._answer(question, passages, query if query is not None else analyse_query(question))
        if on_token is not None:
            for piece in re.split(r"(?<=\])", ans.text):
                if piece:
                    on_token(piece)
        return ans

    def _refuse(
        self, question: str, passages: list[Passage], grounding: float, t0: float, meta: dict | None = None,
        query: QueryTerms | None = None, cand: Candidate | None = None,
    ) -> Answer:
        closest = self._closest(passages, query, cand) if query is not None else ()
        return Answer(
            question, NOT_FOUND, (), False, tuple(p.hit for p in passages),
            self.name, self.model_id, grounding, time.perf_counter() - t0, meta=meta or {}, closest=closest,
        )

    def closest(self, question: str, passages: list[Passage], query: QueryTerms | None = None) -> tuple[Citation, ...]:
        """Each of the first :data:`CLOSEST_SHOWN` passages at its sentence nearest ``question`` (what a
        refusal shows: ``Answer.closest``), for an answerer that refuses by itself (model/grounded.py)."""
        query = query if query is not None else analyse_query(question)
        return self._closest(passages, query, None)

    def _closest(self, passages: list[Passage], query: QueryTerms, cand: Candidate | None) -> tuple[Citation, ...]:
        """A refusal's first :data:`CLOSEST_SHOWN` passages, each at the sentence nearest the question: the
        quote it would have given where that comes from the passage, else the passage's best-scoring
        sentence (a passage with none, a heading alone, is left out)."""
        shown = passages[:CLOSEST_SHOWN]
        if not shown:
            return ()
        if cand is not None:
            sentences = cand.sentences  # scored once, when the quote was chosen
        else:
            q_terms, q_grams = weights(self.idf, query)
            sentences = tuple(score_sentences(q_terms, q_grams, analyse_question(query.normalized), passages,
                                              self.weights))
        best: dict[int, _Scored] = {}
        for s in sentences:
            if s.p_index < len(shown) and (s.p_index not in best or s.score > best[s.p_index].score):
                best[s.p_index] = s
        if cand is not None and cand.chosen and cand.chosen[0].p_index < len(shown):
            best[cand.chosen[0].p_index] = cand.chosen[0]
        return tuple(shown[i].citation(i + 1, s.start, s.end) for i, s in sorted(best.items()))

    def candidate(self, question: str, passages: list[Passage], query: QueryTerms | None = None) -> Candidate | None:
        """The quote this answerer would give and what it knows about it, before
        any threshold is applied (``None``: nothing quotable, or nothing holding
        the designation the question names). bench/fit_answerability.py reads it."""
        query = query if query is not None else analyse_query(question)
        q_terms, q_grams = weights(self.idf, query)
        grounding = question_grounding(self.idf, query, q_terms, q_grams, passages) if passages else 0.0
        return self._candidate(passages, query, q_terms, q_grams, grounding)

    def _candidate(
        self, passages: list[Passage], query: QueryTerms, q_terms: dict[str, float], q_grams: set[str],
        grounding: float,
    ) -> Candidate | None:
        if not passages:
            return None
        qt = analyse_question(query.normalized)
        sentences = score_sentences(q_terms, q_grams, qt, passages, self.weights)
        scored, duty = choose_lead(query.normalized, qt, sentences, passages)
        if not scored:
            return None
        best = scored[0]
        chosen = [best] if duty is None or duty is best else [best, duty]
        if (reading := current_reading(best, passages, query.normalized)) is not None:
            chosen = [reading, *chosen]  # a 附則 reads the quoted figure otherwise for now (当分の間): it leads
        shaped = shape_quotes(chosen, passages)  # grows with chosen, each sentence shaped once
        for cand in scored[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if cand.score < SELECT_RATIO * best.score:
                break
            if any(c.text == cand.text for c in chosen):
                continue
            if any(s.p_index == cand.p_index and s.start <= cand.start and cand.end <= s.end for s in shaped):
                continue  # already quoted with another (an item of a quoted list, a proviso)
            if wants_form(qt) and not qt.form_in(cand.text):
                continue  # a further quote must hold the asked-for form too
            if not same_document(passages, cand, best) and not from_named_source(qt, quote_evidence([cand], passages)):
                continue  # 行政手続法の標準処理期間: not the road guide's 10日 beside the law's article
            chosen.append(cand)
            shape_into(shaped, cand, passages)
        chosen = shaped
        evidence = quote_evidence(chosen, passages)  # the quote and its context, read once for the checks
        quoted = "\n".join(c.text for c in chosen)  # the quoted sentences alone
        per_key = key_coverage(qt.key, set(lemma_terms(evidence)), evidence)
        key_cov = quote_key_coverage(qt, evidence, per_key)
        lead = passages[best.p_index]
        sibling = (other_owner(qt, query.normalized, per_key, section_heading(lead))
                   or other_subject(qt, query.normalized, per_key, evidence, chosen[0].text))
        role_ok = _role_named(qt, query.normalized, per_key)
        # 住民税非課税世帯 asked, only 住民税課税世帯 quoted: the quote is about the opposite; not a key told only
        # as the situation (…型式検定で不合格とされました。審査請求はできますか): the asker's fact, not what is asked
        negation_ok = not any(negation_lost(comp, evidence) for i, comp in enumerate(qt.key) if i not in qt.told)
        year_ok = same_year(query.normalized, page_context(lead, passages))
        # a penalty found through the duty's article number is as sure as the duty itself:
        # the decision reads the duty's signals
        judged = scored if duty is None else [duty] + [x for x in scored if x is not duty]
        return Candidate(
            chosen, signals(grounding, key_cov, qt, judged, chosen, passages),
            from_named_source(qt, evidence, lead.hit.title if lead.hit.article else None,
                              {p.hit.title for p in passages}, lead.hit.aliases) and not other_jurisdiction(
                query.normalized, evidence, [p.hit.text for p in passages if p.hit.document_id == lead.hit.document_id]),
            # the form in a sentence about the question's keys and the lead's thing (or in the provision punishing the duty)
            form_found(qt, query.normalized, chosen, passages, self.idf, self.min_form_key, duty), qt, sibling, year_ok,
            negation_ok, role_ok, not quote_lost(query.normalized, evidence) and not focus_lost(qt, query.normalized, per_key, rare_keys(qt, self.idf))
            and not body_lost(query.normalized, quoted) and not means_lost(query.normalized, quoted)
            and not set_aside_quoted(query.normalized, chosen[0].text)
            and not partners_swapped(query.normalized, chosen[0].text)
            and not legend_quoted(query.normalized, (p.hit.text for p in passages), quoted, qt.key_words)
            and not (qt.kind in ("place", "person") and PLACEHOLDER.search(best.text)),
            (wants_form(qt) and delegated(query.normalized, qt.key_words, evidence))
            or delegation_asked(query.normalized, evidence) or which_delegated(query.normalized, evidence),
            tuple(sentences),
        )

    def _judged(self, question: str, passages: list[Passage], chosen: list[_Scored]) -> float:
        """The judge's best P(states the answer) over the quoted sentences, each read with its
        document's title."""
        assert self.judge is not None
        pairs = [(passages[c.p_index].hit.title, s.text) for c in chosen for s in split_sentences(c.text)]
        return max(self.judge.scores(question, pairs), default=0.0)

    def decide(self, question: str, passages: list[Passage], query: QueryTerms | None = None) -> Decision:
        """Whether this answerer answers ``question`` from ``passages``, which check decides it and
        the quote it would give (bench/answer_loop.py --reasons counts them)."""
        query = query if query is not None else analyse_query(question)
        return self._decide(question, passages, query)

    def _decide(self, question: str, passages: list[Passage], query: QueryTerms) -> Decision:
        q_terms, q_grams = weights(self.idf, query)
        grounding = question_grounding(self.idf, query, q_terms, q_grams, passages) if passages else 0.0
        if grounding < self.min_evidence or not passages:
            return Decision("min_evidence", None, grounding, {})
        cand = self._candidate(passages, query, q_terms, q_grams, grounding)
        if cand is None:
            return Decision("no_quote", None, grounding, {})
        sig = cand.signals
        # Refuse when the quote misses what the question is about or the form it asks for
        # (the question's own rules), or when it is unlikely to be right.
        if (self.min_key > 0 or self.min_confidence > 0) and (failed := cand.mismatched_by) is not None:
            return Decision(failed, cand, grounding, {})
        if self.min_key > 0 and sig.key_cov < self.min_key:
            return Decision("min_key", cand, grounding, {})
        if self.require_form and not cand.form_ok:
            return Decision("require_form", cand, grounding, {})
        meta: dict[str, float] = {}
        judging = self.judge is not None and (self.min_judge > 0 or self.judge_override > 0)
        if judging:
            meta["judge"] = round(self._judged(question, passages, cand.chosen), 4)
        if self.min_confidence > 0:
            meta["answerability"] = confidence = round(probability(sig, self.confidence_weights), 4)
            # the judge reading every quoted sentence with the question outweighs the cheap signals
            # when it is sure (judge_override): a right quote the learned answerability doubts
            if confidence < self.min_confidence and not (judging and 0 < self.judge_override <= meta["judge"]):
                return Decision("min_confidence", cand, grounding, meta)
        if judging and meta["judge"] < self.min_judge:
            return Decision("min_judge", cand, grounding, meta)
        return Decision("answered", cand, grounding, meta)

    def _answer(self, question: str, passages: list[Passage], query: QueryTerms) -> Answer:
        t0 = time.perf_counter()
        decision = self._decide(question, passages, query)
        meta: dict[str, float | str] = {**decision.meta, "decided_by": decision.check}
        grounding, cand = decision.grounding, decision.candidate
        if not decision.answered or cand is None:
            return self._refuse(question, passages, grounding, t0, meta, query, cand)
        sig = cand.signals
        form = cand.qt.form_in if cand.qt.kind in PREFER_FORM else None
        chosen = in_document_order(cand.chosen, passages, form)
        parts, cites = [subject_label(sig.kind, query.normalized, passages, chosen) if self.name_subject else ""], []
        for n, c in enumerate(chosen, start=1):
            # every sentence carries its marker, also inside a rule + proviso quote
            units = joined_wraps(split_sentences(c.text), c.text)  # a PDF's hard wrap before a particle stays in its sentence
            parts.append("".join(f"{x.text}[{n}]" for x in units) or f"{c.text}[{n}]")
            cites.append(passages[c.p_index].citation(n, c.start, c.end))
        return Answer(
            question, "".join(parts), tuple(cites), True, tuple(p.hit for p in passages),
            self.name, self.model_id, grounding, time.perf_counter() - t0, meta=meta,
        )
