"""Durable ingest jobs: nothing accepted is lost, nothing goes live without its manifest and audit row.

An upload is a job in the catalog (``ingest_jobs``, ``ingest_job_files``) with its bytes kept in
the home before any work starts. A job killed mid-way — its process SIGKILLed while embedding, its
worker thread dead, the app restarted — resumes (``sh.jobs.resume()``, ``shirube jobs resume``, the
app's start) or fails with a reason; either way its batches end with their manifest and their
``ingest`` audit row, and no document is searchable before that. An incremental re-index adopts
the pending documents of an interrupted batch only by writing the batch's manifest and audit row
first (a *recovered* batch).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from base.settings import Settings
from indexer.catalog import AuditEvent, Batch, Document, IngestJob
from model.embedders import FakeEmbedder
from shirube.cli import main as cli_main
from shirube.engine import Shirube
from tests.app_fixtures import SimulatedCrash

ROOT = Path(__file__).resolve().parents[1]
DOCS = {
    "koen.txt": "標市公園使用許可の手引き\n\n公園で催しを行う場合は、使用日の十日前までに公園使用許可申請書を提出する。\n",
    "toshokan.txt": "標市図書館の休館日\n\n図書館は毎月第三月曜日を休館日とする。蔵書点検の期間も休館する。\n",
    "churinjo.txt": "標市駐輪場の定期利用\n\n駐輪場の定期利用料金は、一か月につき千二百円とする。\n",
}
QUESTIONS = {"koen.txt": "公園使用許可申請書", "toshokan.txt": "図書館の休館日", "churinjo.txt": "駐輪場の定期利用料金"}


class CrashingEmbedder(FakeEmbedder):
    """Dies (like a killed process: nothing catches it) once ``crash_after`` texts were embedded."""

    def __init__(self, crash_after: int | None = None) -> None:
        super().__init__()
        self.crash_after, self.seen = crash_after, 0

    def embed_passages(self, texts, progress=None):
        if self.crash_after is not None and self.seen + len(texts) > self.crash_after:
            raise SimulatedCrash("the process died while embedding (test)")
        self.seen += len(texts)
        return super().embed_passages(texts, progress)


def _open(home: Path, db_url: str, embedder=None) -> Shirube:
    st = Settings.load(home=home, env={}, embedder="fake", db_url=db_url, weight_dense=0.0, parse_in_subprocess=False)
    return Shirube(st, embedder=embedder)


def _files() -> list[tuple[str, bytes]]:
    return [(n, t.encode("utf-8")) for n, t in DOCS.items()]


def _sources(sh: Shirube, q: str) -> set[str]:
    return {h.source for h in sh.search(q, k=5)}


def _audit(sh: Shirube) -> list[AuditEvent]:
    with sh.catalog.session() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def _assert_provenance(sh: Shirube) -> None:
    """Every searchable document's batch has a manifest on disk and an ``ingest`` audit row."""
    audited = {e.detail.get("batch_id") for e in _audit(sh) if e.action == "ingest"}
    with sh.catalog.session() as s:
        for d in s.scalars(select(Document).where(Document.status == "active")):
            b = s.get(Batch, d.batch_id)
            assert b.manifest_path and (sh.settings.manifest_dir / b.manifest_path).is_file(), d.source
            assert d.batch_id in audited, d.source
            man = json.loads((sh.settings.manifest_dir / b.manifest_path).read_text(encoding="utf-8"))
            assert d.id in [f["document_id"] for f in man["files"] if f["result"] == "ok"]


def _manifest(sh: Shirube, batch_id: int) -> dict:
    with sh.catalog.session() as s:
        name = s.get(Batch, batch_id).manifest_path
    assert name, f"batch {batch_id} has no manifest"
    return json.loads((sh.settings.manifest_dir / name).read_text(encoding="utf-8"))


