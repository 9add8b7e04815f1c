"""The engine's token ids at Rust speed: ``tokenizers`` over ``tokenizer.json``, checked per text.

:class:`FastE5Tokenizer` batch-encodes with the ``tokenizers`` library (its
own thread pool) and hands a text to the exact port
(:class:`~model.e5.tokenizer.E5Tokenizer`) wherever the library could give
different ids.  The library and the engine run the same normalisation (the
exported ``Precompiled`` charsmap, see :mod:`.hf_tokenizer`) and the same
Unigram lattice with the same tie-breaking (strict ``>``, earliest start
wins), so they can differ only where

* an ``<unk>`` is involved: the library fuses a run of unknown characters
  into one ``<unk>`` (the engine emits one per character) and lets the literal
  text ``<unk>`` match the ``<unk>`` piece (the engine never does).  Any text
  for which the library returns the ``<unk>`` id goes to the exact port;
  without an ``<unk>`` in the library's answer there was no unknown character
  and the ``<unk>`` piece was not used, and every other lattice edge is the
  same in both (an unknown-character edge of the engine scores ``min - 10``,
  below the single-character piece that the library uses in its place, so it
  is never on the best path);
* the text holds U+0000 (the engine stops there: a C string), is not valid
  UTF-8 for Rust (lone surrogates), or the library returns no content ids
  (an empty text: the engine still emits the metaspace);
* two segmentations score the same.  The engine sums scores in float32
  along the whole text, the library in float64 per word, so an exact tie is
  broken by rounding, differently in each.  Exact ties come from the same
  pieces in another order; two different pieces that are powers of one word
  (``x`` and ``xxx`` in a run of ``x``) can swap places, which is how a run
  of one repeated unit (``ーーーー``, ``……``, ``＿＿＿``) ties.  A text whose
  library ids hold two *adjacent, different* pieces with the same primitive
  root goes to the exact port (a run tiled by one piece only has nothing to
  swap);
* the text is long.  The engine's float32 running score loses resolution as
  it grows (a step of 2^-4 past 2^19 ≈ 5.2e5), so on long texts near-ties are
  decided by rounding.  On ``../shared/data/gov`` whole statutes (XML of
  120k–315k tokens) differed from 50,933 tokens on (score -5.6e5), texts of
  up to 97k tokens did not.  Texts of more than ``max_tokens`` (2,048, four
  embedding windows; |score| < 4.2e4, a step of at most 2^-8) go to the
  exact port; every chunk of the pipeline is far shorter.

Coincidental ties of different pieces and near-ties within float32 rounding
in shorter texts are not detected by a rule: ``bench/tokenizer_equiv.py``
counts them on real Japanese text (all JSQuAD and ``../shared/data/gov``).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from base.errors import MissingExtra

from .tokenizer import E5Tokenizer


def _root(piece: str) -> str:
    """The primitive root: ``xxx`` → ``x``, ``abab`` → ``ab``, ``abc`` → ``abc``."""
    i = (piece + piece).find(piece, 1)
    return piece[:i] if piece and len(piece) % i == 0 else piece


def _root_keys(pieces: Sequence[str]) -> np.ndarray:
    """Per id: a key shared by the pieces with the same primitive root, -1 where no other has it."""
    roots = [_root(p) for p in pieces]
    count: dict[str, int] = {}
    for r in roots:
        count[r] = count.get(r, 0) + 1
    key: dict[str, int] = {}
    out = np.full(len(pieces), -1, dtype=np.int64)
    for i, r in enumerate(roots):
        if count[r] > 1:
            out[i] = key.setdefault(r, len(key))
    return out


def _import_tokenizers() -> Any:
    try:
        import tokenizers
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtra("tokenizers", "torch") from exc
    return tokenizers


class FastE5Tokenizer:
    """``content_ids`` of many texts at once, id-identical to :class:`E5Tokenizer`.

    ``fallbacks`` counts the texts that went to the exact port, ``texts`` all
    texts seen (both since construction).  Needs the ``tokenizers`` package
    (it comes with ``transformers``).
    """

    def __init__(self, path: str | Path, exact: E5Tokenizer | None = None, max_tokens: int = 2048) -> None:
        tokenizers = _import_tokenizers()
        self.exact = exact if exact is not None else E5Tokenizer.from_dir(path)
        self._hf = tokenizers.Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
        self._hf.no_truncation()
        self._hf.no_padding()
        self.unk = self.exact.unk
        self.bos, self.eos, self.pad = self.exact.bos, self.exact.eos, self.exact.pad
        self.max_tokens = int(max_tokens)
        self._root_key = _root_keys(self.exact.pieces)
        self.fallbacks = 0
        self.texts = 0

    def suspects(self, texts: Sequence[str], ids: Sequence[Sequence[int]]) -> list[bool]:
        """Per text: True where the library's ``ids`` may differ from the engine's."""
        lens = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lens.sum()))
        ends = np.cumsum(lens)
        bad = np.zeros(len(ids) + 1, dtype=np.int64)
        if len(flat):
            key = self._root_key[flat]
            swap = (key[1:] == key[:-1]) & (key[1:] >= 0) & (flat[1:] != flat[:-1])
            # pair j joins tokens j and j+1: count only pairs inside one text
            cut = np.zeros(len(flat), dtype=np.int64)
            cut[1:] = np.cumsum(swap)
            starts = ends - lens
            inside = np.where(lens > 1, cut[np.maximum(ends - 1, 0)] - cut[np.minimum(starts, len(flat) - 1)], 0)
            unk = np.zeros(len(flat) + 1, dtype=np.int64)
            unk[1:] = np.cumsum(flat == self.unk)
            bad[1:] = inside + unk[ends] - unk[starts]
        top = self.max_tokens
        return [bool(b) or n == 0 or n > top or "\0" in t for b, n, t in zip(bad[1:], lens, texts)]

    def needs_exact(self, text: str, ids: Sequence[int]) -> bool:
        """True where the library's ``ids`` for ``text`` may differ from the engine's."""
        return self.suspects([text], [ids])[0]

    def fast_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """The library's content ids (no <s>/</s>), unchecked; ``[]`` where it cannot encode."""
        items = list(texts)
        try:
            return [e.ids for e in self._hf.encode_batch_fast(items, add_special_tokens=False)]
        except Exception:  # noqa: BLE001 - e.g. a lone surrogate in one text: go text by text
            out: list[list[int]] = []
            for t in items:
                try:
                    out.append(self._hf.encode(t, add_special_tokens=False).ids)
                except Exception:  # noqa: BLE001 - [] sends the text to the exact port
                    out.append([])
            return out

    def content_ids_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """The engine's content ids of every text (``E5Tokenizer.content_ids``)."""
        items = list(texts)
        for t in items:
            if not isinstance(t, str):
                raise TypeError(f"expected str, got {type(t).__name__}")
        out = self.fast_ids(items)
        for k, suspect in enumerate(self.suspects(items, out)):
            if suspect:
                self.fallbacks += 1
                out[k] = self.exact.content_ids(items[k])
        self.texts += len(items)
        return out

    def content_ids(self, text: str) -> list[int]:
        return self.content_ids_batch([text])[0]

    def encode(self, text: str) -> list[int]:
        """``<s>`` + content ids + ``</s>`` (no windowing/truncation)."""
        return [self.bos, *self.content_ids(text), self.eos]
