"""Access-filtered exact dense search on a torch device (not a test).

    python bench/dense_filter.py --n 1000000,10000000 [--dim 384] [--queries 50] [--device cuda]

Every real query is filtered (clearance, department). This compares, in one
run and on the same random unit vectors, per-query latency of

* unfiltered search (the floor: one matrix product + top-k),
* filtered, the old way: the allowed-id mask built on the host with
  ``np.isin`` for every query and copied to the device (baseline),
* filtered, Shirube's way: ``retrieval.dense._TorchExact`` builds the mask
  once per allowed-id array on the device and reuses it,

and checks that both filtered searches return the same top-10. Half of the
ids are allowed (a department's view of a shared archive).

    python bench/dense_filter.py --backend faiss --n 100000,1000000     # the CPU path

does the same for the FAISS flat index on the CPU (``retrieval.dense.DenseIndex``):
old = an ``IDSelectorBatch`` built from the allowed ids for every query; new = the
selector built once per (read-only) allowed-id array and reused (retrieval/masks.py).
FAISS runs on one thread (``--threads``) so that timings on a shared machine hold still.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from retrieval.dense import _TorchExact  # noqa: E402


def _old_filtered(ex: _TorchExact, q, k: int, allowed: np.ndarray):
    """The per-query host mask this replaces (kept here as the baseline)."""
    torch = ex.torch
    qt = torch.from_numpy(np.ascontiguousarray(q, np.float32)).to(ex.device)
    with torch.no_grad():
        scores = ex.matrix @ qt
        keep = torch.from_numpy(np.isin(ex.ids, allowed)).to(ex.device)
        scores = scores.masked_fill(~keep, float("-inf"))
        top = torch.topk(scores, k)
    return ex.ids[top.indices.cpu().numpy()]


def _old_faiss_filtered(dense, q, k: int, allowed: np.ndarray):
    """The per-query selector this replaces (kept here as the CPU baseline)."""
    import faiss

    sel = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
    _, ids = dense.index.search(q.reshape(1, -1), k, params=faiss.SearchParameters(sel=sel))
    return ids[0]


def faiss_rows(args) -> None:
    import faiss

    from retrieval.dense import DenseIndex
    from retrieval.masks import freeze

    faiss.omp_set_num_threads(args.threads)
    print(f"device=cpu ({platform.processor() or platform.machine()})  faiss={faiss.__version__}  "
          f"threads={args.threads}  dim={args.dim}  queries={args.queries}  k={args.k}")
    print(f"{'n':>11} {'unfiltered ms':>14} {'old filter ms':>14} {'new filter ms':>14} {'old/unf':>8} {'new/unf':>8} "
          f"{'old/new':>8} {'top10 same':>10}")
    rng = np.random.default_rng(0)
    for n in (int(x) for x in args.n.split(",")):
        mat = rng.standard_normal((n, args.dim), dtype=np.float32)
        mat /= np.linalg.norm(mat, axis=1, keepdims=True)
        ids = np.arange(10_000, 10_000 + n, dtype=np.int64)
        dense = DenseIndex.create(args.dim, "flat", device="cpu")
        dense.add(ids, mat)
        allowed = freeze(np.sort(rng.choice(ids, n // 2, replace=False)))
        queries = [mat[int(i)] + 0.01 for i in rng.integers(0, n, args.queries)]
        nosync = lambda: None  # noqa: E731
        unf = _time(lambda q: dense.search(q, args.k), queries, nosync)
        old = _time(lambda q: _old_faiss_filtered(dense, q, args.k, allowed), queries, nosync)
        new = _time(lambda q: dense.search(q, args.k, allowed), queries, nosync)
        same = all(_old_faiss_filtered(dense, q, args.k, allowed).tolist() == dense.search(q, args.k, allowed).ids.tolist()
                   for q in queries[:10])
        print(f"{n:>11,} {unf:>14.2f} {old:>14.2f} {new:>14.2f} {old / unf:>8.1f} {new / unf:>8.2f} "
              f"{old / new:>8.1f} {str(same):>10}")
        del mat, dense


def _time(fn, queries, sync) -> float:
    fn(queries[0])  # warm-up (kernels, caches, the mask for the new way)
    sync()
    t0 = time.perf_counter()
    for q in queries:
        fn(q)
    sync()
    return (time.perf_counter() - t0) / len(queries) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="100000", help="comma-separated corpus sizes")
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--backend", choices=("torch", "faiss"), default="torch")
    ap.add_argument("--threads", type=int, default=1, help="FAISS threads (--backend faiss)")
    ap.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    args = ap.parse_args()
    if args.backend == "faiss":
        faiss_rows(args)
        return
    import torch

    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    dev = args.device
    sync = torch.cuda.synchronize if dev.startswith("cuda") else (lambda: None)
    name = torch.cuda.get_device_name(0) if dev.startswith("cuda") else platform.processor() or platform.machine()
    print(f"device={dev} ({name})  torch={torch.__version__}  dim={args.dim}  queries={args.queries}  k={args.k}")
    print(f"{'n':>11} {'unfiltered ms':>14} {'old filter ms':>14} {'new filter ms':>14} {'old/unf':>8} {'new/unf':>8} "
          f"{'old/new':>8} {'top10 same':>10}")
    rng = np.random.default_rng(0)
    for n in (int(x) for x in args.n.split(",")):
        g = torch.Generator(device=dev).manual_seed(0)
        mat = torch.randn(n, args.dim, device=dev, generator=g)
        mat = torch.nn.functional.normalize(mat, dim=1)
        ids = np.arange(10_000, 10_000 + n, dtype=np.int64)
        ex = _TorchExact.__new__(_TorchExact)  # the device copy is made here directly, not from numpy
        ex.torch, ex.device, ex.ids, ex.matrix = torch, dev, ids, mat
        ex._ids_dev = torch.from_numpy(ids).to(dev)
        ex._masks = {}
        allowed = np.sort(rng.choice(ids, n // 2, replace=False))
        queries = [mat[int(i)].cpu().numpy() + 0.01 for i in rng.integers(0, n, args.queries)]
        unf = _time(lambda q: ex.search(q, args.k, None), queries, sync)
        old = _time(lambda q: _old_filtered(ex, q, args.k, allowed), queries, sync)
        new = _time(lambda q: ex.search(q, args.k, allowed), queries, sync)
        same = all(
            _old_filtered(ex, q, args.k, allowed).tolist() == ex.search(q, args.k, allowed).ids.tolist()
            for q in queries[:10]
        )
        print(f"{n:>11,} {unf:>14.2f} {old:>14.2f} {new:>14.2f} {old / unf:>8.1f} {new / unf:>8.2f} "
              f"{old / new:>8.1f} {str(same):>10}")
        del mat, ex
        if dev.startswith("cuda"):
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
