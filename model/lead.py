"""Which sentence leads the quote.

The sentence scorer (:mod:`model.sentence_score`) ranks every quotable sentence; these rules then choose the
lead among those close enough to the best: only sentences of (or citing) the designation the question names
(国家賠償法第二条, 第九十条では, 規程の第11では), and one naming a law the question names (製造物責任法) before one that
does not; the one holding the asked-for form (an amount for いくら, a date
for いつ, papers for 何が必要); the rule rather than its special case (an article captioned …の特例); for a
penalty question, the provision that cites the duty found and punishes it, the duty after it; for a とは
question, the definition; never a purpose clause (…を目的とする。) unless the purpose is asked; for where a matter
is provided for (どこで定める), the sentence leaving it to an instrument (別に規則で定める).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jtext.terms import lemma_terms

from .answerer import Passage
from .designations import article_asked, bare_designations, designations
from .form_source import counted_words, subset_words
from .keys import key_coverage
from .qtype import ASKS_PENALTY, IMPOSES_PENALTY, QuestionType
from .quote_shape import definition_of, penalty_for
from .sentence_score import FORM_KINDS, Scored, caption_of, from_named_source, quote_evidence

# Quote further sentences whose P(answers) is at least this share of the best's (bench/fit_reranker.py
# --ratio: held out on JSQuAD, 0.3 quotes the answer for 0.916 of questions against 0.881 at 0.6).
SELECT_RATIO = 0.3
# Question kinds whose answer form is specific enough to pick the leading sentence by.
PREFER_FORM = FORM_KINDS | {"documents"}


def _designations_wanted(question: str) -> frozenset[str]:
    """The numbered designations the question names (第八期, 第二十条), which the
    quote (with its context) must hold: 第八期の保険料 is not answered from
    第九期, 国家賠償法第八条 not from 第五条. Paragraphs and items (第○項,
    第○号) are often unlabelled inside an article's text: not required, but a form's (様式第2号) is."""
    return frozenset(d for d in designations(question) if d.startswith("様式") or not d.endswith(("項", "号")))


def _rule_of(passages: list[Passage], x: Scored) -> str:
    """For a quote from an article captioned as a special case (…の特例), the caption of
    the rule it departs from (開示決定等の期限); "" otherwise."""
    caption = caption_of(passages[x.p_index])
    return caption.removesuffix("の特例") if caption.endswith("の特例") else ""


_PURPOSE = re.compile(r"(?:を|の)目的と(?:する|し)")


def _states_purpose(passages: list[Passage], x: Scored) -> bool:
    """A purpose clause: 「この規程は、…を目的とする。」 or any sentence of an article captioned 目的."""
    return caption_of(passages[x.p_index]) == "目的" or bool(_PURPOSE.search(x.text) and x.text.startswith("この"))


# where a matter is provided for (どこで定める, 何で定めることになって): answered by the instrument a text leaves it to
_ASKS_INSTRUMENT = re.compile(r"(?:どこ|何|どの(?:法令|法律|規則|規程|条例))(?:で|に)定め")  # not どのように定め
# 「講習会はどの種別に当たりますか」: the thing to be classed (before は), asked which class it falls under
_CLASSED = re.compile(r"([^、,。は]+?)(?<![でにと])は[、,]?[^、,。は]{0,20}?(?:どの|どれ|いずれの|何の)[^、,。]{0,12}?"
                      r"(?:に当たり|に当たる|に該当し|に該当する|に分類され|に含まれ|に入り|に属し)")
_SETS_BY = re.compile(r"(?:法律|政令|省令|府令|規則|告示|条例|要綱|規程|訓令)(?:で|により|によって)定め")


def _may(act: str, text: str) -> bool:
    """Whether ``text`` says whether ``act`` (a verb's or a する noun's lemma: 求める, 閲覧) may be done."""
    return re.search(rf"{re.escape(act)}(?:する)?ことが(?:でき|可能)", text) is not None


def _names(qt: QuestionType, key: int, text: str) -> bool:
    """Whether ``text`` names the question's key compound ``key`` (an index into ``qt.key``)."""
    return key_coverage([qt.key[key]], set(lemma_terms(text)), text)[0] >= 0.5


def same_document(passages: list[Passage], a: Scored, b: Scored) -> bool:
    return passages[a.p_index].hit.document_id == passages[b.p_index].hit.document_id


def _to_front(scored: list[Scored], x: Scored) -> None:
    """Make ``x`` the leading sentence."""
    scored.remove(x)
    scored.insert(0, x)


def _lead_holding(scored: list[Scored], top: float, holds: Callable[[Scored], bool]) -> None:
    """Unless the lead ``holds`` what the question asks, the best sentence that does leads, when its score is
    close enough to ``top`` (the best sentence of all)."""
    if holds(scored[0]):
        return
    other = next((x for x in scored[1:] if x.score >= SELECT_RATIO * top and holds(x)), None)
    if other is not None:
        _to_front(scored, other)


def _classed_words(question: str, qt: QuestionType) -> list[str]:
    """The key words naming the thing a question asks the class of (講習会 of 「講習会はどの種別に当たりますか」;
    廃業 and 事業承継 of 「廃業や事業承継のアクションは、どの事業ステージに分類されて」, not the class word アクション)."""
    m = _CLASSED.search(question)
    if m is None:
        return []
    thing = m.group(1)
    if "の" in thing:
        thing = thing[: thing.rindex("の")]  # …のアクション: a class word after の, not the thing
    return [w for w in qt.key_words if len(w) >= 2 and w in thing]


