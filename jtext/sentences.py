"""Sentence splitting for Japanese text, with character offsets.

Sentences end at 。！？ (with any closing brackets after them) and at line
breaks — after normalisation a remaining line break is structure (heading,
list item, article item), seldom a PDF hard wrap; :func:`joined_wraps` joins
the wraps it kept before a line opening with が or を (the answerer's units).

:func:`split_long` cuts text longer than :data:`MAX_SENTENCE_CHARS` into
pieces for the morphological analyser (MeCab needs memory in proportion to
its input and aborts on megabyte-long lines without punctuation).

>>> [s.text for s in split_sentences("第1条 目的\\n本規程は定める。次に進む！")]
['第1条 目的', '本規程は定める。', '次に進む！']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ENDERS = frozenset("。！？!?")
_OPEN = frozenset("「『（(【〔［[")
_CLOSE = frozenset("」』）)】〕］]")

# The longest text given to MeCab in one call. Real sentences rarely reach it
# (one of the government corpus's statutes has a 3,013-character sentence,
# 19 exceed 1,000); a longer one is cut at a 、 or space, where MeCab would
# have cut anyway: every chunk of samples/ and the corpus is unchanged by it.
MAX_SENTENCE_CHARS = 2000
# Where a long text may be cut, best first: after punctuation, at a space,
# before an opening or after a closing bracket; failing all, anywhere.
_CUT_AFTER = ("。．.！？!?、，,", " \u3000\t\n")


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


def split_long(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` pieces covering ``text``, none longer than ``max_chars``.

    A text that fits is one piece. Otherwise each cut falls in the second half
    of the window, at the best place :data:`_CUT_AFTER` and the brackets offer,
    else at the window's end (never before a combining mark or variation
    selector, which belongs to the character before it).

    >>> split_long("あいう、えお", 4)
    [(0, 4), (4, 6)]
    """
    if max_chars < 2:
        raise ValueError("max_chars must be at least 2")
    out: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > max_chars:
        out.append((start, _cut(text, start, start + max_chars)))
        start = out[-1][1]
    out.append((start, n))
    return out


def _cut(text: str, start: int, limit: int) -> int:
    """The end of the piece that starts at ``start`` and may not pass ``limit``."""
    lo = start + (limit - start) // 2
    for chars in _CUT_AFTER:
        best = max(text.rfind(c, lo, limit) for c in chars)
        if best >= lo:
            return best + 1
    best = max(max(text.rfind(c, lo, limit) for c in _OPEN), max(text.rfind(c, lo, limit - 1) + 1 for c in _CLOSE))
    if best > lo:
        return best
    cut = limit
    while cut > lo + 1 and _joins_previous(text[cut]):
        cut -= 1
    return cut


def _joins_previous(ch: str) -> bool:
    return unicodedata.combining(ch) != 0 or "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef" or ch == "\u200d"


# An aside in parentheses (項目名（カラム名）, 消費税率（国税分）): another name or a remark
ASIDE = re.compile(r"[（(][^（）()]*[）)]")
# Examples named before など (避難所の設置や炊き出しなどの救助, 犬や猫などのペット): instances of the kind that follows
EXAMPLES = re.compile(r"[^、。？?はがをにでと]{1,30}など(?=の|と|で|に|を|が|は|、)")
# The situation told before the question proper: up to its last 。 or 〜ですが、 (…亡くなりました。遺族補償は…)
_SITUATION = re.compile(r"^.*(?:。|ですが、|ますが、|ましたが、|ところ、)(?=.)")


# a second question asked on top of the first (書く事項も教えてください, あわせて…を教えて): not one that
# narrows or replaces it (改定の目安となる間隔を教えてください, 注意すべき点はありますか)
_ALSO_ASKED = re.compile(r"^[^。]*(?:も|あわせて|併せて)[^。]*(?:教えて|知りたい)")
# the last sentence of what comes before the question proper, when it asks too (…に置かれていますか。)
_ASKED_BEFORE = re.compile(r"(?:(?<=。)|^)[^。]*(?:ですか|ますか|でしょうか)[？?]?。$")


def question_proper(question: str) -> str | None:
    """The question without the situation told before it (None when it tells none).

    >>> question_proper("工場で事故があり、夫が亡くなりました。遺族補償は何日分ですか。")
    '遺族補償は何日分ですか'
    >>> question_proper("遺族補償は何日分ですか") is None
    True

    A question asked before a second one (「…どの様式ですか。書く事項も教えてください」) is part of the question proper:

    >>> question_proper("聴聞に参加します。申出書はどの様式ですか。書く事項も教えてください")
    '申出書はどの様式ですか。書く事項も教えてください'
    """
    text = question.rstrip("。？? ")
    asked = _SITUATION.sub("", text)
    if asked == text:
        return None
    told = text[: len(text) - len(asked)]
    if _ALSO_ASKED.search(asked) and (m := _ASKED_BEFORE.search(told)) is not None:
        # 「…どのような様式の申出書を提出しますか。書く事項も教えてください」: the sentence asked first is asked too
        return None if m.start() == 0 else text[m.start():]
    return asked


