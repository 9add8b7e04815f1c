"""Sentence scoring, quote structure and the key-term check of the extractive answerer.

A sentence scores by the share of the question's (IDF-weighted) lemmas and
bigrams it covers, alone and with its context (the heading and article of
its passage, the sentence before it, the lead-in of a list it is an item
of), by how much of its own content is the question's, by whether it states
the question's predicate (交付 of 交付するのは誰) and holds the answer form
the question expects, by how much of its article's caption (在留期間の更新)
and of its own topic (弁明は、…) the question names, and by its passage's
retrieval rank and score
relative to the first (near-equal articles of one law are not told apart
by rank), and by the document's structure: a heading or a date line (no
running text), a rule's exception (…の特例, …にかかわらず) or a supplementary
provision (附則) when the question is not about one, a provision leaning on
another (前条の規定により). The weights are those of the choice among one question's
candidate sentences (:mod:`model.rerank_weights`). A sentence that is itself a question is never
quoted: a FAQ heading or a table-of-contents line repeats the question's
words and answers nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from jtext.sentences import is_question, is_table_row, split_sentences, table_rows
from jtext.terms import gram_terms, lemma_terms

from .answerer import Passage
from .jurisdiction import jurisdictions
from .keys import key_coverage
from .qtype import INTERROGATIVES, QuestionType
from .rerank_weights import WEIGHTS

# The question kinds whose answer form is specific enough that a quote without
# it does not answer (an amount, a date, a count, an age).
FORM_KINDS = frozenset({"amount", "date", "count", "age", "phone"})
# This share of the question's key compounds must be covered by the quote and
# its context: both of 市長 and 任期 in 市長の任期, four of 宇宙開発関連事業の予算額's six.
MIN_KEY = 0.6
# What a key told only as the question's situation (息子 and 就職 of 息子が就職しました。国保の資格は…)
# weighs against a quote that misses it: a quarter of a key the question proper asks (gov_qa parts N–Q:
# 0.5 refused five right answers whose quotes miss only situation words; 0 answered a near miss, T022).
TOLD_WEIGHT = 0.25

_LIST_ITEM = re.compile(r"^\s*(?:[・･\-–—*●○◯■□◆◇※]|[(（][0-9０-９一二三四五六七八九十]+[)）])")


@dataclass(frozen=True)
class Scored:
    score: float
    p_index: int
    start: int
    end: int
    text: str
    key: float = 1.0  # share of the question's key compounds the sentence and its context cover


def coverage(q_terms: dict[str, float], terms: AbstractSet[str]) -> float:
    total = sum(q_terms.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in q_terms.items() if t in terms) / total


_HIRAGANA = re.compile(r"[\u3041-\u309f]")
# a PDF page's number line (- 1 -, — 12 —): layout, no statement
_PAGE_NUMBER = re.compile(r"^[-‐－−–—]\s*[0-9]+\s*[-‐－−–—]$")


def _title_line(sentence: str, title: str) -> bool:
    """The document's title line (○…規程 昭和43年9月10日 規程第9号): it holds the
    title and, besides it, no word of running text (no hiragana)."""
    title = title.strip().lstrip("○◯●")
    if len(title) < 4 or "。" in title or title not in sentence:
        return False  # (a title taken from a first sentence is that sentence: it may answer)
    rest = sentence.replace(title, "").strip(" 　○◯●")
    return not _HIRAGANA.search(rest)


def _context_lines(p: Passage) -> str:
    h = p.hit
    return "\n".join(x for x in (h.title, " ".join(h.aliases), h.heading, h.article) if x)


# a heading line (「3.申請窓口と受付時間」) holds a few terms, all of them the question's: below this
# many terms the precision feature counts the missing ones as foreign
PRECISION_MIN_TERMS = 8

FEATURES = (
    "cov", "cov_ctx", "gram", "form", "key_mean", "key_min", "key_sent", "focus_sent",
    "rank_prior", "first_in_passage", "log_len", "item", "cov_count", "top_passage",
    "precision", "predicate", "score_ratio", "fragment", "exception", "supplementary", "backref",
    "caption", "topic",
)
# A rule's exception (…の特例, …にかかわらず) and a supplementary provision (附則) answer only a
# question about them: features the fit weighs against them otherwise (第十条's 30 days is the
# rule, 第十一条's 60 its exception).
_EXCEPTION = re.compile(r"特例|にかかわらず|に関わらず")
_ASKS_EXCEPTION = frozenset({"特例"})
_ASKS_SUPPLEMENTARY = frozenset({"附則", "施行", "経過", "措置"})
# A provision that leans on another (前条の規定により…) restates less of its own rule.
_BACKREF_ANY = re.compile(r"前条|前項|前各項|前号|同条|同項")


_CAPTION = re.compile(r"[（(]([^（）()]+)[)）]\s*$")
_ARTICLE_LABEL = re.compile(r"^\s*第[0-9〇一二三四五六七八九十百千]+条(?:の[0-9〇一二三四五六七八九十百千]+)*\s*")


def caption_of(p: Passage) -> str:
    """The article's caption: 開示決定等の期限の特例 of 「… > 第十一条（開示決定等の期限の特例）」; "" if none."""
    m = _CAPTION.search((p.hit.heading or "").rsplit(">", 1)[-1])
    return m.group(1) if m else ""


