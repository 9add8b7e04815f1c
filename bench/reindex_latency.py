"""A question's latency while a full re-index runs (not a test).

    python bench/reindex_latency.py [--copies 2] [--min-questions 16] [--think 0.5] [--home DIR]

Builds a home from the bundled samples/ (plus ``--copies`` altered copies of its
text, Markdown and HTML files, for a longer re-index) with the real default
embedder, then asks the same questions (``Shirube.ask``: search + extractive
answer) three ways and prints p50/p95 and the ratio to the idle p95:

* idle        — nothing else runs;
* thread      — a full re-index runs in a thread of the asking process (the
                app's ingest / re-index thread: one embedder, one GIL);
* app         — what the app's 全件再索引 does (shirube/writer_process.py): a
                child process at ``writer_nice``, watched by a thread of the
                asking process;
* process     — a full re-index runs in another process on the same home
                (``shirube reindex --full`` beside the app), once at normal
                priority (``writer_nice = 0``) and once as the CLI runs it
                (``writer_nice``, default 10: base/priority.py).

Before each re-index the embedding cache is emptied (indexer/embed_cache.py), so
every chunk is really embedded again, as after a change of model or chunking.

Questions first (retrieval/store.py ``question`` / ``yield_to_questions``):
the writer embeds in small slices and waits between them while a question is
in flight (``Shirube.ask`` / ``search`` hold the marker until their audit row
is written); the app's child also waits before each catalog transaction
(shirube/writer_process.py ``pause_before_transactions``) and reports its
waits, printed under the table. The target is p95 during a re-index ≤ 3 × idle
p95. ``SHIRUBE_DB_URL`` (an empty PostgreSQL database) runs it on PostgreSQL.
"""

from __future__ import annotations

import argparse
import inspect
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from base.settings import Settings  # noqa: E402
from indexer.embed_cache import EmbeddingCache  # noqa: E402
from shirube.engine import Shirube, iter_files  # noqa: E402
from shirube.writer_process import reindex_in_process  # noqa: E402

QUESTIONS = [
    "缶やびんはどのように出せばよいですか",
    "避難所の運営は誰が行いますか",
    "印鑑登録に必要なものは何ですか",
    "児童手当はいつ支給されますか",
    "犬の登録の手数料はいくらですか",
    "育児休業はいつまで取得できますか",
    "道路占用の許可申請はどこに出しますか",
    "備蓄する食料は何日分ですか",
]
CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from shirube.engine import Shirube
from base.priority import lower_priority
sh = Shirube.open(home={home!r}, parse_in_subprocess=False)
if {nice}:
    lower_priority({nice})  # as `shirube reindex` does (writer_nice), before the model's threads start
