"""Background jobs (re-index) that run while the app keeps answering questions."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from base.errors import ShirubeError

log = logging.getLogger("shirube.app")

STAGES = {"load": "読み込み", "rechunk": "再分割", "embed": "埋め込み", "bm25": "索引作成", "eval": "評価"}


@dataclass
class Job:
    name: str
    started: float = field(default_factory=time.time)
    stage: str = ""
    done: int = 0
    total: int = 0
    finished: float | None = None
    result: Any = None
    error: str | None = None
    # the child process doing the work, when there is one (shirube/writer_process.py)
    worker_pid: int | None = None
    worker_nice: int | None = None

    @property
    def running(self) -> bool:
        return self.finished is None

    def progress(self, stage: str, done: int, total: int) -> None:
        self.stage, self.done, self.total = stage, done, total

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def stage_label(self) -> str:
        return STAGES.get(self.stage, self.stage or "準備中")


class JobBoard:
    """At most one job at a time; the last one stays visible after it ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: Job | None = None
        self._thread: threading.Thread | None = None

    def start(self, name: str, fn: Callable[[Callable[[str, int, int], None]], Any]) -> Job:
        with self._lock:
            if self.current is not None and self.current.running:
                raise ShirubeError(f"「{self.current.name}」を実行中です。終わってから再度実行してください")
            job = Job(name)
            self.current = job

        def run() -> None:
            try:
                job.result = fn(job.progress)
            except ShirubeError as exc:
                job.error = str(exc)
            except Exception as exc:  # shown as a message, logged with its traceback
                log.exception("job %s failed", name)
                job.error = f"予期しないエラー: {type(exc).__name__}: {exc}"
            finally:
                job.finished = time.time()

        self._thread = threading.Thread(target=run, name=f"shirube-{name}", daemon=True)
        self._thread.start()
        return job

    def note_worker(self, event: dict[str, Any]) -> None:
        """The current job's child process started: its pid and scheduling priority."""
        job = self.current
        if job is not None and job.running:
            job.worker_pid, job.worker_nice = event.get("pid"), event.get("nice")

    def wait(self, timeout: float | None = None) -> Job | None:
        t = self._thread
        if t is not None:
            t.join(timeout)
        return self.current