def section_heading(p: Passage) -> str:
    """What the passage's own heading says it is about: an article's caption (在留期間の更新 of
    「第二十一条（在留期間の更新）」) or the last heading without an article label (3.申請に必要なもの)."""
    last = (p.hit.heading or "").rsplit(">", 1)[-1].strip()
    return caption_of(p) or _ARTICLE_LABEL.sub("", last)


def page_context(lead: Passage, passages: Sequence[Passage]) -> str:
    """The lead passage with its title and heading, and the other passages found on the same page of the same
    document: a PDF table's year is often in a caption or a sentence of its page that another chunk holds
    (＜2022年に発生した主な自然災害と保険金支払額＞ above 「台風14号 157,958件 1,045億円」)."""
    hit = lead.hit
    same_page = [] if hit.page is None else [
        p.hit.text for p in passages if p is not lead and (p.hit.document_id, p.hit.page) == (hit.document_id, hit.page)]
    return "\n".join([hit.title, hit.heading or "", hit.text, *same_page])


def _caption_terms(p: Passage) -> set[str]:
    """The lemmas of :func:`section_heading`."""
    return set(lemma_terms(section_heading(p)))


# The sentence's topic: what stands before its first 「は、」 (世帯主は、…; 弁明は、…).
_TOPIC = re.compile(r"^[^、。は]{1,24}?は[、,]")


def _topic_share(sentence: str, q_set: AbstractSet[str]) -> float:
    """The share of the sentence's topic (…は、) that the question names: a sentence about the
    question's subject (弁明は、… for 弁明は…どのような方法で) rather than one naming it in passing."""
    m = _TOPIC.match(sentence)
    if m is None:
        return 0.0
    terms = set(lemma_terms(m.group(0)))
    return len(terms & q_set) / len(terms) if terms else 0.0


