"""No traceback reaches a user (issue 12 item 7): each bad input ends with one Japanese
line naming the problem and the file or setting, exit code 1, and nothing written."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from shirube.cli import main as cli_main
from shirube.engine import Shirube

LEAVE = "標市職員の休暇に関する規程\n第1条 職員は、年次休暇を一の年において二十日取得することができる。\n"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.delenv("SHIRUBE_DB_URL", raising=False)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    monkeypatch.setenv("SHIRUBE_PARSE_IN_SUBPROCESS", "false")


@pytest.fixture
def home(env, tmp_path) -> Path:
    h = tmp_path / "home"
    (tmp_path / "kyuka.txt").write_text(LEAVE, encoding="utf-8")
    sh = Shirube.open(home=h)
    sh.ingest([tmp_path / "kyuka.txt"])
    sh.close()
    return h


def _one_line(capsys, *argv: str, contains: str = "") -> str:
    rc = cli_main(list(argv))
    err = capsys.readouterr().err
    assert rc == 1, err
    assert len(err.splitlines()) == 1 and err.startswith("エラー: ") and "Traceback" not in err, err
    assert contains in err, err
    return err


def _tree(p: Path) -> dict[str, bytes]:
    return {str(f.relative_to(p)): f.read_bytes() for f in sorted(p.rglob("*")) if f.is_file()}


def test_a_question_that_is_not_utf8(home, capsys):
    bad = b"\xff\xfe\xed\xa0\x80".decode("utf-8", "surrogateescape")  # what argv holds for such bytes
    for cmd in ("search", "ask"):
        _one_line(capsys, "--home", str(home), cmd, f"休暇{bad}", contains="UTF-8 として読めない文字")


def test_a_question_that_is_not_utf8_through_a_real_argv(home, tmp_path):
    env = {**os.environ, "SHIRUBE_EMBEDDER": "fake", "SHIRUBE_HOME": str(home)}
    exe = str(Path(sys.executable).parent / "shirube")  # the installed console script
    r = subprocess.run([exe, "search", b"\xff\xfe".decode("utf-8", "surrogateescape")],
                       capture_output=True, env=env, cwd=Path(__file__).resolve().parents[1], timeout=120)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 1 and len(err.splitlines()) == 1 and "UTF-8" in err and "Traceback" not in err, err


def test_a_home_that_is_a_file_or_cannot_be_made(env, tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    for cmd in (["status"], ["documents"], ["ingest", str(f)]):
        _one_line(capsys, "--home", str(f), *cmd, contains=f"フォルダではありません: {f}")
    _one_line(capsys, "--home", "/etc/passwd", "status", contains="/etc/passwd")
    _one_line(capsys, "--home", "/proc/x", "status", contains="データディレクトリがありません: /proc/x")
    _one_line(capsys, "--home", "/proc/x", "ingest", str(f), contains="データディレクトリを作成できません: /proc/x")
    _one_line(capsys, "--home", str(f / "sub"), "ingest", str(f), contains="作成できません")
    assert f.read_text() == "x" and not os.path.exists("/proc/x")


@pytest.mark.parametrize("kind", ["not-utf8", "directory", "invalid-toml", "unreadable"])
def test_a_bad_config_file(env, tmp_path, capsys, monkeypatch, kind):
    h = tmp_path / "home"
    h.mkdir()
    cfg = h / "config.toml"
    before: dict[str, bytes] = {}
    if kind == "not-utf8":
        cfg.write_bytes(b"top_k = 3\n# \x82\xa0\xff\n")
        want = "UTF-8 ではありません"
    elif kind == "directory":
        cfg.mkdir()
        want = "読めません"
    elif kind == "invalid-toml":
        cfg.write_text("top_k = = 3\n", encoding="utf-8")
        want = "書式が正しくありません"
    else:
        cfg.write_text("top_k = 3\n", encoding="utf-8")
        before = _tree(h)
        real = Path.read_bytes

        def denied(self):  # tests run as root, where chmod 000 does not stop a read
            if self.name == "config.toml":
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)
        monkeypatch.setattr(Path, "read_bytes", denied)
        want = "読めません（Permission denied）"
    before = before or _tree(h)
    _one_line(capsys, "--home", str(h), "status", contains=f"設定ファイル {cfg} ")
    err = _one_line(capsys, "--home", str(h), "ingest", str(h))
    monkeypatch.undo()
    assert want in err and _tree(h) == before  # nothing written


def test_a_bad_database_url(home, capsys, monkeypatch):
    monkeypatch.setenv("SHIRUBE_DB_URL", "garbage")
    _one_line(capsys, "--home", str(home), "status", contains="db_url（SHIRUBE_DB_URL）が正しくありません: 'garbage'")
    monkeypatch.setenv("SHIRUBE_DB_URL", "postgresql+psycopg://u:secretpw@127.0.0.1:1/x")
    t0 = time.monotonic()
    err = _one_line(capsys, "--home", str(home), "search", "休暇", contains="データベースを開けません: postgresql")
    assert "secretpw" not in err and "127.0.0.1:1" in err and time.monotonic() - t0 < 15


def test_an_exclusively_locked_catalog(home, capsys, monkeypatch):
    monkeypatch.setenv("SHIRUBE_DB_BUSY_TIMEOUT_S", "1")
    held, done = threading.Event(), threading.Event()

    def hold():
        c = sqlite3.connect(home / "catalog.sqlite", isolation_level=None)
        c.execute("PRAGMA locking_mode=EXCLUSIVE")
        c.execute("BEGIN EXCLUSIVE")
        held.set()
        done.wait(60)
        c.execute("ROLLBACK")
        c.close()

    t = threading.Thread(target=hold)
    t.start()
    try:
        held.wait(10)
        for cmd in (["status"], ["search", "休暇"], ["documents"]):
            t0 = time.monotonic()
            _one_line(capsys, "--home", str(home), *cmd, contains="データベースが使用中です")
            assert time.monotonic() - t0 < 10, cmd
    finally:
        done.set()
        t.join()
    assert cli_main(["--home", str(home), "search", "休暇"]) == 0  # free again


@pytest.mark.parametrize("content,why", [
    (b"garbage\n", "1 行目が読めません: JSON ではありません"),
    (b'{"question": "q"}\n[1, 2]\n', "2 行目が読めません: question"),
    (b'{"question": 3}\n', "question（文字列）がありません"),
    (b'{"question": "q", "relevant": "a.txt"}\n', "リストで指定してください"),
    (b'{"question": "q", "page": "x"}\n', "page は整数"),
    (b"\xff\xfe{}\n", "UTF-8 ではありません"),
])
def test_a_garbage_qa_file(home, tmp_path, capsys, content, why):
    qa = tmp_path / "qa.jsonl"
    qa.write_bytes(content)
    _one_line(capsys, "--home", str(home), "eval", "--qa", str(qa), contains=why)
    _one_line(capsys, "--home", str(home), "eval", "--qa", str(tmp_path), contains="読めません")


def test_audit_export_bad_date_and_unwritable_out(home, tmp_path, capsys):
    out = tmp_path / "x.csv"
    _one_line(capsys, "--home", str(home), "audit", "export", "--since", "yesterday", "--out", str(out),
              contains="--since の日付が正しくありません: 'yesterday'")
    assert not out.exists()
    _one_line(capsys, "--home", str(home), "audit", "list", "--since", "昨日", contains="--since")
    _one_line(capsys, "--home", str(home), "audit", "export", "--out", "/proc/nope/x.csv",
              contains="書き出し先に書き込めません: /proc/nope/x.csv")


def test_a_garbage_catalog_file_is_reported_and_left_alone(env, tmp_path, capsys):
    h = tmp_path / "home"
    h.mkdir()
    (h / "catalog.sqlite").write_bytes(os.urandom(8192))
    before = _tree(h)
    for cmd in (["status"], ["search", "休暇"], ["ingest", str(h / "catalog.sqlite")]):
        _one_line(capsys, "--home", str(h), *cmd, contains="データベースを開けません")
    assert _tree(h) == before
