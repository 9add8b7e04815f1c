"""Questions first across processes (issue 11 item 4), without timing anything: a question
in flight in another process (its marker under ``index/.questions/``) holds back the
writer's next embedding slice until it ends, and the writer commands lower their own CPU
priority (base/priority.py). The latency itself is measured by bench/reindex_latency.py."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from base.errors import ConfigError
from base.settings import Settings
from shirube.cli import main as cli_main
from shirube.engine import Shirube

ROOT = Path(__file__).resolve().parents[1]
HOLDER = """
import sys
sys.path.insert(0, {root!r})
from retrieval.store import IndexStore
store = IndexStore({index!r})
with store.question():            # as Search.find / ask do while a question runs
    print("HELD", flush=True)
    sys.stdin.readline()          # until the test says the question is over
print("DONE", flush=True)
"""


@pytest.fixture
def sh(tmp_path):
    sh = Shirube.open(home=tmp_path / "home", embedder="fake", parse_in_subprocess=False)
    files = [(f"doc{i}.txt", f"第{i}条 文書{i}の本文です。申請の期限は{i}日です。".encode()) for i in range(12)]
    assert len(sh.ingest_bytes(files, label=1).ok) == 12
    yield sh
    sh.close()


def test_a_question_in_another_process_holds_back_the_next_embedding_slice(sh, monkeypatch):
    calls: list[float] = []
    real = sh.embedder.embed_passages

    def recording(texts, *a, **kw):
        calls.append(time.monotonic())
        return real(texts, *a, **kw)

    monkeypatch.setattr(sh.embedder, "embed_passages", recording)
    from indexer.embed_cache import EmbeddingCache
    EmbeddingCache(sh.catalog).keep_only(sh.embedder.model_id, [])  # every chunk is embedded again

    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT), index=str(sh.store.root))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "HELD"
        assert sh.store.questions_waiting()  # this process sees the other one's question
        writer = threading.Thread(target=sh.reindex, kwargs={"full": True})
        writer.start()
        writer.join(timeout=1.0)  # far below yield_to_questions' 10 s cap
        assert writer.is_alive() and calls == []  # waiting: not one slice embedded meanwhile
        released = time.monotonic()
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "DONE"
        writer.join(timeout=120)
        assert not writer.is_alive()
    finally:
        holder.kill()
        holder.wait()
    assert calls and min(calls) >= released  # the first slice came after the question ended
    assert not sh.store.questions_waiting()
    assert sh.search("文書3の申請の期限", k=3)  # and the re-index went live


def test_a_question_starting_mid_reindex_in_another_process_delays_the_next_slice(sh, monkeypatch):
    """The marker appears after the first slice: the second waits for the question to end."""
    calls: list[float] = []
    real = sh.embedder.embed_passages
    holder: list[subprocess.Popen] = []
    released: list[float] = []

    def release_later() -> None:
        time.sleep(1.0)
        released.append(time.monotonic())
        holder[0].stdin.write("\n")
        holder[0].stdin.flush()

    def recording(texts, *a, **kw):
        calls.append(time.monotonic())
        if len(calls) == 1:  # a viewer asks in another process while the writer embeds
            holder.append(subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT), index=str(sh.store.root))],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
            assert holder[0].stdout.readline().strip() == "HELD"
            threading.Thread(target=release_later, daemon=True).start()
        return real(texts, *a, **kw)

    monkeypatch.setattr(sh.embedder, "embed_passages", recording)
    from indexer.embed_cache import EmbeddingCache
    EmbeddingCache(sh.catalog).keep_only(sh.embedder.model_id, [])
    try:
        sh.reindex(full=True)
    finally:
        for h in holder:
            h.kill()
            h.wait()
    assert len(calls) >= 2, calls  # more than one slice
    assert released and calls[1] >= released[0]  # the next slice waited for the question to end


def test_a_marker_left_by_a_killed_process_does_not_hold_writers_for_long(sh):
    # a killed question leaves its file behind; one older than the stale limit is swept away
    marker = sh.store.root / ".questions" / "999999-1"
    marker.parent.mkdir(exist_ok=True)
    marker.touch()
    assert sh.store.questions_waiting()
    old = time.time() - 3600
    os.utime(marker, (old, old))
    assert not sh.store.questions_waiting() and not marker.exists()
    assert sh.store.yield_to_questions(max_wait_s=5) < 5


PRIORITY = """
import os, sys
sys.path.insert(0, {root!r})
from base.priority import lower_priority
print(lower_priority({n}), lower_priority(3), os.nice(0))
"""


def test_lower_priority_lowers_and_never_raises():
    out = subprocess.run([sys.executable, "-c", PRIORITY.format(root=str(ROOT), n=7)],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["7", "7", "7"]  # at 7 already: asking for 3 keeps 7


def test_writer_commands_lower_their_priority_by_the_setting(tmp_path, monkeypatch, capsys):
    import shirube.cli as cli

    seen: list[int] = []
    monkeypatch.setattr(cli, "lower_priority", lambda n=10: seen.append(n) or n)
    monkeypatch.setenv("SHIRUBE_WRITER_NICE", "12")
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    home = tmp_path / "home"
    doc = tmp_path / "a.txt"
    doc.write_text("第一条 この規程は文書の取扱いについて定める。", encoding="utf-8")
    assert cli_main(["--home", str(home), "ingest", str(doc)]) == 0
    assert cli_main(["--home", str(home), "reindex", "--full"]) == 0
    assert cli_main(["--home", str(home), "search", "文書の取扱い"]) == 0  # a reader keeps its priority
    assert seen == [12, 12]
    assert Settings().writer_nice == 10
    with pytest.raises(ConfigError, match="writer_nice"):
        Settings(writer_nice=20).validate()
