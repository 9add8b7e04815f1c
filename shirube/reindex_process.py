"""A re-index in its own lower-priority process, so the process that answers keeps answering.

>>> name = reindex_in_process(sh, full=True, by="kanri", progress=job.progress)   # doctest: +SKIP

Run as a thread of the app, a full re-index shares the asking process's embedder, its
thread pool and its GIL: a question waits behind the re-index's current embedding slice
(measured by bench/reindex_latency.py: p95 22.9 × idle). Run in another process at
``writer_nice`` it costs a question almost nothing (1.01 ×), because the kernel runs the
question's threads first. So the app starts this module as a child process:

* the parent writes the engine's settings (one JSON object) to the child's stdin — not to
  its command line, where a database password would be visible to every local user;
* the child lowers its priority, opens the same home (never creating one), runs
  :meth:`Shirube.reindex` under the home's write lock and writes one JSON line per
  event to stdout: ``start`` (pid, nice), ``progress`` (stage, done, total), then
  ``done`` (the new generation) or ``error`` (a user-facing Japanese message);
* the parent relays progress and returns the generation, or raises
  :class:`~base.errors.ShirubeError` with the child's message — a crash without one
  becomes 「再索引のプロセスが異常終了しました（終了コード N）」. The child's stderr
  (a traceback, say) goes to the log, never to the user.

The asking process sees the new generation at its next question (``CURRENT`` is read per
query) and the audit row is the child's, under the admin who started it. A child whose
parent dies runs on to the end: a re-index is one atomic switch either way, and the
write lock keeps a second one waiting.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, Callable

from base.errors import ShirubeError
from base.priority import lower_priority
from base.settings import Settings

from .engine import Shirube
from .index_build import Progress, no_progress

log = logging.getLogger("shirube.reindex")
_ROOT = Path(__file__).resolve().parents[1]
CRASHED = "再索引のプロセスが異常終了しました（終了コード {code}）"


def reindex_in_process(
    sh: Shirube, *, full: bool = False, by: str | None = None, progress: Progress = no_progress,
    on_start: Callable[[dict[str, Any]], None] | None = None,
) -> str | None:
    """:meth:`Shirube.reindex` of ``sh``'s home in a child process at ``writer_nice``.

    ``on_start`` receives the child's ``start`` event (``pid``, ``nice``)."""
    payload = {"settings": sh.settings.to_dict(), "full": bool(full), "by": by,
               "nice": sh.settings.writer_nice}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "shirube.reindex_process"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env, cwd=str(_ROOT),
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    drain = threading.Thread(target=_log_stderr, args=(proc.stderr,), name="shirube-reindex-stderr", daemon=True)
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
            log.warning("reindex child: %s", line.rstrip())
            continue
        kind = event.get("event")
        if kind == "progress":
            progress(str(event["stage"]), int(event["done"]), int(event["total"]))
        elif kind == "start" and on_start is not None:
            on_start(event)
        elif kind in ("done", "error"):
            final = event
    code = proc.wait()
    drain.join(5)
    if final is not None and final["event"] == "done":
        return final.get("generation")
    if final is not None:
        raise ShirubeError(str(final.get("message") or CRASHED.format(code=code)))
    raise ShirubeError(CRASHED.format(code=code))


def _log_stderr(stream: IO[str]) -> None:
    for line in stream:
        log.warning("reindex child: %s", line.rstrip())


# -- the child -------------------------------------------------------------------------
def _emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main() -> int:
    payload = json.loads(sys.stdin.read())
    nice = lower_priority(int(payload["nice"]))  # before the embedder's threads start
    _emit("start", pid=os.getpid(), nice=nice)
    sh: Shirube | None = None
    try:
        sh = Shirube(Settings.from_dict(payload["settings"]), create=False)
        name = sh.reindex(full=bool(payload["full"]), by=payload.get("by"),
                          progress=lambda stage, done, total: _emit("progress", stage=stage, done=done, total=total))
    except ShirubeError as exc:
        _emit("error", message=str(exc))
        return 1
    except Exception as exc:  # logged with its traceback on stderr (the parent's log); a message for the user
        log.exception("reindex failed")
        _emit("error", message=f"予期しないエラー: {type(exc).__name__}: {exc}")
        return 1
    finally:
        if sh is not None:
            sh.close()
    _emit("done", generation=name)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sys.exit(main())
