"""The library end to end with the deterministic fake embedder: ingest,
duplicates, bad input, manifests, provenance, delete, re-index, access
filters and crash safety. The real embedder is exercised in test_samples_e2e."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from indexer.catalog import BatchFile, ChunkRow, Document, Generation
from retrieval.access import AccessFilter
from base.settings import Settings
from shirube.engine import Shirube
from base.errors import ConfigError, SearchIndexError, RetrievalError

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

LEAVE_TXT = (
    "標市職員の休暇に関する規程\n"
    "第1条 職員は、年次休暇を一の年において二十日取得することができる。\n"
    "第2条 夏季休暇は、七月から九月までの間に連続する五日の範囲内で取得できる。\n"
)
TRAVEL_TXT = (
    "旅費の支給について\n"
    "出張の日当は、一日につき二千円とする。宿泊料は一夜につき一万千円を上限とする。\n"
)


def _open(home: Path, **kw) -> Shirube:
    # The fake embedder's hashed bigrams are noise for ranking: the dense
    # ranker still runs (plumbing) but carries no weight in these tests.
    kw.setdefault("weight_dense", 0.0)
    return Shirube(Settings.load(home=home, env={}, embedder="fake", **kw))


def _index_ids(sh: Shirube) -> set[int]:
    snap = sh.snapshot()
    bm25 = set(int(i) for i in snap.bm25.ids)
    ids, _ = snap.dense.all_vectors()
    assert bm25 == set(int(i) for i in ids), "BM25 and FAISS disagree on the chunk set"
    return bm25


def _catalog_ids(sh: Shirube, status: str = "active") -> set[int]:
    with sh.catalog.session() as s:
        return set(s.scalars(
            select(ChunkRow.id).join(Document, Document.id == ChunkRow.document_id).where(Document.status == status)
        ).all())


@pytest.fixture(scope="module")
def corpus_home(tmp_path_factory) -> Path:
    """The whole sample corpus ingested once; tests copy it."""
    home = tmp_path_factory.mktemp("corpus")
    sh = _open(home)
    sh.ingest([SAMPLES], label=1, departments=["総務課"], license="サンプル", by="tester")
    sh.close()
    return home


@pytest.fixture
def sh(corpus_home, tmp_path) -> Shirube:
    home = tmp_path / "home"
    shutil.copytree(corpus_home, home)
    eng = _open(home)
    yield eng
    eng.close()


def test_sample_corpus_ingests_every_file_with_manifest(sh):
    docs = sh.documents()
    files = sorted(p.name for p in SAMPLES.iterdir() if p.is_file() and p.name != "qa.jsonl" and not p.name.startswith("."))
    assert sorted(Path(d["source"]).name for d in docs) == files  # qa.jsonl skipped via .shirubeignore
    assert {d["kind"] for d in docs} >= {"pdf", "text", "markdown", "html", "egov_xml"}
    assert _index_ids(sh) == _catalog_ids(sh)

    st = sh.status()
    assert st["documents"] == {"active": len(files)}
    assert st["indexed_chunks"] == st["chunks"] > len(files)
    assert st["index_problems"] == []
    [m] = st["manifests"]
    manifest = json.loads(Path(m["path"]).read_text(encoding="utf-8"))
    assert manifest["kind"] == "ingest-batch" and manifest["by"] == "tester"
    assert manifest["counts"] == {"ok": len(files), "duplicate": 0, "error": 0, "skipped": 1}
    assert [(Path(f["source"]).name, f["reason"]) for f in manifest["files"] if f["result"] == "skipped"] == [
        ("qa.jsonl", "スキップ（.shirubeignore）")]  # skipped files are lines of the manifest too
    for f in (f for f in manifest["files"] if f["result"] != "skipped"):
        data = Path(f["source"]).read_bytes()
        import hashlib

        assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["size"] == len(data)
        assert f["license"] == "サンプル" and f["result"] == "ok" and f["chunks"] > 0
    tools = manifest["tools"]
    assert tools["embedder"]["model_id"].startswith("fake") and tools["embedder"]["dim"] == 64
    assert tools["chunking"] == {"unit": "morpheme", "max_tokens": 300, "overlap": 50}
    assert "fugashi" in tools["packages"] and tools["dictionary"]


def test_every_chunk_traces_to_its_manifest_entry(sh):
    with sh.catalog.session() as s:
        chunk_ids = s.scalars(select(ChunkRow.id)).all()
    for cid in chunk_ids[:: max(1, len(chunk_ids) // 25)]:
        prov = sh.chunk_provenance(cid)
        manifest = json.loads(Path(prov["manifest"]).read_text(encoding="utf-8"))
        [entry] = [f for f in manifest["files"] if f["document_id"] == prov["document_id"]]
        assert entry["sha256"] == prov["sha256"] and entry["source"] == prov["source"]


def test_reingest_is_a_noop(sh):
    before_gen = sh.status()["generation"]
    before_chunks = _catalog_ids(sh)
    rep = sh.ingest([SAMPLES])
    assert rep.ok == [] and rep.errors == []
    assert len(rep.duplicates) == len(sh.documents())
    assert all("重複" in f.reason for f in rep.duplicates)
    assert rep.generation is None and sh.status()["generation"] == before_gen
    assert _catalog_ids(sh) == before_chunks
    # the same bytes under another name are still a duplicate (content hash)
    data = (SAMPLES / "kotei_shisanzei_guide.txt").read_bytes()
    rep = sh.ingest_bytes([("renamed_copy.txt", data)])
    assert rep.files[0].result == "duplicate"


def _bad_batch() -> list[tuple[str, bytes]]:
    from pypdf import PdfWriter

    good_pdf = (SAMPLES / "ikuji_kyugyo_kitei.pdf").read_bytes()
    w = PdfWriter()
    w.append(io.BytesIO(good_pdf))
    w.encrypt("secret")
    buf = io.BytesIO()
    w.write(buf)
    encrypted = buf.getvalue()
    w = PdfWriter()
    w.add_blank_page(595, 842)
    buf = io.BytesIO()
    w.write(buf)
    blank = buf.getvalue()
    rng = np.random.default_rng(7)
    return [
        ("leave.txt", LEAVE_TXT.encode("cp932")),
        ("corrupt.pdf", good_pdf[: len(good_pdf) // 3]),
        ("locked.pdf", encrypted),
        ("blank.pdf", blank),
        ("zero.pdf", b""),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + rng.bytes(300)),  # wrong extension: sniffed as PNG
        ("junk.txt", rng.bytes(4000)),
        ("travel.txt", TRAVEL_TXT.encode("euc_jp")),
    ]


def test_bad_input_batch_reports_each_file_and_ingests_the_rest(tmp_path):
    sh = _open(tmp_path)
    sh.ingest_bytes([("first.txt", "住民票の写しは市民課で交付します。".encode())])
    gen_before = sh.status()["generation"]
    rep = sh.ingest_bytes(_bad_batch(), label=1, license="テスト")
    by_name = {f.source: f for f in rep.files}
    assert {n for n, f in by_name.items() if f.result == "ok"} == {"leave.txt", "travel.txt"}
    expected = {
        "corrupt.pdf": "破損",
        "locked.pdf": "パスワード保護",
        "blank.pdf": "テキストなし",
        "zero.pdf": "空のファイル",
        "photo.pdf": "未対応の形式",
        "junk.txt": "テキストではありません",
    }
    for name, needle in expected.items():
        assert by_name[name].result == "error", name
        assert needle in by_name[name].reason, (name, by_name[name].reason)
    # the manifest records every file with its reason
    manifest = json.loads(Path(rep.manifest_path).read_text(encoding="utf-8"))
    reasons = {f["source"]: (f["result"], f["reason"]) for f in manifest["files"]}
    assert reasons["locked.pdf"][0] == "error" and "パスワード" in reasons["locked.pdf"][1]
    assert manifest["counts"] == {"ok": 2, "duplicate": 0, "error": 6, "skipped": 0}
    # catalog and index stay consistent; the good files are searchable
    assert rep.generation != gen_before
    assert _index_ids(sh) == _catalog_ids(sh)
    with sh.catalog.session() as s:
        assert s.scalars(select(Document).where(Document.status != "active")).all() == []
        assert len(s.scalars(select(BatchFile).where(BatchFile.batch_id == rep.batch_id)).all()) == 8
    assert sh.search("夏季休暇は何日", k=1)[0].source == "leave.txt"
    assert sh.search("出張の日当", k=1)[0].source == "travel.txt"
    assert sh.search("住民票の写し", k=1)[0].source == "first.txt"


def test_oversized_file_is_rejected_before_reading(tmp_path):
    sh = _open(tmp_path)
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(60_000_000)
    rep = sh.ingest([big])
    assert rep.files[0].result == "error" and "大きすぎます" in rep.files[0].reason


def test_delete_removes_document_from_index_and_allows_reingest(sh):
    [doc] = [d for d in sh.documents() if d["source"].endswith("gomi_bunbetsu_sjis.txt")]
    assert sh.search("粗大ごみ 一辺 50センチメートル", k=1)[0].document_id == doc["id"]
    gen = sh.delete_document(doc["id"])
    assert gen == sh.status()["generation"]
    assert all(h.document_id != doc["id"] for h in sh.search("粗大ごみ 一辺 50センチメートル", k=10))
    assert _index_ids(sh) == _catalog_ids(sh)
    assert _catalog_ids(sh, "deleted") == set()  # its chunks are gone from the catalog too
    with pytest.raises(Exception, match="存在しません"):
        sh.delete_document(doc["id"])
    rep = sh.ingest([SAMPLES / "gomi_bunbetsu_sjis.txt"])
    assert rep.files[0].result == "ok"  # a deleted document is not a duplicate
    assert sh.search("粗大ごみ 一辺 50センチメートル", k=1)[0].source.endswith("gomi_bunbetsu_sjis.txt")


def test_full_reindex_builds_new_generation_with_new_chunking(sh):
    before = sh.status()
    chunks_before = before["chunks"]
    # rechunk with a smaller budget: more chunks, same documents, new generation
    small = Shirube(sh.settings.replace(chunk_tokens=64, chunk_overlap=8), embedder=sh.embedder)
    name = small.reindex(full=True)
    after = small.status()
    assert name != before["generation"] and after["generation"] == name
    assert after["chunks"] > chunks_before
    assert after["documents"] == before["documents"]
    assert _index_ids(small) == _catalog_ids(small)
    with small.catalog.session() as s:
        gens = s.scalars(select(Generation).order_by(Generation.id)).all()
        assert [g.status for g in gens if g.name == name] == ["live"]
        assert sum(g.status == "live" for g in gens) == 1
    # old generations beyond keep_generations are cleaned up
    assert len(small.store.generations()) <= small.settings.keep_generations
    hit = small.search("固定資産税の納税義務者", k=1)[0]
    assert "固定資産税" in hit.title or "固定資産税" in hit.text


def test_incremental_reindex_without_changes_keeps_generation(sh):
    gen = sh.status()["generation"]
    assert sh.reindex() == gen


def test_access_filter_inside_retrieval(tmp_path):
    sh = _open(tmp_path)
    sh.ingest_bytes([("public.txt", LEAVE_TXT.encode())], label=1)
    sh.ingest_bytes([("secret.txt", "第1条 夏季休暇の特例として、総務課の職員は十日取得できる。".encode())],
                    label=3, departments=["総務課"])
    sh.ingest_bytes([("internal.txt", "第1条 夏季休暇の申請は、税務課長の承認を要する。".encode())],
                    label=2, departments=["税務課"])
    q = "夏季休暇"
    sources = lambda acc: {h.source for h in sh.search(q, k=10, access=acc)}  # noqa: E731
    assert sources(AccessFilter()) == {"public.txt", "secret.txt", "internal.txt"}
    assert sources(AccessFilter(clearance=1)) == {"public.txt"}
    assert sources(AccessFilter(clearance=2, departments=frozenset({"税務課"}))) == {"public.txt", "internal.txt"}
    assert sources(AccessFilter(clearance=2, departments=frozenset({"総務課"}))) == {"public.txt"}
    assert sources(AccessFilter(clearance=3, departments=frozenset({"総務課"}))) == {"public.txt", "secret.txt"}
    # the filter applies before top-k: k=1 still finds the one allowed document
    assert [h.source for h in sh.search("総務課の職員は十日", k=1, access=AccessFilter(clearance=1))] == ["public.txt"]
    ans = sh.ask("総務課の職員の夏季休暇の特例は何日ですか", access=AccessFilter(clearance=1))
    assert "十日" not in ans.text and all(c.source == "public.txt" for c in ans.citations)
    secret_section = sh.search("総務課の職員は十日", k=1)[0].section_id
    with pytest.raises(RetrievalError):
        sh.section(secret_section, access=AccessFilter(clearance=2))
    assert sh.section(secret_section)["source"] == "secret.txt"
    # a clerk re-uploading the secret bytes learns only that the content is held
    secret = "第1条 夏季休暇の特例として、総務課の職員は十日取得できる。".encode()
    [dup] = sh.ingest_bytes([("copy.txt", secret)], access=AccessFilter(clearance=1)).files
    assert dup.result == "duplicate" and dup.document_id is None and dup.title is None
    assert dup.reason == "重複（同じ内容の文書が登録済みです）"
    [dup] = sh.ingest_bytes([("copy.txt", secret)]).files
    assert dup.document_id is not None and "文書ID" in dup.reason


def test_crash_while_building_index_keeps_previous_generation(sh, monkeypatch):
    gen = sh.status()["generation"]
    live_ids = _index_ids(sh)

    def boom(*a, **k):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(sh.store, "write", boom)
    with pytest.raises(OSError):
        sh.ingest_bytes([("leave.txt", LEAVE_TXT.encode())])
    # the old generation is still live and answers
    assert sh.status()["generation"] == gen and _index_ids(sh) == live_ids
    assert sh.search("固定資産税の納税義務者", k=1)
    # the new document waits as pending; the next reindex picks it up
    assert sh.status()["documents"].get("pending") == 1
    monkeypatch.undo()
    fresh = _open(sh.settings.home)
    name = fresh.reindex()
    assert name != gen and fresh.status()["documents"].get("pending") is None
    assert fresh.search("夏季休暇は何日", k=1)[0].source == "leave.txt"
    assert _index_ids(fresh) == _catalog_ids(fresh)
    # a leftover temp directory from the crash is cleaned, never loaded
    assert not [p for p in (sh.settings.home / "index").iterdir() if ".tmp-" in p.name]


def test_embedder_change_requires_full_reindex(sh):
    other = Shirube(sh.settings, embedder=_OtherFake())
    with pytest.raises(RetrievalError, match="reindex --full"):
        other.search("固定資産税")  # a clear message, not a FAISS dimension assertion
    assert other.search("固定資産税", mode="bm25")  # lexical search does not need the model
    with pytest.raises(SearchIndexError, match="reindex --full"):
        other.ingest_bytes([("leave.txt", LEAVE_TXT.encode())])
    assert other.reindex(full=True)
    assert other.status()["embedder"] == "other-fake"


def test_embed_progress_counts_up_to_the_total(tmp_path):
    sh = _open(tmp_path)
    events: list[tuple[str, int, int]] = []
    sh.ingest_bytes([("leave.txt", LEAVE_TXT.encode())], progress=lambda *e: events.append(e))
    embed = [e for e in events if e[0] == "embed"]
    assert embed[0][1] == 0 and embed[-1][1] == embed[-1][2] > 0


class _OtherFake:
    model_id = "other-fake"
    dim = 8

    def embed_queries(self, texts):
        return self.embed_passages(texts)

    def embed_passages(self, texts, progress=None):
        v = np.ones((len(texts), self.dim), np.float32)
        if progress is not None:
            progress(len(texts))
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_config_file_env_and_unknown_keys(tmp_path):
    (tmp_path / "config.toml").write_text("chunk_tokens = 200\ntop_k = 7\n", encoding="utf-8")
    s = Settings.load(home=tmp_path, env={"SHIRUBE_TOP_K": "9"})
    assert s.chunk_tokens == 200 and s.top_k == 9
    with pytest.raises(ConfigError, match="unknown setting 'chunk_size'"):
        Settings.load(home=tmp_path, env={"SHIRUBE_CHUNK_SIZE": "5"})
    (tmp_path / "config.toml").write_text("embeder = 'fake'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="embeder"):
        Settings.load(home=tmp_path, env={})
    with pytest.raises(ConfigError, match="chunk_tokens"):
        Settings.load(home=tmp_path / "x", env={"SHIRUBE_CHUNK_TOKENS": "abc"})
    with pytest.raises(ConfigError, match="verify_threshold"):
        Settings.load(home=tmp_path / "z", env={"SHIRUBE_VERIFY_THRESHOLD": "1.5"})
    # variables of the tools around Settings are not settings (nor errors)
    other = {"SHIRUBE_LLM_THREADS": "2", "SHIRUBE_MODEL_CACHE": "/tmp/m", "SHIRUBE_DEMO_PASSWORD": "x",
             "SHIRUBE_TEST_PG_URL": "postgresql://", "SHIRUBE_LLM_KEY": "k"}
    assert Settings.load(home=tmp_path / "y", env=other).top_k == 5


def test_empty_index_and_empty_query_errors(tmp_path):
    sh = _open(tmp_path)
    with pytest.raises(RetrievalError, match="索引がまだありません"):
        sh.search("育児休業")
    sh.ingest_bytes([("leave.txt", LEAVE_TXT.encode())])
    with pytest.raises(RetrievalError, match="検索語が空"):
        sh.search("   ")


def test_hits_carry_page_article_and_span(sh):
    hit = sh.search("部分休業 1日2時間", k=3)
    pdf = [h for h in hit if h.source.endswith("ikuji_kyugyo_kitei.pdf")]
    assert pdf and pdf[0].page is not None and pdf[0].locator.startswith("p.")
    law = sh.search("公開決定等の期限の延長 三十日", k=5)
    art = [h for h in law if h.source.endswith("joho_kokai_jorei.xml")]
    assert art and art[0].article and art[0].article.startswith("第")
    for h in hit + law:
        sec = sh.section(h.section_id)
        assert 0 <= h.start < h.end
        assert sec["text"]  # the original text is kept for the source viewer


def test_originals_kept_served_within_access_and_removed_on_delete(tmp_path):
    sh = _open(tmp_path)
    pdf = (SAMPLES / "ikuji_kyugyo_kitei.pdf").read_bytes()
    rep = sh.ingest_bytes([("kitei.pdf", pdf)], label=2, departments=["人事課"])
    doc_id = rep.ok[0].document_id
    name, data = sh.original(doc_id)
    assert name == "kitei.pdf" and data == pdf
    with pytest.raises(RetrievalError):
        sh.original(doc_id, access=AccessFilter(clearance=2, departments=frozenset({"総務課"})))
    assert sh.original(doc_id, access=AccessFilter(clearance=2, departments=frozenset({"人事課"})))[1] == pdf
    kept = list((tmp_path / "originals").iterdir())
    assert [p.suffix for p in kept] == [".pdf"] and not [p for p in kept if ".tmp-" in p.name]
    # a failed file keeps nothing
    sh.ingest_bytes([("broken.pdf", pdf[:500])])
    assert len(list((tmp_path / "originals").iterdir())) == 1
    sh.delete_document(doc_id)
    assert list((tmp_path / "originals").iterdir()) == []
    off = _open(tmp_path / "off", keep_originals=False)
    rep = off.ingest_bytes([("kitei.pdf", pdf)])
    assert off.original(rep.ok[0].document_id) is None
