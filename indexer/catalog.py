"""The catalog: documents, sections, chunks, batches and index generations.

SQLAlchemy 2 typed mapping; SQLite (WAL) by default, PostgreSQL by URL.
Chunk primary keys are the stable int64 ids used by the FAISS and BM25
indexes, so a search hit always resolves to exactly one catalog row.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from base.errors import CatalogBusy, ConfigError

from .tables import (  # noqa: F401 - the tables, re-exported for the catalog's users
    BigId,
    utcnow,
    Base,
    Batch,
    BatchFile,
    Document,
    SectionRow,
    ChunkRow,
    Generation,
    User,
    AuditEvent,
    IngestJob,
    IngestJobFile,
)

# Writers (ingest, re-index, delete) wait this long for a lock; a question waits
# only its own bound (``Catalog.session(wait_s=…)``, the db_busy_timeout_s setting).
WRITER_WAIT_S = 30.0
_BOUNDED = "shirube_bounded_wait"  # connection-record flag: busy_timeout lowered for one session


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={int(WRITER_WAIT_S * 1000)}")
    cur.close()


def _sqlite_checkin(dbapi_conn: Any, record: Any) -> None:
    """A connection a bounded session lowered goes back to the pool with the writers' wait."""
    if record is not None and record.info.pop(_BOUNDED, False) and dbapi_conn is not None:
        dbapi_conn.execute(f"PRAGMA busy_timeout={int(WRITER_WAIT_S * 1000)}")


def is_busy(exc: BaseException) -> bool:
    """True for "the database is locked / a lock wait or statement timed out" from either driver."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in ("55P03", "57014"):  # lock_not_available (lock_timeout), query_canceled (statement_timeout)
        return True
    msg = str(orig).lower()
    return type(orig).__name__ == "OperationalError" and ("database is locked" in msg or "database table is locked" in msg)


def make_engine(url: str, connect_wait_s: float | None = None) -> Engine:
    """``connect_wait_s``: how long opening a SQLite connection waits for a lock (its WAL
    pragma) — a catalog held exclusively by another process fails then, not after 30 s."""
    if url.startswith("sqlite"):
        wait = WRITER_WAIT_S if connect_wait_s is None else connect_wait_s
        engine = create_engine(url, connect_args={"timeout": wait, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", _sqlite_checkin)
    else:
        # an unreachable server fails in seconds, not after the OS's TCP timeout
        args = {"connect_timeout": 10} if url.startswith("postgresql") else {}
        engine = create_engine(url, pool_pre_ping=True, connect_args=args)
    return engine


def _bound(s: Session, wait_s: float) -> None:
    """Lower this transaction's lock wait: SQLite busy_timeout (reset when the
    connection is returned), PostgreSQL lock_timeout and statement_timeout (SET LOCAL)."""
    ms = max(1, int(wait_s * 1000))
    conn = s.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA busy_timeout={ms}")
        conn.connection.info[_BOUNDED] = True
    elif conn.dialect.name == "postgresql":
        # a lock waits wait_s; a statement of a question never runs past 30 s (or 2 × wait_s)
        s.execute(text("SELECT set_config('lock_timeout', :l, true), set_config('statement_timeout', :t, true)"),
                  {"l": f"{ms}ms", "t": f"{max(30_000, 2 * ms)}ms"})


def _shown(url: str, exc: BaseException) -> str:
    """The URL without its password, and the first line of why opening it failed."""
    try:
        url = make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all
        url = repr(url[:60])
    return f"{url}（{(str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]}）"


class Catalog:
    """Thin holder of the engine and a session factory.

    >>> cat = Catalog("sqlite:///:memory:")          # doctest: +SKIP
    >>> with cat.session() as s: ...
    """

    def __init__(self, url: str, open_wait_s: float | None = None) -> None:
        """``open_wait_s``: the longest a new connection waits for a lock (default the writers' 30 s)."""
        self.url = url
        try:
            self.engine = make_engine(url, open_wait_s)
        except Exception as exc:  # ArgumentError, NoSuchModuleError, a missing driver…
            raise ConfigError(f"db_url（SHIRUBE_DB_URL）が正しくありません: {_shown(url, exc)}") from None
        try:
            migrate(self.engine)
        except DBAPIError as exc:
            self.engine.dispose()
            if is_busy(exc):
                raise CatalogBusy(str(exc.orig)) from None
            raise ConfigError(f"データベースを開けません: {_shown(url, exc.orig or exc)}") from None
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self, wait_s: float | None = None) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any error.

        ``wait_s``: the longest this transaction waits for a lock (a question's
        bound; default :data:`WRITER_WAIT_S` on SQLite, unbounded on PostgreSQL).
        A lock still held after that raises :class:`~base.errors.CatalogBusy`.
        """
        with self._factory() as s:
            try:
                if wait_s is not None:
                    _bound(s, wait_s)
                yield s
                s.commit()
            except BaseException as exc:
                s.rollback()
                if isinstance(exc, DBAPIError) and is_busy(exc):
                    raise CatalogBusy(str(exc.orig).splitlines()[0] if exc.orig else "") from exc
                raise

    def find_document_by_sha(self, s: Session, sha256: str) -> Document | None:
        return s.scalars(
            select(Document).where(Document.sha256 == sha256, Document.status != "deleted")
        ).first()

    def close(self) -> None:
        self.engine.dispose()


# Inside the package, so a non-editable install migrates too (see pyproject package-data).
MIGRATIONS_DIR = __import__("pathlib").Path(__file__).resolve().parent / "migrations"
_PG_MIGRATE_LOCK = 0x5348_4952  # "SHIR": pg_advisory_xact_lock key for schema upgrades


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (``migrations/``).

    An in-memory SQLite database (tests) or an install without the migrations
    folder falls back to ``create_all``. A database created by ``create_all``
    before migrations existed is completed and stamped. Two processes opening a
    fresh database at once are serialised (SQLite: BEGIN IMMEDIATE;
    PostgreSQL: an advisory lock).
    """
    sqlite = engine.url.get_backend_name() == "sqlite"
    if (sqlite and engine.url.database in (None, "", ":memory:")) or not (MIGRATIONS_DIR / "env.py").exists():
        Base.metadata.create_all(engine)
        return
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, text

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATE_LOCK})
        current = MigrationContext.configure(conn).get_current_revision()
        if current != head:
            cfg.attributes["connection"] = conn
            insp = inspect(conn)
            if current is None and insp.has_table("documents"):
                # made by create_all before migrations existed: stamp the revision it matches
                cols = {c["name"] for c in insp.get_columns("sections")}
                command.stamp(cfg, "0002" if "superseded" in cols else "0001")
                command.upgrade(cfg, "head")
            else:
                command.upgrade(cfg, "head")
        conn.commit()
