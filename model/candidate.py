"""What the extractive answerer knows about the quote it would give, and what it decides.

:class:`Candidate` is the quote before any threshold is applied, with the question's own rules
checked against it (another source, owner, year, the negated opposite, another role, size or
period, a figure left to a 政令); :class:`Decision` is the answer or refusal and the check that
decided it, one of :data:`CHECKS` in the order :class:`model.extractive.ExtractiveAnswerer` applies
them (``Answer.meta["decided_by"]``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .answerability import Signals
from .qtype import QuestionType
from .sentence_score import Scored as _Scored


@dataclass(frozen=True)
class Candidate:
    """The quote the answerer would give, before it decides to give it."""

    chosen: list[_Scored]
    signals: Signals
    # every source (…法, …条例) and local government (かつらぎ町) the question names is named by the quote's
    # context, or the context names no other local government
    named_ok: bool
    form_ok: bool  # a quantity question's answer form (an amount, a date, a count) is in the quote
    qt: QuestionType
    # (the question's owner, the attribute, another owner) when the lead's section is about the asked
    # attribute of another owner (犬の登録 for 飼い猫の登録: model/owner.py); None otherwise
    other_owner: tuple[str, str, str] | None = None
    year_ok: bool = True  # the lead's passage names a year the question names (令和7年度), or it names none
    negation_ok: bool = True  # no negated key (非課税世帯) is quoted only without its negation (課税世帯)
    role_ok: bool = True  # a who question's role (会長 of 会長は誰) is named by the quote
    # no size (20リットル), rate period (1週間に), whereabouts or plan asked is quoted only for others or
    # without it, and no どこ / 誰 answer is a template's blank (（裁判所名）)
    detail_ok: bool = True
    delegated: bool = False  # what is asked is left by the quote to a 政令 or 規則 (政令で定める額(以下「基準額」…))
    # every sentence of the passages as the scorer ranked them, before the lead was chosen (a refusal's
    # closest passages are shown at their best one: ExtractiveAnswerer._closest)
    sentences: tuple[_Scored, ...] = ()

    @property
    def mismatch(self) -> bool:
        """The quote answers another question than the one asked: another source, owner,
        year, the negated opposite, another role, another size or period, or a figure it leaves to a
        政令 (the question's own rules)."""
        return self.mismatched_by is not None

    @property
    def mismatched_by(self) -> str | None:
        """The first of the question's own rules the quote fails (a :data:`CHECKS` name), or ``None``."""
        for check, failed in (("named_ok", not self.named_ok), ("other_owner", self.other_owner is not None),
                              ("year_ok", not self.year_ok), ("negation_ok", not self.negation_ok),
                              ("role_ok", not self.role_ok), ("detail_ok", not self.detail_ok),
                              ("delegated", self.delegated)):
            if failed:
                return check
        return None


# Which check decides a question, in the order ExtractiveAnswerer applies them (Decision.check,
# Answer.meta["decided_by"]): the evidence threshold, no quote at all, the question's own rules
# (Candidate.mismatched_by), the key terms, the answer form, the learned answerability, the judge.
CHECKS = ("min_evidence", "no_quote", "named_ok", "other_owner", "year_ok", "negation_ok", "role_ok", "detail_ok",
          "delegated", "min_key", "require_form", "min_confidence", "min_judge", "answered")


@dataclass(frozen=True)
class Decision:
    """What the answerer decides for a question, and the check that decides it
    (``check``: one of :data:`CHECKS`; "answered" when every check passes)."""

    check: str
    candidate: Candidate | None  # None: refused before a quote was found (min_evidence, no_quote)
    grounding: float
    meta: dict[str, float]  # the learned answerability and the judge's probability, where computed

    @property
    def answered(self) -> bool:
        return self.check == "answered"
