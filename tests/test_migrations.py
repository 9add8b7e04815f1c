"""Schema changes go through Alembic: tested from an empty database on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from indexer.catalog import MIGRATIONS_DIR, Base, Catalog, make_engine


def _cfg(url: str) -> Config:
    cfg = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.cmd_opts = type("o", (), {"x": [f"url={url}"]})()
    return cfg


def _revision(url: str) -> str | None:
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        eng.dispose()


def _diff(url: str) -> list:
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, Base.metadata)
    finally:
        eng.dispose()


def _head(url: str) -> str:
    return ScriptDirectory.from_config(_cfg(url)).get_current_head()


def _append_only(url: str) -> bool:
    """True when the database refuses to delete audit rows (revision 0003)."""
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            conn.execute(sa.text("INSERT INTO audit_events (at, \"user\", action, detail, prev_hash, hash) "
                                 "VALUES (CURRENT_TIMESTAMP, 'u', 'x', '{}', :p, :h)"), {"p": "p" * 64, "h": "h" * 64})
            try:
                conn.execute(sa.text("DELETE FROM audit_events"))
            except sa.exc.DBAPIError as exc:
                assert "append-only" in str(exc)
                return True
            finally:
                conn.rollback()
            return False
    finally:
        eng.dispose()


def test_upgrade_from_empty_matches_models(db_url):
    head = ScriptDirectory.from_config(_cfg(db_url)).get_current_head()
    command.upgrade(_cfg(db_url), "head")
    assert _revision(db_url) == head
    assert _diff(db_url) == []  # the migrations produce exactly the models' schema
    assert _append_only(db_url)
    command.downgrade(_cfg(db_url), "0002")
    assert not _append_only(db_url)
    command.downgrade(_cfg(db_url), "base")
    eng = make_engine(db_url)
    assert set(sa.inspect(eng).get_table_names()) <= {"alembic_version"}
    eng.dispose()
    command.upgrade(_cfg(db_url), "head")
    assert _diff(db_url) == []


def test_catalog_upgrades_an_older_database(db_url):
    command.upgrade(_cfg(db_url), "0001")  # the schema before crash-safe re-index and audit serialisation
    eng = make_engine(db_url)
    with eng.begin() as conn:
        conn.execute(sa.text("INSERT INTO batches (started_at, \"by\", n_ok, n_duplicate, n_error) "
                             "VALUES (CURRENT_TIMESTAMP, 'old', 0, 0, 0)"))
    eng.dispose()
    cat = Catalog(db_url)  # opening the catalog migrates it
    assert _revision(db_url) == _head(db_url)
    assert _diff(db_url) == []
    with cat.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT \"by\" FROM batches")).scalar() == "old"  # data kept
    cat.close()


def test_catalog_creates_a_fresh_database(db_url):
    cat = Catalog(db_url)
    assert _revision(db_url) == ScriptDirectory.from_config(_cfg(db_url)).get_current_head()
    cat.close()
    Catalog(db_url).close()  # opening again is a no-op


def test_legacy_create_all_database_is_stamped(tmp_path):
    url = f"sqlite:///{tmp_path / 'legacy.sqlite'}"
    eng = make_engine(url)
    Base.metadata.create_all(eng)  # what the catalog did before migrations existed
    eng.dispose()
    Catalog(url).close()
    assert _revision(url) == _head(url)
    assert _append_only(url)  # the later revisions ran (triggers)


def test_conversations_revision_adds_and_removes_its_tables(db_url):
    """0007: conversations, their turns (ratings) and the app's login sessions."""
    new = {"conversations", "conversation_turns", "login_sessions"}
    command.upgrade(_cfg(db_url), "0006")
    eng = make_engine(db_url)
    assert not new & set(sa.inspect(eng).get_table_names())
    eng.dispose()
    command.upgrade(_cfg(db_url), "0007")
    eng = make_engine(db_url)
    assert new <= set(sa.inspect(eng).get_table_names())
    with eng.begin() as conn:  # a turn goes with its conversation
        conn.execute(sa.text("INSERT INTO conversations (id, \"user\", title, created_at, updated_at) "
                             "VALUES (1, 'tanaka', 't', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        conn.execute(sa.text("INSERT INTO conversation_turns (conversation_id, ordinal, at, question, answerer, comment) "
                             "VALUES (1, 0, CURRENT_TIMESTAMP, 'q', 'extractive', '')"))
    eng.dispose()
    command.downgrade(_cfg(db_url), "0006")
    eng = make_engine(db_url)
    assert not new & set(sa.inspect(eng).get_table_names())
    eng.dispose()
