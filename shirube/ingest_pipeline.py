"""One batch's files at their turns, parsed ahead while the previous ones are embedded.

Ingest records files one at a time in the batch's order (shirube/ingest.py). With
``ingest_overlap`` on (off by default: no faster on the 2-core CPU measured, where parsing is
≈ 3 % of an ingest; README, bench/ingest_e2e.py) a producer thread reads, hashes and parses — in the
sandbox worker, a process of its own, so on a second core — up to :data:`AHEAD` files ahead,
while this thread records each file and embeds its chunks into the catalog's embedding cache
in windows of :data:`WINDOW` texts (:class:`EmbedAhead`); the index sync after the batch then
finds those vectors cached and embeds only the rest. Off (or one file), each file is read and
parsed at its turn, and the sync embeds everything: the sequential path.

What a file becomes does not depend on the path: a reading or parsing error raised ahead is
raised again at the file's turn (the same reason, that file alone), a file that may be a
duplicate (its hash is in the catalog or earlier in the batch) is not parsed ahead but at its
turn if it proves new, catalog rows are written in the batch's order by this thread only, and an
embedding failure ahead is left to the sync, whose per-document fallback marks the file.

>>> with turns(home, items, process, limits, overlap=True) as each:     # doctest: +SKIP
...     for turn in each:
...         data, sha = turn.read()           # raises what reading raised
...         done = turn.parse()               # parsed ahead, or now
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Self

from base.errors import LoaderError
from indexer.catalog import ChunkRow
from indexer.embed_cache import EmbeddingCache
from indexer.loaders import LoadLimits, check_size, sanitize_name
from indexer.process import ProcessedFile

from .home import FileProcessor, Home
from .index_sync import cached_vectors, chunk_query, chunk_text, embed_slices

Item = tuple[str, Callable[[], bytes], int | None]  # (source name, read the bytes, size if known)
# Files prepared and waiting for their turn (one more may be in the worker): at most
# AHEAD + 2 files' bytes are held at once (each at most max_file_mb).
AHEAD = 2
# Chunk texts embedded together ahead of the sync: 16 slices of embed_slices on this 2-core CPU.
WINDOW = 128
_POLL_S = 0.1
_END = object()


def read_within(name: str, read: Callable[[], bytes], size: int | None, limits: LoadLimits) -> bytes:
    """The file's bytes; too large (checked before reading when the size is known) or unreadable → LoaderError."""
    if size is not None:
        check_size(name, size, limits)
    try:
        return read()
    except OSError as exc:
        raise LoaderError(name, f"ファイルを読めません: {exc.strerror or exc}") from exc


class Turn:
    """One item of the batch: read and parsed at its turn, or ahead on the producer thread
    (then what reading or parsing raised is raised again here, at its turn)."""

    def __init__(self, item: Item, process: FileProcessor, limits: LoadLimits) -> None:
        self.source, self._read, self.size = item
        self.name = sanitize_name(self.source)
        self._process, self._limits = process, limits
        self._got: tuple[bytes, str] | None = None
        self._done: ProcessedFile | None = None
        self._read_error: BaseException | None = None
        self._parse_error: BaseException | None = None

    def read(self) -> tuple[bytes, str]:
        """(bytes, sha256)."""
        if self._read_error is not None:
            raise self._read_error
        if self._got is None:
            data = read_within(self.name, self._read, self.size, self._limits)
            self._got = (data, hashlib.sha256(data).hexdigest())
        return self._got

    def parse(self) -> ProcessedFile:
        """The whole file → chunks (in the sandbox worker)."""
        if self._parse_error is not None:
            raise self._parse_error
        if self._done is None:
            self._done = self._process(self.read()[0], self.name)
        return self._done

    def release(self) -> None:
        """Its turn is over: let go of the bytes and chunks (a batch never holds every file)."""
        self._got = self._done = None
        self._read_error = self._parse_error = None

    # -- on the producer thread --------------------------------------------------------
    def read_ahead(self) -> str | None:
        """Read now; the sha256, or None when reading failed (raised again by :meth:`read`)."""
        try:
            return self.read()[1]
        except BaseException as exc:  # noqa: BLE001 - raised at its turn, on the consumer's thread
            self._read_error = exc
            return None

    def parse_ahead(self) -> None:
        try:
            self.parse()
        except BaseException as exc:  # noqa: BLE001 - raised at its turn
            self._parse_error = exc


class InTurn:
    """The sequential path: each file read and parsed at its turn; nothing embedded ahead."""

    def __init__(self, turns: Sequence[Turn]) -> None:
        self._turns = turns

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __iter__(self) -> Iterator[Turn]:
        for turn in self._turns:
            yield turn
            turn.release()

    def embed(self, document_id: int) -> None:
        pass


