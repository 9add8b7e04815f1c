"""The generative path end to end: SFT data → LoRA adapter → evaluation beside the extractive answerer.

    python -m bench.finetune_demo [--steps 200] [--work DIR] [--base HF_DIR] [--gov] [--merge OUT] [--json]
    make finetune-demo STEPS=200

1. base model: ``--base DIR`` (a Hugging Face directory), else the bundled
   Gemma-3-270m GGUF converted once to ``~/.cache/shirube/models/gemma-3-270m-hf``
   (transformers' GGUF reader, dequantised float32);
2. a fresh home under ``--work`` (fake embedder: the point is the answerer),
   ``samples/`` ingested (and ``../shared/data/gov`` with ``--gov``; never JSQuAD,
   which is the retrieval benchmark), SFT data built with ``k`` = 3 passages
   and a held-out split by document (``shirube.sft.build_sft``);
3. a LoRA adapter trained for ``--steps`` optimiser steps on short prompts
   (passages ≤ 300 characters) → ``WORK/adapter`` with ``model_card.json``
   (data manifest sha256, hyperparameters, seed, device, loss log, tokens/s);
4. evaluation of extractive, base and base + adapter on (a) the held-out
   examples, each answerer shown the same passages, and (b) ``samples/qa.jsonl``
   through retrieval (k = 3) like ``shirube eval --answerers``: non-fallback
   rate (answers whose sentences survive the verifier), citation precision,
   answer_hit, refusal on unanswerable, false refusals, latency, tokens/s.
   The table is printed, written to ``WORK/report.json`` and added to the
   model card (``evaluation``);
5. ``--merge OUT``: the adapter merged into the base model, saved as a Hugging
   Face directory (for vLLM, or llama.cpp's converter → ``shirube serve-llm``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("non_fallback", "citation_precision", "answer_hit", "refusal_unanswerable", "false_refusal",
           "p50_s", "tokens_per_s", "n")


def _passages(ex: dict[str, Any]) -> list[Any]:
    """The example's numbered passages as the answerer's Passage objects (same text for every answerer)."""
    from model.answerer import Passage
    from model.records import Hit

    out = []
    for p in ex["passages"]:
        hit = Hit(p["chunk_id"], p["document_id"], p["chunk_id"], p["title"], p["title"], "text", 1, None,
                  p.get("locator") or None, None, p["text"], 0, len(p["text"]), 1.0)
        out.append(Passage(hit, p["text"], []))
    return out


def spread(items: list[Any], limit: int, answerable: Any) -> list[Any]:
    """``limit`` items evenly spread over the list, a quarter of them (at least one) unanswerable."""
    if limit <= 0 or len(items) <= limit:
        return items
    yes = [x for x in items if answerable(x)]
    no = [x for x in items if not answerable(x)]
    n_no = min(len(no), max(1, limit // 4))

    def pick(xs: list[Any], n: int) -> list[Any]:
        return [xs[i * len(xs) // n] for i in range(n)] if n else []

    return pick(yes, limit - n_no) + pick(no, n_no)


def heldout_row(answerer: Any, examples: list[dict[str, Any]]) -> dict[str, Any]:
    """One answerer on held-out SFT examples: every answerer reads the same passages."""
    from model.verify import PassageIndex, split_answer, support_score
    from shirube.evaluate import _Grounding

    g = _Grounding()
    lat: list[float] = []
    hits = n_ans = refused_ok = n_ref = false_ref = non_fallback = 0
    for ex in examples:
        t0 = time.perf_counter()
        ans = answerer.answer(ex["question"], _passages(ex))
        lat.append(time.perf_counter() - t0)
        g.add(ans)
        meta = getattr(ans, "meta", {}) or {}
        non_fallback += not (meta.get("fallback") or meta.get("gate"))  # the model's own text
        if ex["answered"]:
            n_ans += 1
            false_ref += not ans.answered
            target = "".join(s for s, _ in split_answer(ex["answer"]))
            hits += ans.answered and support_score(target, PassageIndex.of(ans.text)) >= 0.5
        else:
            n_ref += 1
            refused_ok += not ans.answered
    s = g.summary()
    return {
        "n": len(examples), "non_fallback": non_fallback / len(examples) if examples else None,
        "citation_precision": s["citation_precision"], "answer_hit": hits / n_ans if n_ans else None,
        "refusal_unanswerable": refused_ok / n_ref if n_ref else None,
        "false_refusal": false_ref / n_ans if n_ans else None,
        "p50_s": statistics.median(lat) if lat else None, "tokens_per_s": s["tokens_per_s"],
    }


def qa_row(res: dict[str, Any]) -> dict[str, Any]:
    """A ``evaluate_answerers`` entry in the table's columns."""
    fb = res.get("fallback_rate")
    return {
        "n": None, "non_fallback": None if fb is None else 1.0 - fb,
        "citation_precision": res.get("citation_precision"), "answer_hit": res.get("answer_hit"),
        "refusal_unanswerable": res.get("refusal_rate_unanswerable"),
        "false_refusal": res.get("false_refusal_rate"), "p50_s": res.get("ask_p50_s"),
        "tokens_per_s": res.get("tokens_per_s"),
    }


