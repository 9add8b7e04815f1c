"""Who may see which document.

A user sees a document when its 機密性 label is at most the user's clearance
and, for labels 2 and 3, the document names no department or shares one with
the user. Label 1 (公開相当) is visible to every user with any clearance.
Applied inside retrieval (see hybrid.rank), never by post-filtering results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


def clean_departments(departments: Iterable[str]) -> list[str]:
    """Departments as stored on documents and users: stripped, unique, sorted."""
    return sorted({d.strip() for d in departments if d and d.strip()})


@dataclass(frozen=True)
class AccessFilter:
    clearance: int = 3
    departments: frozenset[str] | None = None  # None: not restricted by department
    document_ids: frozenset[int] | None = None  # optional restriction to some documents
    labels: frozenset[int] | None = None  # optional filter on labels
    admin: bool = False

    def allows(self, label: int, departments: list[str] | tuple[str, ...], document_id: int | None = None) -> bool:
        if self.document_ids is not None and document_id not in self.document_ids:
            return False
        if self.labels is not None and label not in self.labels:
            return False
        if label > self.clearance:
            return False
        if label >= 2 and self.departments is not None and departments:
            return bool(self.departments & set(departments))
        return True

    def allows_document(self, doc: Any) -> bool:
        """:meth:`allows` for a catalog document row (``label``, ``departments``, ``id``)."""
        return self.allows(doc.label, doc.departments or [], doc.id)

    @property
    def key(self) -> tuple:
        return (
            self.clearance,
            tuple(sorted(self.departments)) if self.departments is not None else None,
            tuple(sorted(self.document_ids)) if self.document_ids is not None else None,
            tuple(sorted(self.labels)) if self.labels is not None else None,
        )

    @property
    def unrestricted(self) -> bool:
        return (
            self.clearance >= 3
            and self.departments is None
            and self.document_ids is None
            and self.labels is None
        )


EVERYTHING = AccessFilter()