sh.embedder.embed_queries(["warm"])  # model loaded before the clock starts
print("START", flush=True)
t0 = time.perf_counter()
sh.reindex(full=True)
print("DONE", round(time.perf_counter() - t0, 2), flush=True)
sh.close()
"""


def build(home: Path, copies: int) -> Shirube:
    sh = Shirube.open(home=home, parse_in_subprocess=False)
    if sh.store.current_name() is not None:  # --home of an earlier run: reuse it as it is
        return sh
    files = [(f.name, f.read_bytes()) for f in iter_files([ROOT / "samples"])]
    extra = []
    for n in range(1, copies + 1):
        for name, data in files:
            stem, dot, ext = name.rpartition(".")
            if ext in ("txt", "md"):
                extra.append((f"{stem}-{n}.{ext}", data + f"\n\ncopy {n}\n".encode()))
            elif ext in ("html", "htm"):
                extra.append((f"{stem}-{n}.{ext}", data + f"\n<!-- copy {n} -->\n".encode()))
    sh.ingest_bytes(files + extra, label=1)
    return sh


def empty_cache(sh: Shirube) -> None:
    """Forget every cached vector, so the next full re-index embeds each chunk again."""
    EmbeddingCache(sh.catalog).keep_only(sh.embedder.model_id, [])


def ask_all(sh: Shirube, until, think_s: float) -> list[float]:
    """Ask questions in turn while ``until(n_asked)`` holds, ``think_s`` apart; latencies in s."""
    out: list[float] = []
    i = 0
    while until(len(out)):
        t0 = time.perf_counter()
        sh.ask(QUESTIONS[i % len(QUESTIONS)], user="bench")
        out.append(time.perf_counter() - t0)
        i += 1
        time.sleep(think_s)  # a viewer reads the answer before asking again
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=2, help="altered copies of the text samples (longer re-index)")
    ap.add_argument("--min-questions", type=int, default=16, help="questions asked idle")
    ap.add_argument("--think", type=float, default=0.5, help="seconds between a viewer's questions")
    ap.add_argument("--nice", type=int, nargs="*", default=[0, Settings().writer_nice],
                    help="the re-indexing process's nice values, one run each (default: 0 and writer_nice)")
    ap.add_argument("--no-thread", action="store_true", help="skip the re-index in a thread")
    ap.add_argument("--no-app", action="store_true", help="skip the app's way (reindex_in_process)")
    ap.add_argument("--home", default=None, help="build the home here (default: a temporary directory)")
    args = ap.parse_args()

    home = Path(args.home or tempfile.mkdtemp(prefix="shirube-bench-"))
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    sh = build(home, args.copies)
    n_chunks = sh.store.load().n_chunks
    print(f"home {home}: {n_chunks} chunks, built in {time.perf_counter() - t0:.1f} s; cpus {os.cpu_count()}")
    for q in QUESTIONS[:2]:  # warm: model, answerer, caches
        sh.ask(q, user="bench")

    rows: list[tuple[str, list[float], float | None]] = []
    idle = ask_all(sh, lambda n: n < max(args.min_questions, 2 * len(QUESTIONS)), args.think)
    rows.append(("idle", idle, None))

    if not args.no_thread:
        empty_cache(sh)
        t = threading.Thread(target=sh.reindex, kwargs={"full": True})
        t0 = time.perf_counter()
        t.start()
        during = ask_all(sh, lambda n: t.is_alive(), args.think)  # only questions asked while it runs
        t.join()
        rows.append(("re-index in a thread", during, time.perf_counter() - t0))

    waits: list[float] = []
    if not args.no_app:
        # what the app's 全件再索引 does: a child process at writer_nice, watched by a thread
        empty_cache(sh)

        def on_pause(event: dict) -> None:
            if event["event"] == "resumed":
                waits.append(float(event["waited_s"]))
        kwargs: dict[str, object] = {"full": True}
        if "on_pause" in inspect.signature(reindex_in_process).parameters:  # absent before questions-first waits
            kwargs["on_pause"] = on_pause
        t = threading.Thread(target=reindex_in_process, args=(sh,), kwargs=kwargs)
        t0 = time.perf_counter()
        t.start()
        during = ask_all(sh, lambda n: t.is_alive(), args.think)
        t.join()
        rows.append(("app: child process", during, time.perf_counter() - t0))

    for nice in args.nice:
        empty_cache(sh)
        child = subprocess.Popen([sys.executable, "-c", CHILD.format(root=str(ROOT), home=str(home), nice=nice)],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        while (line := child.stdout.readline()) and not line.startswith("START"):
            pass
        t0 = time.perf_counter()
        during = ask_all(sh, lambda n: child.poll() is None, args.think)
        child.wait()
        rows.append((f"process, nice {nice}", during, time.perf_counter() - t0))
    # idle again: how far the machine's own load drifted while the re-indexes ran (shared cores)
    rows.append(("idle, after", ask_all(sh, lambda n: n < max(args.min_questions, 2 * len(QUESTIONS)), args.think), None))
    sh.close()

    base = float(np.percentile(idle, 95))
    print(f"load average at the end {os.getloadavg()[0]:.1f} (start {load0:.1f}); shirube {ROOT}")
    print(f"\n{'phase':<24}{'n':>5}{'p50 s':>9}{'p95 s':>9}{'p95/idle':>10}{'re-index s':>12}")
    for name, lat, dur in rows:
        p50, p95 = float(np.percentile(lat, 50)), float(np.percentile(lat, 95))
        print(f"{name:<24}{len(lat):>5}{p50:>9.3f}{p95:>9.3f}{p95 / base:>10.2f}{(f'{dur:.1f}' if dur else '-'):>12}")
    if waits:
        print(f"app child: waited for questions before {len(waits)} transactions, {sum(waits):.1f} s in all")


if __name__ == "__main__":
    main()