def sentence_features(
    q_terms: dict[str, float], q_grams: set[str], qt: QuestionType, passages: list[Passage],
) -> tuple[list[Scored], list[list[float]]]:
    """Every quotable sentence of ``passages`` (score 0) and its feature row (:data:`FEATURES`)."""
    out: list[Scored] = []
    rows: list[list[float]] = []
    # the interrogative (何時 for いつ) has a high IDF and no sentence holds it
    q_terms = {t: w for t, w in q_terms.items() if t not in INTERROGATIVES}
    q_set = set(q_terms)
    asks_exception = bool(q_set & _ASKS_EXCEPTION)
    asks_supplementary = bool(q_set & _ASKS_SUPPLEMENTARY)
    top_score = passages[0].hit.score if passages else 0.0
    for pi, p in enumerate(passages):
        prior = 1.0 / (1.0 + 0.5 * pi)  # the retriever's order
        # A list item or table cell rarely repeats its topic: the title and
        # heading, the sentence before it and the list's lead-in lend context.
        ctx_text = _context_lines(p)
        headings = {p.hit.title.strip(), *(x.strip() for x in (p.hit.heading or "").split(" > "))}
        heading_terms = set(lemma_terms(ctx_text))
        # how close the retriever puts this passage to its first: rank alone overstates
        # the lead of one of several near-equal articles
        ratio = max(0.0, min(1.0, p.hit.score / top_score)) if top_score > 0 else 1.0
        exception_ctx = not asks_exception and "特例" in ctx_text  # (…の特例) in the heading
        supplementary = 1.0 if not asks_supplementary and (p.hit.article or "").startswith("附則") else 0.0
        caption = _caption_terms(p)
        # the share of the article's caption (its heading's subject) that is the question's
        caption_share = len(caption & q_set) / len(caption) if caption else 0.0
        prev_terms: set[str] = set()
        lead_terms: set[str] = set()
        prev_text = lead_text = ""
        n = 0
        for s in table_rows(p.hit.text):  # a value-first table's value with its row's label (30年 / 条例の…文書)
            terms = set(lemma_terms(s.text))
            item = bool(_LIST_ITEM.match(s.text))
            row = is_table_row(s.text)  # a table's row: the row above is another row, not its context
            context = terms | heading_terms | (set() if row else prev_terms) | (lead_terms if item else set())
            context_text = "\n".join((ctx_text, "" if row else prev_text, lead_text if item else "", s.text))
            prev_terms, prev_text = terms, s.text
            if not item:
                lead_terms, lead_text = terms, s.text
            if (len(s.text) < 4 or is_question(s.text) or (s.text in headings and len(p.hit.text) > len(s.text) + 1)
                    or _title_line(s.text, p.hit.title) or _PAGE_NUMBER.match(s.text) or s.text[:1] in ")）」』"):
                # a title, a heading, a FAQ's question line, a page number, the tail of a sentence the chunk's start
                # cut inside its brackets (「)又は添付書類に…」): they answer nothing
                continue
            if qt.key:
                keys = key_coverage(qt.key, context, context_text)
                own = key_coverage(qt.key, terms, s.text)
            else:
                keys = own = [1.0]
            grams = set(gram_terms(s.text))
            rows.append([
                coverage(q_terms, terms), coverage(q_terms, context),
                len(q_grams & grams) / max(1, len(q_grams)),
                1.0 if qt.forms and qt.form_in(s.text) else 0.0,
                sum(keys) / len(keys), min(keys), sum(own) / len(own), own[-1],
                prior, 1.0 if n == 0 else 0.0,
                math.log(len(s.text)), 1.0 if item else 0.0,
                len(q_set & terms) / max(1, len(q_set)), 1.0 if pi == 0 else 0.0,
                # the share of the sentence's own content that is the question's: a long
                # sentence about something else covers the question's words in passing
                len(q_set & terms) / max(PRECISION_MIN_TERMS, len(terms)),
                1.0 if qt.predicate and (qt.predicate in terms or qt.predicate in s.text) else 0.0, ratio,
                # a heading, a date line, a name in a table: no running text (no kana, no 。)
                1.0 if not item and "。" not in s.text and not _HIRAGANA.search(s.text) else 0.0,
                1.0 if exception_ctx or (not asks_exception and _EXCEPTION.search(s.text)) else 0.0,
                supplementary,
                1.0 if _BACKREF_ANY.search(s.text) else 0.0,
                caption_share, _topic_share(s.text, q_set),
            ])
            out.append(Scored(0.0, pi, s.start, s.end, s.text))
            n += 1
    return out, rows


def score_sentences(
    q_terms: dict[str, float], q_grams: set[str], qt: QuestionType, passages: list[Passage],
    weights: tuple[float, ...] = WEIGHTS,
) -> list[Scored]:
    """Sentences scored by the fitted logistic model (:mod:`model.rerank_weights`): P(answers)."""
    sents, rows = sentence_features(q_terms, q_grams, qt, passages)
    bias, w = weights[0], weights[1:]
    out = []
    for s, row in zip(sents, rows):
        z = bias + sum(a * b for a, b in zip(w, row))
        out.append(Scored(1.0 / (1.0 + math.exp(-z)), s.p_index, s.start, s.end, s.text, row[4]))
    return out


