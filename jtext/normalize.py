"""Text normalisation for indexing, with an exact map back to the original.

Every step works on a list of ``(char, start, end)`` triples: the normalised
character and the span of the original text it came from. Steps only map,
drop or relabel triples, never invent positions, so a span found in the
normalised text (a search hit, a chunk) maps back to the exact passage a clerk
sees in the source (:meth:`NormText.to_original`).

Steps of :func:`normalize`, in order:

1. per-cluster NFKC and character clean-up (widths, Kangxi radicals, dashes
   between digits, wave dashes, zero-width and private-use characters,
   newlines, spaces) — :mod:`jtext.charfold`;
2. ruby/furigana remnants from PDF extraction (``strip_ruby``);
3. joining hard-wrapped lines (``join_lines``); blank lines are kept, at
   most one in a row; spaces at both ends of every line are removed —
   steps 2 and 3 in :mod:`jtext.layout`.

>>> n = normalize("ｶﾞｲﾄﾞﾗｲﾝ（がいどらいん）\\n第１２条")
>>> n.text
'ガイドライン(がいどらいん)\\n第12条'
>>> n.to_original(0, 6)
(0, 8)
"""

from __future__ import annotations

from dataclasses import dataclass

from .charfold import RADICAL_LOOKALIKES, Ch, clean_chars, collapse_spaces, text_of
from .layout import assemble, drop_paren_readings, drop_ruby_lines, split_lines

__all__ = ["NormText", "RADICAL_LOOKALIKES", "normalize", "normalize_query"]


@dataclass(frozen=True)
class NormText:
    """Normalised text plus the offset map into the original string."""

    text: str
    # len(text)+1 entries: offsets[i] is where normalised char i starts in the
    # original; offsets[len(text)] == len(original).
    offsets: tuple[int, ...]
    # ends[i] is where the original source of char i ends (a half-width ｶﾞ is
    # two original chars). Empty when built by hand: to_original then falls
    # back to offsets[end], which may include dropped text (ruby, spaces).
    ends: tuple[int, ...] = ()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original span ``[a, b)`` of the normalised span ``[start, end)``.

        >>> n = normalize("納税義務者（のうぜいぎむしゃ）は")
        >>> n.text, n.to_original(0, 5), n.to_original(5, 6)
        ('納税義務者は', (0, 5), (15, 16))
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside the normalised text of length {len(self.text)}")
        if start == end:
            return self.offsets[start], self.offsets[start]
        stop = self.ends[end - 1] if self.ends else self.offsets[end]
        return self.offsets[start], stop


def normalize(text: str, *, join_lines: bool = True, strip_ruby: bool = True) -> NormText:
    """Normalise extracted document text for indexing and display of hits.

    >>> normalize("この規程は、職員の育児休業に\\n関して必要な事項を定める。").text
    'この規程は、職員の育児休業に関して必要な事項を定める。'
    """
    chars = clean_chars(text)
    lines, breaks = split_lines(chars)
    if strip_ruby:
        lines, breaks = drop_ruby_lines(lines, breaks)
    flat = assemble(lines, breaks, join=join_lines)
    if strip_ruby:
        flat = drop_paren_readings(flat)
    return _to_normtext(flat, len(text))


def normalize_query(text: str) -> str:
    """Normalise a user question the way :func:`normalize` does document text.

    Same character clean-up, but newlines become spaces and no line or ruby
    logic runs, since questions are typed, not extracted.

    >>> normalize_query("　第１２条の　ｶﾞｲﾄﾞﾗｲﾝは？\\n")
    '第12条の ガイドラインは?'
    """
    chars = [(" " if ch == "\n" else ch, s, e) for ch, s, e in clean_chars(text)]
    return "".join(ch for ch, _, _ in collapse_spaces(chars)).strip(" ")


def _to_normtext(flat: list[Ch], original_length: int) -> NormText:
    return NormText(
        text=text_of(flat),
        offsets=tuple(s for _, s, _ in flat) + (original_length,),
        ends=tuple(e for _, _, e in flat),
    )
