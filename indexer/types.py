"""Small immutable records passed between the ingestion stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """One citable unit of a source document, as extracted (not normalised).

    A PDF gives one section per page; a law one per paragraph (article label
    like ``第十二条第二項``), from e-Gov XML or a statute given as HTML, text or
    PDF (``indexer/loaders/law_text.py``); text/Markdown/HTML one per heading block.
    """

    text: str
    page: int | None = None  # 1-based PDF page number
    article: str | None = None  # e.g. "第十二条第二項第一号" (kanji form, as in the law)
    heading: str | None = None  # heading path, e.g. "第二章 申請 > 第五条（申請書）"


@dataclass(frozen=True)
class LoadedDocument:
    """What a loader returns for one file."""

    source: str  # file name as given by the user (sanitised)
    kind: str  # "pdf" | "text" | "markdown" | "html" | "egov_xml"
    title: str
    sections: tuple[Section, ...]
    pages: int | None = None  # PDF page count
    encoding: str | None = None  # detected text encoding (text-like kinds)
    meta: dict[str, str] = field(default_factory=dict)  # e.g. {"law_num": "..."}
