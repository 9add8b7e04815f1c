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
from typing import Any, Iterator, Protocol

import numpy as np

from jtext.terms import QueryTerms, analyse_query

from .contracts import RankIndexes, Scored
from .masks import row_mask

MODES = ("hybrid", "bm25", "ngram", "dense")


@dataclass(frozen=True)
class FusionWeights:
    bm25: float = 0.5
    ngram: float = 0.75
    dense: float = 1.5
    method: str = "score"  # "score" | "rrf"
    rrf_k: int = 60


class QueryEmbedder(Protocol):
    """What retrieval needs of an embedder: query vectors (rows L2-normalised)."""

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Ranked:
    chunk_id: int
    score: float
    scores: dict[str, float]


@dataclass(frozen=True)
class Ranking:
    """The ranked chunks for one query, with the query as analysed.

    Reads like the sequence of its items (iteration, ``len``, indexing), so
    callers that only want the ranked chunks need not unwrap it; the answerers
    take ``query`` so that the question is analysed only once per ask.
    """

    query: QueryTerms
    items: tuple[Ranked, ...] = ()

    def __iter__(self) -> Iterator[Ranked]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int | slice) -> Any:  # a Ranked, or a tuple for a slice
        return self.items[i]


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
    snap: RankIndexes,
    embedder: QueryEmbedder | None,
    query: str | QueryTerms,
    k: int,
    *,
    mode: str = "hybrid",
    weights: FusionWeights = FusionWeights(),
    candidates: int = 100,
    allowed_ids: np.ndarray | None = None,
    timings: dict[str, float] | None = None,
) -> Ranking:
    """Rank chunk ids of ``snap`` (a :class:`~retrieval.store.Snapshot`, or any
    :class:`~retrieval.contracts.RankIndexes`) for ``query``; see the module docstring.

    ``query`` is the question as asked or already analysed
    (:func:`jtext.terms.analyse_query`); the result carries the analysis.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES} (got {mode!r})")
    qt = query if isinstance(query, QueryTerms) else analyse_query(query)
    t0 = time.perf_counter()
    # The allowed rows of each index: built once per (generation, allowed set), not per
    # query (retrieval/masks.py), when the caller passes a read-only array as the engine does.
    lists: dict[str, Scored] = {}  # each ranker's top candidates
    full: dict[str, np.ndarray] = {}
    for name, idx, terms in (("bm25", snap.bm25, qt.lemmas), ("ngram", snap.ngram, qt.grams)):
        if mode in ("hybrid", name):
            mask = None if allowed_ids is None else row_mask(idx.ids, allowed_ids)
            full[name] = idx.scores(terms)
            lists[name] = _top(idx.ids, full[name], candidates, mask)
    qvec = None
    if mode in ("hybrid", "dense") and embedder is not None and len(snap.dense):
        t1 = time.perf_counter()
        qvec = embedder.embed_queries([qt.normalized])[0]
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
        return Ranking(qt)
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
    return Ranking(qt, tuple(
        Ranked(int(cand[i]), float(fused[i]), {n: float(s[i]) for n, s in per.items()})
        for i in order
    ))


def _top(ids: np.ndarray, scores: np.ndarray, k: int, mask: np.ndarray | None) -> Scored:
    s = scores if mask is None else np.where(mask, scores, -np.inf)
    k = min(k, len(s))
    if k <= 0:
        return Scored(np.zeros(0, np.int64), np.zeros(0, np.float32))
    top = np.argpartition(-s, k - 1)[:k]
    top = top[np.argsort(-s[top], kind="stable")]
    top = top[s[top] > 0]
    return Scored(ids[top], s[top])
