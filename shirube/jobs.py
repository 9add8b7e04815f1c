"""Durable ingest jobs: an accepted upload is never lost.

>>> job_id = sh.jobs.submit([("jorei.pdf", data)], label=1, by="toroku")   # doctest: +SKIP
>>> sh.jobs.wait(job_id)["state"]
'done'

``submit`` first writes every accepted file into the home (``uploads/<UTC>-<token>/NNNN<suffix>``:
temp file, fsync, rename) and records the job and its files in the catalog (``ingest_jobs``,
``ingest_job_files``; ``queued``); only then does it return. A worker thread owned by the engine —
one per process and home, never by a browser session — runs queued jobs one at a time (in the app
and ``shirube serve`` each in a lower-priority child process: ``runner``, shirube/writer_process.py),
so leaving the page, refreshing or logging out changes nothing. A job killed mid-way is still
``queued`` or ``running`` in the catalog: the app's start (:meth:`JobService.start_worker` with
``resume``) and ``shirube jobs resume`` run it again. The batch of its earlier attempt is first
closed as a recovered batch (shirube/batches.py: manifest and audit row, then its documents go
live), the files it recorded take their fate from it, and the rest are ingested as a new batch. A
job ends ``done``, or ``failed`` with a reason; it is audited as ``ingest_job``, and every batch it
made has its manifest and its ``ingest`` audit row (or, should even closing it fail, stays pending
and unsearchable until the next writer closes it). A done job's upload folder is removed (the
engine keeps originals itself); a failed job's stays for inspection.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import logging
import queue
import shutil
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import select

from base.atomic import fsync_path, write_bytes_atomic
from base.errors import IngestError, ShirubeError
from indexer.catalog import BatchFile, IngestJob, IngestJobFile
from indexer.loaders import sanitize_name
from indexer.manifest import current_user
from retrieval.access import EVERYTHING, AccessFilter, clean_departments

from .home import Home
from .job_files import access_dict as _access_dict, access_of as _access_of, file_row as _file_row  # noqa: I001
from .job_files import job_dict, reader as _reader, stored_here
from .index_build import IndexBuilder, Progress, no_progress

log = logging.getLogger("shirube.jobs")
UPLOADS = "uploads"
ACTIVE = ("queued", "running")
FAILED_FILE = "ジョブが失敗したため取り込まれていません"
INTERRUPTED = ("コマンドラインの取り込みが中断されました（記録済みのファイルはバッチを復旧して登録済み。"
               "残りのファイルは shirube ingest で再度取り込んでください）")

# Ingester.ingest_items (injected by the engine: this service sits beside ingest, not above it).
RunBatch = Callable[..., Any]
# Runs one job elsewhere (shirube/writer_process.py): (job id, progress) -> (job, BatchReport | None).
JobRunner = Callable[[int, Progress], tuple[Any, Any]]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, ShirubeError) else f"予期しないエラー: {type(exc).__name__}: {exc}"


class JobService:
    def __init__(self, home: Home, index: IndexBuilder, run_batch: RunBatch) -> None:
        self._home = home
        self._index = index
        self._run_batch = run_batch
        self._live: dict[int, tuple[str, int, int]] = {}  # job id -> (stage, done, total), this process
        self._reports: dict[int, Any] = {}  # job id -> BatchReport of its last batch run here
        self._ended: dict[int, threading.Event] = {}  # job id -> set when its runner returned
        self._worker: _Worker | None = None
        self._lock = threading.Lock()

    # -- accepting -------------------------------------------------------------------
    def submit(
        self, files: Iterable[tuple[str, bytes]], *, label: int = 1, departments: Iterable[str] = (),
        license: str = "", by: str | None = None, access: AccessFilter = EVERYTHING, start: bool = True,
    ) -> int:
        """Store the files in the home and record the job (durable on return); ``start``: hand it
        to the background worker. Returns the job id."""
        files = list(files)
        if label not in (1, 2, 3):
            raise IngestError("batch", f"機密性ラベルは1〜3で指定してください（指定値: {label}）")
        if not files:
            raise IngestError("upload", "ファイルが選択されていません")
        home = self._home.settings.home
        folder = Path(UPLOADS) / f"{_now():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}"
        rows = []
        for i, (name, data) in enumerate(files):
            rel = folder / f"{i:04d}{Path(sanitize_name(name)).suffix[:16]}"
            write_bytes_atomic(home / rel, data, fsync_dir=i == len(files) - 1)
            rows.append(IngestJobFile(ordinal=i, name=name, stored_path=rel.as_posix(), size=len(data),
                                      sha256=hashlib.sha256(data).hexdigest(), state="queued"))
        fsync_path(home / UPLOADS)
        with self._home.catalog.session() as s:
            job = IngestJob(kind="upload", by=by or current_user(), state="queued", created_at=_now(), label=label,
                            departments=clean_departments(departments), license=license, access=_access_dict(access),
                            attempts=0)
            s.add(job)
            s.flush()
            for r in rows:
                r.job_id = job.id
                s.add(r)
            job_id = job.id
        if start:
            self.start_worker().enqueue(job_id)
        return job_id

    def run_paths(self, ingest: Callable[..., Any], paths: Iterable[Any], *, access: AccessFilter = EVERYTHING,
                  **kwargs: Any) -> Any:
        """A command-line ingest of ``paths`` (``Ingester.ingest``) as a job of kind ``paths``: recorded
        the moment its batch opens, its files when it ends. The files stay where they are, so a
        killed one is not re-run: :meth:`resume` closes its batch and fails it with a reason."""
        opened: list[int] = []
        claims = ExitStack()  # held while it runs: `jobs resume` elsewhere must not take it for a dead one

        def record(batch_id: int) -> None:
            with self._home.catalog.session() as s:
                job = IngestJob(kind="paths", by=kwargs.get("by") or current_user(), state="running", created_at=_now(),
                                started_at=_now(), label=kwargs.get("label", 1), batch_id=batch_id, attempts=1,
                                departments=clean_departments(kwargs.get("departments", ())),
                                license=kwargs.get("license", ""), access=_access_dict(access))
                s.add(job)
                s.flush()
                opened.append(job.id)
                claims.enter_context(self._claim(job.id))  # before the row is visible to anyone

        with claims:
            try:
                report = ingest(paths, access=access, on_batch=record, **kwargs)
            except Exception as exc:
                if opened:
                    self._close_paths(opened[0], f"取り込みが失敗しました: {type(exc).__name__}: {exc}")
                raise
            if opened:
                with self._home.catalog.session() as s:
                    for i, f in enumerate(report.files):
                        s.add(_file_row(opened[0], i, f.source, f.size, f.sha256, f.result, f.reason, f.document_id,
                                        report.batch_id))
                    job = s.get(IngestJob, opened[0])
                    job.state, job.finished_at = "done", _now()
        return report

    def _close_paths(self, job_id: int, reason: str) -> dict[str, Any]:
        """A ``paths`` job cut short: its batch closed (manifest, audit row), its files named, failed."""
        with self._home.catalog.session() as s:
            job = s.get(IngestJob, job_id)
            by, batch_id = job.by, job.batch_id
        try:
            self._index.repair(by=by)
        except Exception:  # noqa: BLE001 - the next writer closes the batch; its documents stay unsearchable
            log.exception("closing the batch of job %s", job_id)
        with self._home.catalog.session() as s:
            if batch_id is not None and not s.get(IngestJob, job_id).files:
                rows = s.scalars(select(BatchFile).where(BatchFile.batch_id == batch_id).order_by(BatchFile.id)).all()
                for i, r in enumerate(rows):
                    s.add(_file_row(job_id, i, r.source, r.size, r.sha256, r.result, r.reason, r.document_id, batch_id))
        return self._finish(job_id, "failed", reason)

    # -- running -----------------------------------------------------------------------
    def run(self, job_id: int, progress: Progress = no_progress) -> dict[str, Any] | None:
        """Run (or resume) one job now, in this thread; None when another thread or process runs it,
        or when another server accepted it (its files are in that server's home)."""
        with self._claim(job_id) as mine:
            return self._run(job_id, progress) if mine and self._files_here(job_id) else None

    def _files_here(self, job_id: int) -> bool:
        with self._home.catalog.session() as s:
            return stored_here(self._home.settings.home, s.get(IngestJob, job_id))

    def resume(self, progress: Progress = no_progress) -> list[dict[str, Any]]:
        """Run every job left ``queued`` or ``running`` (interrupted) that nobody is running now."""
        done = [self.run(i, progress) for i in self.pending_ids()]
        return [d for d in done if d is not None]

    def pending_ids(self) -> list[int]:
        with self._home.catalog.session() as s:
            return list(s.scalars(select(IngestJob.id).where(IngestJob.state.in_(ACTIVE)).order_by(IngestJob.id)))

    def start_worker(self, resume: bool = False, runner: JobRunner | None = None) -> "_Worker":
        """The background worker of this engine (started once); ``resume``: queue interrupted jobs.
        ``runner``: run each job with it instead of in this process (shirube/writer_process.py)."""
        with self._lock:
            if self._worker is None or not self._worker.alive:
                self._worker = _Worker(self, runner)
            w = self._worker
        if resume:
            for job_id in self.pending_ids():
                w.enqueue(job_id)
        return w

    def run_with(self, job_id: int, runner: JobRunner) -> None:
        """Run one job with ``runner`` (e.g. in a child process), its progress shown here. A runner
        that dies leaves the job active: it then fails with the runner's reason, its batch closed."""
        def live(stage: str, done: int, total: int) -> None:
            self._live[job_id] = (stage, done, total)

        ended = self._ended.setdefault(job_id, threading.Event())
        try:
            _, report = runner(job_id, live)
            if report is not None:
                self._reports[job_id] = report
                self._home.store.load()  # its new generation loaded here now, not by the next question
        except Exception as exc:  # noqa: BLE001 - the job ends with the reason
            log.warning("ingest job %s: %s", job_id, exc)
            with self._claim(job_id) as mine:
                if mine and self.job(job_id)["state"] in ACTIVE:
                    self._fail(job_id, _reason(exc))
        finally:
            self._live.pop(job_id, None)
            ended.set()

    def wait(self, job_id: int, timeout: float | None = None, poll: float = 0.1) -> dict[str, Any]:
        """The job once it has ended (or at ``timeout``), as :meth:`job` returns it."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            j = self.job(job_id)
            if j["state"] not in ACTIVE or (end is not None and time.monotonic() >= end):
                return j
            time.sleep(poll)

    def _run(self, job_id: int, progress: Progress) -> dict[str, Any]:
        with self._home.catalog.session() as s:
            job = s.get(IngestJob, job_id)
            if job is None:
                raise ShirubeError(f"ジョブ {job_id} はありません")
            if job.state not in ACTIVE:
                return self.job(job_id)
            kind, earlier, by = job.kind, job.batch_id, job.by
            if kind != "paths":
                job.state, job.attempts = "running", job.attempts + 1
                job.started_at = job.started_at or _now()
            terms = {"label": job.label, "departments": list(job.departments or []), "license": job.license,
                     "by": job.by, "access": _access_of(job.access or {})}
        if kind == "paths":  # files named on a command line are not re-run (see run_paths)
            return self._close_paths(job_id, INTERRUPTED)

        def live(stage: str, done: int, total: int) -> None:
            self._live[job_id] = (stage, done, total)
            progress(stage, done, total)

        try:
            if earlier is not None:  # an earlier attempt died after opening its batch: close it first
                self._index.repair(by=by)
                self._take_fates(job_id, earlier)
            todo = self._queued(job_id)
            if todo:
                items = [(name, _reader(self._home.settings.home / rel, sha), size) for _, name, rel, sha, size in todo]
                report = self._run_batch(items, progress=live, on_batch=lambda b: self._set_batch(job_id, b), **terms)
                self._reports[job_id] = report
                self._record(job_id, [t[0] for t in todo], report.files, report.batch_id)
            return self._finish(job_id, "done", None)
        except Exception as exc:  # noqa: BLE001 - the job fails with its reason; its batch is still closed
            log.exception("ingest job %s failed", job_id)
            return self._fail(job_id, _reason(exc))
        finally:
            self._live.pop(job_id, None)

    def _fail(self, job_id: int, reason: str) -> dict[str, Any]:
        """Fail a job (claimed by the caller): its batch closed first (manifest, audit), its files' fates kept."""
        try:
            self._index.repair(by=self.job(job_id)["by"])
            latest = self.job(job_id)["batch_id"]
            if latest is not None:
                self._take_fates(job_id, latest)
        except Exception:  # noqa: BLE001 - the next writer closes the batch; its documents stay unsearchable
            log.exception("closing the batch of failed job %s", job_id)
        return self._finish(job_id, "failed", reason)

    def _queued(self, job_id: int) -> list[tuple[int, str, str, str, int]]:
        with self._home.catalog.session() as s:
            return [tuple(r) for r in s.execute(  # type: ignore[misc]
                select(IngestJobFile.id, IngestJobFile.name, IngestJobFile.stored_path, IngestJobFile.sha256,
                       IngestJobFile.size)
                .where(IngestJobFile.job_id == job_id, IngestJobFile.state == "queued").order_by(IngestJobFile.ordinal)
            ).all()]

    def _set_batch(self, job_id: int, batch_id: int) -> None:
        with self._home.catalog.session() as s:
            s.get(IngestJob, job_id).batch_id = batch_id

    def _take_fates(self, job_id: int, batch_id: int) -> None:
        """The files an earlier attempt's batch recorded (in order) take their fate from it."""
        with self._home.catalog.session() as s:
            if s.scalars(select(IngestJobFile.id).where(IngestJobFile.job_id == job_id,
                                                        IngestJobFile.batch_id == batch_id).limit(1)).first():
                return  # already taken
            rows = s.scalars(select(BatchFile).where(BatchFile.batch_id == batch_id).order_by(BatchFile.id)).all()
            fates = [(r.result, r.reason, r.document_id) for r in rows]
        todo = self._queued(job_id)[:len(fates)]
        self._record(job_id, [t[0] for t in todo], fates, batch_id)

    def _record(self, job_id: int, file_ids: list[int], fates: list[Any], batch_id: int) -> None:
        with self._home.catalog.session() as s:
            for fid, fate in zip(file_ids, fates):
                result, reason, doc = fate if isinstance(fate, tuple) else (fate.result, fate.reason, fate.document_id)
                f = s.get(IngestJobFile, fid)
                f.state, f.reason, f.document_id, f.batch_id = result, reason, doc, batch_id

    def _finish(self, job_id: int, state: str, reason: str | None) -> dict[str, Any]:
        with self._home.catalog.session() as s:
            job = s.get(IngestJob, job_id)
            for f in job.files:
                if f.state == "queued":  # never reached: a failed job names them
                    f.state, f.reason = "error", f"{FAILED_FILE}（{reason}）"
            job.state, job.reason, job.finished_at = state, reason, _now()
            folder = Path(job.files[0].stored_path).parent if job.files and job.kind == "upload" else None
        out = self.job(job_id)
        self._home.audit(out["by"], "ingest_job", {
            "job_id": job_id, "state": state, "reason": reason, "attempts": out["attempts"],
            "batches": sorted({f["batch_id"] for f in out["files"] if f["batch_id"] is not None}),
            "counts": {k: sum(1 for f in out["files"] if f["state"] == k) for k in ("ok", "duplicate", "error")},
        })
        if state == "done" and folder is not None:
            shutil.rmtree(self._home.settings.home / folder, ignore_errors=True)
        return out

    @contextmanager
    def _claim(self, job_id: int) -> Iterator[bool]:
        """An exclusive, non-blocking lock on one job (released when its runner ends or dies)."""
        path = self._home.settings.home / UPLOADS / ".locks" / f"job-{job_id}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- reading -----------------------------------------------------------------------
    def job(self, job_id: int) -> dict[str, Any]:
        with self._home.catalog.session() as s:
            job = s.get(IngestJob, job_id)
            if job is None:
                raise ShirubeError(f"ジョブ {job_id} はありません")
            return job_dict(job, self._live.get(job.id))

    def jobs(self, by: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The newest jobs first (``by``: only that user's), each with its files."""
        with self._home.catalog.session() as s:
            q = select(IngestJob).order_by(IngestJob.id.desc()).limit(limit)
            if by is not None:
                q = q.where(IngestJob.by == by)
            return [job_dict(j, self._live.get(j.id)) for j in s.scalars(q)]

    def report(self, job_id: int, wait_s: float = 30.0) -> Any:
        """The BatchReport of the job's last batch when it ran in (or for) this process, else None.
        A job run by a runner is done in the catalog a moment before its report is back here."""
        if (ended := self._ended.get(job_id)) is not None:
            ended.wait(wait_s)
        return self._reports.get(job_id)

class _Worker:
    """One daemon thread running queued jobs in order, for as long as the process lives."""

    def __init__(self, service: JobService, runner: JobRunner | None = None) -> None:
        self._service = service
        self._runner = runner
        self._queue: queue.Queue[int] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="shirube-ingest-jobs", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def enqueue(self, job_id: int) -> None:
        self._queue.put(job_id)

    def _loop(self) -> None:
        while True:
            job_id = self._queue.get()
            try:
                if self._runner is not None:
                    self._service.run_with(job_id, self._runner)
                else:
                    self._service.run(job_id)
            except BaseException:  # noqa: BLE001 - a dead run leaves the job resumable; the worker goes on
                log.exception("ingest job %s interrupted", job_id)
