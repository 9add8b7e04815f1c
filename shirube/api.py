"""The public surface of Shirube for front ends (the Streamlit app, scripts).

Everything a front end needs comes from here, so it never reaches past the
engine into the catalog, the index or the models::

    from shirube.api import EVERYTHING, Shirube

    sh = Shirube.open(home=".shirube")
    user = sh.accounts.authenticate("tanaka", password)
    access = sh.accounts.access_for(user.name)
    answer = sh.ask("粗大ごみの大きさの基準は？", access=access, user=user.name)

Errors and settings live in :mod:`base.errors` and :mod:`base.settings`.
"""

from __future__ import annotations

from base.settings import ANSWERERS
from model.records import Answer, Citation, Hit
from retrieval.access import EVERYTHING, AccessFilter

from .accounts import ROLE_LABELS, ROLES, Accounts, AuditTrail, has_role, user_dict
from .engine import BatchReport, FileResult, Original, Shirube
from .evaluate import REFUSAL_LABELS, QAItem, evaluate, evaluate_answerers, load_qa, refusal_lines
from .manifests_view import manifest_visible
from .writer_process import job_runner, reindex_in_process
from .tokens import TokenInvalid

__all__ = [
    # the engine and what it returns
    "Shirube", "BatchReport", "FileResult", "Original", "Answer", "Citation", "Hit",
    # who may see what
    "AccessFilter", "EVERYTHING",
    # users and the audit log (sh.accounts, sh.audit_trail)
    "Accounts", "AuditTrail", "ROLES", "ROLE_LABELS", "has_role", "user_dict",
    # HTTP API tokens (sh.tokens)
    "TokenInvalid",
    # re-indexes and ingest jobs in a lower-priority child process (the app keeps answering)
    "reindex_in_process", "job_runner",
    # batch manifests
    "manifest_visible",
    # answerers and evaluation
    "ANSWERERS", "QAItem", "REFUSAL_LABELS", "evaluate", "evaluate_answerers", "load_qa", "refusal_lines",
]
