"""Writes in their own lower-priority process, so the process that answers keeps answering.

>>> name = reindex_in_process(sh, full=True, by="kanri", progress=job.progress)   # doctest: +SKIP
>>> sh.jobs.start_worker(resume=True, runner=job_runner(sh))                       # doctest: +SKIP

Run as a thread of the app (or of ``shirube serve``), a re-index or an ingest job shares the
asking process's embedder, its thread pool and its GIL: a question waits behind the writer's
current embedding slice (bench/reindex_latency.py measured p95 22.9 × idle for a full
re-index in a thread). Run in another process at ``writer_nice`` it costs a question almost
nothing (1.01 ×), because the kernel runs the question's threads first. So the front ends
start this module as a child process:

* the parent writes the engine's settings and the task (one JSON object) to the child's
  stdin — not to its command line, where a database password would be visible to every
  local user;
* the child lowers its priority, opens the same home (never creating one), runs the task —
  :meth:`Shirube.reindex`, or one durable ingest job (:meth:`JobService.run`, which claims
  the job, so a job another process runs is left alone) — and writes one JSON line per
  event to stdout: ``start`` (pid, nice), ``progress`` (stage, done, total), then ``done``
  (the generation, or the job and its batch report) or ``error`` (a Japanese message);
* questions first: the child waits while a question is in flight in the serving process
  (``Shirube.ask`` / ``search`` hold a marker under ``index/.questions/`` until their audit row
  is written) — between embedding slices, as every writer does, and also before each catalog
  transaction it begins while it holds none (:func:`pause_before_transactions`), so a
  question's audit append does not queue behind the writer's next commit. One wait lasts at
  most ``yield_to_questions``' cap (10 s), so a stream of questions slows a re-index, never
  stops it. Each wait is a ``paused`` / ``resumed`` (``waited_s``) event;
* the parent relays progress and returns the result, or raises
  :class:`~base.errors.ShirubeError` with the child's message — a child that dies without
  one becomes 「…のプロセスが異常終了しました（終了コード N）」. The child's stderr (a
  traceback, say) goes to the log, never to the user.

The asking process sees a new generation at its next question (``CURRENT`` is read per
query); audit rows and manifests are the child's, under the user who started the work. A
child whose parent dies runs on to the end: a re-index is one atomic switch either way, a
job ends with its manifest and audit rows, and the write lock keeps a second writer waiting.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from base.errors import ShirubeError
from base.priority import lower_priority
from base.settings import Settings

from .engine import Shirube
from .index_build import Progress, no_progress
from .ingest import BatchReport

log = logging.getLogger("shirube.writer")
_ROOT = Path(__file__).resolve().parents[1]
CRASHED = "{what}のプロセスが異常終了しました（終了コード {code}）"
# The child lowers its priority before it imports anything heavy (numpy, the engine, torch):
# its start-up must not take the cores from the questions either.
_START = ("import sys; from base.priority import lower_priority; lower_priority(int(sys.argv[1])); "
          "import runpy; runpy.run_module('shirube.writer_process', run_name='__main__', alter_sys=True)")
OnStart = Callable[[dict[str, Any]], None]


def reindex_in_process(
    sh: Shirube, *, full: bool = False, by: str | None = None, progress: Progress = no_progress,
    on_start: OnStart | None = None, on_pause: OnStart | None = None,
) -> str | None:
    """:meth:`Shirube.reindex` of ``sh``'s home in a child process at ``writer_nice``; the new
    generation's name. ``on_start`` receives the child's ``start`` event (``pid``, ``nice``);
    ``on_pause`` its ``paused`` and ``resumed`` events (``waited_s``): it waits for questions."""
    done = _run_child(sh.settings, {"task": "reindex", "full": bool(full), "by": by}, "再索引", progress, on_start,
                      on_pause)
    sh.store.load()  # the new generation loaded here now, not by the next question
    return done.get("generation")


def run_job_in_process(
    settings: Settings, job_id: int, progress: Progress = no_progress, on_start: OnStart | None = None,
) -> tuple[dict[str, Any] | None, BatchReport | None]:
    """One durable ingest job (shirube/jobs.py) run in a child process at ``writer_nice``: the job as
    :meth:`JobService.job` returns it (None when another process runs it) and its batch report."""
    done = _run_child(settings, {"task": "job", "job_id": int(job_id)}, "取り込み", progress, on_start)
    report = done.get("report")
    return done.get("job"), BatchReport.from_dict(report) if report else None


def job_runner(sh: Shirube) -> Callable[[int, Progress], tuple[dict[str, Any] | None, BatchReport | None]]:
    """What :meth:`JobService.start_worker` runs each job with, so it runs in a child process."""
    settings = sh.settings
    return lambda job_id, progress: run_job_in_process(settings, job_id, progress)


def _run_child(settings: Settings, task: dict[str, Any], what: str, progress: Progress,
               on_start: OnStart | None, on_pause: OnStart | None = None) -> dict[str, Any]:
    payload = {**task, "settings": settings.to_dict(), "nice": settings.writer_nice}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-c", _START, str(settings.writer_nice)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env, cwd=str(_ROOT),
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    drain = threading.Thread(target=_log_stderr, args=(proc.stderr,), name="shirube-writer-stderr", daemon=True)
    drain.start()
    try:
        proc.stdin.write(json.dumps(payload, ensure_ascii=False))
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the child died at once: its exit code says so below
    final: dict[str, Any] | None = None
    for line in proc.stdout:
        try:
            event = json.loads(line)
        except ValueError:
            log.warning("writer child: %s", line.rstrip())
            continue
        kind = event.get("event")
        if kind == "progress":
            progress(str(event["stage"]), int(event["done"]), int(event["total"]))
        elif kind == "start" and on_start is not None:
            on_start(event)
        elif kind in ("paused", "resumed") and on_pause is not None:
            on_pause(event)
        elif kind in ("done", "error"):
            final = event
    code = proc.wait()
    drain.join(5)
    if final is not None and final["event"] == "done":
        return final
    if final is not None and final.get("message"):
        raise ShirubeError(str(final["message"]))
    raise ShirubeError(CRASHED.format(what=what, code=code))


def _log_stderr(stream: IO[str]) -> None:
    for line in stream:
        log.warning("writer child: %s", line.rstrip())


# -- the child -------------------------------------------------------------------------
_EMITTING = threading.Lock()  # one whole line at a time: a pause may come from any thread


def _emit(event: str, **fields: Any) -> None:
    line = json.dumps({"event": event, **fields}, ensure_ascii=False, default=str) + "\n"
    with _EMITTING:
        sys.stdout.write(line)
        sys.stdout.flush()


def _progress(stage: str, done: int, total: int) -> None:
    _emit("progress", stage=stage, done=done, total=total)


def pause_before_transactions(engine: Any, pause: Callable[[], object]) -> None:
    """Call ``pause`` before each catalog transaction ``engine`` begins while no other one is
    open in this process (in any thread): a writer waits for the questions in flight at a point
    where it holds no database lock, so a question's own catalog writes (its audit row) never
    queue behind the writer's next transaction. A transaction begun while another is open (its
    own, or another thread's that may be waiting for this one) never waits.

    >>> pause_before_transactions(sh.catalog.engine, sh.store.yield_to_questions)   # doctest: +SKIP
    """
    from sqlalchemy import event

    lock = threading.Lock()
    open_now: weakref.WeakSet[Any] = weakref.WeakSet()  # a connection dropped unclosed leaves it

    def begin(conn: Any) -> None:
        with lock:
            idle = not open_now
        if idle:
            pause()
        with lock:
            open_now.add(conn)

    def end(conn: Any) -> None:
        with lock:
            open_now.discard(conn)

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)


def _yield_to_questions(sh: Shirube) -> Callable[[], None]:
    """The child's safe-point pause: wait while a question is in flight (``yield_to_questions``,
    at most its cap at one point), and tell the parent (``paused`` / ``resumed``)."""
    store = sh.store

    def pause() -> None:
        if store.questions_waiting():
            _emit("paused")
            _emit("resumed", waited_s=round(store.yield_to_questions(), 3))
    return pause


def main() -> int:
    payload = json.loads(sys.stdin.read())
    nice = lower_priority(int(payload["nice"]))  # before the embedder's threads start
    _emit("start", pid=os.getpid(), nice=nice)
    sh: Shirube | None = None
    try:
        sh = Shirube(Settings.from_dict(payload["settings"]), create=False)
        # questions first: besides the embedding slices' pauses (index_sync.embed_slices), wait
        # before each write transaction while the serving process answers a question
        pause_before_transactions(sh.catalog.engine, _yield_to_questions(sh))
        if payload["task"] == "reindex":
            name = sh.reindex(full=bool(payload["full"]), by=payload.get("by"), progress=_progress)
            _emit("done", generation=name)
        else:
            job_id = int(payload["job_id"])
            job = sh.jobs.run(job_id, _progress)
            report = sh.jobs.report(job_id)
            _emit("done", job=job, report=report.to_dict() if report is not None else None)
    except ShirubeError as exc:
        _emit("error", message=str(exc))
        return 1
    except Exception as exc:  # logged with its traceback on stderr (the parent's log); a message for the user
        log.exception("%s failed", payload.get("task"))
        _emit("error", message=f"予期しないエラー: {type(exc).__name__}: {exc}")
        return 1
    finally:
        if sh is not None:
            sh.close()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sys.exit(main())
