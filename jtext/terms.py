"""What goes into the lexical indexes, the same way for chunks and queries.

Two term streams per text: content-word lemmas (fugashi) for BM25, and
character bigrams for the n-gram index. Both include the searchable variants
of article numbers and era dates (第12条 ↔ 第十二条, 令和5年 ↔ 2023年), so a
question in either form finds the text in the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from .morph import char_ngrams, content_terms
from .normalize import normalize_query
from .numerals import search_expansions


def _with_expansions(text: str) -> str:
    extra = search_expansions(text)
    return text if not extra else text + "\n" + " ".join(extra)


def lemma_terms(text: str) -> list[str]:
    return content_terms(_with_expansions(text))


def gram_terms(text: str) -> list[str]:
    return char_ngrams(_with_expansions(text))


def index_text(title: str, heading: str | None, body: str) -> str:
    """The text a chunk is indexed under: its title and heading path give
    context a lone paragraph lacks (e.g. which ordinance a 第三条 belongs to)."""
    parts = [title]
    if heading:
        parts.append(heading)
    parts.append(body)
    return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class QueryTerms:
    """A question analysed once: what retrieval and the answerers read of it."""

    text: str  # as asked
    normalized: str  # normalize_query(text)
    lemmas: tuple[str, ...]  # lemma_terms(normalized), in order, with repeats
    grams: tuple[str, ...]  # gram_terms(normalized), in order, with repeats


def analyse_query(text: str) -> QueryTerms:
    """Normalise ``text`` and compute both term streams of it, once."""
    q = normalize_query(text)
    return QueryTerms(text, q, tuple(lemma_terms(q)), tuple(gram_terms(q)))
