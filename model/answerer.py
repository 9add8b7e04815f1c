"""The Answerer protocol and the passage record answerers read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple, Protocol

from jtext.offsets import map_offset
from jtext.terms import QueryTerms

from .records import Answer, Citation, Hit


class Quote(NamedTuple):
    """A span of a section's original text: the text and its offsets in that section."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """A retrieved hit plus what is needed to quote its original text.

    ``terms``: the chunk's lemma terms as stored at ingest (title, heading,
    article and text; see :func:`jtext.terms.index_text`), so an answerer need
    not run the morphological analyser over the whole passage again; ``None``
    when not known (the answerer then analyses the text itself).
    """

    hit: Hit
    section_original: str
    offset_map: list[list[int]]
    terms: frozenset[str] | None = None

    def quote(self, start: int, end: int) -> Quote:
        """Original text for a span given in the chunk's normalised text."""
        a = map_offset(self.offset_map, self.hit.start + start)
        b = map_offset(self.offset_map, self.hit.start + end)
        return Quote(self.section_original[a:b], a, b)

    def citation(self, n: int, start: int, end: int) -> Citation:
        q = self.quote(start, end)
        h = self.hit
        return Citation(
            n, h.chunk_id, h.document_id, h.section_id, h.title, h.source,
            h.page, h.article, h.heading, q.text, q.start, q.end,
        )


TokenCallback = Callable[[str], None]


class Answerer(Protocol):
    """Turns retrieved passages into a cited answer.

    ``on_token`` (optional) receives the answer text piece by piece as it is
    produced (tokens for an LLM, sentences for the extractive answerer), so
    the UI can stream it; the returned :class:`Answer` is always complete.
    ``query`` (optional) is ``question`` already analysed (by retrieval), so
    it is not normalised and tokenised again; an answerer that falls back to
    another passes it on.
    """

    name: str
    model_id: str

    def answer(
        self, question: str, passages: list[Passage], *, on_token: TokenCallback | None = None,
        query: QueryTerms | None = None,
    ) -> Answer: ...


IdfFn = Callable[[str], float]
