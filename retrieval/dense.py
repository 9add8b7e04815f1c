"""Dense vector index on FAISS with stable int64 chunk ids.

``IndexIDMap2`` over inner product (vectors are L2-normalised, so this is
cosine). Flat (exact) by default; HNSW or IVF for large archives. The
canonical index lives on the CPU (GPU indexes cannot remove ids); searches
are cloned to a GPU when faiss sees one. Filters run inside FAISS through an
``IDSelector``, so a filtered search never comes back short because the
allowed documents were outside a fixed top-k.

Without faiss-gpu (a 135 MB wheel few deployments carry), a flat index can
still search on a GPU: ``device="auto"`` runs the exact search as one torch
matrix product on CUDA when a GPU and torch are present (same scores as the
flat CPU index); ``"torch"`` does the same on torch's CPU (tests), ``"cpu"``
keeps FAISS on the CPU.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import numpy as np

from base.settings import DENSE_DEVICES
from base.errors import ConfigError, SearchIndexError, MissingExtra

from .contracts import Scored
from .masks import PerAllowed

DEVICES = DENSE_DEVICES
_UNRESOLVED = object()


def _cuda_torch():
    """torch, when a CUDA device is usable; None otherwise (cheap on GPU-less machines)."""
    if not (Path("/dev/nvidiactl").exists() or Path("/dev/nvidia0").exists()):
        return None  # no driver: do not pay torch's import time
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


class _TorchExact:
    """Exact inner-product search as one matrix product on a torch device.

    Every real query is filtered (clearance, department), so the allowed-id
    mask is built once per allowed set *on the device* (``torch.isin``) and
    reused: the engine caches one allowed-id array per (generation, access
    list, filter), so consecutive queries of a user pass the same array.
    Building the mask on the host with ``np.isin`` for every query made a
    filtered search 24–36× slower than an unfiltered one on an H200.
    """

    _MASKS = 8  # allowed sets kept on the device (a few users/filters at once)

    def __init__(self, ids: np.ndarray, vectors: np.ndarray, torch, device: str) -> None:
        self.torch = torch
        self.device = device
        self.ids = ids
        self.matrix = torch.from_numpy(np.ascontiguousarray(vectors, np.float32)).to(device)
        self._ids_dev = torch.from_numpy(np.ascontiguousarray(ids, np.int64)).to(device)
        # id(allowed) -> (weak reference to that array, its mask, its count of allowed rows)
        self._masks: dict[int, tuple[Any, Any, int]] = {}

    def mask(self, allowed: np.ndarray) -> tuple[Any, int]:
        """(boolean row mask on the device, number of allowed rows) for ``allowed``."""
        key = id(allowed)
        hit = self._masks.get(key)
        if hit is not None and hit[0]() is allowed:
            return hit[1], hit[2]
        torch = self.torch
        want = torch.from_numpy(np.ascontiguousarray(allowed, np.int64)).to(self.device)
        keep = torch.isin(self._ids_dev, want)
        n = int(keep.sum())
        if len(self._masks) >= self._MASKS:
            self._masks.pop(next(iter(self._masks)))
        try:
            self._masks[key] = (weakref.ref(allowed), keep, n)
        except TypeError:  # an object without weak references: not cached
            pass
        return keep, n

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> Scored:
        torch = self.torch
        q = torch.from_numpy(np.ascontiguousarray(query.reshape(-1), np.float32)).to(self.device)
        with torch.no_grad():
            scores = self.matrix @ q
            if allowed is not None:
                keep, n_allowed = self.mask(allowed)
                k = min(k, n_allowed)
                scores = scores.masked_fill(~keep, float("-inf"))
            if k <= 0:
                return Scored(np.zeros(0, np.int64), np.zeros(0, np.float32))
            top = torch.topk(scores, k)
        rows = top.indices.cpu().numpy()
        return Scored(self.ids[rows], top.values.cpu().numpy().astype(np.float32))


def _faiss():
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - faiss-cpu is a core dependency
        raise MissingExtra("faiss-cpu", "core") from exc
    return faiss


_BITMAP_MIN_BYTES = 1 << 20  # a bitmap this small is always fine, however few ids it allows


def _selector(_index: "DenseIndex", allowed: np.ndarray) -> tuple[Any, np.ndarray]:
    """A FAISS ``IDSelector`` of ``allowed`` and the array it reads (kept alive beside it):
    a bitmap over chunk ids (one bit test per scanned vector; cheap to build: 3 ms for 500k
    ids, where a hash set takes 49 ms) unless it would outweigh the id array, else a hash set."""
    faiss = _faiss()
    allowed = np.ascontiguousarray(allowed, dtype=np.int64)
    if int(allowed.min()) >= 0 and int(allowed.max()) // 8 < max(_BITMAP_MIN_BYTES, allowed.nbytes):
        bits = np.zeros(int(allowed.max()) + 1, bool)
        bits[allowed] = True
        packed = np.packbits(bits, bitorder="little")
        return faiss.IDSelectorBitmap(len(packed), faiss.swig_ptr(packed)), packed
    return faiss.IDSelectorBatch(allowed), allowed


class DenseIndex:
    def __init__(self, index, dim: int, kind: str = "flat", device: str = "auto") -> None:
        if device not in DEVICES:
            raise ConfigError(f"dense_device must be one of {', '.join(DEVICES)} (got {device!r})")
        self.index = index
        self.dim = dim
        self.kind = kind
        self.device = device
        self._gpu = None
        self._torch: _TorchExact | None = None
        self._target: Any = _UNRESOLVED
        self._selectors: PerAllowed[tuple[Any, np.ndarray]] = PerAllowed(_selector)

    @classmethod
    def create(cls, dim: int, kind: str = "flat", n_hint: int = 0, device: str = "auto") -> "DenseIndex":
        faiss = _faiss()
        if kind == "flat":
            inner = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            # IDMap2 over HNSW cannot remove ids; removals rebuild (see remove()).
            inner = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        elif kind == "ivf":
            nlist = max(1, min(65536, int(4 * np.sqrt(max(n_hint, 1)))))
            quant = faiss.IndexFlatIP(dim)
            inner = faiss.IndexIVFFlat(quant, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            # A hashtable direct map lets us reconstruct and remove by id.
            inner.set_direct_map_type(faiss.DirectMap.Hashtable)
            return cls(inner, dim, kind, device)  # IVF has its own id map
        else:
            raise SearchIndexError(f"unknown index type {kind!r}")
        return cls(faiss.IndexIDMap2(inner), dim, kind, device)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape[1] != self.dim:
            raise SearchIndexError(f"vector dimension {vectors.shape[1]} != index dimension {self.dim}")
        if self.kind == "ivf" and not self.index.is_trained:
            self.index.train(vectors)
        self.index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))
        self._gpu = self._torch = None

    def remove(self, ids: np.ndarray) -> int:
        if len(ids) == 0:
            return 0
        faiss = _faiss()
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        # IVF's hashtable direct map only removes through an IDSelectorArray.
        sel = faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids)) if self.kind == "ivf" else faiss.IDSelectorBatch(ids)
        if self.kind == "hnsw":
            # HNSW graphs cannot delete: rebuild from the surviving vectors.
            keep_ids, keep_vecs = self.all_vectors()
            mask = ~np.isin(keep_ids, ids)
            fresh = DenseIndex.create(self.dim, "hnsw")
            fresh.add(keep_ids[mask], keep_vecs[mask])
            removed = int((~mask).sum())
            self.index = fresh.index
        else:
            removed = int(self.index.remove_ids(sel))
        self._gpu = self._torch = None
        return removed

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        faiss = _faiss()
        n = len(self)
        if n == 0:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        if self.kind == "ivf":
            ids, vecs = [], []
            invlists = self.index.invlists
            for lst in range(self.index.nlist):
                size = invlists.list_size(lst)
                if not size:
                    continue
                lid = faiss.rev_swig_ptr(invlists.get_ids(lst), size).copy()
                ids.append(lid)
                vecs.append(np.stack([self.index.reconstruct(int(i)) for i in lid]))
            return np.concatenate(ids), np.concatenate(vecs)
        ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)
        vecs = self.index.index.reconstruct_n(0, n)
        return ids, np.asarray(vecs, np.float32)

    def vectors_for(self, ids: list[int]) -> np.ndarray:
        out = np.zeros((len(ids), self.dim), np.float32)
        for i, cid in enumerate(ids):
            try:
                out[i] = self.index.reconstruct(int(cid))
            except RuntimeError:
                pass  # unknown id: zero vector, scores 0
        return out

    def _torch_target(self) -> tuple[Any, str] | None:
        """(torch, device) when searches should run as a torch matrix product;
        decided once per index, not on every query."""
        if self._target is _UNRESOLVED:
            self._target = self._resolve_torch_target()
        return self._target

    def _resolve_torch_target(self) -> tuple[Any, str] | None:
        if self.kind != "flat" or self.device == "cpu":
            return None
        if self.device == "torch":
            import torch

            return torch, ("cuda" if torch.cuda.is_available() else "cpu")
        faiss = _faiss()
        if self.device == "auto" and hasattr(faiss, "get_num_gpus") and faiss.get_num_gpus() > 0:
            return None  # faiss-gpu is installed: it does the job
        torch = _cuda_torch()
        if torch is None:
            if self.device == "cuda":
                raise ConfigError("dense_device = 'cuda' but no CUDA device is usable by torch")
            return None
        return torch, "cuda"

    def _torch_searcher(self) -> _TorchExact | None:
        """The torch matrix-product searcher (its device copy rebuilt after add/remove)."""
        target = self._torch_target()
        if target is None:
            return None
        if self._torch is None:
            ids, vecs = self.all_vectors()
            self._torch = _TorchExact(ids, vecs, *target)
        return self._torch

    def _searcher(self):
        faiss = _faiss()
        if self.kind == "flat" and hasattr(faiss, "get_num_gpus") and faiss.get_num_gpus() > 0:
            if self._gpu is None:  # pragma: no cover - needs a GPU
                res = faiss.StandardGpuResources()
                self._gpu = faiss.index_cpu_to_gpu(res, 0, self.index)
            return self._gpu  # pragma: no cover
        return self.index

    def search(
        self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
    ) -> Scored:
        """Top-``k`` (ids, scores). ``allowed_ids`` restricts the search inside FAISS."""
        faiss = _faiss()
        n = len(self)
        if n == 0 or k <= 0:
            return Scored(np.zeros(0, np.int64), np.zeros(0, np.float32))
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        k = min(k, n)
        exact = self._torch_searcher()
        if exact is not None:
            if allowed_ids is not None and len(allowed_ids) == 0:
                return Scored(np.zeros(0, np.int64), np.zeros(0, np.float32))
            return exact.search(q, k, allowed_ids)
        if allowed_ids is not None:
            if len(allowed_ids) == 0:
                return Scored(np.zeros(0, np.int64), np.zeros(0, np.float32))
            # built once per allowed set; ``_bits`` keeps the selector's memory alive for this
            # search (a writable allowed array is never cached: dropping it freed the bitmap
            # under FAISS, and later searches read freed memory as the allowed set)
            sel, _bits = self._selectors.get(self, allowed_ids)
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(64, k))
            elif self.kind == "ivf":
                # Probe every list: a filtered search must not come back short.
                params = faiss.SearchParametersIVF(sel=sel, nprobe=self.index.nlist)
            else:
                params = faiss.SearchParameters(sel=sel)
            scores, ids = self.index.search(q, k, params=params)
        else:
            if self.kind == "ivf":
                self.index.nprobe = max(8, self.index.nlist // 8)
            scores, ids = self._searcher().search(q, k)
        mask = ids[0] >= 0
        return Scored(ids[0][mask].astype(np.int64), scores[0][mask].astype(np.float32))

    def save(self, path: Path) -> None:
        _faiss().write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, dim: int, kind: str, device: str = "auto") -> "DenseIndex":
        index = _faiss().read_index(str(path))
        if index.d != dim:
            raise SearchIndexError(f"{path}: dimension {index.d} != expected {dim}")
        return cls(index, dim, kind, device)