def quote_evidence(chosen: list[Scored], passages: list[Passage]) -> str:
    """The quote with its context: each quoted passage's title, heading and
    article, the sentence before each quoted one, and the line after a quoted
    line that is no sentence (a table row's other cells)."""
    pieces = []
    for c in chosen:
        p = passages[c.p_index]
        text = p.hit.text
        before = text[max(0, c.start - 200):c.start]
        prev = split_sentences(before)[-1].text if before.strip() and not is_table_row(c.text) else ""
        pieces += [_context_lines(p), prev, c.text]
        if "。" not in c.text:
            # a table row's cells span lines (「…文書5年」 then 「契約に関する文書…」): the next line too
            after = split_sentences(text[c.end:c.end + 200])
            if after and not is_question(after[0].text):  # a FAQ's question line supports nothing
                pieces.append(after[0].text)
    return "\n".join(pieces)


def _names_municipality(word: str) -> bool:
    """Whether a key names a city, town or village (標市, かつらぎ町), as :mod:`model.jurisdiction` reads one."""
    return word[-1:] in ("市", "町", "村") and word in jurisdictions(word)


def quote_key_coverage(qt: QuestionType, evidence: str, cov: list[float] | None = None) -> float:
    """The share of the question's key compounds that ``evidence`` (the quote
    and its context: :func:`quote_evidence`) covers; a compound counts when at
    least half of its parts are found. A key written only inside the question's
    parentheses (an aside: 消費税率（国税分）) counts only when found, one told only as the
    question's situation (…事故で亡くなりました。遺族補償は) a quarter (:data:`TOLD_WEIGHT`) when missing. ``cov``: the
    per-compound coverage of ``evidence`` (:func:`model.keys.key_coverage`) when
    already computed."""
    if not qt.key:
        return 1.0
    if cov is None:
        cov = key_coverage(qt.key, set(lemma_terms(evidence)), evidence)
    # a key written only in the question's parentheses counts when covered, never against, and so does the
    # municipality asked about (標市では…): its own pages seldom repeat its name, and a quote about another one
    # is refused apart (model.jurisdiction); one told only as the question's situation counts a quarter against
    found = [c >= 0.5 for c in cov]
    asked = [1.0 if f else 0.0 if i in qt.optional or _names_municipality(qt.key_words[i])
             else TOLD_WEIGHT if i in qt.told else 1.0 for i, f in enumerate(found)]
    return sum(found) / max(1.0, sum(asked))


# A key that names a source (労働契約法, 情報公開条例, 防災備蓄計画): the question asks
# what that source says, so only a quote from it answers.
# 法 naming a law, not a method or a notation (手法, 方法, 計算法, 表記法)
_LAW = r"(?<![手方用技療工製算論戦文寸作話])(?<!表記)法"
_SOURCE_NAME = re.compile(rf"(?:{_LAW}|法律|条例|規程|規則|要綱|要領|指針|基本方針|ガイドライン|ガイドブック)$")

# ... but not one that names no particular source (改正条例, 同法, 本条例, 関係法律): the amending ordinance, this law
_NO_PARTICULAR_SOURCE = re.compile(r"^(?:改正|同|本|当該|関係|関連|各)(?:法|法律|条例|規程|規則|要綱|要領)$")


_STATUTE = re.compile(rf"(?:{_LAW}|法律|条例)$")


def from_named_source(qt: QuestionType, evidence: str, title: str | None = None,
                      titles: Collection[str] = (), aliases: Collection[str] = ()) -> bool:
    """Whether every source the question names (a key ending in 法, 条例, 規程 …)
    is named by ``evidence`` (the quote and its context: title, heading,
    article, the sentence before): 労働契約法の罰則 is not answered from 労働基準法.
    A quote from a statute's article (``title``: the statute's, ending in 法 or 条例) must be from the
    statute named, whatever its headings say (労働基準法's 第二章 労働契約 is not 労働契約法), and when
    a statute found (``titles``: those of the passages found) bears the name as its whole title, from
    that one (行政手続法 asked: not 行政手続における特定の個人を識別するための番号の利用等に関する法律).
    The quoted statute's official short names (``aliases``: マイナンバー法, 番号法) name it as its title
    does."""
    named = tuple(k for i, (k, w) in enumerate(zip(qt.key, qt.key_words))
                  if _SOURCE_NAME.search(w) and len(w) >= 3 and i not in qt.optional
                  and not _NO_PARTICULAR_SOURCE.match(w))
    if not named:
        return True
    laws = tuple(k for k in named if _STATUTE.search("".join(w for _, w in k)))
    names = "\n".join((title or "", *aliases))
    if laws and title and _STATUTE.search(title) and max(key_coverage(laws, set(lemma_terms(names)), names)) < 0.75:
        return False
    exact = {w for w in ("".join(s for _, s in k) for k in laws) if w in titles}
    if exact and title and _STATUTE.search(title) and not exact & {title, *aliases}:
        return False
    return all(c >= 0.75 for c in key_coverage(named, set(lemma_terms(evidence)), evidence))


