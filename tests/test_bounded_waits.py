"""Bounded waits: a question never waits long on a catalog lock held by ingest,
re-index or another process, and no traceback ever reaches the CLI user.

With another connection holding the write lock (SQLite ``BEGIN IMMEDIATE``;
PostgreSQL the audit advisory lock or an ACCESS EXCLUSIVE table lock), ``shirube
search`` / ``ask`` return within a few seconds with 「データベースが使用中です…」 and
exit code 1, on both databases."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from base.errors import CatalogBusy, ConfigError, RetrievalError, ShirubeError
from base.settings import Settings
from indexer.catalog import WRITER_WAIT_S, Catalog
from shirube import audit
from shirube.cli import main as cli_main
from shirube.engine import Shirube

BUSY = "エラー: データベースが使用中です。しばらくしてから再度お試しください\n"
TEXT = "住民票の写しは市民課の窓口で交付します。手数料は1通300円です。\n"
WAIT = 1.0  # db_busy_timeout_s in these tests (default 5 s)


@pytest.fixture
def home(db_url, tmp_path, monkeypatch) -> Path:
    """A home with one document, reached by the CLI through SHIRUBE_* settings."""
    monkeypatch.setenv("SHIRUBE_DB_URL", db_url)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    monkeypatch.setenv("SHIRUBE_PARSE_IN_SUBPROCESS", "false")
    monkeypatch.setenv("SHIRUBE_DB_BUSY_TIMEOUT_S", str(WAIT))
    (tmp_path / "juminhyo.txt").write_text(TEXT, encoding="utf-8")
    h = tmp_path / "home"
    assert cli_main(["--home", str(h), "ingest", str(tmp_path / "juminhyo.txt")]) == 0
    return h


class _Locker:
    """Another connection holding the catalog's write lock until released."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.conn = sqlite3.connect(sa.make_url(url).database, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            self.engine = sa.create_engine(url)
            self.conn = self.engine.connect()
            self.conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": audit._PG_LOCK})

    def lock_reads(self) -> None:
        """PostgreSQL: also block readers of the chunks table (as a migration would)."""
        self.conn.execute(sa.text("LOCK TABLE chunks, documents IN ACCESS EXCLUSIVE MODE"))

    def release(self) -> None:
        if self.url.startswith("sqlite"):
            self.conn.execute("ROLLBACK")
            self.conn.close()
        else:
            self.conn.rollback()
            self.conn.close()
            self.engine.dispose()


def _run(argv: list[str], capsys) -> tuple[int, str, float]:
    capsys.readouterr()
    t0 = time.monotonic()
    rc = cli_main(argv)
    return rc, capsys.readouterr().err, time.monotonic() - t0


def test_question_on_a_locked_catalog_is_refused_within_seconds(home, db_url, capsys):
    lock = _Locker(db_url)
    try:
        for cmd in (["search", "住民票の手数料"], ["ask", "住民票の写しの手数料はいくらですか"]):
            rc, err, took = _run(["--home", str(home), *cmd], capsys)
            assert rc == 1 and err == BUSY, err
            assert took < WAIT + 4, f"{cmd[0]} waited {took:.1f}s"
            assert "Traceback" not in err
    finally:
        lock.release()
    # once the lock is gone the same question works, and the audit chain is intact
    rc, err, _ = _run(["--home", str(home), "search", "住民票の手数料"], capsys)
    assert rc == 0, err
    rc, err, _ = _run(["--home", str(home), "audit", "verify"], capsys)
    assert rc == 0, err


def test_postgres_reads_blocked_by_a_table_lock_are_bounded(home, db_url, capsys):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite readers (WAL) never wait on a writer")
    lock = _Locker(db_url)
    try:
        lock.lock_reads()
        for cmd in (["search", "住民票の手数料"], ["status"], ["documents"]):
            rc, err, took = _run(["--home", str(home), *cmd], capsys)
            assert rc == 1 and err == BUSY and took < WAIT + 4, (cmd, err, took)
    finally:
        lock.release()


def test_audit_append_of_a_question_is_bounded(db_url):
    cat = Catalog(db_url)
    audit.record(cat, "setup", "login", {})
    lock = _Locker(db_url)
    try:
        t0 = time.monotonic()
        with pytest.raises(CatalogBusy) as exc:
            audit.record(cat, "yamada", "ask", {"question": "…"}, wait_s=0.5)
        assert time.monotonic() - t0 < 3
        assert str(exc.value) == "データベースが使用中です。しばらくしてから再度お試しください"
    finally:
        lock.release()
    audit.record(cat, "yamada", "ask", {"question": "…"}, wait_s=0.5)  # free again
    assert audit.verify(cat) == []
    cat.close()


def test_engine_search_raises_catalog_busy(home, db_url):
    sh = Shirube.open(home=home, create=False)
    lock = _Locker(db_url)
    try:
        with pytest.raises(CatalogBusy):
            sh.search("住民票の手数料", user="yamada")
    finally:
        lock.release()
        sh.close()


def test_busy_timeout_setting_is_validated_and_writers_wait_longer():
    assert Settings().db_busy_timeout_s <= 5 < WRITER_WAIT_S
    for bad in ("0", "-1", "1000"):
        with pytest.raises(ConfigError, match="db_busy_timeout_s"):
            Settings.load(home="/nonexistent", env={"SHIRUBE_DB_BUSY_TIMEOUT_S": bad})
    with pytest.raises(ConfigError, match="max_question_chars"):
        Settings.load(home="/nonexistent", env={"SHIRUBE_MAX_QUESTION_CHARS": "0"})


# -- no traceback reaches the CLI user -------------------------------------------------------
@pytest.mark.parametrize("exc, expected", [
    (RuntimeError("boom\n  second line"), "予期しないエラー: RuntimeError: boom\n"),
    (ShirubeError("一行目\n二行目"), "エラー: 一行目 二行目\n"),
    (RetrievalError("検索語が空です"), "エラー: 検索語が空です\n"),
    (sa.exc.OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked")), BUSY),
    (sa.exc.ProgrammingError("SELECT …", {}, Exception("relation \"x\" does not exist\nLINE 1")),
     "予期しないエラー: ProgrammingError: (builtins.Exception) relation \"x\" does not exist\n"),
])
def test_every_error_is_one_line_exit_1(monkeypatch, tmp_path, capsys, exc, expected):
    import shirube.cli as cli

    def fail(args):
        raise exc

    monkeypatch.setattr(cli, "cmd_status", fail)
    (tmp_path / "h").mkdir()
    rc, err, _ = _run(["--home", str(tmp_path / "h"), "status"], capsys)
    assert rc == 1 and err == expected and "Traceback" not in err


def test_app_message_for_a_busy_catalog():
    from app.ui import message

    assert message(CatalogBusy("database is locked")) == "データベースが使用中です。しばらくしてから再度お試しください"
