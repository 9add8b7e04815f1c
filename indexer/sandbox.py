"""Process untrusted files in a separate worker process.

A malicious PDF may loop for ever, recurse until the stack overflows or ask
for gigabytes of memory; a megabyte line may make a C library abort. The whole
per-file pipeline (``indexer.process.process_file``: sniff, parse, normalise,
morphology, chunk, terms) therefore runs in a child process with an
address-space limit (``RLIMIT_AS``), a CPU-time limit (``RLIMIT_CPU``, per
file) and a wall-clock limit; if the child hangs it is killed, if it dies the
file is reported (「処理中に異常終了しました」, 「処理時間の上限を超えました」,
「メモリ上限を超えました」) and a fresh child is started on the next file. The
server process never runs the parser or the analyser on an uploaded file.

The worker is a fresh interpreter (``python -m indexer.sandbox``, so nothing
of the server's state or threads is inherited and no ``__main__`` guard is
needed), started once and reused: the per-file overhead is one pickle round
trip over a socket pair, not an interpreter start.

>>> with ParseSandbox(timeout_s=30, memory_mb=1024) as box:        # doctest: +SKIP
...     done = box.process(data, "手引き.pdf", LoadLimits(), 300, 50)   # a ProcessedFile
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
import weakref
from typing import Any, Callable

from indexer.loaders._common import LoadLimits
from indexer.process import ProcessedFile, process_file
from indexer.types import LoadedDocument
from base.errors import LoaderError

# A worker is replaced after this many files, so a slow leak cannot build up.
_RECYCLE_AFTER = 500
_live: "weakref.WeakSet[ParseSandbox]" = weakref.WeakSet()
# A worker that died having used at least this share of its memory limit
# (peak resident size), or whose last words on stderr name a failed
# allocation, is reported as over the limit: C code (MeCab, a PDF filter)
# aborts on a failed allocation instead of raising MemoryError.
_MEMORY_SHARE = 0.5
_MEMORY_WORDS = ("bad_alloc", "MemoryError", "out of memory", "Cannot allocate memory")


def memory_reason(memory_mb: int) -> str:
    return f"メモリ上限を超えました（{memory_mb}MB）"


def time_reason(timeout_s: float) -> str:
    return f"処理時間の上限を超えました（{timeout_s:g}秒）"


def crash_reason(how: str) -> str:
    return f"処理中に異常終了しました（{how}）"


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource

        limit = int(memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file
    except (ImportError, ValueError, OSError):  # pragma: no cover - not Linux/macOS
        pass


def _limit_cpu(seconds: float) -> None:
    """Allow ``seconds`` more CPU time (then SIGXCPU ends the worker): one file's budget."""
    try:
        import resource

        use = resource.getrusage(resource.RUSAGE_SELF)
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        soft = int(use.ru_utime + use.ru_stime + seconds) + 1
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not Linux/macOS
        pass


def _worker(conn: Any, memory_mb: int, cpu_s: float = 0.0) -> None:
    """Child main loop: receive (func, args), reply ("ok", value) or ("error", reason);
    ("fatal", reason) after a MemoryError: the parent replaces this worker."""
    # Import before limiting memory: the libraries themselves are not the threat.
    import indexer.loaders  # noqa: F401
    from jtext.morph import tokenize

    tokenize("準備")  # fugashi and its dictionary

    for name in ("pypdf", "bs4", "lxml.etree", "defusedxml.ElementTree", "charset_normalizer"):
        try:
            __import__(name)
        except ImportError:  # pragma: no cover - the loader reports it
            pass
    _limit_memory(memory_mb)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):  # parent went away
            return
        if msg is None:
            return
        func, args = msg
        if cpu_s > 0:
            _limit_cpu(cpu_s)
        try:
            value = func(*args)
            reply: tuple[str, Any] = ("ok", value)
        except LoaderError as exc:
            reason = exc.reason
            reply = ("error", reason)
            if isinstance(exc.__cause__, MemoryError):
                reply = ("fatal", memory_reason(memory_mb))
        except MemoryError:
            reply = ("fatal", memory_reason(memory_mb))
        except RecursionError:
            reply = ("error", "解析できません（参照の入れ子が深すぎます）")
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            reply = ("error", f"解析できません: {type(exc).__name__}: {str(exc)[:200]}")
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("fatal", memory_reason(memory_mb)))
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable value
            conn.send(("error", f"解析結果を返せません: {type(exc).__name__}"))