# A locator's paragraph or item (第二項, 第三号 and what follows): off, the article remains.
SUB_ARTICLE = re.compile(r"第[0-9〇一二三四五六七八九十百千]+[項号].*$")


def _article_of(p: Passage) -> tuple[int, str]:
    """(document, article without its 第○項/第○号, or page): the unit whose paragraphs stay in order."""
    if p.hit.article:
        return p.hit.document_id, SUB_ARTICLE.sub("", p.hit.article)
    return p.hit.document_id, f"p.{p.hit.page:05d}" if p.hit.page is not None else ""


# A quote that continues the one before it (前項の場合において…, 同項…): it cannot lead its unit.
_REFERS_BACK = re.compile(r"^\s*(?:[0-9０-９]+[.．、)）]\s*)?(?:前項|前各項|前号|前条|同項|同号|ただし|但し)")


# An exception to the paragraph before (前項の規定にかかわらず…): the rule it sets aside says another figure.
_OVERRIDES = re.compile(r"^\s*(?:前項|前各項|同項|第[一二三四五六七八九十]+項)(?:の規定)?(?:に|にも)かかわらず")


def in_document_order(
    chosen: list[Scored], passages: list[Passage], holds_form: Callable[[str], bool] | None = None,
) -> list[Scored]:
    """The answer first, the document's structure kept: the document and the
    article (or page) of the leading quote (``chosen[0]``: the answerer's
    choice) first, then the others by their best sentence; within each article
    or page, quotes in document order (第一項 before 第二項), except that the
    leading quote opens its own (第四項's answer before 第三項's context)
    unless it refers back (前項の場合において…) or an earlier quote there also
    holds the asked-for form (``holds_form``): of two paragraphs stating a
    period, the first states the rule (五年), a later one its extension (六年).
    A lead that sets the earlier paragraph aside (前項の規定にかかわらず) opens its article
    when every earlier quote holding the form covers fewer of the question's keys
    (``Scored.key``): asked how long 延長 may last, 第二項's 三十日以内 leads, before
    第一項's 十五日以内, the rule it is an exception to."""
    best_doc: dict[int, float] = {}
    best_art: dict[tuple[int, str], float] = {}
    first_of: dict[int, int] = {}
    for k, c in enumerate(chosen):
        doc, art = passages[c.p_index].hit.document_id, _article_of(passages[c.p_index])
        lead = math.inf if k == 0 else c.score
        best_doc[doc] = max(best_doc.get(doc, 0.0), lead)
        best_art[art] = max(best_art.get(art, 0.0), lead)
        first_of.setdefault(doc, k)

    def where(c: Scored) -> tuple[int, int]:
        h = passages[c.p_index].hit
        return h.section_id, h.start + c.start

    opening: set[int] = set()
    if chosen:
        lead, unit = chosen[0], _article_of(passages[chosen[0].p_index])
        rivals = [c for c in chosen[1:] if holds_form is not None and holds_form(c.text)
                  and _article_of(passages[c.p_index]) == unit and where(c) < where(lead)]
        if (rivals and (_OVERRIDES.match(lead.text) or is_table_row(lead.text))
                and all(c.key < lead.key for c in rivals)):
            # an exception asked about (延長 asked: 前項の規定にかかわらず…三十日以内に限り延長) before the
            # rule's figure that answers less of the question (十五日以内), which would be read as the answer;
            # a table's row (5年 / 契約に関する文書) before the rows above it that answer less
            opening = {id(lead)}
        elif not _REFERS_BACK.match(lead.text):
            opening = {id(lead)} | {id(c) for c in rivals}

    def key(c: Scored):
        h, art = passages[c.p_index].hit, _article_of(passages[c.p_index])
        return (-best_doc[h.document_id], first_of[h.document_id], -best_art[art], art[1],
                0 if id(c) in opening else 1, *where(c))

    return sorted(chosen, key=key)
