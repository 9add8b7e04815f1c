"""Loaded document → normalised sections → chunks with index terms.

:func:`process_file` is the whole per-file pipeline (sniff, parse, normalise,
morphology, chunk, terms) that ingest runs in the sandbox worker
(``indexer/sandbox.py``); it returns plain picklable records, so the server
process only writes them to the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from jtext.terms import index_text, lemma_terms
from jtext.offsets import compress_offsets
from .chunker import chunk_text
from jtext.normalize import normalize
from .loaders import LoadLimits, load_bytes
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


@dataclass(frozen=True)
class ProcessedFile:
    """One file, processed: the loader's record without its sections (their
    text is in ``sections``, as extracted and as normalised) and the chunks."""

    doc: LoadedDocument  # source, kind, title, pages, encoding, meta; sections=()
    sections: list[ProcessedSection]


def process_loaded(doc: LoadedDocument, chunk_tokens: int, overlap: int) -> ProcessedFile:
    return ProcessedFile(replace(doc, sections=()), process_document(doc, chunk_tokens, overlap))


def process_file(data: bytes, name: str, limits: LoadLimits, chunk_tokens: int, overlap: int) -> ProcessedFile:
    """Bytes of one file → :class:`ProcessedFile` (LoaderError for a bad file)."""
    return process_loaded(load_bytes(data, name, limits), chunk_tokens, overlap)
