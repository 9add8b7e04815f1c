"""Ingest parses ahead while it embeds (shirube/ingest_pipeline.py), with the same outcome.

The sandbox worker parses the next files of a batch while this process embeds the previous
ones; the overlapped batch must give exactly what the sequential one (``ingest_overlap=False``)
gives: the same batch report, documents in the same order, the same chunks and the same vectors,
bad files failing alone with the same reasons. No test here depends on timing: the overlap is
shown by an embedder that, inside its first call, waits (a bounded wait, a deadlock guard) for
the parser to finish more files.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from base.settings import Settings
from indexer import sandbox
from indexer.catalog import BatchFile, ChunkRow, Document
from model.embedders import FakeEmbedder
from shirube import ingest_pipeline
from shirube.engine import Shirube
from shirube.home import Home

from . import hostile

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
# Small, varied real files (txt in Shift_JIS and EUC-JP, md, html, xml, pdf).
NAMES = ["gomi_bunbetsu_sjis.txt", "hinanjo_unei_manual.md", "inu_toroku_kyokenbyo.html", "jido_teate_eucjp.txt",
         "joho_kokai_jorei.xml", "ikuji_kyugyo_kitei.pdf", "inkan_toroku_annai.txt", "kojin_joho_toriatsukai.md"]
WAIT_S = 120.0  # a deadlock guard, not a timing assertion


def _folder(tmp_path: Path, extra: dict[str, bytes] | None = None) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    for n in NAMES:
        shutil.copy(SAMPLES / n, d / n)
    for n, data in (extra or {}).items():
        (d / n).write_bytes(data)
    return d


def _open(home: Path, embedder: FakeEmbedder, **over) -> Shirube:
    over.setdefault("parse_in_subprocess", False)
    return Shirube(Settings.load(home=home, env={}, embedder="fake", **over), embedder=embedder)


def _outcome(sh: Shirube, report) -> dict:
    """Everything an ingest decides, without times and paths: report, catalog, vectors, manifest."""
    with sh.catalog.session() as s:
        docs = [(d.id, d.source, d.title, d.sha256, d.status, d.kind, d.pages)
                for d in s.scalars(select(Document).order_by(Document.id))]
        chunks = [(c.id, c.document_id, c.ordinal, c.start, c.end, c.text, c.terms)
                  for c in s.scalars(select(ChunkRow).order_by(ChunkRow.id))]
    ids, vecs = sh.snapshot().dense.all_vectors()
    order = np.argsort(ids)
    manifest = json.loads(Path(report.manifest_path).read_text(encoding="utf-8"))
    return {
        "files": [{k: v for k, v in vars(f).items()} for f in report.files],
        "docs": docs, "chunks": chunks, "ids": ids[order].tolist(), "vectors": vecs[order].round(6).tolist(),
        "manifest": {k: manifest[k] for k in ("counts", "files")},
    }


class _Watch:
    """Counts files the parser has finished (wrapping Home.processor in this process)."""

    def __init__(self, monkeypatch, gate: threading.Event | None = None) -> None:
        self.done: list[str] = []
        self.started: list[str] = []
        self.cond = threading.Condition()
        real = Home.processor

        def processor(home, limits, loader=None):
            fn = real(home, limits, loader)

            def run(data, name):
                if gate is not None and self.started:  # files after the first: only once embedding began
                    assert gate.wait(WAIT_S), "embedding never began"
                with self.cond:
                    self.started.append(name)
                    self.cond.notify_all()
                try:
                    return fn(data, name)
                finally:
                    with self.cond:
                        self.done.append(name)
                        self.cond.notify_all()

            return run

        monkeypatch.setattr(Home, "processor", processor)

    def wait(self, pred) -> bool:
        with self.cond:
            return self.cond.wait_for(pred, timeout=WAIT_S)


class _HoldingEmbedder(FakeEmbedder):
    """The fake embedder; its first call opens the gate (the parser waits at the second file),
    notes how many files were parsed, then waits until the parser has finished one more: which
    happens only if parsing runs while this call is in progress."""

    def __init__(self, watch: _Watch, gate: threading.Event) -> None:
        super().__init__()
        self.watch, self.gate = watch, gate
        self.parsed_at_first: int | None = None
        self.parsed_meanwhile = False

    def embed_passages(self, texts, progress=None):
        if self.parsed_at_first is None:
            self.parsed_at_first = len(self.watch.done)
            self.gate.set()
            self.parsed_meanwhile = self.watch.wait(lambda: len(self.watch.done) > self.parsed_at_first)
        return super().embed_passages(texts, progress)


def test_the_worker_parses_ahead_while_embedding_with_the_sequential_outcome(tmp_path, monkeypatch):
    data = _folder(tmp_path)
    monkeypatch.setattr(ingest_pipeline, "WINDOW", 1)  # embed each file's chunks as soon as it is recorded
    gate = threading.Event()
    watch = _Watch(monkeypatch, gate)
    emb = _HoldingEmbedder(watch, gate)
    sh = _open(tmp_path / "overlap", emb, parse_in_subprocess=True, ingest_overlap=True)  # the real sandbox worker
    events: list[tuple[str, int, int]] = []
    report = sh.ingest([data], label=1, by="tester", progress=lambda *e: events.append(e))
    assert emb.parsed_at_first == 1  # the first file recorded, its chunks embedding, the rest to parse
    assert emb.parsed_meanwhile, f"the parser did not go on while embedding ({len(watch.done)} parsed)"
    assert len(report.ok) == len(NAMES)
    overlapped = _outcome(sh, report)
    sh.close()

    gate.set()  # the sequential run parses every file before it embeds
    seq = _open(tmp_path / "sequential", FakeEmbedder(), parse_in_subprocess=True, ingest_overlap=False)
    seq_events: list[tuple[str, int, int]] = []
    report = seq.ingest([data], label=1, by="tester", progress=lambda *e: seq_events.append(e))
    assert _outcome(seq, report) == overlapped
    # the same stages in the same order, files counted 0..n; the embed stage counts up to its total
    # (overlapped: only the last file's chunks are left for it, the rest were embedded ahead)
    for ev in (events, seq_events):
        assert [d for st, d, t in ev if st == "load"] == list(range(len(NAMES) + 1))
        assert list(dict.fromkeys(st for st, _, _ in ev)) == ["load", "embed", "bm25"]
        embed = [(d, t) for st, d, t in ev if st == "embed"]
        assert embed[0][0] == 0 and embed[-1][0] == embed[-1][1] > 0
    assert [e for e in events if e[0] == "embed"][-1][1] < [e for e in seq_events if e[0] == "embed"][-1][1]
    seq.close()
    assert not [t for t in threading.enumerate() if t.name == "shirube-ingest-parse"]


@pytest.mark.parametrize("window", [1, 16])  # each file's chunks alone, or several files' together
def test_bad_files_duplicates_and_embedding_failures_come_out_the_same(tmp_path, monkeypatch, window):
    monkeypatch.setattr(ingest_pipeline, "WINDOW", window)
    broken = (SAMPLES / "ikuji_kyugyo_kitei.pdf").read_bytes()[:400]
    extra = {
        "a_broken.pdf": broken, "a_broken_again.pdf": broken,  # the same bad bytes twice: both fail
        "z_copy_of_gomi.txt": (SAMPLES / "gomi_bunbetsu_sjis.txt").read_bytes(),  # duplicate in the batch
        "c_empty.txt": b"", "d_doku.txt": "毒物の取扱い\n毒物は鍵のかかる保管庫に保管する。\n".encode(),
    }
    data = _folder(tmp_path, extra)
    outcomes = []
    for overlap in (True, False):
        sh = _open(tmp_path / f"home-{overlap}", PoisonedEmbedder(), ingest_overlap=overlap)
        sh.ingest_bytes([("earlier.txt", (SAMPLES / "inkan_toroku_annai.txt").read_bytes())])  # in the catalog
        report = sh.ingest([data], label=1, by="tester")
        by = {f.source.rsplit("/", 1)[-1]: f for f in report.files}
        assert by["a_broken.pdf"].result == by["a_broken_again.pdf"].result == "error"
        assert by["a_broken.pdf"].reason == by["a_broken_again.pdf"].reason
        assert by["z_copy_of_gomi.txt"].result == "duplicate" and by["inkan_toroku_annai.txt"].result == "duplicate"
        assert by["c_empty.txt"].result == "error"
        assert by["d_doku.txt"].result == "error" and by["d_doku.txt"].reason.startswith("埋め込みに失敗しました")
        assert len(report.ok) == len(NAMES) - 1
        outcomes.append(_outcome(sh, report))
        sh.close()
    assert outcomes[0] == outcomes[1]


def test_a_possible_duplicate_is_not_parsed_ahead(tmp_path, monkeypatch):
    watch = _Watch(monkeypatch)
    sh = _open(tmp_path / "home", FakeEmbedder(), ingest_overlap=True)
    gomi = (SAMPLES / "gomi_bunbetsu_sjis.txt").read_bytes()
    sh.ingest_bytes([("gomi.txt", gomi)])
    watch.done.clear()
    report = sh.ingest_bytes([("again.txt", gomi), ("new.md", (SAMPLES / "hinanjo_unei_manual.md").read_bytes()),
                              ("new_again.md", (SAMPLES / "hinanjo_unei_manual.md").read_bytes()),
                              ("last.txt", (SAMPLES / "inkan_toroku_annai.txt").read_bytes())])
    assert [f.result for f in report.files] == ["duplicate", "ok", "duplicate", "ok"]
    assert watch.done == ["new.md", "last.txt"]  # the duplicates were never parsed
    sh.close()


class Stop(BaseException):
    """A consumer failure that is not a file's error (like Ctrl-C)."""


