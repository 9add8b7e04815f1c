"""A re-index in its own lower-priority process (shirube/writer_process.py), as the app runs it:
progress relayed, the new generation live for the parent, the audit row the admin's, and a
child that fails or dies is one Japanese message — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import threading
import time
from types import SimpleNamespace

import pytest

from base.errors import ShirubeError
from shirube.engine import Shirube
from shirube.writer_process import reindex_in_process, run_job_in_process

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


# -- ingest jobs in a child process (the app's and `shirube serve`'s worker) ---------------
def test_a_job_runs_in_a_child_with_its_report_manifest_and_audit(sh):
    job_id = sh.jobs.submit([("suido.txt", "標市水道条例\n\n第1条 水道料金は、毎月末日までに納付する。\n".encode())],
                            label=1, by="toroku", start=False)
    seen: list[tuple[str, int, int]] = []
    job, report = run_job_in_process(sh.settings, job_id, progress=lambda *a: seen.append(a))
    assert job["state"] == "done" and report is not None
    assert [(f.source, f.result) for f in report.files] == [("suido.txt", "ok")]
    assert report.manifest_path and report.batch_id == sh.jobs.job(job_id)["batch_id"]
    assert "embed" in {stage for stage, _, _ in seen}
    hits = sh.search("水道料金の納付期限", k=1)
    assert hits and hits[0].source == "suido.txt"  # searchable here, from the child's generation
    ev = sh.audit_trail.events(limit=10)
    assert any(e["action"] == "ingest" and e["user"] == "toroku" for e in ev)
    assert any(e["action"] == "ingest_job" and e["detail"]["job_id"] == job_id and e["detail"]["state"] == "done"
               for e in ev)


def test_the_worker_with_a_runner_keeps_the_report_and_a_dead_child_fails_the_job(sh):
    ok_id = sh.jobs.submit([("koen.txt", "標市公園条例\n\n第1条 公園の開園時間は午前六時から午後九時までとする。\n".encode())],
                           label=1, by="toroku", start=False)
    sh.jobs.run_with(ok_id, lambda job_id, progress: run_job_in_process(sh.settings, job_id, progress))
    assert sh.jobs.job(ok_id)["state"] == "done"
    assert [f.result for f in sh.jobs.report(ok_id).files] == ["ok"]

    def kill_once_running(pid: int, job_id: int) -> None:
        for _ in range(400):
            if sh.jobs.job(job_id)["state"] == "running":
                break
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        dead.set()

    def killed(job_id, progress):  # the child claims the job, then waits for the write lock: killed there
        return run_job_in_process(sh.settings, job_id, progress, on_start=lambda ev: threading.Thread(
            target=kill_once_running, args=(ev["pid"], job_id)).start())

    bad_id = sh.jobs.submit([("toshokan.txt", "標市図書館規則\n\n第1条 貸出期間は二週間とする。\n".encode())],
                            label=1, by="toroku", start=False)
    dead = threading.Event()
    with sh._home.write_lock():  # released once the child is dead: failing the job closes its batch under it
        waiter = threading.Thread(target=sh.jobs.run_with, args=(bad_id, killed))
        waiter.start()
        assert dead.wait(60)
    waiter.join(60)
    assert not waiter.is_alive()
    job = sh.jobs.job(bad_id)
    assert job["state"] == "failed" and "取り込みのプロセスが異常終了しました（終了コード -9）" in job["reason"]
    assert job["files"][0]["state"] == "error"
    assert not [h for h in sh.search("図書館の貸出期間", k=3) if h.source == "toshokan.txt"]
    ev = sh.audit_trail.events(limit=5)
    assert any(e["action"] == "ingest_job" and e["detail"]["job_id"] == bad_id and e["detail"]["state"] == "failed"
               for e in ev)


# -- questions first: the child waits while the serving process answers -------------------
def test_the_child_waits_while_a_question_is_in_flight_and_goes_on_after(sh):
    """A question in flight here (the marker ``sh.ask`` holds until its audit row is written)
    stops the child before its first catalog transaction: no progress while it lasts, and the
    re-index goes on and goes live once the question is over."""
    seen: list[tuple] = []
    paused = threading.Event()
    out: dict[str, str | None] = {}

    def on_pause(event: dict) -> None:
        seen.append((event["event"],))
        if event["event"] == "paused":
            paused.set()

    def run() -> None:
        out["name"] = reindex_in_process(sh, full=True, by="kanri", progress=lambda *a: seen.append(("progress", *a)),
                                         on_pause=on_pause)

    writer = threading.Thread(target=run)
    with sh.store.question():
        writer.start()
        assert paused.wait(120), "the child reached a safe point and waits there"
        writer.join(timeout=1.0)  # far below the 10 s one wait may last
        assert writer.is_alive() and seen == [("paused",)]  # not one step while the question is in flight
    writer.join(timeout=120)
    assert not writer.is_alive()
    assert seen[1] == ("resumed",) and any(s[0] == "progress" and s[1] == "embed" for s in seen[2:])
    assert out["name"] and sh.status()["generation"] == out["name"]
    hits = sh.search("粗大ごみの大きさの基準", k=1)
    assert hits and hits[0].source.endswith("gomi.txt")


def test_a_question_asked_through_the_engine_is_in_flight_until_its_audit_row(sh, monkeypatch):
    """The marker spans the whole question, its audit append included (the writer child's
    transactions wait for it), and is gone afterwards."""
    waiting: list[bool] = []
    real = sh._home.audit

    def audit(*args, **kwargs):
        waiting.append(sh.store.questions_waiting())
        return real(*args, **kwargs)

    monkeypatch.setattr(sh._home, "audit", audit)
    sh.ask("粗大ごみの大きさの基準は？", user="shokuin")
    sh.search("年次休暇は何日", k=1, user="shokuin")
    assert waiting == [True, True] and not sh.store.questions_waiting()
