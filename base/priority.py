"""A writer's CPU priority: questions first across processes.

A full re-index or an ingest run by ``shirube reindex`` / ``shirube ingest`` beside the
app competes with the app's questions for the same cores. Between embedding slices it
already waits while a question is in flight (``retrieval/store.py``), but during a slice
its threads would still take a core from the question's query embedding. So the writer
process lowers its own scheduling priority (``nice``): the kernel then runs a question's
threads first and the writer only on the time left over. Raising a nice value back needs
privileges, so this is only for processes (or threads) that do nothing but write.

    lower_priority(settings.writer_nice)   # at the start of `shirube reindex` / `shirube ingest`
"""

from __future__ import annotations

import os

WRITER_NICE = 10  # CFS weight 110 vs 1024 at nice 0: ~10 % of a core against one busy question thread


def lower_priority(increment: int = WRITER_NICE) -> int:
    """Lower the calling thread's priority (on Linux ``nice`` applies to the calling thread
    and to the threads it starts afterwards, e.g. an embedder's OpenMP pool) to at most
    ``increment`` above normal; never raises it. Returns the nice value now in force
    (0 where the platform has no ``nice``)."""
    if not hasattr(os, "nice"):
        return 0
    try:
        now = os.nice(0)
        if now < increment:
            now = os.nice(increment - now)
        return now
    except OSError:  # a sandbox that forbids it: run at normal priority
        return 0
