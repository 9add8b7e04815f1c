"""Sentence-aware chunking with a budget counted in morphemes.

Sentences come from :func:`jtext.sentences.split_sentences`. Chunks are whole sentences
packed up to ``max_tokens`` morphemes, with the last sentences of a chunk
repeated at the start of the next (``overlap`` morphemes at most). A sentence
longer than the budget alone is cut at morpheme boundaries. A sentence longer
than :data:`jtext.sentences.MAX_SENTENCE_CHARS` is analysed piece by piece
(:func:`jtext.sentences.split_long`), so a megabyte line without punctuation
costs time in proportion to its length, never MeCab's memory or all its
morphemes at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from base.errors import ConfigError
from jtext.morph import tokenize
from jtext.sentences import Sentence, split_long, split_sentences


@dataclass(frozen=True)
class ChunkSpan:
    start: int  # character offsets in the (normalised) section text
    end: int
    n_tokens: int


def chunk_text(text: str, max_tokens: int = 300, overlap: int = 50) -> list[ChunkSpan]:
    """Cut ``text`` into chunk spans; see the module docstring for the rules."""
    if not 8 <= max_tokens <= 8192:
        raise ConfigError(f"chunk_tokens must be between 8 and 8192 (got {max_tokens})")
    if not 0 <= overlap < max_tokens:
        raise ConfigError(
            f"chunk_overlap must be between 0 and chunk_tokens-1 (got {overlap})"
        )
    units: list[tuple[int, int, int]] = []  # (start, end, n_tokens)
    for sent in split_sentences(text):
        units.extend(_sentence_units(sent, max_tokens))
    chunks: list[ChunkSpan] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and (total + units[j][2] <= max_tokens or j == i):
            total += units[j][2]
            j += 1
        chunks.append(ChunkSpan(units[i][0], units[j - 1][1], total))
        if j >= len(units):
            break
        # Step back over trailing sentences that fit in the overlap budget,
        # but always advance by at least one unit.
        back, k = 0, j
        while k - 1 > i and back + units[k - 1][2] <= overlap:
            back += units[k - 1][2]
            k -= 1
        i = k
    return chunks


def _sentence_units(sent: Sentence, max_tokens: int) -> list[tuple[int, int, int]]:
    """The sentence as one unit, or, over ``max_tokens`` morphemes, cut between
    morphemes (never inside one) every ``max_tokens`` of them."""
    units: list[tuple[int, int, int]] = []
    first = last = count = 0
    for a, b in split_long(sent.text):
        for tok in tokenize(sent.text[a:b]):
            if count == max_tokens:  # a full unit, and more follows
                units.append((first, last, count))
                count = 0
            if count == 0:
                first = sent.start + a + tok.start
            count += 1
            last = sent.start + a + tok.end
    if not units:  # it fits: the whole sentence, punctuation and all
        return [(sent.start, sent.end, max(1, count))]
    units.append((first, last, count))
    return units
