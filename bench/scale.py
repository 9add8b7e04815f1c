"""How retrieval cost grows with the number of chunks (not a test).

    python bench/scale.py [--sizes 10000,100000] [--queries 60] [--kinds bm25,flat,hnsw,ivf,hybrid]
    python bench/scale.py --sizes 10000,100000,1000000     # + the 1 M row: ~15 min, ~10 GB RAM (estimate)

Rows: bm25 (lemmas), flat / hnsw / ivf (dense), hybrid (lemma BM25 + n-gram BM25 + dense flat, the
default) and hyb-hnsw (the same fusion over dense HNSW, `index_type = "hnsw"`; its R@10 is against
hybrid's top 10).

For each size it builds synthetic corpora through the project's own index classes
(``retrieval.bm25.BM25Index``, ``retrieval.dense.DenseIndex``, ``retrieval.hybrid.rank``)
and prints one table: build time, index size on disk, RSS growth, query p50/p95
unfiltered and filtered (half the chunks allowed, by document of 20 chunks, through
the cached masks of retrieval/masks.py), recall@10 of HNSW/IVF against exact search,
and the ratio of each figure to the smallest size's row, measured in the same run.
A second table shows the filtered hybrid query with the allowed masks built per query
(before the cache) and cached (now).

Synthetic data, said plainly:
* lemma terms: each chunk ~80 terms (Poisson) drawn from a Zipf(s=1.05) vocabulary of
  300k Japanese-like (kanji) strings; "bigram" terms for the n-gram index: ~120 per
  chunk from a Zipf(1.0) vocabulary of 1 M (real chunks hold ~300–450 bigrams, so the
  n-gram index is lighter here than in production);
* vectors: 384-dim unit vectors around N/1000 random topic centres (cosine to the
  centre ≈ 0.7), queries are noisy copies of corpus vectors (uniform random vectors have
  no neighbours worth finding and understate HNSW/IVF recall);
* queries: 4 lemma terms and 8 grams of a random chunk; IVF is trained on a sample of
  50 × nlist vectors (``--ivf-train``), as FAISS advises, to keep the build bearable.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jtext.terms import QueryTerms  # noqa: E402
from retrieval.bm25 import BM25Index  # noqa: E402
from retrieval.dense import DenseIndex  # noqa: E402
from retrieval.hybrid import rank  # noqa: E402
from retrieval.masks import freeze, row_mask  # noqa: E402

DIM = 384
DOC_CHUNKS = 20  # chunks per document: the filter allows every other document


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def vocabulary(n: int, offset: int) -> np.ndarray:
    """``n`` distinct kanji strings (rank r written in base 2,000 over CJK ideographs)."""
    out = []
    for r in range(offset, offset + n):
        s = []
        while True:
            r, d = divmod(r, 2000)
            s.append(chr(0x4E00 + d))
            if r == 0:
                break
        out.append("".join(s) if len(s) > 1 else s[0] + "々")
    return np.asarray(out, dtype=object)


def zipf_docs(rng, n_docs: int, mean_len: int, vocab: np.ndarray, s: float) -> list[list[str]]:
    p = 1.0 / np.arange(1, len(vocab) + 1) ** s
    cdf = np.cumsum(p / p.sum())
    lengths = np.maximum(5, rng.poisson(mean_len, n_docs))
    draws = np.searchsorted(cdf, rng.random(int(lengths.sum())))
    terms = vocab[np.minimum(draws, len(vocab) - 1)]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    return [terms[bounds[i]:bounds[i + 1]].tolist() for i in range(n_docs)]


def clustered_vectors(rng, n: int) -> np.ndarray:
    centres = rng.standard_normal((max(16, n // 1000), DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, DIM), np.float32)
    for lo in range(0, n, 100_000):  # in slices: no second full-size temporary
        hi = min(n, lo + 100_000)
        v = centres[rng.integers(0, len(centres), hi - lo)]
        v += rng.standard_normal((hi - lo, DIM)).astype(np.float32) / np.sqrt(DIM)
        out[lo:hi] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def disk_mb(save) -> float:
    d = Path(tempfile.mkdtemp(prefix="shirube-scale-"))
    try:
        save(d)
        return sum(f.stat().st_size for f in d.iterdir()) / 2**20
    finally:
        shutil.rmtree(d, ignore_errors=True)


def pct(lat: list[float]) -> tuple[float, float]:
    return float(np.percentile(lat, 50)) * 1e3, float(np.percentile(lat, 95)) * 1e3


def timed(fns, n: int) -> tuple[list[list[float]], list]:
    """Latencies of each of ``fns`` over queries 0..n-1, taking turns query by query (in a
    rotating order), so that load from elsewhere on a shared machine hits every variant
    alike; the first variant's results are returned too."""
    lats: list[list[float]] = [[] for _ in fns]
    out = []
    for f in fns:
        f(0)  # warm: masks, selectors, caches
    for i in range(n):
        for j in range(len(fns)):
            k = (i + j) % len(fns)
            t0 = time.perf_counter()
            r = fns[k](i)
            lats[k].append(time.perf_counter() - t0)
            if k == 0:
                out.append(r)
    return lats, out


