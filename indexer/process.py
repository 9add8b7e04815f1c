"""Loaded document → normalised sections → chunks with index terms."""

from __future__ import annotations

from dataclasses import dataclass

from jtext.terms import index_text, lemma_terms
from jtext.offsets import compress_offsets
from .chunker import chunk_text
from jtext.normalize import normalize
from .types import LoadedDocument, Section


@dataclass(frozen=True)
class ProcessedChunk:
    ordinal: int
    start: int
    end: int
    text: str
    terms: list[str]
    n_tokens: int


@dataclass(frozen=True)
class ProcessedSection:
    ordinal: int
    page: int | None
    article: str | None
    heading: str | None
    text_original: str
    text: str
    offset_map: list[list[int]]
    chunks: list[ProcessedChunk]


def process_section(
    section: Section, ordinal: int, title: str, chunk_tokens: int, overlap: int, *, pdf: bool = False
) -> ProcessedSection:
    # Ruby remnants are PDF extraction artefacts; in typed text a
    # parenthesised reading such as 梅雨（ばいう） is content and stays.
    norm = normalize(section.text, join_lines=True, strip_ruby=pdf)
    heading = section.heading
    chunks = []
    for i, span in enumerate(chunk_text(norm.text, chunk_tokens, overlap)):
        body = norm.text[span.start : span.end]
        # The article label goes into the indexed text so 「第五条」 finds it.
        head = " > ".join(p for p in (heading, section.article) if p) or None
        chunks.append(
            ProcessedChunk(
                i, span.start, span.end, body,
                lemma_terms(index_text(title, head, body)), span.n_tokens,
            )
        )
    return ProcessedSection(
        ordinal, section.page, section.article, heading, section.text,
        norm.text, compress_offsets(norm.offsets), chunks,
    )


def process_document(doc: LoadedDocument, chunk_tokens: int, overlap: int) -> list[ProcessedSection]:
    title = normalize(doc.title, join_lines=False).text.strip() or doc.source
    out = []
    for i, sec in enumerate(doc.sections):
        ps = process_section(sec, i, title, chunk_tokens, overlap, pdf=doc.kind == "pdf")
        if ps.chunks:
            out.append(ps)
    return out
