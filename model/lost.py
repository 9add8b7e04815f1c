"""The checks that a quote, however close, has lost what the question asks about.

Each takes the question and the quote's evidence (the quote with its context:
:func:`model.sentence_score.quote_evidence`) and says True when the quote answers a sibling of the asked thing
rather than the thing: another size or length of time (:mod:`model.measures`), another period, another place,
counter, website or e-mail address, or no word of where a paper is had (:mod:`model.location`), a plan for a fact,
a fact for a plan or a rule for a past date (:mod:`model.plans`), the other of a contrast (:mod:`model.contrast`),
another member of a set (:mod:`model.siblings`), another thing's price (:mod:`model.priced`), no form of a paper
whose form is asked and nothing written in a paper whose entries are asked (:mod:`model.means`), no word of a death
the question sets as its case (:mod:`model.events`), another version of a document than the one named
(:mod:`model.versions`). The extractive answerer refuses when any says so.

>>> quote_lost("東地区の燃やすごみは何曜日ですか", "収集日:北地区は月曜日・木曜日、南地区は火曜日・金曜日")
True
>>> quote_lost("北地区の燃やすごみは何曜日ですか", "収集日:北地区は月曜日・木曜日、南地区は火曜日・金曜日")
False
"""

from __future__ import annotations

from collections.abc import Callable

from .contrast import contrast_lost
from .events import event_lost
from .location import counter_lost, location_lost, mail_lost, obtained_lost, site_lost, venue_lost
from .means import entries_lost, format_lost
from .measures import duration_lost, measure_lost, period_lost
from .plans import next_lost, outcome_lost, pending_lost, plan_lost, undated_lost
from .priced import priced_item_lost
from .siblings import sibling_lost
from .versions import version_lost

CHECKS: tuple[Callable[[str, str], bool], ...] = (
    measure_lost, period_lost, duration_lost, location_lost, venue_lost, counter_lost, site_lost, plan_lost,
    outcome_lost, next_lost, undated_lost, contrast_lost, sibling_lost, priced_item_lost, format_lost,
    entries_lost, pending_lost, event_lost, obtained_lost, mail_lost, version_lost,
)


def quote_lost(question: str, evidence: str) -> bool:
    """Whether any of :data:`CHECKS` finds the quote about something other than what is asked."""
    return any(lost(question, evidence) for lost in CHECKS)
