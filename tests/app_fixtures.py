"""Shared fixtures for the app tests: a sample corpus built with the fast fake embedder."""

from __future__ import annotations

import shutil
from pathlib import Path

from model.embedders import FakeEmbedder
from base.settings import Settings
from shirube.engine import Shirube
from shirube.users import add_user

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
PASSWORD = "tesuto-pass-2026"
# (name, role, clearance, departments)
USERS = [
    ("etsuran", "viewer", 1, ["市民課"]),
    ("toroku", "clerk", 2, ["総務課"]),
    ("kanri", "admin", 3, ["総務課", "企画課"]),
]
SECRET_TEXT = (
    "標市新庁舎移転計画（内部検討資料）\n\n"
    "新庁舎の移転候補地は、北町三丁目の旧工場跡地とする。\n"
    "移転に要する概算事業費は四十二億円と見込む。\n"
)


class SimulatedCrash(BaseException):
    """The process dying mid-embedding (kill -9, power cut): nothing in the engine
    catches it, so the batch's documents stay pending for the next re-index.
    (An ordinary embedding *error* only costs the documents concerned.)"""


class CrashingEmbedder(FakeEmbedder):
    """The fake embedder, but ``embed_passages`` can die as a killed process would (``fail``)."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = False

    def embed_passages(self, texts, progress=None):
        if self.fail:
            raise SimulatedCrash("embedding process died (test)")
        return super().embed_passages(texts, progress)


def build_home(home: Path) -> Shirube:
    """Samples (label 1) + one label-3 document of 企画課, and one user per role."""
    sh = Shirube(Settings.load(home=home, embedder="fake"), embedder=CrashingEmbedder())
    corpus = home.parent / "corpus"
    shutil.copytree(SAMPLES, corpus, ignore=shutil.ignore_patterns("qa.jsonl"))
    sh.ingest([corpus], label=1, departments=["総務課"], license="標市サンプル文書")
    sh.ingest_bytes([("shinchosha_iten.txt", SECRET_TEXT.encode("utf-8"))], label=3, departments=["企画課"])
    for name, role, clearance, depts in USERS:
        add_user(sh, name, PASSWORD, role, clearance, depts)
    return sh


MAIN = str(Path(__file__).resolve().parents[1] / "app" / "main.py")


def serve_home(home: Path):
    """Build :func:`build_home` at ``home`` and point the app at it (for a module
    fixture: ``yield from serve_home(...)``); the app's settings are put back after."""
    from app import state  # streamlit: only for the app tests

    sh = build_home(home)
    state.config_override = state.AppConfig(home=str(home), sources=(str(home.parent / "corpus"),))
    prev_factory = state.engine_factory
    state.engine_factory = lambda h: sh if Path(h) == home else prev_factory(h)
    yield sh
    state.engine_factory = prev_factory
    state.config_override = None


def open_app(user: str | None = None):
    """The app as ``user`` (already logged in), run once."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(MAIN, default_timeout=60)
    if user:
        at.session_state["user"] = user
    return at.run()


def docx_bytes() -> bytes:
    """A minimal Word file (a zip with its two parts): the unsupported type of the upload tests."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def browser_home(tmp_path: Path, config: str = 'embedder = "fake"\n') -> Path:
    """``tmp_path/home`` with ``config`` as its config.toml, built by :func:`build_home`."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(config, encoding="utf-8")
    build_home(home).close()
    return home
