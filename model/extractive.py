"""The default answerer: quote the sentences that best answer the question.

No language model, so nothing is invented: every sentence of the answer is a
sentence of a retrieved passage, followed by its [n] citation. Sentences are
scored by how much of the question's content (IDF-weighted lemmas, plus
character bigrams for compounds the dictionary splits differently) they
cover, with a prior for the passage's retrieval rank. When even the best
passage covers too little of the question, it says the documents do not
answer and lists the closest passages instead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from jtext.terms import QueryTerms, analyse_query, gram_terms, lemma_terms
from jtext.sentences import split_sentences

from .answerer import IdfFn, Passage, TokenCallback
from .records import NOT_FOUND, Answer


@dataclass(frozen=True)
class _Scored:
    score: float
    p_index: int
    start: int
    end: int
    text: str


_NUM = r"[0-9〇一二三四五六七八九十百千万,.]+"
# (question cue, what a sentence answering it contains). Generic Japanese
# question types, not tuned to one corpus: an amount asks for 円, 何歳 for 歳…
_QTYPES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(q), re.compile(a))
    for q, a in (
        (r"いくら|何円|金額|手数料|料金|費用|額は", rf"{_NUM}\s*(?:万|千|百)?円|無料"),
        (r"何歳|何才", rf"{_NUM}\s*歳"),
        (r"何年(?!度)", rf"{_NUM}\s*年"),
        (r"何日|何営業日", rf"{_NUM}\s*(?:営業)?日"),
        (r"何時間|何分", rf"{_NUM}\s*(?:時間|分)"),
        (r"何か月|何ヶ月|何カ月|何ヵ月", rf"{_NUM}\s*(?:か月|ヶ月|カ月|ヵ月)"),
        (r"何人|何名", rf"{_NUM}\s*(?:人|名)"),
        (r"何%|何パーセント|何割|割合", rf"{_NUM}\s*(?:%|パーセント|割)|{_NUM}分の{_NUM}"),
        (r"何件|何回|何部|何通|何枚|何台|何点|何キロ|何メートル|何センチ|どのくらい|どれくらい|どれだけ|最大|最長|上限|何倍",
         rf"{_NUM}\s*\S"),
        (r"いつ|何月|何時(?!間)|期限|期日|何曜|時期", rf"{_NUM}\s*(?:月|日|時)|曜日|令和|平成|昭和|まで|以内"),
        (r"どこ|場所|窓口|どの課|担当課|提出先|問い合わせ先", r"課|係|窓口|センター|庁舎|事務所|支所|室"),
        (r"誰|だれ|どなた|どの者", r"者|長|人|職員"),
    )
)


def answer_cues(question: str) -> list[re.Pattern[str]]:
    """Patterns that a sentence answering ``question`` is expected to contain."""
    return [a for q, a in _QTYPES if q.search(question)]


def _coverage(q_terms: dict[str, float], terms: AbstractSet[str]) -> float:
    total = sum(q_terms.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in q_terms.items() if t in terms) / total


def _evidence(q_terms: dict[str, float], q_grams: set[str], passages: list[Passage]) -> float:
    """Best share of the question's (IDF-weighted) content that one passage covers."""
    best = 0.0
    for p in passages:
        h = p.hit
        text = h.text + "\n" + (h.heading or "") + "\n" + (h.article or "") + "\n" + h.title
        # the lemmas stored at ingest are those of the same text (jtext.terms.index_text)
        terms = p.terms if p.terms is not None else set(lemma_terms(text))
        cov = _coverage(q_terms, terms)
        gram = len(q_grams & set(gram_terms(text))) / max(1, len(q_grams))
        best = max(best, 0.7 * cov + 0.3 * gram)
    return best


# A proviso (但書) or a follow-on sentence qualifies the sentence before it:
# quoting 「原則として子が1歳に達する日までとする。」 without the
# 「ただし、…延長することができる。」 that follows would misstate the rule.
_PROVISO = re.compile(r"^\s*(?:ただし|但し|なお書|この場合において)")


