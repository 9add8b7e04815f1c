#!/usr/bin/env bash
# Train the answer judge (model/judge.py) on a CUDA machine, e.g. the device tool's H200, from a
# file prepared on this machine (the GPU machine needs torch, transformers, peft and numpy only):
#
#   .venv/bin/python bench/fit_judge.py --gov-home /tmp/govqa_home --gov-parts all --gov-negatives 6 \
#       --max-tokens 256 --max-question 64 --prepare .judge/prep.npz      # here (.judge/ is git-ignored)
#   tools/judge_gpu.sh .judge/prep.npz OUTDIR                             # there (carry .judge)
#
# Two judges train side by side on the one GPU, LoRA on every layer, 3 epochs:
#   split: bench/gov_qa parts CC, DD and NN-QQ held out (NN-PP choose a threshold, CC, DD and QQ test it);
#   full:  every part but QQ (the part the split's test keeps unseen by both).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
PREP=$1
OUTDIR=$2
mkdir -p "$OUTDIR"
export PYTHONUNBUFFERED=1
SPLIT=fresh30.jsonl,fresh31.jsonl,fresh32.jsonl,fresh33.jsonl,fresh52.jsonl,fresh53.jsonl,fresh54.jsonl,fresh55.jsonl,fresh56.jsonl,fresh57.jsonl,fresh58.jsonl,fresh59.jsonl
FULL=fresh58.jsonl,fresh59.jsonl
COMMON=(--prepared "$PREP" --device cuda --epochs "${EPOCHS:-3}" --rank 16 --lower 0 --lr 3e-4 --batch 32)
$PY -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))"
$PY bench/fit_judge.py "${COMMON[@]}" --gov-exclude "$SPLIT" \
    --out "$OUTDIR/judge_split.npz" --manifest "$OUTDIR/judge_split.json" > "$OUTDIR/split.log" 2>&1 &
split=$!
$PY bench/fit_judge.py "${COMMON[@]}" --gov-exclude "$FULL" \
    --out "$OUTDIR/judge_full.npz" --manifest "$OUTDIR/judge_full.json" > "$OUTDIR/full.log" 2>&1 &
full=$!
rc=0
wait $split || rc=1
wait $full || rc=1
grep -v -e Warning -e warnings.warn "$OUTDIR/split.log" "$OUTDIR/full.log" | tail -40
exit $rc
