"""A LoRA adapter merged into its base model, saved as a plain Hugging Face directory.

``shirube finetune --merge OUT`` / ``python -m bench.finetune_demo --merge OUT``:
peft's ``merge_and_unload`` folds the adapter's low-rank updates into the base
weights, so the result loads anywhere a Hugging Face model does — vLLM
(``vllm serve OUT``, an OpenAI-compatible server for the ``openai`` answerer),
the ``transformers`` answerer without ``adapter_path``, or llama.cpp's
``convert_hf_to_gguf.py`` → ``shirube serve-llm``. The adapter's model card is
copied beside the weights as ``shirube_adapter_card.json`` (base hash, data
manifest hash, hyperparameters), so the merged model keeps its provenance.
"""

from __future__ import annotations

import os
from pathlib import Path

from base.errors import ConfigError, MissingExtra


def merge_adapter(base: str | Path, adapter: str | Path, out: str | Path) -> Path:
    """``out`` holding config.json, safetensors weights, the tokenizer and the adapter's card."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    base, adapter, out = Path(base), Path(adapter), Path(out)
    if not (adapter / "adapter_config.json").is_file():
        raise ConfigError(f"not a PEFT adapter directory (no adapter_config.json): {adapter}")
    try:
        import transformers
        from peft import PeftModel
    except ImportError as exc:
        raise MissingExtra(getattr(exc, "name", "peft") or "peft", "train") from exc
    tok = transformers.AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = transformers.AutoModelForCausalLM.from_pretrained(base, local_files_only=True)
    merged = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    card = adapter / "model_card.json"
    if card.is_file():
        (out / "shirube_adapter_card.json").write_text(card.read_text(encoding="utf-8"), encoding="utf-8")
    return out