def _with_provisos(chosen: list[_Scored], passages: list[Passage]) -> list[_Scored]:
    """Extend each chosen sentence over the proviso that follows it (and a
    chosen proviso back over the sentence it qualifies), merging overlaps."""
    out: list[_Scored] = []
    for c in chosen:
        text = passages[c.p_index].hit.text
        sents = split_sentences(text)
        i = next((k for k, s in enumerate(sents) if s.start == c.start), None)
        if i is None:
            out.append(c)
            continue
        lo = i
        while lo > 0 and _PROVISO.match(sents[lo].text):
            lo -= 1
        hi = i
        while hi + 1 < len(sents) and _PROVISO.match(sents[hi + 1].text):
            hi += 1
        start, end = sents[lo].start, sents[hi].end
        merged = next((o for o in out if o.p_index == c.p_index and o.start < end and start < o.end), None)
        if merged is not None:
            start, end = min(start, merged.start), max(end, merged.end)
            out.remove(merged)
            c = _Scored(max(c.score, merged.score), c.p_index, start, end, text[start:end])
        else:
            c = _Scored(c.score, c.p_index, start, end, text[start:end])
        out.append(c)
    return out


class ExtractiveAnswerer:
    name = "extractive"
    model_id = "extractive-v1"

    def __init__(self, idf: IdfFn, max_sentences: int = 3, min_evidence: float = 0.35) -> None:
        self.idf = idf
        self.max_sentences = max_sentences
        self.min_evidence = min_evidence

    def _weights(self, query: QueryTerms) -> tuple[dict[str, float], set[str]]:
        """IDF weight of each question lemma, and the question's bigrams."""
        return {t: self.idf(t) for t in query.lemmas}, set(query.grams)

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

    def _answer(self, question: str, passages: list[Passage], query: QueryTerms) -> Answer:
        t0 = time.perf_counter()
        q_terms, q_grams = self._weights(query)
        grounding = _evidence(q_terms, q_grams, passages) if passages else 0.0
        if grounding < self.min_evidence or not passages:
            return Answer(
                question, NOT_FOUND, (), False, tuple(p.hit for p in passages),
                self.name, self.model_id, grounding, time.perf_counter() - t0,
            )
        cues = answer_cues(query.normalized)
        scored: list[_Scored] = []
        for pi, p in enumerate(passages):
            prior = 1.0 / (1.0 + 0.5 * pi)  # trust the retriever's order
            # A list item or table cell rarely repeats its topic: the heading
            # and the sentence before it lend context at a lower weight.
            heading_terms = set(lemma_terms(" ".join(x for x in (p.hit.heading, p.hit.article) if x)))
            prev_terms: set[str] = set()
            for s in split_sentences(p.hit.text):
                terms = set(lemma_terms(s.text))
                context = terms | heading_terms | prev_terms
                prev_terms = terms
                if len(s.text) < 4:
                    continue
                cov = 0.7 * _coverage(q_terms, terms) + 0.3 * _coverage(q_terms, context)
                grams = set(gram_terms(s.text))
                gram = len(q_grams & grams) / max(1, len(q_grams))
                cue = 0.25 if cues and any(c.search(s.text) for c in cues) else 0.0
                score = (0.6 * cov + 0.4 * gram + cue) * (0.5 + 0.5 * prior)
                scored.append(_Scored(score, pi, s.start, s.end, s.text))
        if not scored:
            return Answer(
                question, NOT_FOUND, (), False, tuple(p.hit for p in passages),
                self.name, self.model_id, 0.0, time.perf_counter() - t0,
            )
        scored.sort(key=lambda x: -x.score)
        best = scored[0]
        chosen = [best]
        for cand in scored[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if cand.score < 0.6 * best.score:
                break
            if any(c.text == cand.text for c in chosen):
                continue
            chosen.append(cand)
        chosen = _with_provisos(chosen, passages)
        # The passage holding the best sentence comes first; within a passage,
        # sentences keep their document order so the quote reads naturally.
        best_of = {}
        for c in chosen:
            best_of[c.p_index] = max(best_of.get(c.p_index, 0.0), c.score)
        chosen.sort(key=lambda c: (-best_of[c.p_index], c.p_index, c.start))
        parts, cites = [], []
        for n, c in enumerate(chosen, start=1):
            # every sentence carries its marker, also inside a rule + proviso quote
            parts.append("".join(f"{x.text}[{n}]" for x in split_sentences(c.text)) or f"{c.text}[{n}]")
            cites.append(passages[c.p_index].citation(n, c.start, c.end))
        return Answer(
            question, "".join(parts), tuple(cites), True, tuple(p.hit for p in passages),
            self.name, self.model_id, grounding, time.perf_counter() - t0,
        )