def situation(question: str) -> str:
    """The situation told before the question proper ("" when it tells none): what :func:`question_proper` leaves out.

    >>> situation("工場で事故があり、夫が亡くなりました。遺族補償は何日分ですか。")
    '工場で事故があり、夫が亡くなりました。'
    """
    m = _SITUATION.match(question.rstrip("。？? "))
    return m.group(0) if m else ""


# A sentence that itself asks: a FAQ's question line, a heading ending in ですか
_QUESTION_FORM = re.compile(r"(?:ですか|ますか|でしょうか|のか|教えてください|教えて下さい)\s*[。？?]?\s*$|[？?]\s*$")
_TOC_LINE = re.compile(r"^\s*(?:[・\-*#]+\s*)?\d+(?:\.\d+)+\.?\s")


def is_question(sentence: str) -> bool:
    """A sentence that itself asks (a FAQ heading) or a numbered table-of-contents
    line (・2.1. …) answers nothing."""
    s = sentence.strip().rstrip("）)]」』")
    return bool(_QUESTION_FORM.search(s) or _TOC_LINE.match(s))


# A table cell holding only a value (30年, 1年未満, 1,200本) on its own line.
_BARE_VALUE = re.compile(r"^\s*[0-9〇一二三四五六七八九十百千,.]+\s*[^\s0-9。、]{0,3}?(?:未満|以上|以下|以内|まで)?\s*$")
_TRAILING_VALUE = re.compile(r"[0-9][0-9,.]*\s*[^\s0-9]{0,3}$")
# a numbered heading or item (第5 要配慮者等への配慮, 2., (1)): it ends a table, it is no cell
_NUMBERED = re.compile(r"^\s*(?:第\s*[0-9〇一二三四五六七八九十]+|[0-9]+[.．)）]|[(（][0-9]+[)）])")
# a page's number in its footer (- 1 -, ―2―, 3/10): it ends a table, it is no cell
_FOOTER = re.compile(r"^\s*(?:[-－―‐ー]\s*[0-9]+\s*[-－―‐ー]|[0-9]+\s*/\s*[0-9]+)\s*$")


def table_rows(text: str) -> list[Sentence]:
    """:func:`split_sentences`, with each value of a value-first table joined to its row's label (and
    each hard wrap before が or を joined: :func:`joined_wraps`).

    pypdf writes some tables value first, each value on the line before its row's label; others
    label first. A table is a run of lines without a sentence end or a number heading them; it
    is value first when it holds values and ends with a label, and then each value line is joined
    to the label line after it:

    >>> [s.text for s in table_rows("保存期間\\n30年\\n条例の制定に関する文書\\n10年\\n予算に関する文書\\n2.起算日は翌年度とする。")]
    ['保存期間', '30年\\n条例の制定に関する文書', '10年\\n予算に関する文書', '2.起算日は翌年度とする。']
    >>> [s.text for s in table_rows("10年\\n予算に関する文書5年\\n契約に関する文書\\n2.起算日は翌年度とする。")]
    ['10年\\n予算に関する文書', '5年\\n契約に関する文書', '2.起算日は翌年度とする。']
    >>> [s.text for s in table_rows("乳児用粉ミルク\\n300缶\\n乳児用液体ミルク\\n1,200本\\n第5 要配慮者への配慮")]
    ['乳児用粉ミルク', '300缶', '乳児用液体ミルク', '1,200本', '第5 要配慮者への配慮']
    >>> [s.text for s in table_rows("主食\\n108,000食\\n18,000人×3食×2日\\n携帯トイレ\\n270,000回分\\n1人1日5回×3日")]
    ['主食', '108,000食', '18,000人×3食×2日', '携帯トイレ', '270,000回分', '1人1日5回×3日']
    """
    sents = split_sentences(text)
    cell = [not s.text.endswith(tuple(_ENDERS)) and not _NUMBERED.match(s.text) and not _FOOTER.match(s.text)
            and (i == 0 or "\n" in text[sents[i - 1].end:s.start]) for i, s in enumerate(sents)]
    out: list[Sentence] = []
    i = 0
    while i < len(sents):
        if not cell[i]:
            out.append(sents[i])
            i += 1
            continue
        j = i
        while j + 1 < len(sents) and cell[j + 1]:
            j += 1
        block = sents[i:j + 1]
        after = [block[k + 1].text for k in range(len(block) - 1) if _BARE_VALUE.match(block[k].text)]
        # value first: the block holds values, ends with a label, and what follows each value is a label (no
        # figures in it but the next row's value run onto its end: 「…に関する文書5年」), not a third column's
        # working (108,000食 / 18,000人×3食×2日)
        value_first = (bool(after) and not _BARE_VALUE.match(block[-1].text)
                       and not any(re.search(r"[0-9]", _TRAILING_VALUE.sub("", a)) for a in after))
        if value_first:
            block = _unglued(block, text)
        elif width := _header_width(block):
            # label first under a header of column titles (名称 / 担当地区): each row's cells, one line each, as one
            out += block[:width]
            for k in range(width, len(block), width):
                first, last = block[k], block[k + width - 1]
                out.append(Sentence(text[first.start:last.end], first.start, last.end))
            i = j + 1
            continue
        k = 0
        while k < len(block):
            s = block[k]
            nxt = block[k + 1] if k + 1 < len(block) else None
            if value_first and nxt is not None and _BARE_VALUE.match(s.text) and not _BARE_VALUE.match(nxt.text):
                out.append(Sentence(text[s.start:nxt.end], s.start, nxt.end))
                k += 2
            else:
                out.append(s)
                k += 1
        i = j + 1
    return joined_wraps(out, text)


