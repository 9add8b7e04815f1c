"""Turn a GGUF file into a Hugging Face model directory (safetensors) that peft can fine-tune.

transformers reads GGUF (``from_pretrained(dir, gguf_file=name)``, needs the
``gguf`` package), de-quantising the weights to float32; the result is saved
with ``save_pretrained`` plus a ``provenance.json`` naming the source file and
its sha256. Quantisation is lossy: the directory is the *dequantised* model,
not the original checkpoint.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from base.errors import MissingExtra

from ..provenance import file_sha256, provenance


def convert_gguf(gguf_path: str | Path, out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """``out_dir`` holding config.json, model.safetensors, tokenizer files and provenance.json."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    src = Path(gguf_path)
    out = Path(out_dir)
    sha = file_sha256(src)
    marker = out / "provenance.json"
    if marker.is_file() and not overwrite:
        if json.loads(marker.read_text(encoding="utf-8")).get("source", {}).get("sha256") == sha:
            return out
    try:
        import gguf  # noqa: F401  (transformers' GGUF reader needs it)
        import transformers
    except ImportError as exc:
        raise MissingExtra(getattr(exc, "name", "gguf") or "gguf", "train") from exc
    tok = transformers.AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
    model = transformers.AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name)
    out.mkdir(parents=True, exist_ok=True)
    # save_pretrained refuses a model "quantized with gguf": write the (dequantised)
    # state dict ourselves, and a config without the quantisation entry.
    from safetensors.torch import save_model

    cfg = model.config
    if hasattr(cfg, "quantization_config"):
        delattr(cfg, "quantization_config")
    cfg.save_pretrained(out)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.save_pretrained(out)
    save_model(model, str(out / "model.safetensors"), metadata={"format": "pt"})
    tok.save_pretrained(out)
    prov: dict[str, Any] = {
        "converted": dt.datetime.now(dt.timezone.utc).isoformat(),
        "source": provenance(src),
        "tool": f"transformers {transformers.__version__} (gguf_file=, dequantised to float32)",
    }
    marker.write_text(json.dumps(prov, ensure_ascii=False, indent=2), encoding="utf-8")
    return out
