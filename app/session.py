"""Who is using the app in this run: the logged-in user and the per-run context.

Imported by app/auth.py (which logs users in) and by the pages (which read
:func:`context`); it imports neither, so the app's modules depend one way.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from shirube.api import ROLE_LABELS, AccessFilter, Shirube

from .state import AppConfig


@dataclass(frozen=True)
class SessionUser:
    name: str
    role: str
    clearance: int
    departments: tuple[str, ...]

    @property
    def access(self) -> AccessFilter:
        """Same filter as ``Accounts.access_for`` (clearance, departments)."""
        return AccessFilter(clearance=self.clearance, departments=frozenset(self.departments),
                            admin=self.role == "admin")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class Context:
    cfg: AppConfig
    sh: Shirube
    user: SessionUser
    access: AccessFilter


def context() -> Context:
    """The config, engine and logged-in user of this run (set by app/main.py)."""
    ctx = st.session_state.get("_ctx")
    if ctx is None:
        st.error("ログインしてください")
        st.stop()
    return ctx