# -- engine -------------------------------------------------------------------------------
def test_an_accepted_upload_is_durable_before_it_runs(db_url, tmp_path):
    sh = _open(tmp_path / "home", db_url)
    job_id = sh.jobs.submit(_files(), label=1, license="標市（テスト）", by="toroku", start=False)
    job = sh.jobs.job(job_id)
    assert job["state"] == "queued" and [f["state"] for f in job["files"]] == ["queued"] * 3
    kept = sorted((tmp_path / "home" / "uploads").glob("*/*.txt"))
    assert [p.read_bytes() for p in kept] == [d for _, d in _files()]  # the bytes, in the home
    sh.close()  # "the app stops" before the worker ever ran the job
    again = _open(tmp_path / "home", db_url)
    [done] = again.jobs.resume()
    assert done["state"] == "done" and [f["state"] for f in done["files"]] == ["ok"] * 3
    for name, q in QUESTIONS.items():
        assert name in _sources(again, q)
    _assert_provenance(again)
    job_rows = [e for e in _audit(again) if e.action == "ingest_job"]
    assert [(e.user, e.detail["job_id"], e.detail["state"], e.detail["counts"]["ok"]) for e in job_rows] == [
        ("toroku", job_id, "done", 3)]
    assert not list((tmp_path / "home" / "uploads").glob("*/*.txt")), "a done job's upload folder is removed"
    again.close()


def test_job_killed_mid_embedding_resumes_with_manifest_and_audit(db_url, tmp_path):
    sh = _open(tmp_path / "home", db_url, CrashingEmbedder(crash_after=1))
    job_id = sh.jobs.submit(_files(), by="toroku", start=False)
    with pytest.raises(SimulatedCrash):
        sh.jobs.run(job_id)
    # the worker died mid-embedding: pending documents, no manifest, not searchable
    assert sh.jobs.job(job_id)["state"] == "running"
    assert sh.status()["documents"] == {"pending": 3}
    assert not any(name in _sources(sh, q) for name, q in QUESTIONS.items() if sh.store.load())
    with sh.catalog.session() as s:
        batch_id = s.get(IngestJob, job_id).batch_id
        assert s.get(Batch, batch_id).manifest_path is None
    sh.close()
    # restart: `shirube jobs` shows it unfinished, `shirube jobs resume` completes it
    home = str(tmp_path / "home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SHIRUBE_DB_URL", db_url)
        mp.setenv("SHIRUBE_EMBEDDER", "fake")
        mp.setenv("SHIRUBE_PARSE_IN_SUBPROCESS", "false")
        assert cli_main(["--home", home, "jobs"]) == 0
        assert cli_main(["--home", home, "jobs", "resume", "--json"]) == 0
    again = _open(tmp_path / "home", db_url)
    job = again.jobs.job(job_id)
    assert job["state"] == "done" and {f["state"] for f in job["files"]} == {"ok"} and job["attempts"] == 2
    for name, q in QUESTIONS.items():
        assert name in _sources(again, q)
    man = _manifest(again, batch_id)
    assert man["recovered"] is True and man["counts"]["ok"] == 3 and man["generation"]
    assert [f["source"] for f in man["files"]] == list(DOCS)
    ingest = [e for e in _audit(again) if e.action == "ingest"]
    assert [(e.user, e.detail["batch_id"], e.detail.get("recovered")) for e in ingest] == [("toroku", batch_id, True)]
    _assert_provenance(again)
    again.close()


def test_job_cut_between_files_keeps_each_files_fate(db_url, tmp_path, monkeypatch):
    """Killed while reading its second file: the first keeps its fate from the recovered
    batch, the rest are ingested in a new batch on resume; both batches have a manifest."""
    import shirube.jobs as jobs

    sh = _open(tmp_path / "home", db_url)
    job_id = sh.jobs.submit(_files(), by="toroku", start=False)
    real = jobs._reader

    def dying(path, sha):
        read = real(path, sha)
        return (lambda: (_ for _ in ()).throw(SimulatedCrash("killed"))) if path.name.startswith("0001") else read

    monkeypatch.setattr(jobs, "_reader", dying)
    with pytest.raises(SimulatedCrash):
        sh.jobs.run(job_id)
    monkeypatch.setattr(jobs, "_reader", real)
    first = sh.jobs.job(job_id)["batch_id"]
    [job] = sh.jobs.resume()
    assert job["state"] == "done" and [f["state"] for f in job["files"]] == ["ok"] * 3
    batches = [f["batch_id"] for f in job["files"]]
    assert batches[0] == first and batches[1] == batches[2] != first
    assert _manifest(sh, first)["recovered"] and [f["source"] for f in _manifest(sh, first)["files"]] == ["koen.txt"]
    assert [f["source"] for f in _manifest(sh, batches[1])["files"]] == ["toshokan.txt", "churinjo.txt"]
    for name, q in QUESTIONS.items():
        assert name in _sources(sh, q)
    _assert_provenance(sh)
    sh.close()


