"""Text normalisation for indexing, with an exact map back to the original.

Every step works on a list of ``(char, start, end)`` triples: the normalised
character and the span of the original text it came from. Steps only map,
drop or relabel triples, never invent positions, so a span found in the
normalised text (a search hit, a chunk) maps back to the exact passage a clerk
sees in the source (:meth:`NormText.to_original`).

Steps of :func:`normalize`, in order:

1. per-cluster NFKC and character clean-up (widths, Kangxi radicals, dashes
   between digits, wave dashes, zero-width and private-use characters,
   newlines, spaces);
2. ruby/furigana remnants from PDF extraction (``strip_ruby``);
3. joining hard-wrapped lines (``join_lines``); blank lines are kept, at
   most one in a row; spaces at both ends of every line are removed.

>>> n = normalize("ｶﾞｲﾄﾞﾗｲﾝ（がいどらいん）\\n第１２条")
>>> n.text
'ガイドライン(がいどらいん)\\n第12条'
>>> n.to_original(0, 6)
(0, 8)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

# (normalised char, start in original, end in original)
_Ch = tuple[str, int, int]


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
    chars = _clean_chars(text)
    lines, breaks = _split_lines(chars)
    if strip_ruby:
        lines, breaks = _drop_ruby_lines(lines, breaks)
    flat = _assemble(lines, breaks, join=join_lines)
    if strip_ruby:
        flat = _drop_paren_readings(flat)
    return _to_normtext(flat, len(text))


def normalize_query(text: str) -> str:
    """Normalise a user question the way :func:`normalize` does document text.

    Same character clean-up, but newlines become spaces and no line or ruby
    logic runs, since questions are typed, not extracted.

    >>> normalize_query("　第１２条の　ｶﾞｲﾄﾞﾗｲﾝは？\\n")
    '第12条の ガイドラインは?'
    """
    chars = [(" " if ch == "\n" else ch, s, e) for ch, s, e in _clean_chars(text)]
    return "".join(ch for ch, _, _ in _collapse_spaces(chars)).strip(" ")


# --------------------------------------------------------------------------
# Step 1: characters
# --------------------------------------------------------------------------

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


def _clean_chars(text: str) -> list[_Ch]:
    """Step 1 as a whole: folded clusters, then the context-dependent fixes."""
    return _collapse_spaces(_unify_in_context(_fold(text)))


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


def _fold(text: str) -> list[_Ch]:
    out: list[_Ch] = []
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


def _unify_in_context(chars: list[_Ch]) -> list[_Ch]:
    """Fixes that depend on the neighbours: dashes, wave dashes, PUA bullets."""
    text = _text(chars)
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


def _collapse_spaces(chars: list[_Ch]) -> list[_Ch]:
    # After NFKC every kind of blank (U+3000, NBSP, tab) is already " ".
    return [item for k, item in enumerate(chars) if not (item[0] == " " and k and chars[k - 1][0] == " ")]


# --------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------

_Line = list[_Ch]


def _split_lines(chars: list[_Ch]) -> tuple[list[_Line], list[_Ch]]:
    """Lines without their spaces at either end, and the newlines between them.

    Leading spaces go too: in PDFs and Japanese text they are indentation
    (字下げ), layout rather than content.
    """
    lines: list[_Line] = [[]]
    breaks: list[_Ch] = []
    for item in chars:
        if item[0] == "\n":
            breaks.append(item)
            lines.append([])
        else:
            lines[-1].append(item)
    return [_strip(line) for line in lines], breaks


def _strip(line: _Line) -> _Line:
    a, b = 0, len(line)
    while a < b and line[a][0] == " ":
        a += 1
    while b > a and line[b - 1][0] == " ":
        b -= 1
    return line[a:b]


def _text(line: Iterable[_Ch]) -> str:
    return "".join(ch for ch, _, _ in line)


# --------------------------------------------------------------------------
# Step 2: ruby (furigana) remnants
# --------------------------------------------------------------------------
#
# Rule (kept conservative; a lost word costs more than a stray reading):
#  * A line is a furigana line when it is only kana (and spaces), at most 25
#    characters, sits directly above or below a line with kanji, and either
#    has inner spaces (readings spread over several words) or is hiragana
#    only and at most half as long as that neighbour. Katakana-only lines
#    need inner spaces: alone they are usually headings (ガイドライン).
#    Common kana-only headings (はじめに…) are never dropped.
#  * A reading in parentheses, 納税義務者（のうぜいぎむしゃ）, is dropped when it
#    is pure hiragana, directly follows a kanji run and is at most 4× as long
#    as that run. (ただし書) has kanji and さらに（または） follows no kanji, so
#    both stay; a few parenthesised connectives (いずれも…) also stay.

_MAX_RUBY_LINE = 25
_KANA_LINE = re.compile(r"[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe ]+")  # no ・: bullets
_HIRAGANA = re.compile(r"[\u3041-\u309fー]+")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
_KANA_HEADINGS = frozenset(
    {"はじめに", "おわりに", "まとめ", "もくじ", "さくいん", "あとがき", "まえがき", "おしらせ",
     "ごあいさつ", "あいさつ", "よくあるしつもん", "ふりがな", "フリガナ", "こたえ", "ヒント"}
)  # fmt: skip
_PAREN_READING = re.compile(
    r"(?P<kanji>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]+)"
    r"(?P<paren>\((?P<r1>[\u3041-\u3096ー]+)\)|《(?P<r2>[\u3041-\u3096\u30a1-\u30faー]+)》)"
)
_NOT_READINGS = frozenset(
    {"いずれも", "ただし", "など", "まで", "から", "および", "または", "ならびに", "もしくは",
     "こちら", "すべて", "ほか", "なし", "あり", "とも", "かっこ", "いわゆる", "さらに"}
)  # fmt: skip


def _drop_ruby_lines(lines: list[_Line], breaks: list[_Ch]) -> tuple[list[_Line], list[_Ch]]:
    texts = [_text(line) for line in lines]
    drop = [_is_ruby_line(texts, i) for i in range(len(texts))]
    kept_lines: list[_Line] = []
    kept_breaks: list[_Ch] = []
    for i, line in enumerate(lines):
        if drop[i]:
            continue  # the newline before it goes too (the one after, if it is first)
        if kept_lines:
            kept_breaks.append(breaks[i - 1])
        kept_lines.append(line)
    return kept_lines or [[]], kept_breaks


def _is_ruby_line(texts: list[str], i: int) -> bool:
    line = texts[i]
    core = line.replace(" ", "")
    if not core or len(line) > _MAX_RUBY_LINE or core in _KANA_HEADINGS:
        return False
    if not _KANA_LINE.fullmatch(line):
        return False
    spaced = " " in line
    for j in (i - 1, i + 1):
        if not 0 <= j < len(texts) or not _KANJI.search(texts[j]):
            continue
        if spaced or (_HIRAGANA.fullmatch(core) and 2 * len(core) <= len(texts[j].replace(" ", ""))):
            return True
    return False


def _drop_paren_readings(flat: list[_Ch]) -> list[_Ch]:
    text = _text(flat)
    drop: set[int] = set()
    for m in _PAREN_READING.finditer(text):
        reading = m.group("r1") or m.group("r2")
        if reading in _NOT_READINGS or len(reading) > 4 * len(m.group("kanji")):
            continue
        drop.update(range(m.start("paren"), m.end("paren")))
    return [item for k, item in enumerate(flat) if k not in drop]


# --------------------------------------------------------------------------
# Step 3: joining hard-wrapped lines
# --------------------------------------------------------------------------
#
# A newline goes when the line before ends in a Japanese character that
# cannot end a sentence (kana, kanji, 、, an opening bracket) and the next
# line starts with Japanese text (or a number with a unit: 3月31日, 1,000円)
# that is not a list item (・ ① (1) 1. 一␣ ア␣), an article (第三条) or a
# caption ((目的)). Lines ending in 。!?」』) keep their newline, and so do
# headings: structural ones (第二章 総則, 附則), a kanji-only line of at most
# 12 characters, and a line of at most 15 characters without 、 followed by
# one at least twice as long. Between two ASCII letters the newline becomes
# a space.

_JA_END = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆〇、,「『(【〔\[《〈]$")
_JA_START = re.compile(
    r"^(?:[\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆〇、。,「『(《〈]"
    r"|[0-9]+(?:[,.][0-9]+)*(?![章節編部款])[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff])"
)
_KNUM = "〇一二三四五六七八九十百千"
_LIST_MARKER = re.compile(
    r"^(?:[・●■□○◆◇▲△▼▽★☆※◎•◦▪▫➢►▶→【〔]"
    r"|[\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u3280-\u3289\u32b1-\u32bf\u32d0-\u32fe]"
    rf"|\(\s*[0-9{_KNUM}]+\s*\)"
    r"|\([\u30a1-\u30f3a-zA-Z]\)"
    rf"|[{_KNUM}]+ "
    rf"|第\s*[0-9{_KNUM}]+(?:[条章節款目編部項号]| |$)"
    r"|[\u30a1-\u30f3] )"
)
_CAPTION = re.compile(r"^\([^()]*\)$")  # (目的): article captions stand alone
_HEADING = re.compile(
    rf"^(?:第\s*[0-9{_KNUM}]+\s*[章節款編部](?: .*)?|附\s?則(?: ?\(.*\))?|目\s?次|前\s?文|本\s?則)$"
)
_MAX_TITLE = 15
_SHORT_HEADING = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆・ ]{1,12}$")


def _separator(prev: str, nxt: str) -> str | None:
    """What replaces the newline between two lines: "", " ", or None to keep it."""
    if not prev or not nxt:
        return None  # a blank line is a paragraph break
    if prev[-1].isascii() and prev[-1].isalpha() and nxt[0].isascii() and nxt[0].isalpha():
        return " "
    if _HEADING.match(prev) or _SHORT_HEADING.match(prev) or _ends_early(prev, nxt):
        return None
    if not _JA_END.search(prev) or not _JA_START.match(nxt):
        return None
    if _LIST_MARKER.match(nxt) or _CAPTION.match(nxt):
        return None
    return ""


def _ends_early(prev: str, nxt: str) -> bool:
    """A short line before a much longer one ended on purpose (はじめに, a title).

    Hard wraps happen at the full column width, so a wrapped line is never
    much shorter than the line after it.
    """
    return len(prev) <= _MAX_TITLE and 2 * len(prev) <= len(nxt) and not re.search("[、,]", prev)


_WRAP_SHARE = 0.7


def _width(text: str) -> int:
    """Display width: full-width characters count two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _assemble(lines: list[_Line], breaks: list[_Ch], *, join: bool) -> list[_Ch]:
    """Join wrapped lines, keep at most one blank line, flatten."""
    texts = [_text(line) for line in lines]
    # Hard wraps happen at the column width: a line well short of the widest
    # line ended on purpose (a table cell, a list item, a heading).
    # Only judged when there are enough lines to know the column width.
    full = max((_width(t) for t in texts), default=0) if sum(1 for t in texts if t) >= 4 else 0
    out_lines: list[_Line] = [list(lines[0])]
    out_breaks: list[_Ch] = []
    for i, (line, brk) in enumerate(zip(lines[1:], breaks)):
        # Judge the physical line before, not what it was joined into: a
        # heading is recognised by its own shape and length.
        sep = _separator(texts[i], texts[i + 1]) if join and _width(texts[i]) >= _WRAP_SHARE * full else None
        if sep is None:
            out_lines.append(list(line))
            out_breaks.append(brk)
        else:
            out_lines[-1].extend([(sep, brk[1], brk[2])] if sep else [])
            out_lines[-1].extend(line)
    return _flatten_paragraphs(out_lines, out_breaks)


def _flatten_paragraphs(lines: list[_Line], breaks: list[_Ch]) -> list[_Ch]:
    flat: list[_Ch] = []
    pending: list[_Ch] = []  # newlines seen since the last non-blank line
    for i, line in enumerate(lines):
        if i:
            pending.append(breaks[i - 1])
        if not line:
            continue
        if flat:
            flat.extend(pending[:2])  # one blank line at most
        flat.extend(line)
        pending = []
    return flat


def _to_normtext(flat: list[_Ch], original_length: int) -> NormText:
    return NormText(
        text=_text(flat),
        offsets=tuple(s for _, s, _ in flat) + (original_length,),
        ends=tuple(e for _, _, e in flat),
    )
