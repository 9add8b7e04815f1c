"""The library facade the CLI and the app both call.

>>> sh = Shirube.open(home=".shirube")                          # doctest: +SKIP
>>> report = sh.ingest(["samples/"], label=1, departments=["総務課"])
>>> sh.ask("育児休業は最長でいつまで延長できますか").text

:class:`Shirube` holds no logic of its own: it wires one :class:`~shirube.home.Home`
(settings, catalog, index store, write lock, audit log, embedder) to the
services that do the work and keeps the public API in one place:

- ``shirube/ingest.py``      files → catalog (batches, manifests)
- ``shirube/index_build.py`` catalog → index generations (reindex, crash repair)
- ``shirube/search.py``      search, passages, answerers, ask
- ``shirube/library.py``     status, documents, sections, provenance, originals,
                             relabel and delete
- ``shirube/jobs.py``        durable ingest jobs (uploads kept in the home, a worker thread)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from base.settings import Settings
from indexer.catalog import Catalog
from indexer.sandbox import ParseSandbox
from model.answerer import Passage
from model.embedders import Embedder
from model.records import Answer, Hit
from retrieval.access import EVERYTHING, AccessFilter
from retrieval.store import IndexStore, Snapshot

from .home import FileLoader, Home
from .index_build import IndexBuilder, Progress, no_progress
from .index_sync import IndexSync
from .ingest import BatchReport, FileResult, Ingester, Item, iter_files
from .jobs import JobService
from .library import Library, Original
from .search import Searcher

if TYPE_CHECKING:
    from .accounts import Accounts, AuditTrail
    from .conversations import Conversations
    from .login_sessions import LoginSessions
    from .tokens import TokenStore

__all__ = ["BatchReport", "FileResult", "Original", "Progress", "Shirube", "iter_files"]

class Shirube:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, *, create: bool = True) -> None:
        self._home = Home(settings, embedder, create=create)
        self._sync = IndexSync(self._home)  # the catalog's live generation, rebuilt here when behind
        self._searcher = Searcher(self._home, self._sync)
        # A new generation or a relabel makes cached allowed-id sets stale.
        self._indexer = IndexBuilder(self._home, on_switch=self._searcher.forget_allowed, sync=self._sync)
        self._ingester = Ingester(self._home, self._indexer)
        self._library = Library(self._home, self._indexer, forget_allowed=self._searcher.forget_allowed)
        self._jobs = JobService(self._home, self._indexer, self._ingester.ingest_items)
        self._accounts: Accounts | None = None
        self._audit_trail: AuditTrail | None = None

    @classmethod
    def open(cls, home: str | Path | None = None, *, create: bool = True, **overrides: Any) -> "Shirube":
        """Settings from ``home`` (config.toml, SHIRUBE_* env) plus ``overrides``.

        ``create=False``: a data directory that does not exist raises HomeMissing
        (read commands must not make an empty one)."""
        return cls(Settings.load(home=home, **overrides), create=create)

    def close(self) -> None:
        self._home.close()

    # -- the home ------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._home.settings

    @property
    def catalog(self) -> Catalog:
        return self._home.catalog

    @property
    def store(self) -> IndexStore:
        return self._home.store

    @property
    def embedder(self) -> Embedder:
        """The shared embedder, built on first use (thread-safe)."""
        return self._home.embedder

    @property
    def _sandbox(self) -> ParseSandbox | None:
        """The parse worker, once a parse has started it (tests check it survives hostile files)."""
        return self._home.sandbox

    @property
    def audit_anchor(self) -> Path:
        return self._home.audit_anchor

    def audit(self, user: str | None, action: str, detail: dict[str, Any]) -> None:
        """Append to the hash-chained audit log (see shirube/audit.py)."""
        self._home.audit(user, action, detail)

    @property
    def jobs(self) -> JobService:
        """Durable ingest jobs: submit uploads, run, resume, list (shirube/jobs.py)."""
        return self._jobs

    @property
    def accounts(self) -> "Accounts":
        """Users: add, authenticate, update, disable, list (shirube/accounts.py)."""
        from .accounts import Accounts

        if self._accounts is None:
            self._accounts = Accounts(self.catalog, record=self._home.audit, revoke=self._revoke_user)
        return self._accounts

    def _revoke_user(self, name: str, tokens: bool, by: str | None) -> None:
        """After a password, rights or disabled change (sh.accounts): the user's app sessions, and
        when disabled their API tokens, stop working at once."""
        self.sessions.revoke_user(name)
        if tokens:
            self.tokens.revoke_user(name, by=by)

    @property
    def tokens(self) -> "TokenStore":
        """Per-user HTTP API tokens: create, list, revoke, authenticate (shirube/tokens.py)."""
        from .tokens import TokenStore

        if getattr(self, "_tokens", None) is None:
            self._tokens = TokenStore(self.catalog, record=self._home.audit)
        return self._tokens

    @property
    def conversations(self) -> "Conversations":
        """Each user's conversations and answer ratings (shirube/conversations.py)."""
        from .conversations import Conversations

        if getattr(self, "_conversations", None) is None:
            self._conversations = Conversations(self.catalog, record=self._home.audit)
        return self._conversations

    @property
    def sessions(self) -> "LoginSessions":
        """The app's login sessions: signed tokens for a browser cookie (shirube/login_sessions.py)."""
        from .login_sessions import LoginSessions

        if getattr(self, "_sessions", None) is None:
            self._sessions = LoginSessions(self.catalog, self.settings.home)
        return self._sessions

    @property
    def audit_trail(self) -> "AuditTrail":
        """The audit log: events, verify, export (shirube/accounts.py)."""
        from .accounts import AuditTrail

        if self._audit_trail is None:
            self._audit_trail = AuditTrail(self.catalog, self.audit_anchor, seal=self._home.audit_seal)
        return self._audit_trail

    # -- writing -----------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        label: int = 1,
        departments: Iterable[str] = (),
        license: str = "",
        by: str | None = None,
        progress: Progress = no_progress,
        access: AccessFilter = EVERYTHING,
    ) -> BatchReport:
        """Ingest files and folders as one batch; bad files are reported, not fatal.

        ``access`` is the uploader's: a duplicate of a document they may not
        see is reported without its id or title.
        """
        return self._jobs.run_paths(  # a job of kind "paths" (shirube jobs lists it)
            self._ingester.ingest, paths, label=label, departments=departments, license=license, by=by,
            progress=progress, access=access,
        )

    def ingest_bytes(self, files: Iterable[tuple[str, bytes]], **kwargs: Any) -> BatchReport:
        """Same as :meth:`ingest` for uploaded (name, bytes) pairs."""
        return self._ingester.ingest_bytes(files, **kwargs)

    def ingest_items(
        self,
        items: list[Item],
        *,
        label: int = 1,
        departments: Iterable[str] = (),
        license: str = "",
        by: str | None = None,
        progress: Progress = no_progress,
        loader: FileLoader | None = None,
        access: AccessFilter = EVERYTHING,
    ) -> BatchReport:
        """(source, read, size) items as one batch; ``loader`` replaces the parser."""
        return self._ingester.ingest_items(
            items, label=label, departments=departments, license=license, by=by, progress=progress,
            loader=loader, access=access,
        )

    def reindex(self, full: bool = False, progress: Progress = no_progress, by: str | None = None) -> str | None:
        """Bring the index in line with the catalog.

        Incremental: embed chunks of pending documents, drop deleted ones.
        ``full``: re-normalise and re-chunk every document from its stored
        original text with the current settings, re-embed everything, and
        switch to the new generation atomically.
        """
        return self._indexer.reindex(full=full, progress=progress, by=by)

    def relabel_document(
        self, document_id: int, label: int | None = None, departments: Iterable[str] | None = None,
        by: str | None = None, access: AccessFilter | None = None, reason: str = "",
    ) -> dict[str, Any]:
        """Change a document's 機密性 label and/or departments (admins only).

        ``access``: the acting admin's — only a document they may see, never above their
        own clearance. Widening who may see it (a lower label, departments added or
        removed) is a ``declassify`` and needs a ``reason``. Chunks carry no copy of the
        label: every cached allowed-id set is invalidated, in this and every other
        process (``acl.version``).
        """
        return self._library.relabel_document(document_id, label, departments, by=by, access=access, reason=reason)

    def delete_document(self, document_id: int, by: str | None = None) -> str | None:
        """Mark a document deleted, re-sync the index without it, then drop its original."""
        return self._library.delete_document(document_id, by=by)

    # -- searching and answering -----------------------------------------------
    def snapshot(self) -> Snapshot:
        return self._searcher.snapshot()

    def search(
        self, query: str, k: int | None = None, *, access: AccessFilter = EVERYTHING, mode: str = "hybrid",
        timings: dict[str, float] | None = None, user: str | None = None,
    ) -> list[Hit]:
        """Hybrid search inside ``access``; ``user`` names who asks (for the audit log)."""
        return self._searcher.search(query, k, access=access, mode=mode, timings=timings, user=user)

    def passages(self, hits: list[Hit]) -> list[Passage]:
        return self._searcher.passages(hits)

    def answerer(self, name: str | None = None, **overrides: Any) -> Any:
        """The configured (or named) answerer, built once per name and reused."""
        return self._searcher.answerer(name, **overrides)

    def ask(
        self, question: str, *, history: Sequence[str] | None = None, access: AccessFilter = EVERYTHING,
        answerer: str | None = None, k: int | None = None, on_token: Callable[[str], None] | None = None,
        user: str | None = None, **answerer_overrides: Any,
    ) -> Answer:
        """Retrieve (inside the user's access filter) and answer with citations.

        ``history``: the conversation's previous questions, oldest first; an elliptical
        follow-up (「その場合、給与は？」) is searched with their topic and the answer's
        ``searched`` says what was searched. ``on_token`` streams the answer text.
        """
        return self._searcher.ask(
            question, history=history, access=access, answerer=answerer, k=k, on_token=on_token, user=user,
            **answerer_overrides,
        )

    # -- reading -------------------------------------------------------------
    def status(self, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """Counts of the documents ``access`` may see, the index, and the manifests it may read."""
        from .manifests_view import manifest_visible

        if access.unrestricted:
            return self._library.status()
        return self._library.status(access, lambda path: manifest_visible(self.catalog, access, path))

    def documents(self, access: AccessFilter = EVERYTHING) -> list[dict[str, Any]]:
        return self._library.documents(access)

    def document(self, document_id: int, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """One document's record (as in :meth:`documents`) if the user may see it."""
        return self._library.document(document_id, access)

    def section(self, section_id: int, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """A section's original text and metadata, for the source viewer."""
        return self._library.section(section_id, access)

    def preview(self, document_id: int, access: AccessFilter = EVERYTHING, chars: int = 800) -> dict[str, Any]:
        """The opening text of a document the user may see (the library's preview)."""
        return self._library.preview(document_id, access, chars)

    def chunk_provenance(self, chunk_id: int, access: AccessFilter = EVERYTHING) -> dict[str, Any]:
        """Trace a chunk back to its document, batch and manifest entry."""
        return self._library.chunk_provenance(chunk_id, access)

    def original(
        self, document_id: int, access: AccessFilter = EVERYTHING, user: str | None = None, page: int | None = None,
    ) -> Original | None:
        """The file name and original bytes of a document the user may see; None when not kept.

        ``user``: who gets the file; serving it to a user is audited (``original_download``,
        with the ``page`` the source viewer renders)."""
        return self._library.original(document_id, access, user=user, page=page)
