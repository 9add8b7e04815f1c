"""Answerer construction from settings: one place that knows every backend.

>>> make_answerer("extractive", settings, idf)          # doctest: +SKIP
>>> make_answerer("gguf", settings, idf, model_path="bundled", max_new_tokens=64)  # doctest: +SKIP

``overrides`` replace the matching settings for this answerer only
(``model_path``, ``adapter_path``, ``openai_base_url``, ``openai_model``,
``max_new_tokens``, ``temperature``, ``answer_timeout_s``, ``verify_mode``,
``verify_threshold``, ``min_evidence``, ``answer_min_key``, ``answer_require_form``,
``answer_min_confidence``, ``answer_min_judge``, ``llm_gate``) and pass backend options through (``n_ctx``,
``threads``, ``device``, ``max_passage_chars``). Heavy backends are imported lazily.
"""

from __future__ import annotations

import functools
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.settings import ANSWERERS  # re-exported: the app lists it
from base.errors import ConfigError

from .answerer import Answerer, IdfFn

if TYPE_CHECKING:
    from base.settings import Settings

    from .judge import Judge

_COMMON_OPTIONS = ("max_passage_chars",)
_BACKEND_OPTIONS = {
    "gguf": ("n_ctx", "threads", "n_gpu_layers") + _COMMON_OPTIONS,
    "transformers": ("device",) + _COMMON_OPTIONS,
    "openai": _COMMON_OPTIONS,
}


@functools.lru_cache(maxsize=2)
def _judge(cache_dir: Path) -> Judge | None:
    """The answer judge, loaded once per process (``None`` without torch)."""
    from .judge import load_judge

    return load_judge(cache_dir)


def make_answerer(name: str, settings: "Settings", idf: IdfFn, **overrides: Any) -> Answerer:
    """Build the answerer ``name``; heavy backends are imported lazily."""
    from .extractive import ExtractiveAnswerer

    if name not in ANSWERERS:
        raise ConfigError(f"unknown answerer {name!r}; choose one of {', '.join(ANSWERERS)}")
    known = {f.name for f in fields(settings)}
    setting_over = {k: v for k, v in overrides.items() if k in known and v is not None}
    backend = {k: v for k, v in overrides.items() if k not in known}
    bad = set(backend) - set(_BACKEND_OPTIONS.get(name, ()))
    if bad:
        raise ConfigError(f"unknown option(s) for the {name} answerer: {', '.join(sorted(bad))}")
    s = settings.replace(**setting_over) if setting_over else settings
    extractive = ExtractiveAnswerer(
        idf, max_sentences=s.answer_sentences, min_evidence=s.min_evidence,
        min_key=s.answer_min_key, require_form=s.answer_require_form, min_confidence=s.answer_min_confidence,
        judge=_judge(s.cache_dir) if s.answer_min_judge > 0 or s.answer_judge_override > 0 else None,
        min_judge=s.answer_min_judge, judge_override=s.answer_judge_override, min_form_key=s.answer_min_form_key,
    )
    if name == "extractive":
        return extractive
    common: dict[str, Any] = dict(
        fallback=extractive, idf=idf, verify_mode=s.verify_mode, verify_threshold=s.verify_threshold,
        max_new_tokens=s.max_new_tokens, temperature=s.temperature, timeout_s=s.answer_timeout_s,
        gate=s.llm_gate,
    )
    if name == "gguf":
        from .gguf import GGUFAnswerer

        return GGUFAnswerer(s.model_path, **backend, **common)
    if name == "transformers":
        from .transformers_llm import HFAnswerer

        return HFAnswerer(s.model_path, adapter_path=s.adapter_path, **backend, **common)
    from .openai_compat import OpenAIAnswerer

    return OpenAIAnswerer(s.openai_base_url, s.openai_model, api_key_env=s.openai_api_key_env, **common)