class _FailingEmbedder(FakeEmbedder):
    """Raises Stop in its first call, once the worker is busy with the spinning file."""

    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self.watch = watch

        self.failed = False

    def embed_passages(self, texts, progress=None):
        if not self.failed:
            self.failed = True
            assert self.watch.wait(lambda: "spin.txt" in self.watch.started)
            raise Stop()
        return super().embed_passages(texts, progress)


def test_a_failure_while_embedding_stops_the_producer_and_its_worker(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_pipeline, "WINDOW", 1)  # the first file's chunks embedded at once
    monkeypatch.setattr(sandbox, "process_file", hostile.process_or_misbehave)  # spin*: never finishes
    watch = _Watch(monkeypatch)
    gomi = (SAMPLES / "gomi_bunbetsu_sjis.txt").read_bytes()
    # only the interrupt ends the spinning parse in time (else the worker's limit, 120 s, would)
    sh = _open(tmp_path / "home", _FailingEmbedder(watch), parse_in_subprocess=True, parse_timeout_s=120,
               ingest_overlap=True)
    with pytest.raises(Stop):
        sh.ingest_bytes([("gomi.txt", gomi), ("spin.txt", "回り続ける".encode()), ("after.txt", "その後".encode())])
    assert not [t for t in threading.enumerate() if t.name == "shirube-ingest-parse"]
    assert sh._sandbox.restarts >= 1  # the spinning worker was killed
    assert "after.txt" not in watch.started  # the producer stopped
    with sh.catalog.session() as s:  # the failure came while embedding the first file, the spin still parsing
        assert s.scalars(select(BatchFile.source)).all() == ["gomi.txt"]
    assert sh._sandbox.call(hostile.echo, "まだ動く") == "まだ動く"  # a fresh worker serves
    # the next batch goes in and closes the interrupted one
    report = sh.ingest_bytes([("next.txt", "次の文書です。".encode())])
    assert report.files[0].result == "ok"
    with sh.catalog.session() as s:
        assert not s.scalars(select(Document).where(Document.status == "pending")).all()
    sh.close()


class PoisonedEmbedder(FakeEmbedder):
    """A text containing 毒物 makes the whole call fail (as in tests/test_isolation.py)."""

    def embed_passages(self, texts, progress=None):
        if any("毒物" in t for t in texts):
            raise RuntimeError("入力を埋め込めません")
        return super().embed_passages(texts, progress)
