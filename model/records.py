"""Result records shared by retrieval, answerers, CLI and app."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class _Located:
    """Where a Hit or Citation sits in its document, and its JSON form with it."""

    page: int | None
    article: str | None
    heading: str | None

    @property
    def locator(self) -> str:
        """Human citation locator: 「p.3」 or 「第十二条第二項」."""
        parts = []
        if self.page is not None:
            parts.append(f"p.{self.page}")
        if self.article:
            parts.append(self.article)
        if not parts and self.heading:
            parts.append(self.heading.split(" > ")[-1])
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)  # type: ignore[call-overload]  # subclasses are dataclasses
        d["locator"] = self.locator
        return d


@dataclass(frozen=True)
class Hit(_Located):
    """One retrieved passage (a chunk) with where it comes from."""

    chunk_id: int
    document_id: int
    section_id: int
    title: str
    source: str
    kind: str
    label: int
    page: int | None
    article: str | None
    heading: str | None
    text: str  # normalised chunk text
    start: int  # span of the chunk in the section's normalised text
    end: int
    score: float
    scores: dict[str, float] = field(default_factory=dict)  # per ranker
    aliases: tuple[str, ...] = ()  # the document's other names (an e-Gov law's 略称: 番号法, マイナンバー法)


def document_aliases(meta: dict[str, Any] | None) -> tuple[str, ...]:
    """A document's other names as its catalog row stores them (``meta["abbrev"]``, comma-separated).

    >>> document_aliases({"abbrev": "マイナンバー法,個人番号法,番号法"})
    ('マイナンバー法', '個人番号法', '番号法')
    >>> document_aliases(None)
    ()
    """
    return tuple(a for a in str((meta or {}).get("abbrev", "")).split(",") if a)


@dataclass(frozen=True)
class Citation(_Located):
    """An exact quoted sentence backing part of an answer."""

    n: int  # the [n] marker in the answer text
    chunk_id: int
    document_id: int
    section_id: int
    title: str
    source: str
    page: int | None
    article: str | None
    heading: str | None
    quote: str  # the sentence as it appears in the ORIGINAL extracted text
    start: int  # span of the quote in the section's original text
    end: int


NOT_FOUND = "資料の中に該当する記述が見つかりませんでした。"


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: tuple[Citation, ...]
    answered: bool  # False: the documents do not answer (text is NOT_FOUND)
    passages: tuple[Hit, ...]  # the closest passages (shown when not answered)
    answerer: str
    model_id: str
    grounding: float  # evidence strength in [0, 1]
    latency_s: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    searched: str | None = None  # the question actually searched, when it differs from ``question`` (a follow-up)
    # a refusal's closest passages, each at its sentence nearest the question (``n``: the passage's place in
    # ``passages``, from 1), shown instead of the passage's opening; () when answered or not known
    closest: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "answered": self.answered,
            "grounding": round(self.grounding, 4),
            "answerer": self.answerer,
            "model_id": self.model_id,
            "latency_s": round(self.latency_s, 4),
            "citations": [c.to_dict() for c in self.citations],
            "passages": [h.to_dict() for h in self.passages],
            "meta": self.meta,
            "searched": self.searched,
            "closest": [c.to_dict() for c in self.closest],
        }

    def as_memo(self) -> str:
        """Plain text with the citation list, for pasting into a memo."""
        lines = [self.text, ""]
        for c in self.citations:
            lines.append(f"[{c.n}] {c.title} {c.locator}「{c.quote.strip()}」")
        return "\n".join(lines).rstrip()