def choose_lead(question: str, qt: QuestionType, scored: list[Scored],
                passages: list[Passage]) -> tuple[list[Scored], Scored | None]:
    """``scored`` (every candidate sentence of ``passages`` for the normalised ``question``) kept to those
    the question's designations allow and sorted best first, the lead moved to the front; and the duty a
    penalty quote punishes (to quote after it), or None. An empty list: nothing the designations allow."""
    if wanted := _designations_wanted(question):
        # 国家賠償法第二条は…: only sentences of (or citing) that article answer
        scored = [x for x in scored if wanted <= designations(quote_evidence([x], passages))]
    if article := article_asked(question):  # 第九十条では何を定めて: that article, not one citing it
        scored = [x for x in scored if article <= designations(passages[x.p_index].hit.article or x.text[:12])]
    if bare := bare_designations(question):  # 規程の第11では: a part of a passage found (第11 雑則)
        scored = [x for x in scored if bare <= bare_designations(
            f"{passages[x.p_index].hit.heading or ''}\n{passages[x.p_index].hit.text}")]
    if not scored:
        return scored, None
    scored = sorted(scored, key=lambda x: -x.score)
    top = scored[0].score  # the best sentence of all, whichever comes to lead
    if qt.kind in PREFER_FORM:
        # the answer holds the form asked for: the best such sentence leads
        # when it is close enough to the best sentence of all
        formed = [x for x in scored
                  if x.score >= SELECT_RATIO * top and x.key >= scored[0].key and qt.form_in(x.text)]
        part = (subset_words(qt, question) or counted_words(qt, question)) if qt.kind in ("count", "amount") else []
        if part and not _names(qt, part[0], scored[0].text):
            # 「コードのうち、医療の区分に当たるものはいくつ」: the figure of the part (a table's row 医療 207) leads, before
            # a sentence on the whole (合計697, 区分別) that does not name the part's first word (医療 of 医療の区分); so
            # does the figure of the thing counted (毛布はどれだけ: the row 毛布 18,000枚)
            formed = [x for x in scored if x.score >= SELECT_RATIO * top and qt.form_in(x.text)
                      and _names(qt, part[0], x.text)] or formed
        if formed:
            _to_front(scored, max(formed, key=lambda x: (x.key, x.score)))
    rule = _rule_of(passages, scored[0])
    if rule and "特例" not in question:
        # the rule before its special case: 第十条 (開示決定等の期限)'s 三十日 before
        # 第十一条 (開示決定等の期限の特例)'s 六十日, 第二十条 (個人事業者の納税地) before
        # 第二十一条 (個人事業者の納税地の特例)
        lead = scored[0]
        ruled = [x for x in scored if x.score >= SELECT_RATIO * top and qt.form_in(x.text)
                 and same_document(passages, x, lead) and caption_of(passages[x.p_index]) == rule]
        if ruled:
            _to_front(scored, max(ruled, key=lambda x: x.score))
    duty = None
    if ASKS_PENALTY.search(question) and not IMPOSES_PENALTY.search(scored[0].text):
        # 罰則は？: the provision that punishes the duty found leads (it cites the duty's
        # article by number), the duty after it
        penal = penalty_for(scored[0], scored, passages)
        if penal is not None:
            duty = scored[0]
            _to_front(scored, penal)
    if _states_purpose(passages, scored[0]) and "目的" not in question:
        # 「この規程は、…を目的とする。」 restates the whole text's words and answers no
        # question but its purpose: the best other sentence close enough leads
        other = next((x for x in scored[1:] if not _states_purpose(passages, x)), None)
        if other is not None and other.score >= SELECT_RATIO * scored[0].score:
            _to_front(scored, other)
    if qt.kind == "yesno" and qt.predicate:
        # 当事者は…閲覧を求めることができますか: the sentence saying whether one may 求める leads, not one on the
        # same papers that says what the hearing officer must do
        _lead_holding(scored, top, lambda x: _may(qt.predicate, x.text))
    if _ASKS_INSTRUMENT.search(question):
        # この条例の施行に必要な事項は、どこで定める: the sentence leaving it to an instrument (別に規則で定める) leads
        _lead_holding(scored, top, lambda x: _SETS_BY.search(x.text) is not None)
    # 「…ガイドラインの法的な論点では、…製造物責任法の責任が問われることは」: the sentence naming 製造物責任法 leads,
    # not one on 民法's 不法行為責任 beside it; the form asked is not given up for the name
    formed = qt.kind in PREFER_FORM and qt.form_in(scored[0].text)
    _lead_holding(scored, top, lambda x: (qt.form_in(x.text) or not formed)
                  and from_named_source(qt, quote_evidence([x], passages)))
    if words := _classed_words(question, qt):
        # 講習会はどの種別に当たりますか: the row naming 講習会 (イベント系 教室・講習会) leads, not the table's lead-in
        _lead_holding(scored, top, lambda x: any(w in x.text for w in words))
    defining = definition_of(question, scored)
    if defining is not None:
        # 「行政指導」とは: the definition (六 行政指導 …をいう。) leads
        _to_front(scored, defining)
    return scored, duty
