"""Hostile input: a batch of malicious and broken files next to good ones.

Every good file is ingested, every bad one is reported with its reason, the
server process stays alive with bounded memory, and parsing happens in the
worker process (time and memory limits, restarted after a crash).
"""

from __future__ import annotations

import os
import resource
import time
import unicodedata

import pytest

from indexer.sandbox import ParseSandbox
from shirube.engine import Shirube
from base.errors import LoaderError

from . import hostile


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def corpus():
    return hostile.hostile_files()


def test_hostile_batch(tmp_path, corpus):
    sh = Shirube.open(home=tmp_path / "home", embedder="fake", parse_in_subprocess=True, **hostile.LIMITS)
    # warm up (fugashi dictionary, FAISS, the worker) so the measurement is the batch itself
    sh.ingest_bytes([("warm.pdf", (hostile.SAMPLES / "bosai_bichiku_keikaku.pdf").read_bytes())], label=1)
    before = _rss_mb()
    t0 = time.perf_counter()
    report = sh.ingest_bytes([(name, data) for name, (data, _) in corpus.items()], label=1, by="tester")
    elapsed = time.perf_counter() - t0
    by_source = {f.source: f for f in report.files}
    assert len(by_source) == len(corpus)
    for name, (_, expected) in corpus.items():
        f = by_source[name]
        if expected is None:
            assert f.result == "ok", f"{name!r} should be ingested, got {f.reason}"
            assert f.chunks > 0
        else:
            assert f.result == "error", f"{name!r} should be rejected"
            assert expected in (f.reason or ""), f"{name!r}: reason {f.reason!r} lacks {expected!r}"
    # parsing ran in the worker, not here; the worker is still serving
    assert sh._sandbox is not None and sh._sandbox.pid not in (None, os.getpid())
    assert sh._sandbox.call(hostile.echo, "まだ動く") == "まだ動く"
    # memory of this (server) process stayed bounded although a 64 MB bomb was opened
    assert _rss_mb() - before < 100, f"server RSS grew {_rss_mb() - before:.0f} MB"
    assert elapsed < 60
    # the reasons are in the manifest for the clerk
    import json

    manifest = json.loads(open(report.manifest_path, encoding="utf-8").read())
    assert {f["reason"] for f in manifest["files"] if f["result"] == "error"} >= {"空のファイル", "パスワード保護されたPDF"}
    # the good documents are searchable; script text never became document text
    docs = sh.documents()
    assert len(docs) == 1 + sum(1 for _, e in corpus.values() if e is None)
    for d in docs:
        assert "/" not in d["source"] and "\\" not in d["source"]
        assert not any(unicodedata.category(c) == "Cc" or c == "\u202e" for c in d["source"]), d["source"]
    hits = sh.search("犬の登録 狂犬病予防注射", k=3)
    assert hits and hits[0].title == "犬の登録の案内"
    with sh.catalog.session() as s:
        from sqlalchemy import select

        from indexer.catalog import ChunkRow, SectionRow

        assert not any("スクリプト秘密文字列" in t for t in s.scalars(select(SectionRow.text_original)))
        assert not any("evil.example" in t for t in s.scalars(select(ChunkRow.text)))
    assert sh.search("窓口は午前8時30分", k=1)[0].source == "お知らせ[31mtxt.exe.txt"
    sh.close()


def test_folder_ingest_reports_every_file(tmp_path):
    expected = hostile.write_corpus(tmp_path / "in")
    sh = Shirube.open(home=tmp_path / "home", embedder="fake", **hostile.LIMITS)
    report = sh.ingest([tmp_path / "in"], label=1)
    got = {os.path.basename(f.source): f for f in report.files}
    assert set(got) == set(expected)
    for name, exp in expected.items():
        assert (got[name].result == "ok") == (exp is None), (name, got[name].reason)
    sh.close()


def test_sandbox_time_limit_kills_a_hanging_parser():
    with ParseSandbox(timeout_s=1.5, memory_mb=512) as box:
        pid = box.call(hostile.worker_pid)
        t0 = time.perf_counter()
        with pytest.raises(LoaderError) as exc:
            box.call(hostile.sleep_forever, source="hang.pdf")
        assert "処理時間の上限を超えました（1.5秒）" in exc.value.reason
        assert time.perf_counter() - t0 < 6
        with pytest.raises(ProcessLookupError):  # the hung worker is gone …
            os.kill(pid, 0)
        assert box.call(hostile.echo, 42) == 42  # … and a fresh one serves the next file


def test_sandbox_memory_limit():
    with ParseSandbox(timeout_s=30, memory_mb=400) as box:
        with pytest.raises(LoaderError) as exc:
            box.call(hostile.eat_memory, source="bomb.pdf")
        assert "メモリ上限を超えました（400MB）" in exc.value.reason
        assert box.call(hostile.echo, "ok") == "ok"


def test_sandbox_survives_a_crashing_parser():
    with ParseSandbox(timeout_s=30, memory_mb=512) as box:
        with pytest.raises(LoaderError) as exc:
            box.call(hostile.crash_interpreter, source="evil.pdf")
        assert "処理中に異常終了しました" in exc.value.reason
        assert box.call(hostile.echo, "ok") == "ok"
        assert box.restarts >= 1


def test_sandbox_worker_is_reused_and_cheap():
    with ParseSandbox(timeout_s=30, memory_mb=512) as box:
        pid = box.call(hostile.worker_pid)
        data = hostile.good_pdf()
        from indexer.loaders import LoadLimits

        box.load(data, "a.pdf", LoadLimits())
        t0 = time.perf_counter()
        for _ in range(20):
            box.call(hostile.echo, b"x" * 100_000)
        per_call = (time.perf_counter() - t0) / 20
        assert box.call(hostile.worker_pid) == pid  # one worker for every file
        assert per_call < 0.05, f"per-file overhead {per_call * 1000:.1f} ms"


def test_decompression_ratio_refuses_a_bomb_under_the_absolute_cap():
    """64 MB from a ~60 KB file is under the 200 MB per-stream cap but over
    500x the file's size: refused for its ratio; a generous ratio lets it through."""
    from indexer.loaders import LoadLimits, load_bytes
    from base.errors import LoaderError

    from tests.hostile import flate_bomb_pdf

    bomb = flate_bomb_pdf(64)
    assert len(bomb) < 200_000
    with pytest.raises(LoaderError, match="展開サイズが上限") as info:
        load_bytes(bomb, "bomb.pdf", LoadLimits())
    assert "圧縮率上限 500倍" in info.value.reason
    # the same stream within limits inflates (to blank text): the refusal above was the ratio
    with pytest.raises(LoaderError, match="テキストなし"):
        load_bytes(bomb, "bomb.pdf", LoadLimits(max_decompression_ratio=5000))
