"""``openai`` answerer: any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, …).

Plain HTTP with the standard library (no ``openai`` package): a streamed
``POST {base_url}/chat/completions`` read as server-sent events. The API key
is read from the environment variable named by ``openai_api_key_env`` and
never stored in config. With no ``openai_model`` configured the first model
that ``GET {base_url}/models`` lists is used.

>>> a = OpenAIAnswerer("http://127.0.0.1:8000/v1", "llm-jp-3-13b-instruct")   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Iterator

from base.errors import AnswerError, ConfigError

from .grounded import Generation, GroundedAnswerer, PieceCallback


class OpenAIAnswerer(GroundedAnswerer):
    name = "openai"

    def __init__(
        self, base_url: str, model: str = "", *, api_key_env: str = "OPENAI_API_KEY", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if not base_url:
            raise ConfigError(
                "the openai answerer needs openai_base_url (e.g. http://127.0.0.1:8000/v1 for vLLM)"
            )
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        self._model = model
        self.model_id = f"openai:{model}" if model else f"openai:{self.base_url}"
        self._listed: list[dict[str, Any]] | None = None

    # -- HTTP ----------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "text/event-stream, application/json"}
        key = os.environ.get(self.api_key_env, "") if self.api_key_env else ""
        if key:
            h["Authorization"] = f"Bearer {key}"
        return h

    def _get(self, path: str, timeout: float = 10.0) -> Any:
        req = urllib.request.Request(self.base_url + path, headers=self._headers())
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise AnswerError(f"{self.base_url}{path}: {exc}") from exc

    def models(self) -> list[dict[str, Any]]:
        if self._listed is None:
            self._listed = list(self._get("/models").get("data", []))
        return self._listed

    @property
    def model(self) -> str:
        if not self._model:
            listed = self.models()
            if not listed:
                raise AnswerError(f"{self.base_url} serves no model")
            self._model = str(listed[0].get("id"))
            self.model_id = f"openai:{self._model}"
        return self._model

    def provenance(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "endpoint", "endpoint": self.base_url, "model": self.model}
        try:
            for m in self.models():
                if m.get("id") == self.model:
                    # vLLM: root = the served directory; llama.cpp: meta/owned_by
                    out.update({k: m[k] for k in ("root", "owned_by", "created", "meta") if k in m})
        except AnswerError as exc:
            out["error"] = str(exc)
        out["licence"] = None
        return out

    @staticmethod
    def _events(resp: Any) -> Iterator[dict[str, Any]]:
        for raw in resp:
            line = raw.decode("utf-8", errors="replace").strip()
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                yield json.loads(data)
            except ValueError:
                continue

    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float,
        timeout_s: float,
        on_piece: PieceCallback | None = None,
    ) -> Generation:
        body = {
            "model": self.model, "messages": messages, "max_tokens": max_tokens,
            "temperature": temperature, "stream": True, "stream_options": {"include_usage": True},
        }
        req = urllib.request.Request(
            self.base_url + "/chat/completions", data=json.dumps(body).encode("utf-8"),
            headers=self._headers(), method="POST",
        )
        t0 = time.perf_counter()
        deadline = t0 + timeout_s
        pieces: list[str] = []
        finish, usage, served, n = "stop", {}, "", 0
        try:
            # the socket timeout bounds each read; the deadline bounds the whole answer
            with urllib.request.urlopen(req, timeout=max(1.0, timeout_s)) as resp:
                for ev in self._events(resp):
                    served = ev.get("model", served)
                    if ev.get("usage"):
                        usage = ev["usage"]
                    for ch in ev.get("choices") or []:
                        piece = (ch.get("delta") or {}).get("content")
                        if piece:
                            pieces.append(piece)
                            n += 1
                            if on_piece is not None:
                                on_piece(piece)
                        if ch.get("finish_reason"):
                            finish = ch["finish_reason"]
                    if time.perf_counter() > deadline:
                        finish = "timeout"
                        break
        except (socket.timeout, TimeoutError):
            finish = "timeout"
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:300]
            raise AnswerError(f"{self.base_url}: HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            if pieces:
                finish = "error"
            else:
                raise AnswerError(f"{self.base_url}: {exc}") from exc
        return Generation(
            "".join(pieces), int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", n)),
            time.perf_counter() - t0, finish, served or self.model,
        )