def load_document(data: bytes, name: str, limits: LoadLimits) -> LoadedDocument:
    from indexer.loaders import load_bytes

    return load_bytes(data, name, limits)


class ParseSandbox:
    """A reusable worker process with time and memory limits."""

    def __init__(self, timeout_s: float = 60.0, memory_mb: int = 1024) -> None:
        self.timeout_s = float(timeout_s)
        self.memory_mb = int(memory_mb)
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Any = None
        self._served = 0
        self._peak_kb = 0  # the current file's peak, sampled by _wait_reply
        self._err: Any = None  # the worker's stderr, relayed to ours after each file
        self._err_pos = 0
        self.restarts = 0
        _live.add(self)

    # -- lifecycle ---------------------------------------------------------
    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        # the worker imports the same code (and test helpers) as this process
        paths = [p for p in sys.path if p and os.path.isdir(p)]
        env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self._err, self._err_pos = tempfile.TemporaryFile(), 0  # noqa: SIM115 - lives as long as the worker
        proc = subprocess.Popen(
            [sys.executable, "-m", "indexer.sandbox", str(theirs.fileno()), str(self.memory_mb),
             str(self.timeout_s)],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL, stderr=self._err, close_fds=True,
        )
        theirs.close()
        self._proc, self._conn, self._served = proc, Connection(ours.detach()), 0

    def _relay_stderr(self) -> str:
        """Copy what the worker wrote to stderr since last time to ours; return its tail."""
        if self._err is None:
            return ""
        try:
            new = os.pread(self._err.fileno(), 1 << 20, self._err_pos)
        except OSError:
            return ""
        self._err_pos += len(new)
        text = new.decode("utf-8", "replace")
        if text:
            sys.stderr.write(text)
        return text[-4000:]

    def _kill(self) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
            self.restarts += 1
        if self._err is not None:
            self._relay_stderr()
            self._err.close()
            self._err = None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.send(None)
                except OSError:
                    pass
                if self._proc is not None:
                    try:
                        self._proc.wait(2)
                    except subprocess.TimeoutExpired:
                        pass
            self._kill()

    def __enter__(self) -> "ParseSandbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def interrupt(self) -> None:
        """Kill the worker from another thread, in the middle of a call: that call fails as a
        crash and the next one starts a fresh worker. (Without the lock: the call holds it.)"""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                proc.kill()
            except OSError:
                pass

    # -- work --------------------------------------------------------------
    def call(self, func: Callable[..., Any], *args: Any, source: str = "file") -> Any:
        """Run the importable ``func(*args)`` in the worker; LoaderError on any failure."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None or self._served >= _RECYCLE_AFTER:
                self._kill()
                self._start()
            self._served += 1
            try:
                self._conn.send((func, args))
            except (OSError, ValueError) as exc:
                self._kill()
                raise LoaderError(source, f"処理プロセスに渡せません: {type(exc).__name__}") from exc
            ready = self._wait_reply()
            if not ready:
                self._kill()
                raise LoaderError(source, time_reason(self.timeout_s))
            try:
                status, value = self._conn.recv()
            except (EOFError, OSError, ConnectionResetError):
                reason = self._death_reason()
                self._kill()
                raise LoaderError(source, reason) from None
            self._relay_stderr()
            if status == "fatal":  # out of memory: the next file gets a fresh worker
                self._kill()
        if status == "ok":
            return value
        raise LoaderError(source, value)

    def _wait_reply(self) -> bool:
        """Wait up to ``timeout_s`` for the worker's reply (True also when it died),
        sampling its peak memory on the way.

        The peak comes from ``/proc/PID/status`` (VmHWM, the worker's own address
        space), not from ``wait4``'s ``ru_maxrss``: Linux carries the *parent's*
        resident size at fork into the child's ru_maxrss across exec, so a crash
        of a worker started by a large process (the app with its models loaded)
        would pass for a memory overrun."""
        self._peak_kb = 0
        deadline = time.monotonic() + self.timeout_s
        while True:
            self._peak_kb = max(self._peak_kb, _vm_hwm_kb(self._proc))
            step = min(0.1, max(0.0, deadline - time.monotonic()))
            try:
                if self._conn.poll(step):
                    return True
            except (OSError, EOFError):
                return True
            if time.monotonic() >= deadline:
                return False

    def _death_reason(self) -> str:
        """Why the worker died: its exit status, peak memory (sampled) and last words."""
        code, peak_kb = _exit_code(self._proc), self._peak_kb
        last_words = self._relay_stderr()
        if code == -signal.SIGXCPU:
            return time_reason(self.timeout_s)
        if peak_kb * 1024 >= _MEMORY_SHARE * self.memory_mb * 1024 * 1024 or any(
            w in last_words for w in _MEMORY_WORDS
        ):
            return memory_reason(self.memory_mb)
        if code is not None and code < 0:
            try:
                return crash_reason(f"シグナル {signal.Signals(-code).name}")
            except ValueError:
                return crash_reason(f"シグナル {-code}")
        return crash_reason(f"終了コード {code}")

    def load(self, data: bytes, name: str, limits: LoadLimits) -> LoadedDocument:
        from indexer.loaders import sanitize_name

        return self.call(load_document, data, name, limits, source=sanitize_name(name))

    def process(self, data: bytes, name: str, limits: LoadLimits, chunk_tokens: int, overlap: int) -> ProcessedFile:
        """:func:`indexer.process.process_file` in the worker: parse, normalise, chunk."""
        from indexer.loaders import sanitize_name

        return self.call(process_file, data, name, limits, chunk_tokens, overlap, source=sanitize_name(name))


def _vm_hwm_kb(proc: Any) -> int:
    """Peak resident size (KB) of the running worker's own memory; 0 when unknown."""
    if proc is None:
        return 0
    try:
        with open(f"/proc/{proc.pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _exit_code(proc: Any) -> int | None:
    """Exit code (as Popen gives it) of a worker that is exiting; None if it does not within 2 s."""
    if proc is None:
        return None
    try:
        return proc.wait(2)
    except subprocess.TimeoutExpired:
        return None


@atexit.register
def _close_all() -> None:  # pragma: no cover - interpreter shutdown
    for box in list(_live):
        try:
            box._kill()
        except Exception:  # noqa: BLE001
            pass


def _main(argv: list[str]) -> None:
    fd, memory_mb = int(argv[0]), int(argv[1])
    _worker(Connection(fd), memory_mb, float(argv[2]) if len(argv) > 2 else 0.0)


if __name__ == "__main__":
    _main(sys.argv[1:])


def limits_from_settings(settings: Any) -> LoadLimits:
    """LoadLimits from :class:`base.settings.Settings` (MB values → bytes)."""
    return LoadLimits(
        max_bytes=max(1, int(settings.max_file_mb * 1_000_000)),
        max_pages=int(settings.max_pages),
        max_chars=int(settings.max_chars),
        max_decompressed_bytes=max(1, int(settings.max_decompressed_mb * 1_000_000)),
        max_decompression_ratio=max(1, int(settings.max_decompression_ratio)),
    )


__all__ = ["ParseSandbox", "crash_reason", "limits_from_settings", "load_document", "memory_reason", "time_reason"]
