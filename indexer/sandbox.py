"""Parse untrusted files in a separate worker process.

A malicious PDF may loop for ever, recurse until the stack overflows or ask
for gigabytes of memory. The loaders therefore run in a child process with an
address-space limit (``RLIMIT_AS``) and a wall-clock limit; if the child hangs
it is killed, if it dies the file is reported and a fresh child is started on
the next file. The server process never runs the parser itself.

The worker is a fresh interpreter (``python -m indexer.sandbox``, so nothing
of the server's state or threads is inherited and no ``__main__`` guard is
needed), started once and reused: the per-file overhead is one pickle round
trip over a socket pair, not an interpreter start.

>>> with ParseSandbox(timeout_s=30, memory_mb=1024) as box:        # doctest: +SKIP
...     doc = box.load(data, "手引き.pdf", LoadLimits())
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
import weakref
from typing import Any, Callable

from indexer.loaders._common import LoadLimits
from indexer.types import LoadedDocument
from base.errors import LoaderError

# A worker is replaced after this many files, so a slow leak cannot build up.
_RECYCLE_AFTER = 500
_live: "weakref.WeakSet[ParseSandbox]" = weakref.WeakSet()


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource

        limit = int(memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not Linux/macOS
        pass


def _worker(conn: Any, memory_mb: int) -> None:
    """Child main loop: receive (func, args), reply ("ok", value) or ("error", reason)."""
    # Import before limiting memory: the libraries themselves are not the threat.
    import indexer.loaders  # noqa: F401

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
        try:
            value = func(*args)
            reply: tuple[str, Any] = ("ok", value)
        except LoaderError as exc:
            reason = exc.reason
            if isinstance(exc.__cause__, MemoryError):
                reason = f"メモリ上限（{memory_mb}MB）を超えたため解析を中止しました"
            reply = ("error", reason)
        except MemoryError:
            reply = ("error", f"メモリ上限（{memory_mb}MB）を超えたため解析を中止しました")
        except RecursionError:
            reply = ("error", "解析できません（参照の入れ子が深すぎます）")
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            reply = ("error", f"解析できません: {type(exc).__name__}: {str(exc)[:200]}")
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("error", f"メモリ上限（{memory_mb}MB）を超えたため解析を中止しました"))
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
        self.restarts = 0
        _live.add(self)

    # -- lifecycle ---------------------------------------------------------
    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        # the worker imports the same code (and test helpers) as this process
        paths = [p for p in sys.path if p and os.path.isdir(p)]
        env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        proc = subprocess.Popen(
            [sys.executable, "-m", "indexer.sandbox", str(theirs.fileno()), str(self.memory_mb)],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL, close_fds=True,
        )
        theirs.close()
        self._proc, self._conn, self._served = proc, Connection(ours.detach()), 0

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
                raise LoaderError(source, f"解析プロセスに渡せません: {type(exc).__name__}") from exc
            try:
                ready = self._conn.poll(self.timeout_s)
            except (OSError, EOFError):
                ready = True
            if not ready:
                self._kill()
                raise LoaderError(source, f"解析が制限時間（{self.timeout_s:g}秒）を超えたため中止しました")
            try:
                status, value = self._conn.recv()
            except (EOFError, OSError, ConnectionResetError):
                code = None
                if self._proc is not None:
                    try:
                        code = self._proc.wait(2)
                    except subprocess.TimeoutExpired:
                        pass
                self._kill()
                raise LoaderError(
                    source,
                    f"解析プロセスが異常終了しました（終了コード {code}、メモリ上限 {self.memory_mb}MB 超過または解析器の障害）",
                ) from None
        if status == "ok":
            return value
        raise LoaderError(source, value)

    def load(self, data: bytes, name: str, limits: LoadLimits) -> LoadedDocument:
        from indexer.loaders import sanitize_name

        return self.call(load_document, data, name, limits, source=sanitize_name(name))


@atexit.register
def _close_all() -> None:  # pragma: no cover - interpreter shutdown
    for box in list(_live):
        try:
            box._kill()
        except Exception:  # noqa: BLE001
            pass


def _main(argv: list[str]) -> None:
    fd, memory_mb = int(argv[0]), int(argv[1])
    _worker(Connection(fd), memory_mb)


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


__all__ = ["ParseSandbox", "limits_from_settings", "load_document"]