# what opens no sentence: a case particle or 等 with one (…収益改善 / 等の取組みについて対話を実施。)
_WRAPPED = re.compile(r"[がをにのはでとへ]|等[のをにがはでと、]")


# A column title of a table pypdf wrote one cell per line (名称, 担当地区, 所在地, 電話番号, 受付時間, 品目, 目標量,
# 算定の考え方)
_COLUMN_TITLE = re.compile(r"^(?:名称|[^\s0-9]{0,4}(?:名|先|地区|地域|時間|日時|番号|内容|区分|金額|期間|対象|場所|所在地|料金|手数料"
                           r"|額|数|量|備考|種類|種別|項目|品目|担当|連絡先|定員|施設|考え方))$")


def _header_width(block: list[Sentence]) -> int:
    """The number of columns of a table whose first lines are its column titles (名称 / 担当地区 / …) and whose
    other lines fill whole rows of that many cells, at least two; 0 when the block is no such table."""
    width = 0
    while width < len(block) and width < 4 and _COLUMN_TITLE.match(block[width].text.strip()):
        width += 1
    rest = len(block) - width
    return width if width >= 2 and rest >= 2 * width and rest % width == 0 else 0


def joined_wraps(sents: list[Sentence], text: str) -> list[Sentence]:
    """Each line that opens with a particle (が, を, の, に …) or with 等 and one (等の) joined to the line before it:
    a PDF's hard wrap that normalisation kept (「…秘密保持契約に「保護される情報の定義」」 / 「が記載されている
    ことを確認する…」, 「…火災保険の収益改善」 / 「等の取組みについて対話を実施。」), never a heading or an item of
    its own.

    >>> text = "秘密保持契約に「保護される情報の定義」\\nが記載されていることを確認する。\\n(1) 料金\\n月額とする。"
    >>> [s.text for s in joined_wraps(split_sentences(text), text)]
    ['秘密保持契約に「保護される情報の定義」\\nが記載されていることを確認する。', '(1) 料金', '月額とする。']
    >>> text = "大手3グループ及び中堅6社の火災保険の収益改善\\n等の取組みについて対話を実施。\\n(1) 区分\\n等級は、別表による。"
    >>> [s.text for s in joined_wraps(split_sentences(text), text)]
    ['大手3グループ及び中堅6社の火災保険の収益改善\\n等の取組みについて対話を実施。', '(1) 区分', '等級は、別表による。']
    """
    out: list[Sentence] = []
    for s in sents:
        prev = out[-1] if out else None
        if (prev is not None and _WRAPPED.match(s.text) and len(s.text) > 1 and not prev.text.endswith(tuple(_ENDERS))
                and not text[prev.end:s.start].strip()):
            out[-1] = Sentence(text[prev.start:s.end], prev.start, s.end)
        else:
            out.append(s)
    return out


def _unglued(block: list[Sentence], text: str) -> list[Sentence]:
    """A value-first table's lines with each next row's value that pypdf ran onto the end of a label
    (「…に関する文書5年」 before 「契約に関する文書…」) cut off as a cell of its own."""
    out: list[Sentence] = []
    for k, s in enumerate(block):
        m = _TRAILING_VALUE.search(s.text)
        nxt = block[k + 1] if k + 1 < len(block) else None
        if (m is not None and m.start() >= 4 and nxt is not None and not _BARE_VALUE.match(nxt.text)
                and _BARE_VALUE.match(m.group(0)) and not _BARE_VALUE.match(s.text)):
            cut = s.start + m.start()
            out += [Sentence(text[s.start:cut], s.start, cut), Sentence(text[cut:s.end], cut, s.end)]
        else:
            out.append(s)
    return out


def is_table_row(text: str) -> bool:
    """Whether ``text`` is a row :func:`table_rows` joined: a value line, then its label; or a row's cells under
    column titles, one of them a value (毛布 / 18,000枚 / 1人1枚).

    >>> is_table_row("30年\\n条例の制定に関する文書"), is_table_row("毛布\\n18,000枚\\n1人1枚")
    (True, True)
    >>> is_table_row("第4 備蓄品目及び目標量\\n主な備蓄品目及び目標量は、次の表のとおりとする。")
    False
    """
    first, sep, rest = text.partition("\n")
    return bool(sep) and (bool(_BARE_VALUE.match(first)) or (
        not any(c in _ENDERS for c in text) and any(_BARE_VALUE.match(line) for line in rest.split("\n"))))