@contextmanager
def query_threads(n: int):
    """FAISS's OpenMP threads set to ``n`` (0: unchanged) while queries are timed."""
    if n <= 0:
        yield
        return
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class Vectors:
    """The query embedder of the hybrid row: precomputed vectors by query text."""

    def __init__(self, table: dict[str, np.ndarray]) -> None:
        self.table = table

    def embed_queries(self, texts):
        return np.stack([self.table[t] for t in texts])


def run_size(n: int, args, rng, lemma_vocab, gram_vocab) -> tuple[list[dict], dict]:
    rows: list[dict] = []
    kinds = args.kinds
    ids = np.arange(1, n + 1, dtype=np.int64)
    allowed = freeze(ids[(ids // DOC_CHUNKS) % 2 == 0].copy())
    t0 = time.perf_counter()
    lemmas = zipf_docs(rng, n, 80, lemma_vocab, 1.05)
    grams = zipf_docs(rng, n, 120, gram_vocab, 1.0) if "hybrid" in kinds else None
    vecs = clustered_vectors(rng, n) if {"flat", "hnsw", "ivf", "hybrid"} & set(kinds) else None
    print(f"  {n:,} chunks generated in {time.perf_counter() - t0:.1f} s", flush=True)
    # The bench's own millions of term lists would make every gen-2 collection during a
    # query a pause the server (which keeps no such lists) never has: out of the GC's sight.
    gc.collect()
    gc.freeze()
    picks = rng.integers(0, n, args.queries)
    qterms = [rng.choice(lemmas[i], 4, replace=False).tolist() for i in picks]
    qvecs = None
    if vecs is not None:
        qvecs = vecs[picks] + rng.standard_normal((len(picks), DIM)).astype(np.float32) * (0.5 / np.sqrt(DIM))
        qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)

    def measure(name, build, save, query, query_f, extra=None):
        gc.collect()
        r0, t0 = rss_mb(), time.perf_counter()
        idx = build()
        build_s = time.perf_counter() - t0
        gc.collect()
        row = dict(ranker=name, n=n, build_s=build_s, disk_mb=disk_mb(lambda d: save(idx, d)), rss_mb=rss_mb() - r0)
        with query_threads(args.threads):
            (lat, latf), res = timed([lambda i: query(idx, i), lambda i: query_f(idx, i)], args.queries)
        row.update(p50=pct(lat)[0], p95=pct(lat)[1], fp50=pct(latf)[0], fp95=pct(latf)[1])
        if extra:
            row.update(extra(idx, res))
        rows.append(row)
        print(f"  {name:<7} built {build_s:.1f} s", flush=True)
        return idx

    bm25 = None
    if {"bm25", "hybrid"} & set(kinds):
        bm25 = measure("bm25", lambda: BM25Index.build(ids, lemmas), lambda ix, d: ix.save(d, "bm25"),
                       lambda ix, i: ix.search(qterms[i], 100),
                       lambda ix, i: ix.search(qterms[i], 100, row_mask(ix.ids, allowed)))
    exact = None
    dense_idx = {}
    for kind in ("flat", "hnsw", "ivf"):
        if kind not in kinds and not (kind == "flat" and {"hnsw", "ivf", "hybrid"} & set(kinds)):
            continue

        def build(kind=kind):
            d = DenseIndex.create(DIM, kind, n_hint=n, device="cpu")
            if kind == "ivf":
                sample = vecs[rng.choice(n, min(n, args.ivf_train * d.index.nlist), replace=False)]
                d.index.train(sample)
            d.add(ids, vecs)
            return d

        extra = None
        if kind != "flat":
            def extra(ix, res):
                return {"recall": float(np.mean([len(set(r.ids[:10].tolist()) & set(e)) / 10
                                                 for r, e in zip(res, exact)]))}
        dense_idx[kind] = measure(kind, build, lambda ix, d: ix.save(d / "dense.faiss"),
                                  lambda ix, i: ix.search(qvecs[i], 100),
                                  lambda ix, i: ix.search(qvecs[i], 100, allowed), extra)
        if kind == "flat":
            exact = [dense_idx["flat"].search(q, 10).ids.tolist() for q in qvecs]
    hyb = {}
    if "hybrid" in kinds:
        gc.collect()
        r0, t0 = rss_mb(), time.perf_counter()
        ngram = BM25Index.build(ids, grams)
        ngram_s, ngram_rss = time.perf_counter() - t0, rss_mb() - r0
        snap = SimpleNamespace(bm25=bm25, ngram=ngram, dense=dense_idx["flat"])
        qts = [QueryTerms(f"q{i}", f"q{i}", tuple(qterms[i]),
                          tuple(rng.choice(grams[p], 8, replace=False).tolist())) for i, p in enumerate(picks)]
        emb = Vectors({f"q{i}": qvecs[i] for i in range(len(picks))})
        # "before the cache": every query brings a fresh (writable) allowed array, so every
        # ranker builds its mask / selector again, as np.isin did on every query
        with query_threads(args.threads):
            (lat, latf, latb), _ = timed([
                lambda i: rank(snap, emb, qts[i], 10),
                lambda i: rank(snap, emb, qts[i], 10, allowed_ids=allowed),
                lambda i: rank(snap, emb, qts[i], 10, allowed_ids=allowed.copy()),
            ], args.queries)
        # a generation's three indexes: lemma BM25 + n-gram BM25 + dense flat
        parts = [r for r in rows if r["ranker"] in ("bm25", "flat")]
        ngram_mb = disk_mb(lambda d: ngram.save(d, "ngram"))
        row = dict(ranker="hybrid", n=n, build_s=ngram_s + sum(r["build_s"] for r in parts),
                   disk_mb=ngram_mb + sum(r["disk_mb"] for r in parts),
                   rss_mb=ngram_rss + sum(r["rss_mb"] for r in parts),
                   p50=pct(lat)[0], p95=pct(lat)[1], fp50=pct(latf)[0], fp95=pct(latf)[1])
        rows.append(row)
        hyb = dict(n=n, p50=pct(lat)[0], before=pct(latb), after=pct(latf))
        if "hnsw" in dense_idx:  # the same fusion with the HNSW graph as the dense ranker (index_type = "hnsw")
            snap_h = SimpleNamespace(bm25=bm25, ngram=ngram, dense=dense_idx["hnsw"])
            with query_threads(args.threads):
                (lat, latf), res = timed([
                    lambda i: rank(snap_h, emb, qts[i], 10),
                    lambda i: rank(snap_h, emb, qts[i], 10, allowed_ids=allowed),
                ], args.queries)
            flat_top = [rank(snap, emb, qts[i], 10) for i in range(args.queries)]
            parts = [r for r in rows if r["ranker"] in ("bm25", "hnsw")]
            rows.append(dict(
                ranker="hyb-hnsw", n=n, build_s=ngram_s + sum(r["build_s"] for r in parts),
                disk_mb=ngram_mb + sum(r["disk_mb"] for r in parts),
                rss_mb=ngram_rss + sum(r["rss_mb"] for r in parts),
                p50=pct(lat)[0], p95=pct(lat)[1], fp50=pct(latf)[0], fp95=pct(latf)[1],
                recall=float(np.mean([len({x.chunk_id for x in a} & {x.chunk_id for x in b}) / 10
                                      for a, b in zip(res, flat_top)])),
            ))
    gc.unfreeze()
    return rows, hyb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated chunk counts (~1 min for the default)")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--kinds", default="bm25,flat,hnsw,ivf,hybrid")
    ap.add_argument("--ivf-train", type=int, default=50, help="IVF training vectors per list")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="FAISS (OpenMP) threads while timing queries (builds use all cores); 1 keeps "
                         "single-query timings stable on a shared machine, 0 = FAISS's default")
    args = ap.parse_args()
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"sizes {sizes}, {args.queries} queries, FAISS query threads {args.threads or 'default'}, "
          f"{time.strftime('%Y-%m-%d')}, load average {os.getloadavg()[0]:.1f}")
    rng = np.random.default_rng(args.seed)
    lemma_vocab, gram_vocab = vocabulary(300_000, 0), vocabulary(1_000_000, 300_000)
    rows, hybs = [], []
    for n in sizes:
        r, h = run_size(n, args, rng, lemma_vocab, gram_vocab)
        rows += r
        if h:
            hybs.append(h)
        gc.collect()

    base = {r["ranker"]: r for r in rows if r["n"] == sizes[0]}
    hdr = (f"{'ranker':<9}{'chunks':>10}{'build s':>9}{'disk MB':>9}{'RSS +MB':>9}{'p50 ms':>8}{'p95 ms':>8}"
           f"{'filt p50':>9}{'filt p95':>9}{'R@10':>6}{'×build':>8}{'×disk':>7}{'×p50':>7}{'×filt p95':>10}")
    print("\n" + hdr)
    for r in rows:
        b = base[r["ranker"]]
        rec = f"{r['recall']:.3f}" if "recall" in r else "-"
        print(f"{r['ranker']:<9}{r['n']:>10,}{r['build_s']:>9.1f}{r['disk_mb']:>9.1f}{r['rss_mb']:>9.0f}"
              f"{r['p50']:>8.2f}{r['p95']:>8.2f}{r['fp50']:>9.2f}{r['fp95']:>9.2f}{rec:>6}"
              f"{r['build_s'] / b['build_s']:>8.1f}{r['disk_mb'] / b['disk_mb']:>7.1f}"
              f"{r['p50'] / b['p50']:>7.1f}{r['fp95'] / b['fp95']:>10.1f}")
    print("(hybrid: lemma BM25 + n-gram BM25 + dense flat, z-score fusion, 100 candidates each; build, disk and "
          "RSS are the three indexes together; hyb-hnsw: the same with dense HNSW, R@10 = its top 10 against "
          "hybrid's)")
    if hybs:
        print(f"\n{'filtered hybrid':<16}{'chunks':>10}{'unfiltered p50':>16}{'masks per query p50/p95':>26}"
              f"{'cached masks p50/p95':>23}{'per-query/cached':>18}")
        for h in hybs:
            print(f"{'':<16}{h['n']:>10,}{h['p50']:>16.2f}{h['before'][0]:>13.2f} / {h['before'][1]:<10.2f}"
                  f"{h['after'][0]:>10.2f} / {h['after'][1]:<10.2f}{h['before'][0] / h['after'][0]:>10.2f}×")


if __name__ == "__main__":
    main()