class Ahead:
    """The overlapped path: a producer thread reads, hashes and parses the files in order,
    at most :data:`AHEAD` waiting in a bounded queue; :meth:`embed` embeds a recorded document
    meanwhile. Leaving the ``with`` (normally or on an error) stops the producer: a parse in
    flight is cut short by ``interrupt`` (the sandbox worker is killed; the next call starts a
    fresh one) and the thread is joined."""

    def __init__(
        self, turns: Sequence[Turn], known: Callable[[str], bool], embed: Callable[[int], None],
        interrupt: Callable[[], None], join_s: float,
    ) -> None:
        self._turns, self._known, self._embed, self._interrupt = turns, known, embed, interrupt
        self._join_s = join_s
        self._queue: queue.Queue[object] = queue.Queue(maxsize=AHEAD)
        self._stop = threading.Event()
        self._parsing = threading.Event()
        self._crash: BaseException | None = None
        self._thread = threading.Thread(target=self._produce, name="shirube-ingest-parse", daemon=True)
        self.parsed = 0  # files parsed ahead so far (tests, bench)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        deadline = time.monotonic() + self._join_s
        while self._thread.is_alive() and time.monotonic() < deadline:
            if self._parsing.is_set():
                self._interrupt()
            self._thread.join(_POLL_S)

    def __iter__(self) -> Iterator[Turn]:
        for _ in self._turns:
            got = self._queue.get()
            if got is _END:  # the producer itself failed (a bug): the batch fails as it would have
                raise self._crash or RuntimeError("ingest producer stopped early")
            assert isinstance(got, Turn)
            yield got
            got.release()

    def embed(self, document_id: int) -> None:
        self._embed(document_id)

    def _produce(self) -> None:
        seen: set[str] = set()
        try:
            for turn in self._turns:
                if self._stop.is_set():
                    return
                sha = turn.read_ahead()
                # A possible duplicate waits for its turn: parsed only if it proves new there.
                if sha is not None and sha not in seen and not self._known(sha):
                    self._parsing.set()
                    try:
                        turn.parse_ahead()
                    finally:
                        self._parsing.clear()
                    self.parsed += 1
                if sha is not None:
                    seen.add(sha)
                if not self._put(turn):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._crash = exc
        self._put(_END)

    def _put(self, x: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(x, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False


class EmbedAhead:
    """Embed recorded documents' chunks into the embedding cache, as the sync would (the
    same texts, length-sorted slices, pausing for questions), once :data:`WINDOW` texts have
    gathered: sorted together they pad about as little as the whole batch sorted at once (one
    document's chunks alone pad a third more on the samples). What is left over is embedded by
    the sync with the last file. A failure is left to the sync too (it embeds again and marks
    the file); nothing is embedded when the live index was built by another model (the sync
    refuses the batch with its message)."""

    def __init__(self, home: Home, window: int) -> None:
        self._home, self._window = home, max(1, window)
        self._usable: bool | None = None
        self._texts: list[str] = []

    def __call__(self, document_id: int) -> None:
        home = self._home
        if self._usable is None:
            snap = home.store.load()
            self._usable = snap is None or snap.manifest.get("embedder") == home.embedder.model_id
        if not self._usable:
            return
        with home.catalog.session() as s:
            self._texts += [chunk_text(r) for r in s.execute(chunk_query().where(ChunkRow.document_id == document_id))]
        if len(self._texts) >= self._window:
            self._embed(list(dict.fromkeys(self._texts)))
            self._texts = []

    def _embed(self, texts: list[str]) -> None:
        home = self._home
        emb, cache = home.embedder, EmbeddingCache(home.catalog)
        _, miss = cached_vectors(cache, emb, texts)
        if not miss:
            return
        todo = [texts[i] for i in miss]
        try:
            vectors = embed_slices(emb, todo, lambda *_: None, pause=home.store.yield_to_questions)
        except Exception:  # noqa: BLE001 - the sync embeds these again; its fallback marks the file
            return
        cache.put(emb.model_id, todo, vectors)


def turns(
    home: Home, items: Sequence[Item], process: FileProcessor, limits: LoadLimits, *, overlap: bool,
) -> InTurn | Ahead:
    """The batch's items at their turns: parsed ahead (``overlap`` and more than one item) or not."""
    if not overlap or len(items) < 2:
        return InTurn([Turn(item, process, limits) for item in items])
    lock = threading.Lock()

    def one_at_a_time(data: bytes, name: str) -> ProcessedFile:
        # a file that proved new at its turn is parsed on this thread: never two parses at once
        # (a caller's own loader need not be thread-safe; the sandbox worker is one process)
        with lock:
            return process(data, name)

    each = [Turn(item, one_at_a_time, limits) for item in items]
    return Ahead(each, known=lambda sha: _known(home, sha), embed=EmbedAhead(home, WINDOW),
                 interrupt=lambda: _interrupt(home), join_s=home.settings.parse_timeout_s + 5.0)


def _known(home: Home, sha: str) -> bool:
    """Is a document with this content in the catalog (on the producer thread; when the
    catalog cannot say, e.g. an in-memory SQLite seen from another thread: maybe)."""
    try:
        with home.catalog.session() as s:
            return home.catalog.find_document_by_sha(s, sha) is not None
    except Exception:  # noqa: BLE001 - then it is parsed at its turn, if new
        return True


def _interrupt(home: Home) -> None:
    """Kill the sandbox worker in the middle of a file (it starts afresh on its next call)."""
    interrupt = getattr(home.sandbox, "interrupt", None)  # in-process parsing has no worker
    if interrupt is not None:
        interrupt()