def test_job_that_fails_ends_with_reason_manifest_and_audit(db_url, tmp_path, monkeypatch):
    sh = _open(tmp_path / "home", db_url)
    real = sh.store.write
    calls = []

    def full_once(*a, **k):
        calls.append(1)
        if len(calls) == 1:
            raise OSError(28, "No space left on device (simulated)")
        return real(*a, **k)

    monkeypatch.setattr(sh.store, "write", full_once)
    job_id = sh.jobs.submit(_files()[:1], by="toroku", start=False)
    job = sh.jobs.run(job_id)
    assert job["state"] == "failed" and "No space left" in job["reason"]
    # its batch was still closed: manifest, audit row, and only then searchable
    man = _manifest(sh, job["batch_id"])
    assert man["recovered"] and man["counts"]["ok"] == 1
    assert "koen.txt" in _sources(sh, QUESTIONS["koen.txt"])
    rows = [(e.action, e.detail.get("state")) for e in _audit(sh) if e.action in ("ingest", "ingest_job")]
    assert rows == [("ingest", None), ("ingest_job", "failed")]
    _assert_provenance(sh)
    assert list((tmp_path / "home" / "uploads").glob("*/*.txt")), "a failed job's files are kept"
    sh.close()


def test_a_stored_file_changed_before_resume_fails_alone(db_url, tmp_path):
    sh = _open(tmp_path / "home", db_url)
    job_id = sh.jobs.submit(_files(), by="toroku", start=False)
    stored = sorted((tmp_path / "home" / "uploads").glob("*/*.txt"))
    stored[1].write_bytes(b"tampered")
    job = sh.jobs.run(job_id)
    assert job["state"] == "done" and [f["state"] for f in job["files"]] == ["ok", "error", "ok"]
    assert "SHA-256" in job["files"][1]["reason"]
    _assert_provenance(sh)
    sh.close()


def test_sigkilled_ingest_process_resumes(db_url, tmp_path):
    """A real process running the job is SIGKILLed while embedding; a restart completes the job."""
    home = tmp_path / "home"
    sh = _open(home, db_url)
    job_id = sh.jobs.submit(_files(), by="toroku", start=False)
    sh.close()
    _sigkill_while_embedding(tmp_path, home, db_url, f"sh.jobs.run({job_id})")
    again = _open(home, db_url)
    assert again.jobs.job(job_id)["state"] == "running" and again.status()["documents"] == {"pending": 3}
    [job] = again.jobs.resume()
    assert job["state"] == "done" and [f["state"] for f in job["files"]] == ["ok"] * 3
    for name, q in QUESTIONS.items():
        assert name in _sources(again, q)
    _assert_provenance(again)
    again.close()


