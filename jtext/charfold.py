"""Step 1 of :func:`jtext.normalize.normalize`: characters, with their source spans.

Every function here works on a list of ``(char, start, end)`` triples (:data:`Ch`):
the normalised character and the span of the original text it came from.
Per-cluster NFKC and clean-up (widths, Kangxi and CJK-radical look-alikes,
dashes between digits, wave dashes, zero-width and private-use characters,
newlines, spaces) only map, drop or relabel triples, never invent positions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

# (normalised char, start in original, end in original)
Ch = tuple[str, int, int]

# Kept out of NFKC: it would turn the list markers ① ⑴ ㋐ into plain 1 (1) ア,
# which then read as ordinary text, and … into "...".
_NO_NFKC = re.compile(
    "[\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u3280-\u3289\u32b1-\u32bf\u32d0-\u32fe"
    "\u2026\u2025\u309b\u309c]"
)
# CJK Radicals Supplement look-alikes that PDF fonts emit for ordinary kanji;
# NFKC leaves them alone (it only maps the Kangxi block U+2F00-2FD5).
RADICAL_LOOKALIKES: dict[str, str] = {
    "\u2e8f": "尢", "\u2e93": "幺", "\u2e9d": "月", "\u2ea0": "民", "\u2ea9": "王",
    "\u2eaa": "疋", "\u2eac": "示", "\u2eae": "竹", "\u2eaf": "糸", "\u2eb7": "羊",
    "\u2ec1": "虎", "\u2ec4": "西", "\u2ec6": "角", "\u2ed1": "長", "\u2ed7": "雨",
    "\u2ed8": "青", "\u2edd": "食", "\u2ee3": "骨", "\u2ee4": "鬼", "\u2ee8": "麦",
    "\u2ee9": "黄", "\u2eeb": "斉", "\u2eed": "歯", "\u2eef": "竜", "\u2ef1": "龜",
    "\u2ef2": "亀",
}  # fmt: skip
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
_LINE_BREAKS = {"\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}
_DASHES = set("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u2500\u30fc\uff70\ufe63\uff0d")
_WAVES = set("~\u301c\uff5e\u223c\u2053\u3030")
_CONTEXT_SPECIAL = re.compile(
    "[" + re.escape("".join(sorted(_DASHES | _WAVES))) + "\ue000-\uf8ff\U000f0000-\U0010ffff]"
)


def clean_chars(text: str) -> list[Ch]:
    """Step 1 as a whole: folded clusters, then the context-dependent fixes."""
    return collapse_spaces(_unify_in_context(_fold(text)))


_KANA_CLASS = "\u3041-\u30ff\uff66-\uff9d\u31f0-\u31ff"


@lru_cache(maxsize=1)  # built on first use (~50 ms), so importing stays cheap
def _cluster_pattern() -> re.Pattern[str]:
    """A base character plus the marks that belong to it.

    NFKC must see ｶ and ﾞ together to produce ガ, so they are one unit and ガ
    maps to the span of both. Marks are the combining characters plus the
    variation selectors (IVS on kanji: Mn with combining class 0); the
    spacing ゛゜ and half-width ﾞﾟ attach to kana only.
    """
    codes = [
        cp
        for cp in (*range(0x10000), *range(0xE0100, 0xE01F0))
        if unicodedata.combining(chr(cp)) or unicodedata.category(chr(cp)) in ("Mn", "Me")
    ]
    marks = "".join(_char_ranges(codes))
    return re.compile(f"\r\n|[{_KANA_CLASS}][{marks}\u309b\u309c\uff9e\uff9f]*|.[{marks}]*", re.DOTALL)


def _char_ranges(codes: list[int]) -> Iterator[str]:
    """Regex class items (a-b) for sorted code points."""
    first = last = codes[0]
    for cp in [*codes[1:], -1]:
        if cp == last + 1:
            last = cp
            continue
        yield re.escape(chr(first)) + ("-" + re.escape(chr(last)) if last > first else "")
        first = last = cp


def _fold(text: str) -> list[Ch]:
    out: list[Ch] = []
    for m in _cluster_pattern().finditer(text):
        folded = _fold_cluster(m.group())
        if len(folded) == 1:  # the common case, kept cheap
            out.append((folded, m.start(), m.end()))
        else:
            out.extend((ch, m.start(), m.end()) for ch in folded)
    return out


@lru_cache(maxsize=65536)  # a document uses a few thousand distinct clusters
def _fold_cluster(cluster: str) -> str:
    head = cluster[0]
    if head in _LINE_BREAKS:
        return "\n"
    if head == "\t":
        return " "
    if head in _ZERO_WIDTH or unicodedata.category(head) == "Cc":
        return ""
    if _NO_NFKC.match(head):
        return cluster
    # Spacing ゛゜ after kana: NFKC would give " ゙" (space + combining mark).
    body = cluster[0] + cluster[1:].replace("\u309b", "\u3099").replace("\u309c", "\u309a")
    body = "".join(c for c in body if not _is_variation_selector(c))
    out = unicodedata.normalize("NFKC", body)
    # A voiced mark that found nothing to compose with (ｱﾞ) stays visible.
    out = out.replace("\u3099", "\u309b").replace("\u309a", "\u309c")
    return "".join(RADICAL_LOOKALIKES.get(c, c) for c in out)


def _is_variation_selector(c: str) -> bool:
    return "\ufe00" <= c <= "\ufe0f" or "\U000e0100" <= c <= "\U000e01ef"


def _unify_in_context(chars: list[Ch]) -> list[Ch]:
    """Fixes that depend on the neighbours: dashes, wave dashes, PUA bullets."""
    text = text_of(chars)
    out = chars
    for m in _CONTEXT_SPECIAL.finditer(text):
        k = m.start()
        new = _unified(text, k)
        if new != text[k]:
            if out is chars:
                out = list(chars)  # copy only when something changes
            out[k] = (new, chars[k][1], chars[k][2])
    return [item for item in out if item[0]] if out is not chars else chars


def _unified(text: str, k: int) -> str:
    ch = text[k]
    if ch in _DASHES:
        prev, nxt = text[k - 1 : k], text[k + 1 : k + 2]
        if prev.isascii() and prev.isdigit() and nxt.isascii() and nxt.isdigit():
            return "-"  # 03ー1234, 1−2: a numeric range or code, never prose
        return ch
    if ch in _WAVES:
        return ch if ch == "~" and text[k - 1 : k] == "/" else "〜"  # keep /~user/ paths
    # Private use: PDFs render Wingdings/Symbol bullets as PUA code points.
    line_start = text.rfind("\n", 0, k) + 1
    return "・" if not text[line_start:k].strip(" ") else ""


def collapse_spaces(chars: list[Ch]) -> list[Ch]:
    # After NFKC every kind of blank (U+3000, NBSP, tab) is already " ".
    return [item for k, item in enumerate(chars) if not (item[0] == " " and k and chars[k - 1][0] == " ")]


def text_of(line: Iterable[Ch]) -> str:
    return "".join(ch for ch, _, _ in line)
