"""A crash costs one file, never the batch.

The whole per-file pipeline (parse, normalise, morphology, chunk, terms) runs
in the sandbox worker; a file that makes it die, run out of memory or time
fails alone with a Japanese reason, and the batch goes on with a fresh
worker. Overlong "sentences" reach MeCab in pieces. A document the embedder
refuses fails alone; the rest of the batch becomes searchable.
"""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from indexer import sandbox
from base.settings import Settings
from indexer import chunker
from indexer.catalog import BatchFile, ChunkRow, Document
from indexer.tables import EmbeddingCacheRow
from indexer.chunker import chunk_text
from jtext import morph
from jtext.sentences import MAX_SENTENCE_CHARS, split_long
from model.embedders import FakeEmbedder
from shirube.engine import Shirube
from base.errors import LoaderError, SearchIndexError

from . import hostile

GOOD = {
    "kyuka.txt": "職員の休暇に関する規程\n第1条 職員は、年次休暇を一の年において二十日取得することができる。\n",
    "ryohi.txt": "旅費の支給について\n出張の日当は、一日につき二千円とする。宿泊料は一夜につき一万千円を上限とする。\n",
    "gomi.txt": "ごみの出し方\n燃やすごみは月曜日と木曜日の朝8時までに集積所へ出してください。\n",
}
REASONS = ("処理中に異常終了しました", "処理時間の上限を超えました", "メモリ上限を超えました")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _good_files_searchable(sh: Shirube, report) -> None:
    by = {f.source: f for f in report.files}
    for name in GOOD:
        assert by[name].result == "ok", (name, by[name].reason)
        assert by[name].chunks > 0
    assert sh.search("年次休暇 二十日", k=1)[0].source == "kyuka.txt"
    assert sh.search("出張の日当", k=1)[0].source == "ryohi.txt"
    assert sh.search("燃やすごみ 集積所", k=1)[0].source == "gomi.txt"


