"""Crash safety: kill -9 an ingest / full re-index / delete at random points.

A prepared home (6 documents, one live generation) is copied for each trial;
a child process (tests/crash_worker.py) runs one write action and is killed
with SIGKILL after a random delay (fixed seed). While it runs, this process
keeps querying the same home: the previous generation must answer every
query. After the kill the invariants must hold; re-running the action must
complete and leave a fully consistent catalog and index.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from indexer.catalog import ChunkRow, Document, Generation, SectionRow
from shirube.engine import Shirube

ROOT = Path(__file__).resolve().parent.parent
BASE_CODES = ["アカシア", "ブナノキ", "カエデ", "クスノキ", "ケヤキ", "サザンカ"]
NEW_CODES = ["ツバキ", "ヒノキ", "モミジ", "ヤナギ"]
TRIALS = 24
SEED = 20261129


def _doc(code: str, n: int = 25) -> str:
    paras = [f"{code}要綱\n"]
    for i in range(n):
        paras.append(f"第{i + 1}条 {code}事業の第{i + 1}項目について、申請者は所定の様式により市長に届け出るものとする。"
                     f"届出の期限は{code}計画の定めるところによる。")
    return "\n\n".join(paras) + "\n"


def _write(dir_: Path, codes: list[str]) -> list[Path]:
    dir_.mkdir(parents=True, exist_ok=True)
    out = []
    for c in codes:
        p = dir_ / f"{c}.txt"
        p.write_text(_doc(c), encoding="utf-8")
        out.append(p)
    return out


def _open(home: Path) -> Shirube:
    return Shirube.open(home=home, embedder="fake", parse_in_subprocess=False)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    base_files = _write(root / "base", BASE_CODES)
    new_files = _write(root / "new", NEW_CODES)
    home = root / "home"
    sh = _open(home)
    assert len(sh.ingest(base_files, label=1).ok) == len(BASE_CODES)
    sh.close()
    return root, home, new_files


def _invariants(sh: Shirube, complete: bool) -> None:
    snap = sh.store.load()
    assert snap is not None, "no live generation"
    assert sh.store.verify() == [], "live generation is damaged"
    ids = snap.bm25.ids
    assert len(np.unique(ids)) == len(ids), "duplicate chunks in the live index"
    dense_ids, _ = snap.dense.all_vectors()
    assert sorted(dense_ids.tolist()) == sorted(ids.tolist()), "BM25 and FAISS disagree"
    with sh.catalog.session() as s:
        rows = dict(s.execute(select(ChunkRow.id, ChunkRow.document_id)).all())
        status = dict(s.execute(select(Document.id, Document.status)).all())
        shas = s.execute(select(Document.sha256, func.count()).where(Document.status != "deleted")
                         .group_by(Document.sha256)).all()
        live_chunks = set(s.scalars(select(ChunkRow.id).join(SectionRow, SectionRow.id == ChunkRow.section_id)
                                    .join(Document, Document.id == ChunkRow.document_id)
                                    .where(Document.status == "active", SectionRow.superseded == 0)))
        gens = s.execute(select(Generation.name, Generation.status)).all()
        superseded = s.scalar(select(func.count()).select_from(SectionRow).where(SectionRow.superseded == 1))
        pending = [d for d, st in status.items() if st == "pending"]
    assert all(n == 1 for _, n in shas), "a document was ingested twice"
    missing = set(ids.tolist()) - set(rows)
    assert not missing, f"live index points at {len(missing)} chunks with no catalog row"
    active = [d for d, st in status.items() if st == "active"]
    indexed_docs = {rows[i] for i in ids.tolist()}
    assert set(active) <= indexed_docs, "an active document is missing from the live index"
    if complete:
        assert set(ids.tolist()) == live_chunks, "live index and catalog chunks differ"
        assert not pending and superseded == 0
        live = [n for n, st in gens if st == "live"]
        assert live == [snap.name], f"catalog says live={live}, CURRENT={snap.name}"
        assert not [n for n, st in gens if st == "building"]
    # every active document is searchable by its own words
    with sh.catalog.session() as s:
        titles = dict(s.execute(select(Document.id, Document.title).where(Document.status == "active")).all())
    for d, title in titles.items():
        code = title.replace("要綱", "")
        hits = sh.search(f"{code}事業 {code}計画", k=3, mode="bm25")
        assert hits and hits[0].document_id == d, f"{title} not found"


def _reader(home: Path, stop: threading.Event, stats: dict) -> None:
    sh = _open(home)
    try:
        while not stop.is_set():
            try:
                code = BASE_CODES[stats["n"] % 5]  # not the newest: the delete action removes it
                hits = sh.search(f"{code}事業 {code}計画", k=3, mode="bm25" if stats["n"] % 2 else "hybrid")
                if not hits or hits[0].title != f"{code}要綱":
                    stats["wrong"].append((code, [h.title for h in hits]))
            except Exception as exc:  # noqa: BLE001 - counted, asserted zero
                stats["errors"].append(repr(exc))
            stats["n"] += 1
    finally:
        sh.close()


def _run_child(home: Path, action: str, files: list[Path], kill_after: float | None) -> tuple[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", str(home), action, *map(str, files)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline()
    assert line.strip() == "READY", (line, proc.stderr.read())
    t0 = time.perf_counter()
    if kill_after is None:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        return "done", time.perf_counter() - t0
    try:
        proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        return "killed", kill_after
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return "done", time.perf_counter() - t0


def _complete(sh: Shirube, action: str, files: list[Path]) -> None:
    if action == "ingest":
        rep = sh.ingest(files, label=1)
        assert not rep.errors
    elif action == "reindex":
        sh.reindex(full=True)
    else:
        with sh.catalog.session() as s:
            newest = s.scalar(select(func.max(Document.id)))
            st = s.get(Document, newest).status
        if st == "deleted":
            sh.reindex()
        else:
            sh.delete_document(newest)


@pytest.mark.slow
def test_kill9_at_random_points(prepared, tmp_path):
    root, base_home, new_files = prepared
    rng = random.Random(SEED)
    actions = ["ingest", "reindex", "delete"]
    # calibrate: how long each action runs after READY when not killed
    duration = {}
    for action in actions:
        home = tmp_path / f"cal-{action}"
        shutil.copytree(base_home, home)
        _, duration[action] = _run_child(home, action, new_files, None)
        sh = _open(home)
        _invariants(sh, complete=True)
        sh.close()
        shutil.rmtree(home)
    outcomes = {"killed": 0, "done": 0}
    for trial in range(TRIALS):
        action = actions[trial % len(actions)]
        home = tmp_path / f"t{trial:02d}"
        shutil.copytree(base_home, home)
        stop, stats = threading.Event(), {"n": 0, "errors": [], "wrong": []}
        reader = threading.Thread(target=_reader, args=(home, stop, stats))
        reader.start()
        kill_after = rng.uniform(0.0, duration[action])
        outcome, _ = _run_child(home, action, new_files, kill_after)
        outcomes[outcome] += 1
        stop.set()
        reader.join()
        assert stats["errors"] == [], f"trial {trial} ({action}): queries failed: {stats['errors'][:3]}"
        assert stats["wrong"] == [], f"trial {trial} ({action}): wrong answers: {stats['wrong'][:3]}"
        assert stats["n"] > 0
        sh = _open(home)
        try:
            _invariants(sh, complete=False)
            _complete(sh, action, new_files)  # re-running completes …
            _invariants(sh, complete=True)  # … and leaves everything consistent
            with sh.catalog.session() as s:
                n_active = s.scalar(select(func.count()).select_from(Document).where(Document.status == "active"))
            expected = {"ingest": 10, "reindex": 6, "delete": 5}[action]
            assert n_active == expected, f"trial {trial} ({action}): {n_active} active documents"
        finally:
            sh.close()
        shutil.rmtree(home)
    assert outcomes["killed"] >= TRIALS // 3, outcomes  # most trials really were cut short
