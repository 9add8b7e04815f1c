"""Ingest throughput by format, and what the parsing sandbox costs (not a test).

    python bench/ingest.py [--data ../shared/data/gov] [--repeat 3]

Loads every file under ``--data`` (default: the bundled samples/) three ways
and prints one table per format: parsing in-process (the baseline), parsing in
the sandbox worker process (what ingest does: time and memory limits), and the
whole pipeline after parsing (normalise + fugashi chunking). Ratios are
against the in-process baseline measured in the same run. Embedding is left
out: bench/embedders.py and bench/jsquad.py measure it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.loaders import LoadLimits, load_bytes  # noqa: E402
from indexer.process import process_document  # noqa: E402
from indexer.sandbox import ParseSandbox  # noqa: E402
from shirube.engine import iter_files  # noqa: E402
from base.errors import IngestError  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT / "samples"))
    ap.add_argument("--repeat", type=int, default=3, help="passes over the corpus (best is kept)")
    args = ap.parse_args()

    files = [(f.name, f.read_bytes()) for f in iter_files([args.data])]
    limits = LoadLimits()
    box = ParseSandbox()
    box.load(files[0][1], files[0][0], limits) if files else None  # start the worker outside the timing

    rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    errors: dict[str, str] = {}
    for name, data in files:
        best: dict[str, float] = {}
        for _ in range(max(1, args.repeat)):
            try:
                t0 = time.perf_counter()
                doc = load_bytes(data, name, limits)
                t1 = time.perf_counter()
                box.load(data, name, limits)
                t2 = time.perf_counter()
                sections = process_document(doc, 300, 50)
                t3 = time.perf_counter()
            except IngestError as exc:
                errors[name] = exc.reason
                break
            for key, secs in (("inproc", t1 - t0), ("sandbox", t2 - t1), ("chunk", t3 - t2)):
                best[key] = min(best.get(key, float("inf")), secs)
        if name in errors:
            continue
        kind = doc.kind
        r = rows[kind]
        r["files"] += 1
        r["bytes"] += len(data)
        r["chars"] += sum(len(s.text) for s in doc.sections)
        r["chunks"] += sum(len(p.chunks) for p in sections)
        for key, secs in best.items():
            r[key] += secs

    print(f"\ningest (parse + normalise + chunk) over {args.data}: {len(files)} files, best of {args.repeat}")
    hdr = (f"{'format':<10} {'files':>5} {'MB':>6} {'chars':>9} {'chunks':>6} {'parse ms':>9} "
           f"{'sandbox ms':>10} {'sandbox/parse':>13} {'chunk ms':>9} {'chars/s (all)':>13}")
    print(hdr)
    print("-" * len(hdr))
    total: dict[str, float] = defaultdict(float)
    for kind, r in sorted(rows.items()) + [("total", total)]:
        if kind != "total":
            for k, v in r.items():
                total[k] += v
        all_s = r["sandbox"] + r["chunk"]
        ratio = r["sandbox"] / r["inproc"] if r["inproc"] else float("nan")
        print(f"{kind:<10} {int(r['files']):>5} {r['bytes'] / 1e6:>6.2f} {int(r['chars']):>9} {int(r['chunks']):>6} "
              f"{r['inproc'] * 1000:>9.1f} {r['sandbox'] * 1000:>10.1f} {ratio:>13.2f} {r['chunk'] * 1000:>9.1f} "
              f"{(r['chars'] / all_s if all_s else 0):>13.0f}")
    for name, reason in sorted(errors.items()):
        print(f"rejected: {name}: {reason}")


if __name__ == "__main__":
    main()