def _batch(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The bad file between good ones: the files after it need the fresh worker."""
    good = [(n, t.encode()) for n, t in GOOD.items()]
    return good[:1] + [(name, data)] + good[1:]


# -- long lines reach MeCab in pieces --------------------------------------------------
def test_split_long_cuts_at_safe_characters():
    assert split_long("短い文。") == [(0, 4)]
    text = "あ" * 1500 + "、" + "い" * 1500
    assert split_long(text) == [(0, 1501), (1501, 3001)]  # after the 、, not at 2,000
    spaced = "a" * 1500 + " " + "b" * 1500
    assert split_long(spaced)[0] == (0, 1501)
    bracket = "あ" * 1500 + "（" + "い" * 1500
    assert split_long(bracket)[0] == (0, 1500)  # before the opening bracket
    pieces = split_long("あ" * 10_001)
    assert [b - a for a, b in pieces] == [2000] * 5 + [1]
    assert pieces[0][0] == 0 and pieces[-1][1] == 10_001
    assert all(p[1] == q[0] for p, q in zip(pieces, pieces[1:]))  # contiguous
    # never between a character and the variation selector that belongs to it
    vs = "あ" * 1999 + "葛\U000e0100" + "あ" * 100
    assert all(not "\U000e0100" <= vs[a] <= "\U000e01ef" for a, _ in split_long(vs))


def test_mecab_never_sees_a_long_input(monkeypatch):
    seen: list[int] = []
    real = morph._tagger()
    monkeypatch.setattr(morph, "_tagger", lambda: (lambda text: seen.append(len(text)) or real(text)))
    text = "あ" * 50_000 + "。短い文です。"
    spans = chunk_text(text, 300, 50)
    assert max(seen) <= MAX_SENTENCE_CHARS
    assert all(s.n_tokens <= 300 for s in spans)
    assert spans[0].start == 0 and spans[-1].end == len(text)
    assert all(a.end <= b.start or a.end == b.start for a, b in zip(spans, spans[1:]))
    seen.clear()
    toks = morph.tokenize("い" * 9000)
    assert max(seen) <= MAX_SENTENCE_CHARS
    assert "".join(t.surface for t in toks) == "い" * 9000
    assert all(toks[i].end == toks[i + 1].start for i in range(len(toks) - 1))


def test_cutting_long_sentences_changes_no_chunk(monkeypatch):
    """A real long sentence (clauses joined by 、) chunks exactly as when it was analysed whole."""
    clause = "申請者は、所定の様式により市長に届け出るものとし、届出の期限は事業計画の定めるところによる"
    text = "第1条 目的\n" + "、".join([clause] * 150) + "。\n次の条に進む。"
    assert len(text) > 3 * MAX_SENTENCE_CHARS
    cut = chunk_text(text, 300, 50)
    monkeypatch.setattr(chunker, "split_long", lambda t, *a: [(0, len(t))])
    monkeypatch.setattr(morph, "split_long", lambda t, *a: [(0, len(t))])
    assert chunk_text(text, 300, 50) == cut


# -- the batch survives ------------------------------------------------------------------
def test_five_million_character_line_fails_alone(tmp_path):
    """「あ」×5,000,000 on one line used to kill the whole ingest (SIGSEGV in MeCab)."""
    sh = Shirube.open(home=tmp_path / "home", embedder="fake", parse_in_subprocess=True)
    sh.ingest_bytes([("warm.txt", "準備の文書です。".encode())], label=1)
    before = _rss_mb()
    t0 = time.perf_counter()
    report = sh.ingest_bytes(_batch("huge.txt", ("あ" * 5_000_000).encode()), label=1)
    elapsed = time.perf_counter() - t0
    huge = next(f for f in report.files if f.source == "huge.txt")
    if huge.result == "error":  # the worker's limits stopped it (today: memory, in normalisation)
        assert huge.reason.startswith(REASONS), huge.reason
    else:  # or it fits: then it was chunked within the token budget
        assert huge.result == "ok" and huge.chunks > 1000
        with sh.catalog.session() as s:
            assert max(s.scalars(select(ChunkRow.n_tokens))) <= sh.settings.chunk_tokens
    _good_files_searchable(sh, report)
    assert _rss_mb() - before < 300, f"server RSS grew {_rss_mb() - before:.0f} MB"
    assert elapsed < sh.settings.parse_timeout_s + 60
    assert sh._sandbox.call(hostile.echo, "まだ動く") == "まだ動く"
    sh.close()


@pytest.mark.parametrize("name, reason", [
    ("mecab_bomb.txt", "メモリ上限を超えました（1024MB）"),
    ("killed.txt", "処理中に異常終了しました（シグナル SIGKILL）"),
])
def test_worker_death_fails_that_file_alone(tmp_path, monkeypatch, name, reason):
    # The worker runs tests.hostile.process_or_misbehave instead of process_file
    # (pickled by reference, imported there): the real worker under its real
    # limits, told which file should blow its memory or die mid-file.
    monkeypatch.setattr(sandbox, "process_file", hostile.process_or_misbehave)
    sh = Shirube.open(home=tmp_path / "home", embedder="fake", parse_in_subprocess=True, parse_memory_mb=1024)
    report = sh.ingest_bytes(_batch(name, "中身は普通の文章です。".encode()), label=1)
    bad = next(f for f in report.files if f.source == name)
    assert bad.result == "error" and bad.reason == reason
    assert sh._sandbox.restarts >= 1
    _good_files_searchable(sh, report)
    with sh.catalog.session() as s:
        row = s.scalars(select(BatchFile).where(BatchFile.source == name)).one()
        assert row.result == "error" and row.reason == reason
    sh.close()


def test_a_spinning_file_runs_out_of_time_alone(tmp_path):
    with sandbox.ParseSandbox(timeout_s=1.5, memory_mb=512) as box:
        with pytest.raises(LoaderError) as exc:
            box.call(hostile.sleep_forever, source="spin.txt")
        assert exc.value.reason == "処理時間の上限を超えました（1.5秒）"
        assert box.call(hostile.echo, 1) == 1


# -- embedding failures ------------------------------------------------------------------
class PoisonedEmbedder(FakeEmbedder):
    """The fake embedder, but a text containing 毒 makes the whole call fail."""

    def embed_passages(self, texts, progress=None):
        if any("毒" in t for t in texts):
            raise RuntimeError("入力を埋め込めません")
        return super().embed_passages(texts, progress)


def test_an_embedding_failure_fails_that_file_alone(tmp_path):
    st = Settings.load(home=tmp_path / "home", env={}, embedder="fake", parse_in_subprocess=False)
    sh = Shirube(st, embedder=PoisonedEmbedder())
    files = _batch("doku.txt", "毒物の取扱い\n毒物は鍵のかかる保管庫に保管する。\n".encode())
    report = sh.ingest_bytes(files, label=1)
    bad = next(f for f in report.files if f.source == "doku.txt")
    assert bad.result == "error" and bad.reason.startswith("埋め込みに失敗しました: RuntimeError")
    assert bad.document_id is None and bad.chunks == 0
    _good_files_searchable(sh, report)
    with sh.catalog.session() as s:
        assert s.scalars(select(Document).where(Document.source == "doku.txt")).first() is None
        assert not s.scalars(select(Document).where(Document.status == "pending")).all()
        row = s.scalars(select(BatchFile).where(BatchFile.source == "doku.txt")).one()
        assert row.result == "error" and row.document_id is None and row.reason == bad.reason
        active = set(s.scalars(select(ChunkRow.id)))
    snap = sh.snapshot()
    assert set(snap.bm25.ids.tolist()) == active == set(snap.dense.all_vectors()[0].tolist())
    manifest = json.loads(Path(report.manifest_path).read_text(encoding="utf-8"))
    assert manifest["counts"] == {"ok": 3, "duplicate": 0, "error": 1, "skipped": 0}
    sh.close()
    # fixed embedder: the same file is new (not a duplicate) and goes in
    sh = Shirube(st, embedder=FakeEmbedder())
    again = sh.ingest_bytes([files[1]], label=1)
    assert again.files[0].result == "ok"
    assert sh.search("毒物 保管庫", k=1)[0].source == "doku.txt"
    sh.close()


def test_an_active_document_is_never_dropped_for_an_embedding_failure(tmp_path):
    st = Settings.load(home=tmp_path / "home", env={}, embedder="fake", parse_in_subprocess=False)
    sh = Shirube(st, embedder=FakeEmbedder())
    sh.ingest_bytes([("doku.txt", "毒物の取扱い\n毒物は保管庫に保管する。\n".encode())], label=1)
    live = sh.snapshot().name
    sh.close()
    sh = Shirube(st, embedder=PoisonedEmbedder())
    with sh.catalog.session() as s:  # no cached vector (indexer/embed_cache.py): the embedder must run
        s.execute(delete(EmbeddingCacheRow))
    with pytest.raises(SearchIndexError, match="埋め込みに失敗しました"):
        sh.reindex(full=True)
    assert sh.store.current_name() == live
    with sh.catalog.session() as s:
        assert s.scalars(select(Document.status)).all() == ["active"]
    assert sh.search("毒物", k=1)[0].source == "doku.txt"  # the live generation still answers
    sh.close()
