"""``transformers`` answerer: a local Hugging Face model directory, optionally with a LoRA adapter.

On a CUDA GPU the model loads in bfloat16, otherwise in float32 on the CPU.
Nothing is ever downloaded (``local_files_only`` and ``HF_HUB_OFFLINE``).
The tokenizer's chat template formats the prompt; a base model without one
gets the plain completion prompt of :func:`model.prompt.render_plain`.
Tokens stream through ``TextIteratorStreamer``; ``max_time`` bounds the
generation by the timeout.

>>> a = HFAnswerer("/models/llm-jp-3-1.8b-instruct", adapter_path="/models/adapters/shirube-v1")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from base.errors import AnswerError, ConfigError, MissingExtra

from .grounded import Generation, GroundedAnswerer, PieceCallback
from .prompt import render_plain
from .provenance import dir_sha256, provenance

_MODELS: dict[tuple, Any] = {}
_LOCK = threading.Lock()


def _imports():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise MissingExtra("transformers", "torch") from exc
    return torch, transformers


def pick_device(device: str = "auto") -> tuple[str, Any]:
    torch, _ = _imports()
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    return device, dtype


def load_model(model_dir: str | Path, adapter_dir: str | Path | None = None, device: str = "auto"):
    """(tokenizer, model) for a local directory, cached; the adapter is applied with peft."""
    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise ConfigError(f"not a Hugging Face model directory (no config.json): {model_dir}")
    key = (str(model_dir.resolve()), str(Path(adapter_dir).resolve()) if adapter_dir else "", device)
    with _LOCK:
        if key in _MODELS:
            return _MODELS[key]
        torch, transformers = _imports()
        dev, dtype = pick_device(device)
        try:
            tok = transformers.AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
            model = transformers.AutoModelForCausalLM.from_pretrained(
                model_dir, local_files_only=True, dtype=dtype
            )
        except (OSError, ValueError) as exc:
            raise AnswerError(f"could not load model {model_dir}: {exc}") from exc
        if adapter_dir:
            try:
                from peft import PeftModel
            except ImportError as exc:
                raise MissingExtra("peft", "train") from exc
            if not (Path(adapter_dir) / "adapter_config.json").is_file():
                raise ConfigError(f"not a PEFT adapter directory (no adapter_config.json): {adapter_dir}")
            model = PeftModel.from_pretrained(model, str(adapter_dir))
        model.to(dev)
        model.eval()
        _MODELS[key] = (tok, model)
        return tok, model


def format_prompt(tok: Any, messages: list[dict[str, str]]) -> str:
    if getattr(tok, "chat_template", None):
        try:
            return tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        except Exception:  # a template that rejects the system role, etc.
            pass
    return render_plain(messages)


class HFAnswerer(GroundedAnswerer):
    name = "transformers"

    def __init__(
        self, model_path: str, *, adapter_path: str = "", device: str = "auto", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if not model_path:
            raise ConfigError("the transformers answerer needs model_path (a local model directory): --model DIR")
        self.path = Path(model_path).expanduser()
        if not self.path.is_dir():
            raise ConfigError(f"model directory not found: {self.path}")
        self.adapter = Path(adapter_path).expanduser() if adapter_path else None
        self.device = device
        self.model_id = f"hf:{self.path.name}" + (f"+lora:{self.adapter.name}" if self.adapter else "")
        self._prov: dict[str, Any] | None = None

    def _loaded(self):
        return load_model(self.path, self.adapter, self.device)

    def provenance(self) -> dict[str, Any]:
        if self._prov is None:
            cfg = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
            prov = provenance(self.path, backend="transformers", model_type=cfg.get("model_type"),
                              name_or_path=cfg.get("_name_or_path"))
            if self.adapter is not None:
                card = self.adapter / "model_card.json"
                prov["adapter"] = {
                    "path": str(self.adapter.resolve()), "sha256": dir_sha256(self.adapter),
                    "model_card": json.loads(card.read_text(encoding="utf-8")) if card.is_file() else None,
                }
            self._prov = prov
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
        torch, transformers = _imports()
        tok, model = self._loaded()
        prompt = format_prompt(tok, messages)
        enc = tok(prompt, return_tensors="pt", add_special_tokens=not getattr(tok, "chat_template", None))
        enc = {k: v.to(model.device) for k, v in enc.items()}
        streamer = transformers.TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True)
        kwargs: dict[str, Any] = dict(
            **enc, max_new_tokens=max_tokens, streamer=streamer, max_time=timeout_s,
            pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
        )
        if temperature > 0:
            kwargs.update(do_sample=True, temperature=temperature)
        else:
            kwargs.update(do_sample=False)
        out: dict[str, Any] = {}

        def run() -> None:
            try:
                with torch.inference_mode():
                    out["ids"] = model.generate(**kwargs)
            except Exception as exc:  # surfaced below
                out["error"] = exc
                streamer.end()

        t0 = time.perf_counter()
        th = threading.Thread(target=run, daemon=True)
        th.start()
        pieces = []
        for piece in streamer:
            if piece:
                pieces.append(piece)
                if on_piece is not None:
                    on_piece(piece)
        th.join()
        seconds = time.perf_counter() - t0
        if "error" in out:
            raise AnswerError(f"generation failed: {out['error']}")
        n_prompt = int(enc["input_ids"].shape[1])
        n_new = int(out["ids"].shape[1]) - n_prompt
        eos = tok.eos_token_id
        last = int(out["ids"][0, -1]) if n_new > 0 else None
        if seconds >= timeout_s and n_new < max_tokens:
            finish = "timeout"
        elif n_new >= max_tokens and last != eos:
            finish = "length"
        else:
            finish = "stop"
        return Generation("".join(pieces), n_prompt, n_new, seconds, finish, self.model_id)
