#!/usr/bin/env bash
# The GPU checks, in one run, for a machine with a CUDA device (e.g. the
# device tool's H200): CUDA embeddings (torch E5 vs CPU), exact dense search
# as a torch matrix product on CUDA (no faiss-gpu wheel needed), and LoRA
# fine-tuning steps on CUDA (bf16). Needs the project installed (make setup).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
$PY - <<'PY'
import torch
assert torch.cuda.is_available(), "no CUDA device visible to torch"
print("device:", torch.cuda.get_device_name(0), "torch", torch.__version__)
PY
$PY -m pytest -q -ra tests/test_e5_torch.py tests/test_index.py tests/test_finetune.py \
    -k "cuda or torch_exact or lora or adapter or embeddings_match"
