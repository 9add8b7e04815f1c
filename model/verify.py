"""Citation verification: every sentence of an LLM answer must be backed by a passage it cites.

For each sentence of the answer (split like the documents, 。！？ and line
breaks; a ``[n]`` written after the 。 belongs to the sentence before it):

1. it must cite at least one passage, and only passages that exist;
2. against each cited passage it gets a *support* score: half the share of
   its content lemmas (fugashi, IDF-weighted when an IDF table is given) found
   in the passage, half the share of its character bigrams found there (for
   compounds the dictionary splits differently);
3. every number, date and article number in it must appear in that passage,
   after normalising both sides (kanji ↔ arabic numerals, 令和/平成… ↔ 西暦,
   第十二条 ↔ 第12条, 3万円 ↔ 30000円, commas).

A cited passage *supports* the sentence when the score reaches the threshold
and no number is missing. Unsupported sentences are removed or marked
「（根拠未確認）」; citations that do not support their sentence are dropped.
The default threshold 0.5 was calibrated on the bundled samples with
``bench/calibrate_verifier.py`` (see data_manifests/README.md / README).

>>> checks = verify_text("部分休業は1日2時間までです。[1]", passages)   # doctest: +SKIP
>>> checks[0].supported
True
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol, Sequence, TypeVar

from jtext.terms import gram_terms, lemma_terms
from jtext.sentences import split_sentences
from jtext.numerals import article_to_arabic, era_to_western, kanji_to_int

from .answerer import IdfFn, Passage
from .prompt import redact_instructions
from .records import NOT_FOUND

UNVERIFIED_MARK = "（根拠未確認）"

# -- canonical numbers ------------------------------------------------------------

_COUNTERS = (
    "年度|年|か月|ヶ月|カ月|ヵ月|箇月|ケ月|月|営業日|日|時間|時|分|秒|週間|週|円|歳|才|人|名|件|回|部|通|枚|台|点|個|本|"
    "条|項|号|章|節|款|目|編|%|パーセント|割|倍|キロ|km|メートル|m|センチ|cm|ミリ|mm|平方|kg|グラム|g|世帯|ページ|頁|歩|階|区|番"
)
_ERA = re.compile(r"(明治|大正|昭和|平成|令和)\s?(元|[0-9]{1,2}|[〇一二三四五六七八九十]{1,3})\s?年")
_NUM_RUN = re.compile(
    rf"(?<![0-9.])((?:[0-9]+(?:,[0-9]{{3}})*|[〇一二三四五六七八九十百千万億兆])"
    rf"(?:[0-9,〇一二三四五六七八九十百千万億兆])*)(?![0-9.])(?=\s?(?:{_COUNTERS}))"
)
_ARABIC_BIG = re.compile(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)(万|億)(?=[0-9]*\s?(?:円|人|件|世帯|個|本|台|枚))")
_FACT = re.compile(rf"(第)?([0-9]+(?:\.[0-9]+)?)\s?({_COUNTERS})?")
_MARKER = re.compile(r"[\[【]\s*(?:資料|出典)?\s*([0-9]+(?:\s*[,、，・]\s*[0-9]+)*)\s*[\]】]")
_AFTER_MARKERS = re.compile(r"(?<=[\]】])(?=\s*[^\s\[【。！？!?])")
_MARKERS_AFTER_END = re.compile(r"([。！？!?])\s*((?:[\[【]\s*(?:資料|出典)?\s*[0-9][0-9,、，・\s]*[\]】]\s*)+)")


def canon(text: str) -> str:
    """Text with numbers written one way: NFKC, arabic digits, western years, no commas."""
    t = unicodedata.normalize("NFKC", text)
    t = article_to_arabic(t)

    def era(m: re.Match[str]) -> str:
        try:
            return f"{era_to_western(m.group(1), kanji_to_int(m.group(2)))}年"
        except ValueError:
            return m.group()

    t = _ERA.sub(era, t)

    def big(m: re.Match[str]) -> str:  # 1.5万人 → 15000人
        value = float(m.group(1)) * (10**4 if m.group(2) == "万" else 10**8)
        return str(int(value)) if value == int(value) else m.group()

    t = _ARABIC_BIG.sub(big, t)

    def num(m: re.Match[str]) -> str:
        raw = m.group(1).replace(",", "")
        try:
            return str(kanji_to_int(raw))
        except ValueError:
            return m.group(1)

    return _NUM_RUN.sub(num, t)


def facts(text: str) -> set[str]:
    """Numbers with their unit (第12条, 2023年, 30000円, 2時間, bare 15) in canonical form."""
    return _facts_of_canon(canon(text))


def _facts_of_canon(c: str) -> set[str]:
    """:func:`facts` of a text already passed through :func:`canon`."""
    out: set[str] = set()
    for m in _FACT.finditer(c):
        prefix, n, unit = m.group(1) or "", m.group(2), m.group(3) or ""
        if unit in ("年度",):
            unit = "年"
        out.add(f"{prefix}{n}{unit}")
    return out


def _fact_present(fact: str, have: set[str], numbers: set[str]) -> bool:
    if fact in have:
        return True
    if fact.startswith("第"):
        return False
    m = re.match(r"([0-9.]+)(.*)", fact)
    if m and not m.group(2):  # a bare number: any unit will do
        return m.group(1) in numbers
    return False


# -- sentences and citation markers -------------------------------------------------


def split_answer(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """(sentence without markers, cited passage numbers) for each sentence of an answer."""
    t = unicodedata.normalize("NFKC", text.replace(UNVERIFIED_MARK, ""))  # our own annotation
    t = _MARKERS_AFTER_END.sub(lambda m: m.group(2).strip() + m.group(1), t)
    out = []
    for s in split_sentences(t):
        # a marker group followed by more text also ends a claim: 「A[1]B[2]。」 is two
        for piece in _AFTER_MARKERS.split(s.text):
            cited: list[int] = []
            for m in _MARKER.finditer(piece):
                cited.extend(int(x) for x in re.findall(r"[0-9]+", m.group(1)))
            body = _MARKER.sub("", piece).strip().lstrip("、,，")
            if not re.sub(r"[\s。、！？!?.・「」『』()（）:：\-]", "", body):
                if out and cited:  # 「…です[1]。[2]」: trailing markers join the claim before
                    prev, pc = out[-1]
                    out[-1] = (prev, tuple(dict.fromkeys(pc + tuple(cited))))
                continue  # only markers or punctuation
            out.append((body, tuple(dict.fromkeys(cited))))
    return out


_REFUSAL = re.compile(
    r"見つかりませんでした|見当たりません|記述(?:は|が)?(?:ありません|ない)|記載(?:は|が)?(?:ありません|ない)|"
    r"資料(?:に|の中に|には)(?:は)?(?:答え|回答|該当|情報|記載|記述)[^。]*(?:ません|ない)|分かりません|わかりません|答えられません"
)


def is_refusal(text: str) -> bool:
    """True when the model says the documents do not answer (NOT_FOUND or a paraphrase)."""
    t = unicodedata.normalize("NFKC", text).strip()
    return bool(t) and (NOT_FOUND in t or bool(_REFUSAL.search(t))) and len(t) < 120


# -- support ---------------------------------------------------------------------


@dataclass(frozen=True)
class PassageIndex:
    """A passage prepared once per answer: canonical lemmas, bigrams, facts."""

    text: str
    lemmas: set[str]
    grams: set[str]
    facts: set[str]
    numbers: set[str]

    @classmethod
    def of(cls, text: str, extra: str = "") -> "PassageIndex":
        c = canon(text + "\n" + extra)
        fs = _facts_of_canon(c)
        nums = {re.match(r"(?:第)?([0-9.]+)", f).group(1) for f in fs}
        return cls(text, set(lemma_terms(c)), set(gram_terms(c)), fs, nums)


@dataclass(frozen=True)
class SentenceCheck:
    text: str  # the sentence, markers removed
    cited: tuple[int, ...]  # passage numbers it cites
    supported_by: tuple[int, ...]  # cited passages that support it
    score: float  # best support score over the cited passages
    missing: tuple[str, ...]  # numbers/dates/articles absent from the best cited passage
    reason: str  # ok | no-citation | bad-citation | low-overlap | fact-mismatch
    best_passage: int | None = None  # best passage overall (diagnostic; may be uncited)
    scores: dict[int, float] = field(default_factory=dict)

    @property
    def supported(self) -> bool:
        return bool(self.supported_by)


def _is_number(term: str) -> bool:
    return bool(re.fullmatch(r"[0-9.,]+", term))


@dataclass(frozen=True)
class SentenceTerms:
    """An answer sentence analysed once, to be scored against every passage."""

    text: str
    canonical: str  # canon(text)
    lemmas: tuple[str, ...]  # distinct content lemmas of the canonical text, numbers left out
    grams: frozenset[str]

    @classmethod
    def of(cls, sentence: str) -> "SentenceTerms":
        c = canon(sentence)
        lemmas = tuple(t for t in dict.fromkeys(lemma_terms(c)) if not _is_number(t))
        return cls(sentence, c, lemmas, frozenset(gram_terms(c)))


def support_score(sentence: str | SentenceTerms, passage: PassageIndex, idf: IdfFn | None = None) -> float:
    """0.5 × (IDF-weighted) lemma coverage + 0.5 × bigram coverage of the sentence by the passage."""
    s = sentence if isinstance(sentence, SentenceTerms) else SentenceTerms.of(sentence)
    lemmas, grams = s.lemmas, s.grams
    weight = (lambda t: max(idf(t), 0.1)) if idf else (lambda t: 1.0)
    total = sum(weight(t) for t in lemmas)
    lem = sum(weight(t) for t in lemmas if t in passage.lemmas) / total if total else 0.0
    gram = len(grams & passage.grams) / len(grams) if grams else 0.0
    if not lemmas:
        return gram
    return 0.5 * lem + 0.5 * gram


def check_sentence(
    sentence: str,
    cited: Sequence[int],
    passages: Sequence[PassageIndex],
    *,
    threshold: float = 0.5,
    idf: IdfFn | None = None,
) -> SentenceCheck:
    st = SentenceTerms.of(sentence)  # analysed once, scored against each passage
    scores = {n: support_score(st, p, idf) for n, p in enumerate(passages, start=1)}
    best_overall = max(scores, key=scores.get) if scores else None
    if not cited:
        return SentenceCheck(sentence, (), (), 0.0, (), "no-citation", best_overall, scores)
    valid = [n for n in cited if 1 <= n <= len(passages)]
    if not valid:
        return SentenceCheck(sentence, tuple(cited), (), 0.0, (), "bad-citation", best_overall, scores)
    need = _facts_of_canon(st.canonical)
    supported: list[int] = []
    best_n = max(valid, key=lambda n: scores[n])
    missing_best: tuple[str, ...] = ()
    for n in valid:
        p = passages[n - 1]
        missing = tuple(sorted(f for f in need if not _fact_present(f, p.facts, p.numbers)))
        if n == best_n:
            missing_best = missing
        if scores[n] >= threshold and not missing:
            supported.append(n)
    if supported:
        reason = "ok"
    elif scores[best_n] < threshold:
        reason = "low-overlap"
    else:
        reason = "fact-mismatch"
    return SentenceCheck(
        sentence, tuple(cited), tuple(supported), scores[best_n], missing_best, reason, best_overall, scores
    )


def index_passages(passages: Sequence) -> list[PassageIndex]:
    """PassageIndex for retrieved Passages (hit text + title/heading/article) or plain strings.

    Built from the text the model saw: an injected instruction, redacted from
    the prompt, is no evidence either.
    """
    out = []
    for p in passages:
        if isinstance(p, str):
            out.append(PassageIndex.of(redact_instructions(p).text))
        else:
            h = p.hit
            extra = " ".join(x for x in (h.title, h.heading, h.article) if x)
            out.append(PassageIndex.of(redact_instructions(h.text).text, extra))
    return out


def verify_text(
    text: str, passages: Sequence, *, threshold: float = 0.5, idf: IdfFn | None = None
) -> list[SentenceCheck]:
    """Check every sentence of ``text`` against the passages it cites (numbered from 1)."""
    idx = passages if passages and isinstance(passages[0], PassageIndex) else index_passages(passages)
    return [check_sentence(s, c, idx, threshold=threshold, idf=idf) for s, c in split_answer(text)]


IndexT = TypeVar("IndexT")


class Verifier(Protocol[IndexT]):
    """Checks an answer sentence against the passages it cites.

    :class:`~model.grounded.GroundedAnswerer` calls :meth:`index` once per
    answer (passages numbered from 1 in the order given) and :meth:`check` for
    every answer sentence; ``IndexT`` is whatever the verifier prepares per
    passage (terms, vectors…). :class:`LexicalVerifier` is the default; an
    embedding- or NLI-based one only has to provide these two methods.
    """

    def index(self, passages: Sequence[Passage]) -> Sequence[IndexT]: ...

    def check(
        self, sentence: str, cited: Sequence[int], index: Sequence[IndexT], *,
        threshold: float, idf: IdfFn | None,
    ) -> SentenceCheck: ...


class LexicalVerifier:
    """Lemma and bigram coverage plus exact numbers, dates and articles (the module docstring).

    >>> v = LexicalVerifier()
    >>> v.check("受付は9時からです。", [1], v.index(["受付は9時から17時までです。"])).supported   # doctest: +SKIP
    True
    """

    def index(self, passages: Sequence[Passage | str]) -> list[PassageIndex]:
        return index_passages(passages)

    def check(
        self, sentence: str, cited: Sequence[int], index: Sequence[PassageIndex], *,
        threshold: float = 0.5, idf: IdfFn | None = None,
    ) -> SentenceCheck:
        return check_sentence(sentence, cited, index, threshold=threshold, idf=idf)


def render(checks: Sequence[SentenceCheck], mode: str = "remove") -> str:
    """The answer rebuilt from checked sentences.

    ``remove``: unsupported sentences are dropped; ``mark``: kept, with
    「（根拠未確認）」. Either way a kept sentence cites only the passages that support it.
    """
    parts = []
    for c in checks:
        markers = "".join(f"[{n}]" for n in (c.supported_by or c.cited))
        if c.supported:
            parts.append(f"{c.text}{markers}" + sentence_sep(c.text))
        elif mode == "mark":
            parts.append(f"{c.text}{markers}{UNVERIFIED_MARK}" + sentence_sep(c.text))
    return "".join(parts).rstrip("\n")


def sentence_sep(sentence: str) -> str:
    """What goes after a sentence (and its markers) so that it stays one sentence:
    nothing after 。！？, a line break after a heading or table row."""
    return "" if sentence.rstrip().endswith(("。", "！", "？", "!", "?")) else "\n"


def citation_precision(checks: Sequence[SentenceCheck]) -> float | None:
    """Share of (sentence, cited passage) pairs where the passage supports the sentence."""
    pairs = sum(len(c.cited) for c in checks)
    good = sum(len(c.supported_by) for c in checks)
    return good / pairs if pairs else None
