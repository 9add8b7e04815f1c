"""The house rules that keep the code readable (docs/ARCHITECTURE.md).

Import contracts are checked by import-linter (``lint-imports``, run by
``make test`` before pytest and here, so a plain ``pytest`` catches a broken
floor too); this file also keeps library modules small.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ("base", "jtext", "indexer", "retrieval", "model", "shirube", "app")
MAX_LINES = 400  # generated files and Alembic revisions aside


def _library_modules() -> list[Path]:
    out = []
    for pkg in LIBRARY:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            if "migrations" in p.parts:
                continue
            out.append(p)
    return out


def test_every_library_package_is_listed():
    """A new top-level package must be placed on a floor (and in pyproject)."""
    found = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert found - {"tests", "bench"} == set(LIBRARY)


@pytest.mark.parametrize("path", _library_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_library_modules_stay_small(path: Path):
    n = sum(1 for _ in path.open(encoding="utf-8"))
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)} has {n} lines (> {MAX_LINES}): split it by job"


def test_import_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.fail("import-linter is missing: pip install -e '.[test]'")
    proc = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout
