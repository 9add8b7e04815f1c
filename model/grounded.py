"""What every LLM answerer shares: prompt → generate → verify → (fallback).

A backend (gguf, transformers, openai) only implements :meth:`generate`
(stream text pieces, stop at the timeout, count tokens) and
:meth:`provenance`. :class:`GroundedAnswerer` turns that into the Answerer
protocol:

* the grounded prompt of :mod:`model.prompt` (numbered, fenced passages);
* ``on_token`` streaming of *verified* text: tokens are buffered to the end
  of each sentence, the sentence is checked against the passages it cites
  (a :class:`~model.verify.Verifier`, lexical by default) and only then
  passed on — removed or marked 「（根拠未確認）」 per ``verify_mode`` — so
  the UI never shows an unchecked sentence;
* a model that says the documents do not answer yields a refusal
  (``answered=False``);
* with ``gate`` (the default), the extractive fallback's calibrated
  answerability decision runs first: when it finds no answer in the passages
  the answerer refuses without generating (``meta["gate"] = "refused"``), so
  a generator never answers what the refusal model would refuse;
* when no sentence survives, or the backend fails or times out with
  nothing usable, the extractive answer is returned instead
  (``meta["fallback"] = "extractive"``).

``Answer.meta`` carries the raw generation, per-sentence verdicts, token
counts, tokens/s, the timeout flag and the model's provenance.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from base.errors import AnswerError
from jtext.sentences import Sentence, split_sentences
from jtext.terms import QueryTerms

from .answerer import IdfFn, Passage, TokenCallback
from .prompt import MAX_PASSAGE_CHARS, build_messages
from .records import NOT_FOUND, Answer, Citation
from .verify import (
    LexicalVerifier,
    PassageIndex,
    SentenceCheck,
    SentenceTerms,
    Verifier,
    citation_precision,
    is_refusal,
    render,
    split_answer,
    support_score,
)

PieceCallback = Callable[[str], None]


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    finish_reason: str  # stop | length | timeout
    model: str = ""
    timings: dict[str, float] | None = None  # backend's own (llama.cpp: prompt/predicted per second)

    @property
    def timed_out(self) -> bool:
        return self.finish_reason == "timeout"

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0


class SentenceStream:
    """Cuts streamed text into sentences, each with the [n] markers that follow it."""

    _CUT = re.compile(r"^(.*?[。！？!?\n](?:\s*[\[【][^\]】\n]{0,12}[\]】])*)(?=\s*[^\s\[【])", re.S)

    def __init__(self) -> None:
        self.buf = ""

    def feed(self, piece: str) -> list[str]:
        self.buf += piece
        out = []
        while True:
            m = self._CUT.match(self.buf)
            if not m:
                return out
            out.append(m.group(1))
            self.buf = self.buf[m.end(1):]

    def close(self) -> list[str]:
        rest, self.buf = self.buf, ""
        return [rest] if rest.strip() else []


class GroundedAnswerer:
    """Base class of the LLM answerers; subclasses implement generate() and provenance()."""

    name = "llm"
    model_id = "llm"

    def __init__(
        self,
        *,
        fallback: Any = None,
        idf: IdfFn | None = None,
        verify_mode: str = "remove",
        verify_threshold: float = 0.5,
        max_new_tokens: int = 512,
        temperature: float = 0.0,
        timeout_s: float = 120.0,
        max_passage_chars: int = MAX_PASSAGE_CHARS,
        verifier: Verifier[Any] | None = None,
        gate: bool = True,
    ) -> None:
        self.fallback = fallback
        self.gate = gate
        # how each answer sentence is checked against its citations (model.verify)
        self.verifier: Verifier[Any] = verifier if verifier is not None else LexicalVerifier()
        self.idf = idf
        self.verify_mode = verify_mode
        self.verify_threshold = verify_threshold
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.timeout_s = timeout_s
        self.max_passage_chars = max_passage_chars

    # -- backend -------------------------------------------------------------
    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float,
        timeout_s: float,
        on_piece: PieceCallback | None = None,
    ) -> Generation:
        raise NotImplementedError

    def provenance(self) -> dict[str, Any]:
        raise NotImplementedError

    # -- the Answerer protocol -------------------------------------------------
    def answer(
        self, question: str, passages: list[Passage], *, on_token: TokenCallback | None = None,
        query: QueryTerms | None = None,
    ) -> Answer:
        t0 = time.perf_counter()
        if not passages:
            return self._refusal(question, passages, t0, {"reason": "no passages"}, on_token)
        pre = None  # the extractive answer, computed once: the gate and the fallback share it
        if self.gate and self.fallback is not None:
            pre = self.fallback.answer(question, passages, query=query)
            if not pre.answered:
                return self._refusal(question, passages, t0, {
                    "gate": "refused", "grounding": pre.grounding,
                    "answerability": pre.meta.get("answerability"), "decided_by": pre.meta.get("decided_by"),
                    "provenance": self._provenance_safe(),
                }, on_token, pre.closest)
        pidx = self.verifier.index(passages)
        messages = build_messages(question, passages, max_chars=self.max_passage_chars)
        stream = SentenceStream()
        checks: list[SentenceCheck] = []
        refusal_seen = [False]
        held: list[str] = []  # marked sentences wait for a first supported one (else: fallback)

        def take(raw: str) -> None:
            for body, cited in split_answer(raw):
                if is_refusal(body) and not cited:
                    refusal_seen[0] = True
                    continue
                c = self.verifier.check(body, cited, pidx, threshold=self.verify_threshold, idf=self.idf)
                checks.append(c)
                if on_token is None:
                    continue
                shown = render([c], self.verify_mode)
                if shown and not c.supported and not any(x.supported for x in checks):
                    held.append(shown)
                    continue
                for piece in held + ([shown] if shown else []):
                    on_token(piece)
                held.clear()

        def on_piece(piece: str) -> None:
            for raw in stream.feed(piece):
                take(raw)

        meta: dict[str, Any] = {"provenance": self._provenance_safe()}
        try:
            gen = self.generate(
                messages, max_tokens=self.max_new_tokens, temperature=self.temperature,
                timeout_s=self.timeout_s, on_piece=on_piece,
            )
        except AnswerError as exc:
            meta["error"] = str(exc)
            return self._fallback(question, passages, t0, meta, on_token, query, pre)
        for raw in stream.close():
            take(raw)
        meta.update(
            raw=gen.text, prompt_tokens=gen.prompt_tokens, completion_tokens=gen.completion_tokens,
            generation_s=round(gen.seconds, 4), tokens_per_s=round(gen.tokens_per_s, 2),
            finish_reason=gen.finish_reason, timed_out=gen.timed_out, served_model=gen.model,
            timings=gen.timings,
            verification=[
                {"sentence": c.text, "cited": list(c.cited), "supported_by": list(c.supported_by),
                 "score": round(c.score, 3), "missing": list(c.missing), "reason": c.reason}
                for c in checks
            ],
            citation_precision=citation_precision(checks),
            verify_mode=self.verify_mode, verify_threshold=self.verify_threshold,
        )
        supported = [c for c in checks if c.supported]
        if not supported:
            if refusal_seen[0] or (is_refusal(gen.text) and not checks):
                # the gate let it through (its extractive answer has no closest sentences): read them now
                near = (pre.closest if pre is not None else ()) or self._closest(question, passages, query)
                return self._refusal(question, passages, t0, meta, on_token, near)
            return self._fallback(question, passages, t0, meta, on_token, query, pre)
        text = render(checks, self.verify_mode)
        meta["unsupported_sentences"] = len(checks) - len(supported)
        return Answer(
            question, text, tuple(self._citations(checks, passages)), True,
            tuple(p.hit for p in passages), self.name, self.model_id,
            len(supported) / len(checks), time.perf_counter() - t0, meta,
        )

    # -- helpers -----------------------------------------------------------------
    def _provenance_safe(self) -> dict[str, Any]:
        try:
            return self.provenance()
        except Exception as exc:  # provenance must never break an answer
            return {"error": f"{type(exc).__name__}: {exc}"}

    def _citations(self, checks: Sequence[SentenceCheck], passages: Sequence[Passage]) -> list[Citation]:
        """For each supporting passage, the passage sentence closest to the answer sentence.

        (The span is picked by lexical support whatever the verifier: it only
        narrows a citation the verifier has already accepted.)
        """
        out: list[Citation] = []
        seen: set[tuple[int, int]] = set()
        # each passage sentence is indexed once, however many answer sentences it supports
        sentences: dict[int, list[tuple[Sentence, PassageIndex]]] = {}
        for c in checks:
            if not c.supported_by:
                continue
            st = SentenceTerms.of(c.text)
            for n in c.supported_by:
                p = passages[n - 1]
                if n not in sentences:
                    sentences[n] = [(s, PassageIndex.of(s.text)) for s in split_sentences(p.hit.text)]
                if not sentences[n]:
                    continue
                best, _ = max(sentences[n], key=lambda x: support_score(st, x[1], self.idf))
                if (n, best.start) in seen:
                    continue
                seen.add((n, best.start))
                out.append(p.citation(n, best.start, best.end))
        out.sort(key=lambda x: (x.n, x.start))
        return out

    def _refusal(
        self, question: str, passages: list[Passage], t0: float, meta: dict[str, Any],
        on_token: TokenCallback | None, closest: tuple[Citation, ...] = (),
    ) -> Answer:
        if on_token is not None:
            on_token(NOT_FOUND)
        return Answer(
            question, NOT_FOUND, (), False, tuple(p.hit for p in passages), self.name, self.model_id,
            0.0, time.perf_counter() - t0, {**meta, "refused": True}, closest=closest,
        )

    def _closest(self, question: str, passages: list[Passage], query: QueryTerms | None) -> tuple[Citation, ...]:
        """The closest passages' nearest sentences, as the fallback answerer reads them (none without one)."""
        closest = getattr(self.fallback, "closest", None)
        return closest(question, passages, query) if closest is not None else ()

    def _fallback(
        self, question: str, passages: list[Passage], t0: float, meta: dict[str, Any],
        on_token: TokenCallback | None, query: QueryTerms | None = None, pre: Answer | None = None,
    ) -> Answer:
        if self.fallback is None:
            return self._refusal(question, passages, t0, {**meta, "fallback": None}, on_token)
        if pre is None:
            ans = self.fallback.answer(question, passages, on_token=on_token, query=query)
        else:  # already computed by the gate: stream it now
            ans = pre
            if on_token is not None:
                on_token(pre.text)
        return replace(
            ans, latency_s=time.perf_counter() - t0,
            meta={**ans.meta, **meta, "fallback": self.fallback.name, "fallback_model_id": self.fallback.model_id,
                  "llm": self.model_id},
        )
