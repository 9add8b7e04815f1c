"""Hybrid retrieval: BM25 on lemmas + BM25 on character bigrams + dense.

Fusion is score-level by default: for the union of every ranker's
candidates, each ranker's score is computed for *every* candidate (not just
the ones it retrieved), standardised over the union (z-score: how far above
the typical candidate it is), and summed with weights. Plain reciprocal rank fusion is available (``fusion =
"rrf"``) but measured worse on JSQuAD (bench/jsquad.py): ranks throw away how
far ahead the best candidate is.

Access filters are applied inside each ranker before ranking, so a user's
top-k is drawn only from what they may see.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from jtext.terms import gram_terms, lemma_terms
from jtext.normalize import normalize_query
from model.embedders import Embedder
from model.records import Hit

from .store import Snapshot

MODES = ("hybrid", "bm25", "ngram", "dense")


@dataclass(frozen=True)
class FusionWeights:
    bm25: float = 0.5
    ngram: float = 0.75
    dense: float = 1.5
    method: str = "score"  # "score" | "rrf"
    rrf_k: int = 60


@dataclass(frozen=True)
class Ranked:
    chunk_id: int
    score: float
    scores: dict[str, float]


def _zscore(x: np.ndarray) -> np.ndarray:
    """Standardise one ranker's scores over the candidate union.

    BM25 scores are unbounded and e5 cosines cluster in 0.7–0.95, so raw sums
    are meaningless; z-scores put each ranker's *lead* on one scale.
    (bench/fusion_grid.py: z-score beat max- and min-max scaling on JSQuAD.)
    """
    if len(x) == 0:
        return x
    sd = float(x.std())
    return (x - float(x.mean())) / sd if sd > 0 else np.zeros_like(x, dtype=np.float64)


def rank(
    snap: Snapshot,
    embedder: Embedder | None,
    query: str,
    k: int,
    *,
    mode: str = "hybrid",
    weights: FusionWeights = FusionWeights(),
    candidates: int = 100,
    allowed_ids: np.ndarray | None = None,
    timings: dict[str, float] | None = None,
) -> list[Ranked]:
    """Rank chunk ids of ``snap`` for ``query``; see the module docstring."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES} (got {mode!r})")
    q = normalize_query(query)
    t0 = time.perf_counter()
    mask = None
    if allowed_ids is not None:
        mask = np.isin(snap.bm25.ids, allowed_ids)
    lists: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    full: dict[str, np.ndarray] = {}
    if mode in ("hybrid", "bm25"):
        terms = lemma_terms(q)
        full["bm25"] = snap.bm25.scores(terms)
        lists["bm25"] = _top(snap.bm25.ids, full["bm25"], candidates, mask)
    if mode in ("hybrid", "ngram"):
        grams = gram_terms(q)
        full["ngram"] = snap.ngram.scores(grams)
        lists["ngram"] = _top(snap.ngram.ids, full["ngram"], candidates, mask)
    qvec = None
    if mode in ("hybrid", "dense") and embedder is not None and len(snap.dense):
        t1 = time.perf_counter()
        qvec = embedder.embed_queries([q])[0]
        if timings is not None:
            timings["embed"] = time.perf_counter() - t1
        lists["dense"] = snap.dense.search(qvec, candidates, allowed_ids)
    union: list[int] = []
    seen: set[int] = set()
    for ids, _ in lists.values():
        for c in ids.tolist():
            if c not in seen:
                seen.add(c)
                union.append(c)
    if not union:
        return []
    cand = np.asarray(union, np.int64)
    per: dict[str, np.ndarray] = {}
    if "bm25" in full:
        per["bm25"] = full["bm25"][snap.bm25.rows(union)]
    if "ngram" in full:
        per["ngram"] = full["ngram"][snap.ngram.rows(union)]
    if qvec is not None:
        per["dense"] = snap.dense.vectors_for(union) @ qvec
    w = {"bm25": weights.bm25, "ngram": weights.ngram, "dense": weights.dense}
    if mode != "hybrid":
        fused = per[mode] if mode in per else np.zeros(len(cand))
    elif weights.method == "rrf":
        fused = np.zeros(len(cand))
        for name, (ids, _) in lists.items():
            pos = {c: r for r, c in enumerate(ids.tolist())}
            fused += w[name] * np.asarray(
                [1.0 / (weights.rrf_k + pos[c] + 1) if c in pos else 0.0 for c in union]
            )
    else:
        fused = np.zeros(len(cand))
        for name, s in per.items():
            fused += w[name] * _zscore(s)
    order = np.argsort(-fused, kind="stable")[:k]
    if timings is not None:
        timings["rank"] = time.perf_counter() - t0
    return [
        Ranked(int(cand[i]), float(fused[i]), {n: float(s[i]) for n, s in per.items()})
        for i in order
    ]


def _top(
    ids: np.ndarray, scores: np.ndarray, k: int, mask: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    s = scores if mask is None else np.where(mask, scores, -np.inf)
    k = min(k, len(s))
    if k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    top = np.argpartition(-s, k - 1)[:k]
    top = top[np.argsort(-s[top], kind="stable")]
    top = top[s[top] > 0]
    return ids[top], s[top]


HitResolver = Callable[[Sequence[Ranked]], list[Hit]]
