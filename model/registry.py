"""Answerer construction from settings: one place that knows every backend.

>>> make_answerer("extractive", settings, idf)          # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shirube.errors import ConfigError

from .answerer import Answerer, IdfFn

if TYPE_CHECKING:
    from shirube.config import Settings

ANSWERERS = ("extractive", "gguf", "transformers", "openai")


def make_answerer(name: str, settings: "Settings", idf: IdfFn, **overrides: Any) -> Answerer:
    """Build the answerer ``name``; heavy backends are imported lazily."""
    from .extractive import ExtractiveAnswerer

    if name == "extractive":
        return ExtractiveAnswerer(idf, max_sentences=settings.answer_sentences, min_evidence=settings.min_evidence)
    if name not in ANSWERERS:
        raise ConfigError(f"unknown answerer {name!r}; choose one of {', '.join(ANSWERERS)}")
    raise ConfigError(f"answerer {name!r} is not available in this build")
