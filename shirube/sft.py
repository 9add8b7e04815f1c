"""Supervised fine-tuning data from the indexed corpus (``shirube sft-data``).

Each example is what the grounded prompt shows a model, and the answer it
should give: ``question``, the numbered ``passages`` retrieval returned for it,
and an ``answer`` whose every sentence is a passage sentence followed by its
[n] — or NOT_FOUND for a refusal. Sources:

* ``qa:<file>`` — an admin's QA file (``samples/qa.jsonl`` format): the answer
  is each passage sentence that contains a gold answer; unanswerable items
  become refusals;
* ``generated:article`` / ``generated:heading`` — a question made from an
  article label or heading (「{title}の{article}では何が定められていますか」),
  answered by the extractive answerer over the retrieved passages, kept only
  when the source chunk itself was retrieved and cited;
* ``generated:refusal`` — a generated question shown only passages of *other*
  documents, answered NOT_FOUND (teaches the model to refuse).

The split is by document (a held-out document never appears in training), so
held-out metrics measure reading unseen text. Every example lists the chunk
ids its passages and its citations come from. Output: ``train.jsonl``,
``heldout.jsonl`` and a manifest (kind ``sft-data``; schema in
data_manifests/README.md).

This module reads the corpus (engine search, catalog rows, QA files); the
example format and the readers that ``shirube finetune`` uses are in
:mod:`model.finetune.sft_data`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from base.atomic import write_json_atomic
from base.errors import ConfigError
from indexer.manifest import current_user, package_versions
from jtext.sentences import split_sentences
from model.extractive import ExtractiveAnswerer
from model.finetune.sft_data import example_record, hash_int
from model.provenance import file_sha256
from model.records import NOT_FOUND
from model.verify import sentence_sep

if TYPE_CHECKING:
    from model.answerer import Passage
    from shirube.engine import Shirube

TEMPLATES = {
    "article": "{title}の{article}では何が定められていますか",
    "heading": "「{heading}」について教えてください",
}


@dataclass(frozen=True)
class SFTConfig:
    k: int = 4  # passages per example (as the answerer sees them)
    heldout: float = 0.2  # share of documents held out
    seed: int = 13
    max_generated: int = 300  # generated (non-QA) examples at most
    refusal_share: float = 0.15  # generated refusals per generated answer
    generate: bool = True
    templates: dict[str, str] = field(default_factory=lambda: dict(TEMPLATES))


def _nfkc(s: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", s)


def _is_heldout(document_id: int, cfg: SFTConfig) -> bool:
    digest = hashlib.sha256(f"{cfg.seed}:{document_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < cfg.heldout


def qa_examples(sh: "Shirube", path: Path, cfg: SFTConfig, counts: dict[str, int]) -> list[dict[str, Any]]:
    from shirube.evaluate import load_qa

    out = []
    for it in load_qa(path):
        passages = sh.passages(sh.search(it.question, k=cfg.k))
        if not passages:
            counts["qa_no_passages"] = counts.get("qa_no_passages", 0) + 1
            continue
        src = f"qa:{path.name}#{it.id}"
        if not it.answerable:
            out.append(example_record(src, it.question, passages, NOT_FOUND, [], None))
            continue
        gold = [_nfkc(a) for a in it.answers if a]
        parts, cited = [], []
        for n, p in enumerate(passages, start=1):
            for s in split_sentences(p.hit.text):
                if any(g in _nfkc(s.text) for g in gold) and len(parts) < 3:
                    parts.append(f"{s.text}[{n}]{sentence_sep(s.text)}")
                    cited.append(n)
        if not parts:
            counts["qa_answer_not_retrieved"] = counts.get("qa_answer_not_retrieved", 0) + 1
            continue
        out.append(example_record(src, it.question, passages, "".join(parts).rstrip("\n"), cited, passages[cited[0] - 1].hit.document_id))
    return out


def _numbered_extractive(ans, passages: list["Passage"]) -> tuple[str, list[int]]:
    """The extractive answer with [n] = passage number instead of citation number."""
    by_chunk = {p.hit.chunk_id: n for n, p in enumerate(passages, start=1)}
    parts, cited = [], []
    for m in re.finditer(r"(.+?)\[(\d+)\]", ans.text, re.S):
        c = ans.citations[int(m.group(2)) - 1]
        n = by_chunk[c.chunk_id]
        parts.append(f"{m.group(1)}[{n}]{sentence_sep(m.group(1))}")
        cited.append(n)
    return "".join(parts).rstrip("\n"), cited


def generated_examples(sh: "Shirube", cfg: SFTConfig, counts: dict[str, int]) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from indexer.catalog import ChunkRow, Document, SectionRow

    with sh.catalog.session() as s:
        rows = s.execute(
            select(ChunkRow.id, ChunkRow.document_id, SectionRow.heading, SectionRow.article, Document.title)
            .join(SectionRow, SectionRow.id == ChunkRow.section_id)
            .join(Document, Document.id == ChunkRow.document_id)
            .where(Document.status == "active").order_by(ChunkRow.id)
        ).all()
    snap = sh.snapshot()
    extractive = ExtractiveAnswerer(snap.bm25.idf, max_sentences=2, min_evidence=0.3, name_subject=False)
    rng = random.Random(cfg.seed)
    seen_q: set[str] = set()
    out: list[dict[str, Any]] = []
    for chunk_id, doc_id, heading, article, title in rows:
        if len(out) >= cfg.max_generated:
            break
        if article:
            kind, q = "article", cfg.templates["article"].format(title=title, article=article.split(" > ")[-1])
        elif heading:
            kind, q = "heading", cfg.templates["heading"].format(heading=heading.split(" > ")[-1].strip("○●◎■□◆◇・ 　"))
        else:
            continue
        if q in seen_q:
            continue
        seen_q.add(q)
        hits = sh.search(q, k=cfg.k)
        if chunk_id not in {h.chunk_id for h in hits}:
            counts["generated_not_retrieved"] = counts.get("generated_not_retrieved", 0) + 1
            continue
        passages = sh.passages(hits)
        ans = extractive.answer(q, passages)
        if not ans.answered or chunk_id not in {c.chunk_id for c in ans.citations}:
            counts["generated_not_answered"] = counts.get("generated_not_answered", 0) + 1
            continue
        text, cited = _numbered_extractive(ans, passages)
        out.append(example_record(f"generated:{kind}", q, passages, text, cited, doc_id))
        if rng.random() < cfg.refusal_share:
            others = [h for h in sh.search(q, k=cfg.k * 4) if h.document_id != doc_id][: cfg.k]
            if others:
                ex = example_record("generated:refusal", q, sh.passages(others), NOT_FOUND, [], doc_id)
                out.append(ex)
    return out


def build_sft(
    sh: "Shirube",
    out_dir: str | Path,
    *,
    qa_files: Iterable[str | Path] = (),
    cfg: SFTConfig = SFTConfig(),
    manifest_dir: str | Path | None = None,
    name: str | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Write ``train.jsonl`` / ``heldout.jsonl`` under ``out_dir`` and a manifest; returns (path, manifest)."""
    qa_paths = [Path(p) for p in qa_files]
    for p in qa_paths:
        if not p.is_file():
            raise ConfigError(f"QA file not found: {p}")
    if not qa_paths and not cfg.generate:
        raise ConfigError("nothing to build: give --qa FILE and/or allow generated examples")
    counts: dict[str, int] = {}
    examples: list[dict[str, Any]] = []
    for p in qa_paths:
        examples.extend(qa_examples(sh, p, cfg, counts))
    if cfg.generate:
        examples.extend(generated_examples(sh, cfg, counts))
    if not examples:
        raise ConfigError("no training example could be built from this index")
    now = dt.datetime.now(dt.timezone.utc)
    name = name or f"sft-{now:%Y%m%dT%H%M%SZ}"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    splits: dict[str, list[dict[str, Any]]] = {"train": [], "heldout": []}
    for i, ex in enumerate(examples):
        key = ex["document_id"] if ex["document_id"] is not None else hash_int(ex["question"])
        ex["split"] = "heldout" if _is_heldout(key, cfg) else "train"
        ex["id"] = f"{name}-{i:05d}"
        splits[ex["split"]].append(ex)
    mdir = Path(manifest_dir) if manifest_dir else sh.settings.manifest_dir
    files: dict[str, Any] = {}
    for split, rows in splits.items():
        path = out / f"{split}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for ex in rows:
                fh.write(json.dumps(ex, ensure_ascii=False) + "\n")
        files[split] = {"path": _stored_path(path, mdir), "sha256": file_sha256(path), "count": len(rows)}
    used_docs = {r["document_id"] for ex in examples for r in ex["passages"]}
    docs = [d for d in sh.documents() if d["id"] in used_docs]
    by_source: dict[str, int] = {}
    for ex in examples:
        kind = ex["source"].split("#")[0]
        by_source[kind] = by_source.get(kind, 0) + 1
    snap = sh.snapshot()
    manifest = {
        "kind": "sft-data",
        "name": name,
        "when": now.isoformat(),
        "by": current_user(),
        "files": files,
        "counts": {
            "examples": len(examples), "train": len(splits["train"]), "heldout": len(splits["heldout"]),
            "refusals": sum(1 for ex in examples if not ex["answered"]), "by_source": by_source,
            "skipped": counts,
        },
        "sources": [
            {"document_id": d["id"], "source": d["source"], "title": d["title"], "sha256": d["sha256"],
             "license": d["license"], "label": d["label"], "heldout": _is_heldout(d["id"], cfg)}
            for d in docs
        ],
        "licences": sorted({d["license"] or "(unspecified)" for d in docs}),
        "max_label": max((d["label"] for d in docs), default=None),
        "qa_files": [{"path": str(p), "sha256": file_sha256(p)} for p in qa_paths],
        "generator": {
            **asdict(cfg), "split": "by document (sha256(seed:document_id))",
            "retrieval": {"generation": snap.name, "embedder": snap.manifest.get("embedder"),
                          "top_k": cfg.k, "fusion": sh.settings.fusion},
            "answers": "QA: passage sentences containing a gold answer; generated: extractive-v1 sentences",
        },
        "tools": {"packages": package_versions()},
    }
    path = write_json_atomic(mdir / f"{name}.json", manifest)
    return path, manifest


def _stored_path(path: Path, manifest_dir: Path) -> str:
    """Relative to the manifest's folder when the data sits under it (a committed
    example stays valid wherever the repository is checked out), else absolute."""
    p, d = path.resolve(), manifest_dir.resolve()
    return str(p.relative_to(d)) if p.is_relative_to(d) else str(p)