def table(rows: list[dict[str, Any]]) -> str:
    def f(v: Any) -> str:
        return "–" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

    head = "| set | answerer | " + " | ".join(COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for r in rows:
        lines.append(f"| {r['set']} | {r['answerer']} | " + " | ".join(f(r.get(c)) for c in COLUMNS) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=200, help="LoRA optimiser steps")
    ap.add_argument("--work", default=".finetune-demo", help="work directory (home, SFT data, adapter, report)")
    ap.add_argument("--base", help="Hugging Face model directory (default: the bundled Gemma-3-270m, converted)")
    ap.add_argument("--gov", action="store_true", help="also ingest ../shared/data/gov when present")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--r", type=int, default=16)
    ap.add_argument("--alpha", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=1024)
    ap.add_argument("--max-generated", type=int, default=120, help="generated SFT examples at most")
    ap.add_argument("--heldout-limit", type=int, default=30, help="held-out examples evaluated (0: all)")
    ap.add_argument("--qa-limit", type=int, default=0, help="samples/qa.jsonl questions evaluated (0: all)")
    ap.add_argument("--max-new-tokens", type=int, default=96)
    ap.add_argument("--loss-limit", type=int, default=8, help="held-out / training examples scored for loss")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--merge", help="also save base + adapter merged as a Hugging Face directory here")
    ap.add_argument("--adapter", help="evaluate this existing adapter instead of training one")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    from model.finetune.sft_data import load_examples, load_manifest
    from model.finetune.train import LoraSettings, finetune
    from shirube.engine import Shirube
    from shirube.evaluate import evaluate_answerers, load_qa
    from shirube.sft import SFTConfig, build_sft

    work = Path(a.work).resolve()
    if work.exists() and any(work.iterdir()):
        raise SystemExit(f"work directory not empty: {work} (the recipe starts from nothing)")
    work.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    if a.base:
        base = Path(a.base)
    else:
        from model.finetune.convert import convert_gguf
        from model.provenance import bundled_gemma, cache_root

        base = convert_gguf(bundled_gemma(), cache_root() / "models" / "gemma-3-270m-hf")
    sources = [str(ROOT / "samples")]
    gov = ROOT.parent / "shared" / "data" / "gov"
    if a.gov and gov.is_dir():
        sources.append(str(gov))
    sh = Shirube.open(home=work / "home", embedder="fake")
    sh.ingest(sources)
    manifest_path, manifest = build_sft(
        sh, work / "sft", qa_files=[ROOT / "samples" / "qa.jsonl"], manifest_dir=work / "manifests",
        name="finetune-demo", cfg=SFTConfig(k=3, max_generated=a.max_generated, seed=13),
    )
    cfg = LoraSettings(max_steps=a.steps, learning_rate=a.lr, grad_accum=1, r=a.r, alpha=a.alpha,
                       max_len=a.max_len, max_passage_chars=300, eval_limit=0, heldout_limit=a.loss_limit,
                       train_loss_limit=a.loss_limit,
                       seed=a.seed)
    adapter = Path(a.adapter).resolve() if a.adapter else work / "adapter"
    if a.adapter:
        card = json.loads((adapter / "model_card.json").read_text(encoding="utf-8"))
    else:
        card = finetune(base, manifest_path, adapter, cfg, device=a.device)

    held = load_examples(load_manifest(manifest_path), "heldout", manifest_path.parent)
    held = spread(held, a.heldout_limit, lambda e: e["answered"])
    items = load_qa(ROOT / "samples" / "qa.jsonl")
    items = spread(items, a.qa_limit, lambda it: it.answerable)
    llm = {"model_path": str(base), "max_passage_chars": 300, "max_new_tokens": a.max_new_tokens,
           "device": a.device}
    variants: dict[str, dict[str, Any]] = {
        "extractive": {"answerer": "extractive"},
        "base": {"answerer": "transformers", **llm},
        "base+adapter": {"answerer": "transformers", **llm, "adapter_path": str(adapter)},
        # the tuned model on its own: no answerability gate before generating
        "base+adapter, no gate": {"answerer": "transformers", **llm, "adapter_path": str(adapter),
                                  "llm_gate": False},
    }
    rows: list[dict[str, Any]] = []
    for name, kw in variants.items():
        kw = dict(kw)
        ans = sh.answerer(kw.pop("answerer"), **kw)
        rows.append({"set": f"held-out ({len(held)})", "answerer": name, **heldout_row(ans, held)})
    res = evaluate_answerers(
        items, lambda q: sh.search(q, k=10),
        {n: (lambda q, kw=kw: sh.ask(q, k=3, **kw)) for n, kw in variants.items()},
    )
    for name in variants:
        rows.append({"set": f"samples/qa.jsonl ({len(items)})", "answerer": name, **qa_row(res["answerers"][name]),
                     "n": len(items)})
    sh.close()
    report = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "device": f"{card['device']} ({platform.processor() or platform.machine()}, torch threads "
                  f"{torch.get_num_threads()})",
        "base": str(base), "adapter": str(adapter), "manifest": str(manifest_path),
        "manifest_sha256": card["data"]["manifest_sha256"], "examples": manifest.get("counts"),
        "steps": card["train"]["steps"], "train_s": card["train"]["seconds"],
        "train_tokens_per_s": card["train"]["tokens_per_s"],
        "loss_on_train": [card["train"]["loss_on_train_before"], card["train"]["loss_on_train_after"]],
        "heldout_loss": [card["metrics"]["before"]["loss"], card["metrics"]["after"]["loss"]],
        "total_s": None, "rows": rows,
        "command": "python -m bench.finetune_demo " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    if a.merge:
        from model.finetune.merge import merge_adapter

        report["merged"] = str(merge_adapter(base, adapter, a.merge))
    report["total_s"] = round(time.perf_counter() - t_start, 1)
    card_path = adapter / "model_card.json"
    full = json.loads(card_path.read_text(encoding="utf-8"))
    full["evaluation"] = {k: report[k] for k in ("date", "device", "rows", "command")}
    card_path.write_text(json.dumps(full, ensure_ascii=False, indent=2), encoding="utf-8")
    (work / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if a.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"{report['date']}  {report['device']}  {report['steps']} steps in {report['train_s']} s "
              f"({report['train_tokens_per_s']} tokens/s), total {report['total_s']} s")
        print(f"examples {report['examples']}  manifest sha256 {report['manifest_sha256'][:16]}…")
        print(f"loss on training examples {report['loss_on_train'][0]} → {report['loss_on_train'][1]}; "
              f"held-out loss {report['heldout_loss'][0]} → {report['heldout_loss'][1]}")
        print(table(rows))
        print(f"adapter: {adapter}" + (f"\nmerged: {report['merged']}" if a.merge else ""))
    return report


if __name__ == "__main__":
    main()