def _sigkill_while_embedding(tmp_path: Path, home: Path, db_url: str, call: str) -> None:
    """Run ``call`` (on ``sh``) in a child process whose embedder hangs; SIGKILL it once it embeds."""
    child = tmp_path / "child.py"
    child.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from base.settings import Settings
        from model.embedders import FakeEmbedder
        from shirube.engine import Shirube

        class Hang(FakeEmbedder):
            def embed_passages(self, texts, progress=None):
                print("EMBEDDING", flush=True)
                time.sleep(600)

        st = Settings.load(home={str(home)!r}, env={{}}, embedder="fake", db_url={db_url!r}, parse_in_subprocess=False)
        sh = Shirube(st, embedder=Hang())
        {call}
    """), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(child)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        line = ""
        while "EMBEDDING" not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "the child ended before embedding"
        assert "EMBEDDING" in line
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_command_line_ingest_is_a_job_and_a_killed_one_fails_cleanly(db_url, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / ".kakushi.txt").write_text("隠し", encoding="utf-8")
    home = tmp_path / "home"
    _sigkill_while_embedding(tmp_path, home, db_url, f"sh.ingest([{str(folder)!r}], by='toroku')")
    sh = _open(home, db_url)
    [killed] = sh.jobs.jobs()
    assert (killed["kind"], killed["state"]) == ("paths", "running")
    assert not any(name in _sources(sh, q) for name, q in QUESTIONS.items() if sh.store.load())
    [job] = sh.jobs.resume()
    assert job["state"] == "failed" and "中断されました" in job["reason"]
    assert [(Path(f["name"]).name, f["state"]) for f in job["files"]] == [(n, "ok") for n in sorted(DOCS)]
    for name, q in QUESTIONS.items():
        assert name in _sources(sh, q)  # the files the killed run recorded: recovered, with manifest
    assert _manifest(sh, job["batch_id"])["recovered"]
    assert [e.detail["state"] for e in _audit(sh) if e.action == "ingest_job"] == ["failed"]
    _assert_provenance(sh)
    # a run that completes is a done job, its files (skipped ones too) listed
    (folder / "shinki.txt").write_text("標市の新規事業\n\n新規事業の説明会は毎年四月に開く。\n", encoding="utf-8")
    sh.ingest([folder], by="toroku")
    done = sh.jobs.jobs(limit=1)[0]
    assert done["state"] == "done" and {Path(f["name"]).name: f["state"] for f in done["files"]} == {
        ".kakushi.txt": "skipped", "churinjo.txt": "duplicate", "koen.txt": "duplicate", "shinki.txt": "ok",
        "toshokan.txt": "duplicate"}
    sh.close()


def test_incremental_reindex_adopts_pending_documents_only_with_their_manifest(db_url, tmp_path):
    """The issue's repro: a batch cut while embedding, then 差分再索引."""
    sh = _open(tmp_path / "home", db_url, CrashingEmbedder())
    sh.ingest_bytes([("seed.txt", "標市の概要\n\n標市は人口十万人の市である。\n".encode())], by="kanri")
    sh.embedder.crash_after = sh.embedder.seen
    with pytest.raises(SimulatedCrash):
        sh.ingest_bytes(_files(), by="toroku")
    sh.embedder.crash_after = None
    assert sh.status()["documents"]["pending"] == 3
    assert not any(name in _sources(sh, q) for name, q in QUESTIONS.items())
    n = len(_audit(sh))
    sh.reindex(by="kanri")
    rows = [(e.user, e.action, e.detail.get("recovered"), e.detail.get("recovered_by")) for e in _audit(sh)[n:]]
    assert rows == [("toroku", "ingest", True, "kanri"), ("kanri", "reindex", None, None)]
    batch_id = _audit(sh)[n].detail["batch_id"]
    man = _manifest(sh, batch_id)
    assert man["recovered"] and man["by"] == "toroku" and man["counts"] == {"ok": 3, "duplicate": 0, "error": 0}
    for name, q in QUESTIONS.items():
        assert name in _sources(sh, q)
    _assert_provenance(sh)
    sh.close()


def test_skipped_files_are_in_the_batch_manifest(db_url, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "koen.txt").write_text(DOCS["koen.txt"], encoding="utf-8")
    (folder / ".kakushi.txt").write_text(DOCS["toshokan.txt"], encoding="utf-8")
    (folder / "shitagaki.txt").write_text(DOCS["churinjo.txt"], encoding="utf-8")
    (folder / ".shirubeignore").write_text("shitagaki.txt\n", encoding="utf-8")
    sh = _open(tmp_path / "home", db_url)
    report = sh.ingest([folder], by="toroku")
    man = json.loads(Path(report.manifest_path).read_text(encoding="utf-8"))
    by_name = {Path(f["source"]).name: (f["result"], f["reason"]) for f in man["files"]}
    assert by_name == {"koen.txt": ("ok", None), ".kakushi.txt": ("skipped", "スキップ（隠しファイル）"),
                       "shitagaki.txt": ("skipped", "スキップ（.shirubeignore）")}
    assert man["counts"] == {"ok": 1, "duplicate": 0, "error": 0, "skipped": 2}
    sh.close()


def test_migration_0006_round_trip(db_url):
    from alembic import command

    from tests.test_migrations import _cfg, _diff

    command.upgrade(_cfg(db_url), "head")
    command.downgrade(_cfg(db_url), "0005")
    import sqlalchemy as sa

    from indexer.catalog import make_engine

    eng = make_engine(db_url)
    names = set(sa.inspect(eng).get_table_names())
    eng.dispose()
    assert "ingest_jobs" not in names and "ingest_job_files" not in names and "batches" in names
    command.upgrade(_cfg(db_url), "head")
    assert _diff(db_url) == []
