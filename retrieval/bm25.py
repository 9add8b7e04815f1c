"""BM25 over pre-analysed terms, as a scipy sparse matrix.

Scores are precomputed per (chunk, term) at build time (as bm25s does), so a
query is a sum of a few sparse columns. Saved as plain ``.npz``/``.json``
files — no pickles — and rebuilt from the catalog's stored terms, which takes
seconds even for a large archive because fugashi never runs again.

>>> idx = BM25Index.build([1, 2], [["育児", "休業"], ["固定", "資産", "税"]])
>>> idx.search(["休業"], k=1)[0].tolist()
[1]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .contracts import Scored

FORMAT_VERSION = 1


class BM25Index:
    def __init__(self, ids: np.ndarray, vocab: dict[str, int], weights, k1: float, b: float) -> None:
        self.ids = ids  # int64 chunk ids, row order
        self.vocab = vocab
        self.weights = weights  # scipy.sparse.csc_matrix (n_docs, n_terms)
        self.k1 = k1
        self.b = b
        self._row_of = {int(c): i for i, c in enumerate(ids)}
        n = max(len(ids), 1)
        df = np.diff(weights.indptr).astype(np.float32)  # csc: postings per term
        self._idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)

    def idf(self, term: str) -> float:
        """Inverse document frequency; unseen terms get the maximum (rarest)."""
        j = self.vocab.get(term)
        n = max(len(self.ids), 1)
        if j is None:
            return float(np.log1p((n + 0.5) / 0.5))
        return float(self._idf[j])

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls,
        ids: Sequence[int],
        docs: Iterable[Sequence[str]],
        k1: float = 1.2,
        b: float = 0.75,
    ) -> "BM25Index":
        from scipy import sparse

        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lengths: list[int] = []
        for r, terms in enumerate(docs):
            counts: dict[int, int] = {}
            for t in terms:
                j = vocab.setdefault(t, len(vocab))
                counts[j] = counts.get(j, 0) + 1
            lengths.append(len(terms))
            for j, c in counts.items():
                rows.append(r)
                cols.append(j)
                vals.append(c)
        n = len(lengths)
        id_arr = np.asarray(list(ids), dtype=np.int64)
        if len(id_arr) != n:
            raise ValueError(f"{len(id_arr)} ids for {n} documents")
        tf = sparse.csr_matrix(
            (np.asarray(vals, np.float32), (rows, cols)), shape=(n, max(1, len(vocab)))
        )
        dl = np.asarray(lengths, np.float32)
        avgdl = float(dl.mean()) if n else 1.0
        df = np.bincount(np.asarray(cols, np.int64), minlength=tf.shape[1]).astype(np.float32)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)  # Lucene's non-negative idf
        tf = tf.tocoo()
        norm = k1 * (1 - b + b * dl[tf.row] / max(avgdl, 1e-9))
        w = idf[tf.col] * tf.data * (k1 + 1) / (tf.data + norm)
        weights = sparse.csc_matrix((w.astype(np.float32), (tf.row, tf.col)), shape=tf.shape)
        weights.sort_indices()
        return cls(id_arr, vocab, weights, k1, b)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for the query terms (repeats count)."""
        out = np.zeros(len(self.ids), dtype=np.float32)
        for t in terms:
            j = self.vocab.get(t)
            if j is None:
                continue
            col = self.weights.getcol(j)
            out[col.indices] += col.data
        return out

    def search(
        self, terms: Sequence[str], k: int, allowed: np.ndarray | None = None
    ) -> Scored:
        """Top-``k`` (ids, scores); ``allowed`` is a boolean row mask applied before ranking."""
        s = self.scores(terms)
        if allowed is not None:
            s = np.where(allowed, s, -np.inf)
        k = min(k, len(s))
        if k <= 0:
            return Scored(np.zeros(0, np.int64), np.zeros(0, np.float32))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        top = top[s[top] > 0]
        return Scored(self.ids[top], s[top])

    def rows(self, chunk_ids: Iterable[int]) -> np.ndarray:
        return np.asarray([self._row_of[c] for c in chunk_ids if c in self._row_of], np.int64)

    # -- persistence -------------------------------------------------------
    def save(self, directory: Path, name: str) -> list[Path]:
        from scipy import sparse

        w = directory / f"{name}.weights.npz"
        i = directory / f"{name}.ids.npy"
        v = directory / f"{name}.vocab.json"
        sparse.save_npz(w, self.weights, compressed=False)
        np.save(i, self.ids)
        terms = [""] * len(self.vocab)
        for t, j in self.vocab.items():
            terms[j] = t
        v.write_text(
            json.dumps({"format": FORMAT_VERSION, "k1": self.k1, "b": self.b, "terms": terms}, ensure_ascii=False),
            encoding="utf-8",
        )
        return [w, i, v]

    @classmethod
    def load(cls, directory: Path, name: str) -> "BM25Index":
        from scipy import sparse

        meta = json.loads((directory / f"{name}.vocab.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported BM25 format {meta.get('format')}")
        weights = sparse.load_npz(directory / f"{name}.weights.npz").tocsc()
        ids = np.load(directory / f"{name}.ids.npy")
        vocab = {t: j for j, t in enumerate(meta["terms"])}
        return cls(ids, vocab, weights, meta["k1"], meta["b"])
