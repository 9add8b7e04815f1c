"""A question about when a law took effect goes to the law's own supplementary provision.

A statute as e-Gov publishes it carries, after its articles, its own 附則
(「附　則　抄」: 「この法律は、昭和二十二年十月二十日から、これを施行する。」) and
then one 附則 per amending law (「附　則（昭和二四年五月三一日法律第一五七号）」:
「この法律は、昭和二十四年六月一日から施行する。」). The amending laws' provisions
read the same and outnumber the law's own, so asked 「災害救助法はいつから施行
されましたか」, retrieval finds an amendment's date.

So when a question asks when a law (or an ordinance, a rule) took effect and
does not ask about an amendment (改正), and the first retrieved passage is an
article of such a text, :func:`enactment_search` names a lookup: the live
chunks of the same document under its own 附則 (a heading without an amending
law's number) that say 施行; :func:`enactment_passages` keeps the first,
which :mod:`shirube.search` puts first, at the first passage's score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from model.answerer import Passage

# 施行日は, いつから施行, 施行されたのは: when the text itself took effect.
ASKS_ENACTMENT = re.compile(r"施行(?:日|期日|され|した|する|の日)|いつから(?:施行|効力)")
# …and a date is asked (いつから施行, 施行日は？), not the day named as a condition (施行日以後に漏らした場合の罰則)
_ASKS_WHEN = re.compile(r"いつ|何年|何月|日付|時期|施行(?:日|期日)(?:は|って)\s*[？?]?\s*$")
# …の改正はいつ施行: an amendment's date is asked, which the amendments' own provisions answer.
_ASKS_AMENDMENT = re.compile(r"改正")
# The text's own 附則 (附　則 / 附則 抄 / 附則 > 第一条(施行期日)), not an amending law's
# (附　則（昭和二四年五月三一日法律第一五七号）).
_OWN_SUPPLEMENT = re.compile(r"^\s*附\s*則(?:\s*抄)?\s*(?:>|$)")
_TAKES_EFFECT = re.compile(r"施行する|施行し|施行期日")


@dataclass(frozen=True)
class EnactmentSearch:
    """The lookup: the document whose own 附則 says when it took effect."""

    document_id: int


def enactment_search(question: str, passages: Sequence[Passage]) -> EnactmentSearch | None:
    """The lookup for the text the first passage is an article of, or None (the question
    asks no date of effect — 施行日以後に as a condition asks none — or asks about an
    amendment, or the passage is no article)."""
    if (not passages or not ASKS_ENACTMENT.search(question) or not _ASKS_WHEN.search(question)
            or _ASKS_AMENDMENT.search(question)):
        return None
    hit = passages[0].hit
    if not hit.article:
        return None
    return EnactmentSearch(hit.document_id)


def own_supplement(heading: str | None, article: str | None) -> bool:
    """Whether a section is the text's own 附則 (not an amending law's)."""
    return bool(article and article.startswith("附則") and _OWN_SUPPLEMENT.match(heading or ""))


def enactment_passages(found: Sequence[Passage], have: Sequence[Passage]) -> list[Passage]:
    """The first passage of ``found`` (the document's own 附則, in document order) that says
    when the text takes effect, unless already the first of ``have``."""
    for p in found:
        if own_supplement(p.hit.heading, p.hit.article) and _TAKES_EFFECT.search(p.hit.text):
            if have and p.hit.chunk_id == have[0].hit.chunk_id:
                return []
            return [p]
    return []
