"""Offset maps between normalised and original text.

Normalisation changes lengths (NFKC, joined PDF lines, dropped ruby), so a
span found in the normalised text is mapped back to the original to quote it
exactly. A map is stored compressed: only the points where the
normalised→original delta changes.
"""

from __future__ import annotations


def compress_offsets(offsets: tuple[int, ...] | list[int]) -> list[list[int]]:
    """Keep only the points where the norm→orig delta changes."""
    out: list[list[int]] = []
    last_delta = None
    for i, o in enumerate(offsets):
        delta = o - i
        if delta != last_delta:
            out.append([i, o])
            last_delta = delta
    return out


def map_offset(points: list[list[int]], i: int) -> int:
    """Original index of normalised index ``i`` given compressed break points."""
    lo, hi = 0, len(points) - 1
    if not points:
        return i
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if points[mid][0] <= i:
            lo = mid
        else:
            hi = mid - 1
    n, o = points[lo]
    return o + (i - n)
