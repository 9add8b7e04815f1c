"""``shirube serve-llm``: serve a local GGUF model over an OpenAI-compatible HTTP API.

llama.cpp's own server (through xllamacpp) on ``host:port``: ``/v1/models``,
``/v1/chat/completions`` (streaming), ``/health``. Point the ``openai``
answerer of other Shirube installations at it (``openai_base_url =
"http://HOST:PORT/v1"``) — the same client code talks to vLLM in production.
An API key, when set, is read from an environment variable, never from the
command line.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from base.errors import ConfigError

from .gguf import _import_xllamacpp, resolve_model_path


def start_server(
    model_path: str, *, host: str = "127.0.0.1", port: int = 8080, n_ctx: int = 4096,
    threads: int | None = None, parallel: int = 1, api_key_env: str = "", alias: str = "",
) -> Any:
    """A started xllamacpp Server listening on ``host:port`` (returned; it stops when dropped)."""
    xlc = _import_xllamacpp()
    path = resolve_model_path(model_path)
    params = xlc.CommonParams()
    params.model.path = str(path)
    params.n_ctx = n_ctx * parallel
    params.n_parallel = parallel
    n = threads or (os.cpu_count() or 2)
    params.cpuparams.n_threads = n
    params.cpuparams_batch.n_threads = n
    params.port = port
    params.hostnames = [host]
    params.verbosity = 1
    params.offline = True
    params.model_alias = {alias or path.stem}
    if api_key_env:
        key = os.environ.get(api_key_env, "")
        if not key:
            raise ConfigError(f"environment variable {api_key_env} (API key) is empty")
        params.api_keys = [key]
    return xlc.Server(params)


def serve_forever(**kwargs: Any) -> None:
    server = start_server(**kwargs)
    print(f"OpenAI-compatible endpoint: {server.listening_address}/v1  (Ctrl-C で停止)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    del server
