"""A statute's article found gets the 附則 provision that reads its figure otherwise for now.

雇用保険法第四十条 gives the 特例一時金 as 「三十日分」; its 附則第八条 reads 「三十日」 as 「四十日」
for the time being (当分の間). Retrieval finds the article, whose words the question shares, but
seldom the 附則, which names the article only by number. :func:`reading_search` names a lookup (the
live chunks of the article's document in its 附則 that say 当分の間 and cite the article),
:func:`reading_passages` keeps those that read one of the articles found, and
:mod:`shirube.search` adds them after the passages found; the answerer
(:func:`model.readings.current_reading`) then quotes the reading first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from model.answerer import Passage
from model.quote_shape import article_of
from model.readings import readings_in

# the first passages whose articles are looked up (the answerer's lead is one of them)
LOOKED_UP = 3


@dataclass(frozen=True)
class ReadingSearch:
    """The lookup: per document, the main-text articles found in it."""

    articles: dict[int, frozenset[str]]


def reading_search(passages: Sequence[Passage]) -> ReadingSearch | None:
    """The lookup for the first passages that are articles of a statute's main text, or None."""
    found: dict[int, set[str]] = {}
    for p in passages[:LOOKED_UP]:
        base = article_of(p.hit.article)
        if base and not base.startswith("附則"):
            found.setdefault(p.hit.document_id, set()).add(base)
    return ReadingSearch({d: frozenset(a) for d, a in found.items()}) if found else None


def reading_passages(search: ReadingSearch, found: Sequence[Passage], have: Sequence[Passage]) -> list[Passage]:
    """The passages of ``found`` (附則 chunks) that read one of the searched articles otherwise,
    unless already in ``have``."""
    seen = {p.hit.chunk_id for p in have}
    out = []
    for p in found:
        articles = search.articles.get(p.hit.document_id, frozenset())
        if p.hit.chunk_id in seen or not (p.hit.article or "").startswith("附則"):
            continue
        if any(r.article in articles for _, r in readings_in(p.hit.text)):
            out.append(p)
    return out
