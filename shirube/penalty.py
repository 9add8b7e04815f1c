"""A penalty question follows the duty to the provision that punishes breaking it.

Statutes put their penalties in a chapter of their own (罰則), and a penalty
provision names the duty only by number: 「第十四条の規定に違反した者は、六月以下の
拘禁刑又は五十万円以下の罰金に処する。」 (労働安全衛生法第百十九条). Asked
「作業主任者を選任しなかった場合の罰則は？」, retrieval finds the duty (第十四条,
作業主任者を選任し…) but not the penalty, which shares none of the question's words.

So when a question asks about a penalty and the first retrieved passage is an
article of a law that punishes nothing itself, :func:`penalty_search` names a
lookup: the live chunks of the same document that cite that article, resolved
inside the asker's access filter like any hit; :func:`penalty_passages` keeps
the first that imposes a penalty, which :mod:`shirube.search` adds after the
first passage. The answerer (:func:`model.quote_shape.penalty_for`) then leads
with the penalty and quotes the duty after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from model.answerer import Passage
from model.qtype import ASKS_PENALTY, IMPOSES_PENALTY
from model.quote_shape import article_cited, article_of


@dataclass(frozen=True)
class PenaltySearch:
    """The lookup: the document it stays in and the duty's locator, whose article the penalty
    must cite (or, from another paragraph of that article, the duty's paragraph)."""

    document_id: int
    duty: str  # the duty's locator (第十四条第二項, 附則第三条第四項)

    @property
    def article(self) -> str:
        """The article the penalty must cite (第十四条 of 第十四条第二項)."""
        return article_of(self.duty)

    def cites(self, text: str, locator: str | None = None) -> bool:
        """Whether ``text`` (at ``locator``) cites :attr:`article` itself (第十四条, not
        第十四条の二) or, from the same article, the duty's paragraph (第四項に規定する者)."""
        return article_cited(self.duty, text, locator)


def penalty_search(question: str, passages: Sequence[Passage]) -> PenaltySearch | None:
    """The lookup for the penalty of the duty the first passage states, or None (the
    question asks no penalty, the passage is no law article, or it punishes itself)."""
    if not ASKS_PENALTY.search(question) or not passages:
        return None
    hit = passages[0].hit
    duty = hit.article or ""
    if not article_of(duty) or IMPOSES_PENALTY.search(hit.text):
        return None
    return PenaltySearch(hit.document_id, duty)


def penalty_passages(search: PenaltySearch, found: Sequence[Passage], have: Sequence[Passage]) -> list[Passage]:
    """The first passage of ``found`` that cites the article and imposes a penalty, unless already in ``have``."""
    seen = {p.hit.chunk_id for p in have}
    for p in found:
        if p.hit.chunk_id not in seen and IMPOSES_PENALTY.search(p.hit.text) and search.cites(p.hit.text, p.hit.article):
            return [p]
    return []
