"""Fine-tuning examples and their manifest: the format, and reading it back.

Each example is what the grounded prompt shows a model, and the answer it
should give: ``question``, the numbered ``passages`` retrieval returned for it
(:func:`passage_record`), and an ``answer`` whose every sentence is a passage
sentence followed by its [n] — or NOT_FOUND for a refusal
(:func:`example_record`). Every example lists the chunk ids its passages and
its citations come from.

``shirube sft-data`` (:mod:`shirube.sft`, which reads the corpus through the
engine) writes ``train.jsonl``, ``heldout.jsonl`` and a manifest (kind
``sft-data``; schema in data_manifests/README.md); ``shirube finetune``
(:mod:`model.finetune.train`) reads them back with :func:`load_manifest` and
:func:`load_examples`, which checks each file's sha256 against the manifest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.errors import ConfigError
from model.provenance import file_sha256
from model.records import NOT_FOUND

if TYPE_CHECKING:
    from model.answerer import Passage


def passage_record(n: int, p: "Passage") -> dict[str, Any]:
    h = p.hit
    return {"n": n, "chunk_id": h.chunk_id, "document_id": h.document_id, "title": h.title,
            "locator": h.locator, "text": h.text}


def example_record(source: str, question: str, passages: list["Passage"], answer: str, cited: list[int],
                   primary_doc: int | None) -> dict[str, Any]:
    recs = [passage_record(n, p) for n, p in enumerate(passages, start=1)]
    return {
        "source": source, "question": question, "passages": recs, "answer": answer,
        "answered": answer != NOT_FOUND,
        "cited_chunk_ids": [recs[n - 1]["chunk_id"] for n in cited],
        "chunk_ids": [r["chunk_id"] for r in recs], "document_id": primary_doc,
    }


def hash_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:6], "big")


def load_manifest(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"data manifest not found: {p}")
    m = json.loads(p.read_text(encoding="utf-8"))
    if m.get("kind") != "sft-data":
        raise ConfigError(f"{p} is not an sft-data manifest (kind={m.get('kind')!r})")
    return m


def load_examples(manifest: dict[str, Any], split: str, base: Path | None = None) -> list[dict[str, Any]]:
    """Examples of one split; the file's sha256 must match the manifest."""
    f = manifest["files"][split]
    path = Path(f["path"])
    if not path.is_absolute() and base is not None:
        path = base / path
    if not path.is_file():
        raise ConfigError(f"data file not found: {path}")
    if file_sha256(path) != f["sha256"]:
        raise ConfigError(f"{path}: sha256 does not match the manifest (file changed after sft-data)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
