"""A user's filter, built once per allowed set instead of on every query.

Every real query is filtered (clearance, department). The engine
(``shirube/search.py``) keeps one sorted, read-only allowed-id array per
(generation, access-list version, filter) and passes that same array with each
of the user's queries; what a ranker derives from it — a boolean row mask over
a BM25 index's id order, a FAISS ``IDSelector`` — is kept here per (index,
allowed array), so a filtered query does no O(N) mask work of its own.

An entry lives as long as both arrays do (weak references: a new generation
brings new id arrays, a relabel a new allowed array), and only read-only
allowed arrays that own their data are cached: a caller that might still change
its array gets a fresh mask each time.

>>> ids = np.array([10, 11, 12]); allowed = np.array([11]); allowed.setflags(write=False)
>>> row_mask(ids, allowed).tolist()
[False, True, False]
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable, Generic, TypeVar

import numpy as np

T = TypeVar("T")
_SIZE = 16  # allowed sets kept per cache (a few users and filters, two lexical indexes each)


class PerAllowed(Generic[T]):
    """Values built from (owner, allowed-id array), kept while both objects live.

    Keyed by object identity with weak references checked on every hit, so an id
    reused by a new object never returns a stale value; at most ``size`` entries."""

    def __init__(self, build: Callable[[Any, np.ndarray], T], size: int = _SIZE) -> None:
        self._build = build
        self._size = size
        self._lock = threading.RLock()  # a weak-reference callback may run inside a locked block
        self._entries: OrderedDict[tuple[int, int], tuple[Any, Any, T]] = OrderedDict()
        self.builds = 0  # how many values were built (tests, benchmarks)

    def get(self, owner: Any, allowed: np.ndarray) -> T:
        if allowed.flags.writeable or allowed.base is not None:  # it may still change: never cache
            self.builds += 1
            return self._build(owner, allowed)
        key = (id(owner), id(allowed))
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0]() is owner and hit[1]() is allowed:
                self._entries.move_to_end(key)
                return hit[2]
        value = self._build(owner, allowed)
        self.builds += 1

        def drop(ref: Any, key: tuple[int, int] = key) -> None:  # either object died: free the value
            with self._lock:
                hit = self._entries.get(key)
                if hit is not None and (hit[0] is ref or hit[1] is ref):
                    del self._entries[key]

        try:
            entry = (weakref.ref(owner, drop), weakref.ref(allowed, drop), value)
        except TypeError:  # an owner without weak references: not cached
            return value
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _build_row_mask(ids: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    mask = np.isin(ids, allowed)
    mask.setflags(write=False)
    return mask


_ROW_MASKS: PerAllowed[np.ndarray] = PerAllowed(_build_row_mask)


def row_mask(ids: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Boolean mask over ``ids`` (an index's row order) of the rows in ``allowed``;
    built once per (ids array, read-only allowed array)."""
    return _ROW_MASKS.get(ids, allowed)


def row_mask_builds() -> int:
    """Row masks built so far in this process (tests, benchmarks)."""
    return _ROW_MASKS.builds


def freeze(allowed: np.ndarray) -> np.ndarray:
    """``allowed`` made read-only (in place) so that rankers may cache what they derive from it."""
    allowed.setflags(write=False)
    return allowed
