"""A re-index in its own lower-priority process (shirube/reindex_process.py), as the app runs it:
progress relayed, the new generation live for the parent, the audit row the admin's, and a
child that fails or dies is one Japanese message — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
from types import SimpleNamespace

import pytest

from base.errors import ShirubeError
from shirube.engine import Shirube
from shirube.reindex_process import reindex_in_process

DOCS = [
    ("kyuka.txt", "標市職員の休暇\n\n第一条 職員は、年次休暇を一年につき二十日取得できる。\n第二条 病気休暇は九十日を上限とする。\n"),
    ("gomi.txt", "標市ごみ出しの手引\n\n粗大ごみは、一辺が50センチメートルを超えるものをいう。収集は毎月第二水曜日とする。\n"),
]


@pytest.fixture
def sh(tmp_path, db_url):
    sh = Shirube.open(home=tmp_path / "home", embedder="fake", db_url=db_url, parse_in_subprocess=False)
    assert len(sh.ingest_bytes([(n, t.encode()) for n, t in DOCS], label=1).ok) == 2
    yield sh
    sh.close()


def test_full_reindex_in_a_child_switches_the_parents_generation(sh):
    before = sh.status()["generation"]
    steps: list[tuple[str, int, int]] = []
    started: list[dict] = []
    name = reindex_in_process(sh, full=True, by="kanri", progress=lambda *a: steps.append(a),
                              on_start=started.append)
    assert name and name != before
    assert started and started[0]["pid"] != os.getpid()
    if hasattr(os, "nice") and os.nice(0) < sh.settings.writer_nice:
        assert started[0]["nice"] == sh.settings.writer_nice
    assert {"rechunk", "embed"} <= {stage for stage, _, _ in steps}  # the child's progress reached us
    assert sh.status()["generation"] == name  # the parent reads CURRENT per query
    hits = sh.search("粗大ごみの大きさの基準", k=1)
    assert hits and hits[0].source.endswith("gomi.txt")
    ev = sh.audit_trail.events(limit=3)
    assert any(e["action"] == "reindex" and e["user"] == "kanri" and e["detail"]["generation"] == name
               and e["detail"]["full"] is True for e in ev)


def test_a_child_that_cannot_open_the_home_says_why(sh, tmp_path):
    missing = sh.settings.replace(home=tmp_path / "no-such-home")
    with pytest.raises(ShirubeError) as err:
        reindex_in_process(SimpleNamespace(settings=missing), full=False, by="kanri")  # type: ignore[arg-type]
    msg = str(err.value)
    assert "no-such-home" in msg and "Traceback" not in msg
    assert not (tmp_path / "no-such-home").exists(), "the child never creates a home"


def test_a_child_killed_mid_way_is_a_clear_error_and_the_live_generation_stays(sh):
    before = sh.status()["generation"]

    def kill(event: dict) -> None:
        os.kill(event["pid"], signal.SIGKILL)

    with sh._home.write_lock():  # the child waits here for the lock, then is killed
        with pytest.raises(ShirubeError, match="再索引のプロセスが異常終了しました（終了コード -9）"):
            reindex_in_process(sh, full=True, by="kanri", on_start=kill)
    assert sh.status()["generation"] == before
    hits = sh.search("年次休暇は何日", k=1)
    assert hits and hits[0].source.endswith("kyuka.txt")
