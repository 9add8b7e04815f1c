"""LoRA fine-tuning of a local causal LM on ``sft-data`` examples (``shirube finetune``).

The model learns exactly what the ``transformers`` answerer will ask of it:
the prompt is :func:`model.prompt.build_messages` rendered with the model's
chat template (or the plain prompt for a base model), and the loss is taken
on the answer tokens only (prompt tokens are masked with -100).

peft ``LoraConfig`` (``target_modules="all-linear"`` by default) + the
transformers ``Trainer``; bfloat16 on a CUDA GPU, float32 on the CPU. The
adapter is written with ``save_pretrained`` beside ``model_card.json``: base
model path/hash/licence, data manifest hash, hyperparameters, seed, device,
loss history, tokens/s, and held-out metrics before and after training
(loss, answer_hit, citation precision, refusal rates).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from base.errors import ConfigError, MissingExtra

from ..prompt import PromptPassage, build_messages
from ..provenance import dir_sha256, file_sha256, licence_of
from ..verify import PassageIndex, citation_precision, is_refusal, split_answer, support_score, verify_text
from .sft_data import load_examples, load_manifest


@dataclass(frozen=True)
class LoraSettings:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str = "all-linear"  # or comma-separated names: q_proj,v_proj
    learning_rate: float = 2e-4
    epochs: float = 2.0
    max_steps: int = -1  # > 0 overrides epochs
    batch_size: int = 1
    grad_accum: int = 4
    warmup_steps: int = 0
    max_len: int = 2048  # tokens; longer examples are skipped
    max_passage_chars: int = 600
    seed: int = 0
    eval_limit: int = 20  # held-out examples generated for before/after metrics (0: loss only)
    eval_max_new_tokens: int = 96
    heldout_limit: int = 0  # held-out examples used at all (0: every one)
    train_loss_limit: int = 0  # training examples scored for loss before/after (0: every one)


def _imports():
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import peft
        import torch
        import transformers
    except ImportError as exc:
        raise MissingExtra(getattr(exc, "name", "peft") or "peft", "train") from exc
    return torch, transformers, peft


def example_messages(ex: dict[str, Any], max_chars: int) -> list[dict[str, str]]:
    pps = [PromptPassage(p["n"], p["title"], p.get("locator", ""), p["text"]) for p in ex["passages"]]
    return build_messages(ex["question"], pps, max_chars=max_chars)


def encode(tok: Any, ex: dict[str, Any], cfg: LoraSettings) -> dict[str, list[int]] | None:
    """input_ids/labels for one example (labels = -100 on the prompt); None when too long."""
    from ..transformers_llm import format_prompt

    prompt = format_prompt(tok, example_messages(ex, cfg.max_passage_chars))
    has_template = bool(getattr(tok, "chat_template", None))
    p_ids = tok(prompt, add_special_tokens=not has_template)["input_ids"]
    a_ids = tok(ex["answer"], add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    if len(p_ids) + len(a_ids) > cfg.max_len:
        return None
    return {"input_ids": p_ids + a_ids, "labels": [-100] * len(p_ids) + a_ids}


class _Collator:
    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, rows: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        n = max(len(r["input_ids"]) for r in rows)
        ids = [r["input_ids"] + [self.pad_id] * (n - len(r["input_ids"])) for r in rows]
        labels = [r["labels"] + [-100] * (n - len(r["labels"])) for r in rows]
        mask = [[1] * len(r["input_ids"]) + [0] * (n - len(r["input_ids"])) for r in rows]
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}


def mean_loss(model: Any, rows: list[dict[str, list[int]]], pad_id: int) -> float:
    """Mean per-token cross-entropy on the answer tokens of ``rows``."""
    import torch

    if not rows:
        return float("nan")
    coll = _Collator(pad_id)
    total, count = 0.0, 0
    model.eval()
    with torch.inference_mode():
        for r in rows:
            batch = {k: v.to(model.device) for k, v in coll([r]).items()}
            out = model(**batch)
            n = int((batch["labels"][:, 1:] != -100).sum())
            total += float(out.loss) * n
            count += n
    return total / max(count, 1)


def heldout_metrics(model: Any, tok: Any, examples: list[dict[str, Any]], cfg: LoraSettings) -> dict[str, Any]:
    """Greedy answers on held-out examples, scored like ``shirube eval``."""
    import torch

    from ..transformers_llm import format_prompt

    rows = [r for r in (encode(tok, ex, cfg) for ex in examples) if r is not None]
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    out: dict[str, Any] = {"n": len(examples), "loss": round(mean_loss(model, rows, pad), 4)}
    subset = examples[: cfg.eval_limit]
    if not subset:
        return out
    hits = n_ans = refused_ok = n_ref = false_ref = 0
    precisions: list[float] = []
    has_template = bool(getattr(tok, "chat_template", None))
    model.eval()
    for ex in subset:
        prompt = format_prompt(tok, example_messages(ex, cfg.max_passage_chars))
        enc = tok(prompt, return_tensors="pt", add_special_tokens=not has_template).to(model.device)
        with torch.inference_mode():
            ids = model.generate(**enc, max_new_tokens=cfg.eval_max_new_tokens, do_sample=False, pad_token_id=pad)
        text = tok.decode(ids[0, enc["input_ids"].shape[1]:], skip_special_tokens=True)
        if ex["answered"]:
            n_ans += 1
            refused = is_refusal(text)
            false_ref += refused
            checks = verify_text(text, [p["text"] for p in ex["passages"]])
            cp = citation_precision(checks)
            if cp is not None:
                precisions.append(cp)
            target = "".join(s for s, _ in split_answer(ex["answer"]))
            hits += (not refused) and support_score(target, PassageIndex.of(text)) >= 0.5
        else:
            n_ref += 1
            refused_ok += is_refusal(text)
    out.update(
        generated=len(subset),
        answer_hit=round(hits / n_ans, 4) if n_ans else None,
        citation_precision=round(sum(precisions) / len(precisions), 4) if precisions else 0.0,
        refusal_rate_unanswerable=round(refused_ok / n_ref, 4) if n_ref else None,
        false_refusal_rate=round(false_ref / n_ans, 4) if n_ans else None,
    )
    return out


def finetune(
    base: str | Path, manifest_path: str | Path, out_dir: str | Path, cfg: LoraSettings = LoraSettings(),
    *, device: str = "auto", progress: Any = None,
) -> dict[str, Any]:
    """Train a LoRA adapter; returns the model card (also written to ``out_dir/model_card.json``)."""
    torch, transformers, peft = _imports()
    from ..transformers_llm import pick_device

    base = Path(base)
    if not (base / "config.json").is_file():
        raise ConfigError(f"not a Hugging Face model directory (no config.json): {base}")
    manifest_path = Path(manifest_path)
    manifest = load_manifest(manifest_path)
    train_ex = load_examples(manifest, "train", manifest_path.parent)
    held_ex = load_examples(manifest, "heldout", manifest_path.parent)
    if cfg.heldout_limit > 0:
        held_ex = held_ex[: cfg.heldout_limit]
    if not train_ex:
        raise ConfigError(f"{manifest_path}: no training examples")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    transformers.set_seed(cfg.seed)
    dev, dtype = pick_device(device)
    tok = transformers.AutoTokenizer.from_pretrained(base, local_files_only=True)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    model = transformers.AutoModelForCausalLM.from_pretrained(base, local_files_only=True, dtype=dtype).to(dev)
    rows = [r for r in (encode(tok, ex, cfg) for ex in train_ex) if r is not None]
    skipped = len(train_ex) - len(rows)
    if not rows:
        raise ConfigError(f"every training example is longer than max_len={cfg.max_len} tokens")
    before = heldout_metrics(model, tok, held_ex, cfg)
    train_loss_before = mean_loss(model, rows[: cfg.train_loss_limit or None], tok.pad_token_id)

    targets: Any = cfg.target_modules if cfg.target_modules == "all-linear" else [
        t.strip() for t in cfg.target_modules.split(",") if t.strip()
    ]
    lora = peft.LoraConfig(
        r=cfg.r, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout, target_modules=targets,
        task_type="CAUSAL_LM", bias="none",
    )
    model = peft.get_peft_model(model, lora)
    trainable, total = model.get_nb_trainable_parameters()
    args = transformers.TrainingArguments(
        output_dir=str(out / "_trainer"), per_device_train_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum, learning_rate=cfg.learning_rate,
        num_train_epochs=cfg.epochs, max_steps=cfg.max_steps, warmup_steps=cfg.warmup_steps,
        logging_steps=1, save_strategy="no", eval_strategy="no", report_to="none", seed=cfg.seed,
        use_cpu=dev == "cpu", bf16=dev.startswith("cuda"), remove_unused_columns=False,
        disable_tqdm=True, dataloader_num_workers=0, optim="adamw_torch",
    )
    trainer = transformers.Trainer(
        model=model, args=args, train_dataset=rows, data_collator=_Collator(tok.pad_token_id),
    )
    trainer.remove_callback(transformers.PrinterCallback)  # the loss log goes into the model card
    t0 = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - t0
    steps = int(result.global_step)
    n_tokens = sum(len(r["input_ids"]) for r in rows) * (
        steps * cfg.batch_size * cfg.grad_accum / max(len(rows), 1)
    )
    log = [
        {"step": h["step"], "loss": round(float(h["loss"]), 5)}
        for h in trainer.state.log_history if "loss" in h
    ]
    train_loss_after = mean_loss(model, rows[: cfg.train_loss_limit or None], tok.pad_token_id)
    after = heldout_metrics(model, tok, held_ex, cfg)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    _remove_tree(out / "_trainer")
    weights = out / "adapter_model.safetensors"
    cfg_json = json.loads((base / "config.json").read_text(encoding="utf-8"))
    card = {
        "kind": "shirube-lora-adapter",
        "created": dt.datetime.now(dt.timezone.utc).isoformat(),
        "base_model": {
            "path": str(base.resolve()), "sha256": dir_sha256(base), "licence": licence_of(base),
            "model_type": cfg_json.get("model_type"), "name_or_path": cfg_json.get("_name_or_path"),
            "architectures": cfg_json.get("architectures"),
        },
        "adapter": {"path": str(out.resolve()), "weights_sha256": file_sha256(weights) if weights.exists() else None,
                    "trainable_params": int(trainable), "total_params": int(total)},
        "data": {
            "manifest": str(manifest_path.resolve()), "manifest_sha256": file_sha256(manifest_path),
            "name": manifest.get("name"), "train_examples": len(rows), "train_skipped_too_long": skipped,
            "heldout_examples": len(held_ex), "licences": manifest.get("licences"),
            "max_label": manifest.get("max_label"),
        },
        "hyperparameters": asdict(cfg),
        "seed": cfg.seed,
        "device": dev, "dtype": str(dtype).replace("torch.", ""),
        "train": {
            "steps": steps, "seconds": round(seconds, 2),
            "tokens_per_s": round(n_tokens / seconds, 1) if seconds > 0 else None,
            "loss_on_train_before": round(train_loss_before, 5), "loss_on_train_after": round(train_loss_after, 5),
            "trainer_loss": round(float(result.training_loss), 5), "log": log,
        },
        "metrics": {"before": before, "after": after},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
    }
    (out / "model_card.json").write_text(json.dumps(_finite(card), ensure_ascii=False, indent=2), encoding="utf-8")
    return card


def _finite(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def _remove_tree(p: Path) -> None:
    import shutil

    shutil.rmtree(p, ignore_errors=True)
