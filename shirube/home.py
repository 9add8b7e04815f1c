"""One Shirube home and the machinery every service shares.

A :class:`Home` owns the settings, the catalog, the index store and the
cross-cutting pieces the ingest, index, search and library services all need:
the one-writer-per-home file lock, the hash-chained audit log, the
access-list version token, the lazily built embedder and the parse sandbox.
"""

from __future__ import annotations

import fcntl
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy import select

from base.atomic import write_text_atomic
from base.errors import ConfigError, HomeMissing, ShirubeError
from base.settings import Settings
from indexer.catalog import Catalog, Generation
from indexer.db_locks import acl_version, bump_acl_version, database_write_lock
from indexer.loaders import LoadLimits
from indexer.manifest import current_user
from indexer.process import ProcessedFile, process_file, process_loaded
from indexer.sandbox import ParseSandbox
from indexer.types import LoadedDocument
from model.embedders import AUTO, Embedder, make_embedder
from retrieval.store import IndexStore

from . import audit
from .audit_seal import Seal, seal_from_settings

# A caller's own parser (benchmarks with pre-parsed corpora): (bytes, name) -> LoadedDocument.
FileLoader = Callable[[bytes, str], LoadedDocument]
# One whole file, limits and chunk settings bound: (bytes, the user's file name) ->
# ProcessedFile. indexer.process.process_file in the ParseSandbox worker (or here).
FileProcessor = Callable[[bytes, str], ProcessedFile]

ACL_VERSION = "acl.version"  # its stat changes whenever labels/departments change
AUDIT_HEAD = "audit.head"
WRITE_LOCK = ".write.lock"

AclToken = tuple[int, int, int, int]


class Home:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, create: bool = True) -> None:
        """``create=False`` (read commands): a missing data directory is an error, not made."""
        self.settings = settings
        if settings.home.exists() and not settings.home.is_dir():
            raise ConfigError(f"データディレクトリとして指定されたパスはフォルダではありません: {settings.home}")
        if not create and not settings.home.is_dir():
            raise HomeMissing(str(settings.home))
        # the audit key and checkpoint file: a bad one stops here, before anything is written
        self.audit_seal: Seal = seal_from_settings(settings)
        try:
            settings.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"データディレクトリを作成できません: {settings.home}（{exc.strerror or exc}）") from None
        self.catalog = Catalog(settings.database_url, open_wait_s=settings.db_busy_timeout_s)
        if settings.dense_backend == "pgvector":  # vectors searched in the catalog's PostgreSQL
            from retrieval.pgvector import PgVectorStore

            self.store = PgVectorStore(settings.index_dir, settings.database_url, settings.dense_device)
        else:
            self.store = IndexStore(settings.index_dir, settings.dense_device)
        self._embedder = embedder
        # Guards the lazy embedder and, in search.py, the answerer cache.
        self.models_lock = threading.Lock()
        self.sandbox: ParseSandbox | None = None

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None
        if hasattr(self.store, "close"):  # pgvector: its connection pool
            self.store.close()
        self.catalog.close()

    @property
    def originals_dir(self) -> Path:
        return self.settings.originals_dir

    # -- models ------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self.models_lock:
            if self._embedder is None:
                self._embedder = make_embedder(
                    self.settings.embedder,
                    batch_size=self.settings.embed_batch,
                    cache_dir=self.settings.cache_dir,
                    built_with=self._built_with() if self.settings.embedder == AUTO else None,
                )
            return self._embedder

    def _built_with(self) -> str | None:
        """The model id the live index was built with (``embedder = "auto"`` keeps it)."""
        try:
            snap = self.store.load()
        except ShirubeError:  # an unreadable index: a full re-index picks afresh
            return None
        if snap is not None:
            return str(snap.manifest.get("embedder") or "") or None
        # no index here yet: the catalog's live generation (another server's: shirube/index_sync.py)
        with self.catalog.session(wait_s=self.settings.db_busy_timeout_s) as s:
            return s.scalars(select(Generation.embedder).where(Generation.status == "live")
                             .order_by(Generation.id.desc())).first() or None

    @property
    def embedder_built(self) -> bool:
        """True once the embedder exists (given, or built by :attr:`embedder`)."""
        return self._embedder is not None

    # -- trust: parsing sandbox, write lock, audit log, access-control version
    def processor(self, limits: LoadLimits, loader: FileLoader | None = None) -> FileProcessor:
        """Parse, normalise and chunk in the worker process (CPU, wall-time and
        memory limits) unless switched off; a caller's own ``loader`` (trusted,
        pre-parsed input) runs here."""
        st = self.settings
        if loader is not None:
            return lambda data, name: process_loaded(loader(data, name), st.chunk_tokens, st.chunk_overlap)
        if not st.parse_in_subprocess:
            return lambda data, name: process_file(data, name, limits, st.chunk_tokens, st.chunk_overlap)
        if self.sandbox is None:
            self.sandbox = ParseSandbox(st.parse_timeout_s, st.parse_memory_mb)
        box = self.sandbox
        return lambda data, name: box.process(data, name, limits, st.chunk_tokens, st.chunk_overlap)

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer at a time per home (ingest, reindex, delete) — and per catalog database, so
        servers with homes of their own on one database write in turn (shirube/index_sync.py)."""
        path = self.settings.home / WRITE_LOCK
        with open(path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                with database_write_lock(self.catalog):
                    yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @property
    def audit_anchor(self) -> Path:
        return self.settings.home / AUDIT_HEAD

    def audit(self, user: str | None, action: str, detail: dict[str, Any], *, question: bool = False) -> None:
        """Append to the hash-chained audit log (see shirube/audit.py).

        ``question``: a search or ask, which waits at most ``db_busy_timeout_s``
        for the write lock (then CatalogBusy); writers keep the long wait."""
        audit.record(self.catalog, user or current_user(), action, detail, anchor=self.audit_anchor,
                     wait_s=self.settings.db_busy_timeout_s if question else None, seal=self.audit_seal)

    def question_session(self) -> Any:
        """A catalog transaction of a question: lock waits bounded by ``db_busy_timeout_s``."""
        return self.catalog.session(wait_s=self.settings.db_busy_timeout_s)

    def acl_token(self) -> AclToken:
        """Changes whenever labels/departments change (in any process of any server sharing the
        catalog): part of the allowed-id cache key. The file in the home, and the catalog's counter."""
        try:
            st = (self.settings.home / ACL_VERSION).stat()
            local = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            local = (0, 0, 0)
        return (*local, acl_version(self.catalog, self.settings.db_busy_timeout_s))

    def bump_acl(self) -> None:
        """Replace ``acl.version`` (a new inode and mtime) and count up the catalog's
        ``acl_state``: every process's token changes, on this server and on the others.

        Callers also drop their in-process allowed-id caches (see search.py)."""
        bump_acl_version(self.catalog)
        write_text_atomic(self.settings.home / ACL_VERSION, f"{time.time_ns()}\n")
