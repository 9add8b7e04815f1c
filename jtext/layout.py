"""Steps 2 and 3 of :func:`jtext.normalize.normalize`: PDF layout remnants.

Works on lines of ``(char, start, end)`` triples (:data:`jtext.charfold.Ch`):
splitting into lines without their edge spaces, dropping ruby (furigana)
lines and parenthesised readings, and joining hard-wrapped lines (at most
one blank line kept) into one flat list.
"""

from __future__ import annotations

import re
import unicodedata

from .charfold import Ch, text_of

# --------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------

Line = list[Ch]


def split_lines(chars: list[Ch]) -> tuple[list[Line], list[Ch]]:
    """Lines without their spaces at either end, and the newlines between them.

    Leading spaces go too: in PDFs and Japanese text they are indentation
    (字下げ), layout rather than content.
    """
    lines: list[Line] = [[]]
    breaks: list[Ch] = []
    for item in chars:
        if item[0] == "\n":
            breaks.append(item)
            lines.append([])
        else:
            lines[-1].append(item)
    return [_strip(line) for line in lines], breaks


def _strip(line: Line) -> Line:
    a, b = 0, len(line)
    while a < b and line[a][0] == " ":
        a += 1
    while b > a and line[b - 1][0] == " ":
        b -= 1
    return line[a:b]


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


def drop_ruby_lines(lines: list[Line], breaks: list[Ch]) -> tuple[list[Line], list[Ch]]:
    texts = [text_of(line) for line in lines]
    drop = [_is_ruby_line(texts, i) for i in range(len(texts))]
    kept_lines: list[Line] = []
    kept_breaks: list[Ch] = []
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


def drop_paren_readings(flat: list[Ch]) -> list[Ch]:
    text = text_of(flat)
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
# caption ((目的)); so does a newline between a number and its counter (期限の1 /
# 年前) and between a closing parenthesis and a particle ((16種類) / が原因).
# Other lines ending in 。!?」』) keep their newline, and so do headings:
# structural ones (第二章 総則, 附則), a kanji-only line of at most 12
# characters, and a line of at most 15 characters without 、 followed by
# one at least twice as long. Between two ASCII letters the newline becomes
# a space.

_JA_END = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆〇、,「『(【〔\[《〈]$")
_JA_START = re.compile(
    r"^(?:[\u3041-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆〇、。,「『(《〈]"
    r"|[0-9]+(?:[,.][0-9]+)*(?![章節編部款])[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff])"
)
# A number wrapped away from its counter (期限の1 / 年前に), a parenthesis from the
# particle after it ((16種類) / が原因で): the sentence goes on.
_NUM_END = re.compile(r"[0-9]$")
_UNIT_START = re.compile(
    r"^(?:年|か月|ヶ月|カ月|箇月|月|日|時|分|秒|割|か所|箇所|ヶ所|カ所|件|回|人|名|円|%|倍|週|歳|才|万|億|千|個|台|本|枚|部|点|度"
    r"|号|条|項|階|番|社|校|種|類|級|期)")
_PAREN_END = re.compile(r"\)$")
_PARTICLE_START = re.compile(r"^[がをにはのでともや][\u3041-\u309f\u4e00-\u9fff]")
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
    if _NUM_END.search(prev) and _UNIT_START.match(nxt) or _PAREN_END.search(prev) and _PARTICLE_START.match(nxt):
        return ""  # 期限の1 / 年前に…, 特定疾病(16種類) / が原因で…
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


# A checklist table's marks column (◎○○, -☆☆---: which kinds of system a measure applies to), which pypdf
# writes at the end of a row's first line, also where its sentence wraps on: 「…立会人を付け、立◎○○」 /
# 「入場所の抑制を行うこと。」. Before a wrap they are dropped and the sentence joined, in a text where at least
# three lines end so (a column; not a lone placeholder wrapped before its noun: ○○ / 市長は).
_ROW_MARKS = re.compile(r"(?=[◎○●◯△▲☆★×\-－―]{2})[\-－―]*[◎○●◯△▲☆★×][◎○●◯△▲☆★×\-－―]*$")
_MARKS_COLUMN = 3


def assemble(lines: list[Line], breaks: list[Ch], *, join: bool) -> list[Ch]:
    """Join wrapped lines, keep at most one blank line, flatten."""
    texts = [text_of(line) for line in lines]
    # Hard wraps happen at the column width: a line well short of the widest
    # line ended on purpose (a table cell, a list item, a heading).
    # Only judged when there are enough lines to know the column width.
    full = max((_width(t) for t in texts), default=0) if sum(1 for t in texts if t) >= 4 else 0
    row_marks = [_ROW_MARKS.search(t) if join else None for t in texts]
    column = sum(m is not None for m in row_marks) >= _MARKS_COLUMN
    out_lines: list[Line] = [list(lines[0])]
    out_breaks: list[Ch] = []
    for i, (line, brk) in enumerate(zip(lines[1:], breaks)):
        # Judge the physical line before, not what it was joined into: a
        # heading is recognised by its own shape and length.
        prev = texts[i]
        marks = row_marks[i] if column else None
        if marks is not None and marks.start() == 0:
            marks = None  # a line of marks alone wraps no sentence
        if marks is not None:
            prev = prev[: marks.start()]
        sep = _separator(prev, texts[i + 1]) if join and _width(texts[i]) >= _WRAP_SHARE * full else None
        if sep is not None and marks is not None:
            del out_lines[-1][len(out_lines[-1]) - len(marks.group()):]  # the marks go, the sentence runs on
        if sep is None:
            out_lines.append(list(line))
            out_breaks.append(brk)
        else:
            out_lines[-1].extend([(sep, brk[1], brk[2])] if sep else [])
            out_lines[-1].extend(line)
    return _flatten_paragraphs(out_lines, out_breaks)


def _flatten_paragraphs(lines: list[Line], breaks: list[Ch]) -> list[Ch]:
    flat: list[Ch] = []
    pending: list[Ch] = []  # newlines seen since the last non-blank line
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
