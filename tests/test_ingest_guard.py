"""Ingest stays inside what it was given (issue 12 item 5), on SQLite and PostgreSQL.

A link inside an ingested folder that points outside it is skipped with its
reason and never read; FIFOs, sockets and devices are refused without blocking.
"""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from base.errors import LoaderError
from shirube.engine import Shirube
from shirube.file_guard import OUTSIDE, SPECIAL, read_regular

LEAVE = "標市職員の休暇に関する規程\n第1条 職員は、年次休暇を一の年において二十日取得することができる。\n"
CANARY = "極秘カナリア文字列ゼロ九八七\n人事評価の記録。\n"


@pytest.fixture
def sh(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SHIRUBE_DB_URL", db_url)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    monkeypatch.setenv("SHIRUBE_PARSE_IN_SUBPROCESS", "false")
    eng = Shirube.open(home=tmp_path / "home")
    yield eng
    eng.close()


@pytest.fixture
def no_hang():
    """A read that blocks (a FIFO without a writer) fails the test instead of hanging it."""
    def boom(*_):
        raise TimeoutError("ingest blocked")
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _results(report, root: Path) -> dict[str, tuple[str, str | None]]:
    return {Path(f.source).relative_to(root).as_posix() if Path(f.source).is_relative_to(root) else f.source:
            (f.result, f.reason) for f in report.files}


def test_links_out_of_the_folder_and_special_files_are_refused(sh, tmp_path, no_hang):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(CANARY, encoding="utf-8")
    d = tmp_path / "docs"
    (d / "sub").mkdir(parents=True)
    (d / "kyuka.txt").write_text(LEAVE, encoding="utf-8")
    (d / "passwd.txt").symlink_to("/etc/passwd")
    (d / "sub" / "secret.txt").symlink_to(outside / "secret.txt")
    (d / "sub" / "dotdot.txt").symlink_to("../../outside/secret.txt")  # relative, climbing out
    (d / "same.txt").symlink_to("kyuka.txt")  # inside the folder: followed (and a duplicate)
    os.mkfifo(d / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(d / "sock.txt"))
    try:
        report = sh.ingest([d])
    finally:
        sock.close()
    got = _results(report, d)
    assert got["kyuka.txt"] == ("ok", None)
    assert got["same.txt"][0] == "duplicate"
    for name in ("passwd.txt", "sub/secret.txt", "sub/dotdot.txt"):
        assert got[name] == ("skipped", OUTSIDE), name
    assert got["pipe.txt"][0] == got["sock.txt"][0] == "skipped"
    assert [doc["title"] for doc in sh.documents()] == ["標市職員の休暇に関する規程"]
    for q in ("極秘カナリア文字列", "root", "人事評価"):
        assert all("カナリア" not in p.section_original and "root:" not in p.section_original for p in sh.passages(sh.search(q)))


def test_special_files_named_on_the_command_line_are_refused_without_blocking(sh, tmp_path, no_hang):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "kyuka.txt").write_text(LEAVE, encoding="utf-8")
    report = sh.ingest([tmp_path / "pipe", "/dev/zero", tmp_path / "kyuka.txt"])
    got = _results(report, tmp_path)
    assert got["pipe"] == ("error", SPECIAL) and got["/dev/zero"] == ("error", SPECIAL)
    assert got["kyuka.txt"] == ("ok", None)


def test_a_link_named_on_the_command_line_is_the_users_choice(sh, tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "kyuka.txt").write_text(LEAVE, encoding="utf-8")
    (tmp_path / "named.txt").symlink_to(tmp_path / "real" / "kyuka.txt")
    assert [f.result for f in sh.ingest([tmp_path / "named.txt"]).files] == ["ok"]


def test_a_link_swapped_after_the_walk_is_refused_at_read_time(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "a.txt").write_text("中", encoding="utf-8")
    (d / "l.txt").symlink_to("a.txt")
    assert read_regular(d / "l.txt", root=d) == "中".encode()
    (d / "l.txt").unlink()
    (d / "l.txt").symlink_to("/etc/passwd")  # swapped between the walk and the read
    with pytest.raises(LoaderError, match="フォルダの外"):
        read_regular(d / "l.txt", root=d)
    (d / "l.txt").unlink()
    os.mkfifo(d / "l.txt")
    with pytest.raises(LoaderError, match="通常のファイルではない"):
        read_regular(d / "l.txt", root=d)


def test_a_file_name_that_is_not_utf8_is_ingested_and_shown_escaped(sh, tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    with open(os.fsencode(d) + b"/\xff\xfekyuka.txt", "wb") as fh:
        fh.write(LEAVE.encode("utf-8"))
    report = sh.ingest([d])
    assert [(f.source, f.result) for f in report.files] == [(f"{d}/\\xff\\xfekyuka.txt", "ok")]
