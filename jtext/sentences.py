"""Sentence splitting for Japanese text, with character offsets.

Sentences end at 。！？ (with any closing brackets after them) and at line
breaks — after normalisation a remaining line break is structure (heading,
list item, article item), never a PDF hard wrap.

>>> [s.text for s in split_sentences("第1条 目的\\n本規程は定める。次に進む！")]
['第1条 目的', '本規程は定める。', '次に進む！']
"""

from __future__ import annotations

from dataclasses import dataclass

_ENDERS = frozenset("。！？!?")
_OPEN = frozenset("「『（(【〔［[")
_CLOSE = frozenset("」』）)】〕］]")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with offsets; surrounding whitespace trimmed, empties dropped.

    A 。 inside brackets (「はい。」と言った。) does not end the sentence; a
    line break always does.
    """
    out: list[Sentence] = []
    start = depth = 0
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        end = -1
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch == "\n":
            end, depth = i, 0
        elif ch in _ENDERS and depth == 0:
            while i + 1 < n and text[i + 1] in _ENDERS:
                i += 1
            end = i + 1
        if end >= 0:
            _add(out, text, start, end)
            start = end if ch != "\n" else i + 1
        i += 1
    _add(out, text, start, n)
    return out


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    raw = text[start:end]
    body = raw.strip()
    if body:
        s = start + (len(raw) - len(raw.lstrip()))
        out.append(Sentence(body, s, s + len(body)))
