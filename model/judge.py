"""Answer judge: does this sentence state what the question asks?

A cross-encoder on the bundled multilingual-e5-small weights (the float32
export of :mod:`model.e5`, so no model hub is ever reached): the question and
one candidate sentence, with its document's title, are read together as
``<s> query: Q </s> passage: title。sentence </s>``; the mean of the last
hidden states goes through one logistic unit. Only low-rank (LoRA) updates of
the upper layers and that unit were trained (``bench/fit_judge.py``); they
ship in ``model/data/judge.npz`` (0.6 MB) and are folded into the weights
when the judge loads, so neither peft nor a download is needed.

Lexical signals cannot tell 南部出張所 named from 南部出張所's address given,
or 父母の所得が同額 from the rule for 所得の高い方; reading the two together
can. The extractive answerer refuses when the best P(states the answer) of its
quoted sentences is under ``answer_min_judge``.

torch and transformers are imported lazily (the ``torch`` extra); without
them :func:`load_judge` returns ``None`` and the answerer goes on without a
judge.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

WEIGHTS_FILE = Path(__file__).with_name("data") / "judge.npz"
MAX_QUESTION = 48  # question tokens kept (a judge file's meta may say otherwise: ``max_question``)
MAX_TOKENS = 128  # whole pair, with <s> and the two </s> (``max_tokens`` in the meta)


class Judge(Protocol):
    """What the extractive answerer needs of a judge (tests may pass their own)."""

    def scores(self, question: str, passages: Sequence[tuple[str, str]]) -> list[float]: ...


def pair_ids(tokenizer: Any, fast: Any, question: str, title: str, sentence: str,
             max_question: int = MAX_QUESTION, max_tokens: int = MAX_TOKENS) -> list[int]:
    """Token ids of one (question, passage) pair, as in training."""
    passage = f"{title}。{sentence}" if title else sentence
    q, p = fast.content_ids_batch([f"query: {question}", f"passage: {passage}"])
    q = q[:max_question]
    p = p[: max_tokens - len(q) - 3]
    return [tokenizer.bos, *q, tokenizer.eos, *p, tokenizer.eos]


def pad_batch(torch: Any, rows: Sequence[list[int]], pad: int, device: Any) -> tuple[Any, Any]:
    """(input ids, attention mask) of token-id rows, padded to the longest, on ``device``."""
    width = max(map(len, rows))
    x = torch.full((len(rows), width), pad, dtype=torch.long)
    m = torch.zeros((len(rows), width), dtype=torch.long)
    for r, row in enumerate(rows):
        x[r, : len(row)] = torch.tensor(row, dtype=torch.long)
        m[r, : len(row)] = 1
    return x.to(device), m.to(device)


def mean_pooled(model: Any, x: Any, m: Any) -> Any:
    """The mean of the encoder's last hidden states over each row's tokens (what the unit reads)."""
    h = model(input_ids=x, attention_mask=m, token_type_ids=x.new_zeros(x.shape)).last_hidden_state
    return (h * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True)


def lora_factor(name: str) -> tuple[str, str] | None:
    """(module, "A" or "B") of a peft LoRA parameter name
    (``base_model.model.encoder.layer.6.attention.self.query.lora_A.default.weight``), else None."""
    for factor in ("A", "B"):
        mark = f".lora_{factor}."
        if mark in name:
            return name.split("base_model.model.", 1)[-1].split(mark)[0], factor
    return None


def read_weights(path: Path = WEIGHTS_FILE) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, arrays) of a judge file: ``meta`` says which export it was trained on."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if k != "meta"}
        meta = json.loads(str(z["meta"]))
    return meta, arrays


def lora_arrays(named_parameters: Any, head: Any) -> tuple[list[str], dict[str, np.ndarray]]:
    """(module names, arrays) to save from a peft LoRA model's ``named_parameters()`` and the
    logistic unit (a ``torch.nn.Linear``): each module's ``A`` and ``B`` factors in float16."""
    arrays: dict[str, np.ndarray] = {}
    modules: list[str] = []
    for name, p in named_parameters:
        found = lora_factor(name)
        if found is None:
            continue
        mod, factor = found
        arrays[f"{mod}.{factor}"] = p.detach().cpu().numpy().astype(np.float16)
        if factor == "A":
            modules.append(mod)
    arrays["head.weight"] = head.weight.detach().cpu().numpy().astype(np.float32)
    arrays["head.bias"] = head.bias.detach().cpu().numpy().astype(np.float32)
    return modules, arrays


def save_weights(path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write a judge file (``meta`` needs ``rank``, ``alpha`` and ``modules``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, meta=np.array(json.dumps(meta)), **arrays)
    tmp.replace(path)


class AnswerJudge:
    """P(the sentence states the answer to the question), batched on torch."""

    def __init__(self, cache_dir: str | Path, weights: Path = WEIGHTS_FILE, device: str | None = None,
                 batch_size: int = 16) -> None:
        from .e5.encoder import _import_torch

        torch = _import_torch()
        from transformers import BertModel

        from .e5 import E5Tokenizer, FastE5Tokenizer, ensure_export

        meta, arrays = read_weights(weights)
        path = ensure_export(cache_dir, meta.get("variant", "original"))
        self.tokenizer = E5Tokenizer.from_dir(path)
        self.fast = FastE5Tokenizer(path, self.tokenizer)
        model = BertModel.from_pretrained(str(path), local_files_only=True, dtype=torch.float32)
        scale = float(meta["alpha"]) / float(meta["rank"])
        params = dict(model.named_parameters())
        with torch.no_grad():
            for name in meta["modules"]:
                a = torch.from_numpy(arrays[f"{name}.A"].astype(np.float32))
                b = torch.from_numpy(arrays[f"{name}.B"].astype(np.float32))
                params[f"{name}.weight"].add_(scale * (b @ a))
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self._model = model.to(self.device).eval()
        self._w = torch.from_numpy(arrays["head.weight"].astype(np.float32)).to(self.device)
        self._b = float(arrays["head.bias"][0])
        self.batch_size = batch_size
        self.lengths = int(meta.get("max_question", MAX_QUESTION)), int(meta.get("max_tokens", MAX_TOKENS))
        self.model_id = str(meta.get("model_id", "shirube-judge"))
        self._lock = threading.Lock()

    def scores(self, question: str, passages: Sequence[tuple[str, str]]) -> list[float]:
        """P(states the answer) of each (title, sentence) for ``question``."""
        import torch

        ids = [pair_ids(self.tokenizer, self.fast, question, t, s, *self.lengths) for t, s in passages]
        out: list[float] = []
        with self._lock, torch.inference_mode():
            for i in range(0, len(ids), self.batch_size):
                x, m = pad_batch(torch, ids[i : i + self.batch_size], self.tokenizer.pad, self.device)
                pooled = mean_pooled(self._model, x, m)
                out += torch.sigmoid(pooled @ self._w.T + self._b).squeeze(-1).tolist()
        return [float(p) for p in out]


def load_judge(cache_dir: str | Path, weights: Path = WEIGHTS_FILE) -> AnswerJudge | None:
    """The judge, or ``None`` (logged) when torch is not installed or the weights are missing."""
    from base.errors import MissingExtra

    if not weights.is_file():
        log.warning("answer judge weights not found at %s; answering without the judge", weights)
        return None
    try:
        return AnswerJudge(cache_dir, weights)
    except MissingExtra:
        log.info("torch is not installed; answering without the answer judge")
        return None
