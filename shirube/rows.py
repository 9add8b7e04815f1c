"""Catalog row helpers the services share: writing a processed document's
sections and chunks, the one visibility rule, and a document's public record."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from indexer.catalog import ChunkRow, Document, SectionRow
from indexer.process import ProcessedSection
from retrieval.access import AccessFilter


def add_sections(s: Session, row: Document, sections: list[ProcessedSection]) -> None:
    """Section and chunk rows of ``row`` (ingest, and a full re-index's re-chunking)."""
    for ps in sections:
        sec = SectionRow(
            document_id=row.id, ordinal=ps.ordinal, page=ps.page, article=ps.article,
            heading=ps.heading, text_original=ps.text_original, text=ps.text, offset_map=ps.offset_map,
        )
        s.add(sec)
        s.flush()  # the chunks need the section's id
        for c in ps.chunks:
            s.add(ChunkRow(
                document_id=row.id, section_id=sec.id, ordinal=c.ordinal, start=c.start, end=c.end,
                text=c.text, terms=" ".join(c.terms), n_tokens=c.n_tokens,
            ))
    s.flush()


def visible(doc: Document | None, access: AccessFilter) -> bool:
    """The one check behind section, original, provenance and search results."""
    return doc is not None and doc.status != "deleted" and access.allows_document(doc)


def document_dict(d: Document) -> dict[str, Any]:
    return {"id": d.id, "title": d.title, "source": d.source, "kind": d.kind, "pages": d.pages,
            "label": d.label, "departments": d.departments, "license": d.license, "status": d.status,
            "sha256": d.sha256, "batch_id": d.batch_id, "created_at": d.created_at.isoformat()}
