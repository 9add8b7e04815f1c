"""How a quote is shaped: which sentences come along with the one chosen.

The extractive answerer (:mod:`model.extractive`) picks sentences by score;
this module keeps the document's structure around them, so that a quote
never misstates a rule or says nothing by itself:

* a rule with its proviso (ただし、…) and a paragraph that refers back to it
  (前項ただし書により…), both ways;
* a lead-in (次に掲げる事項を記載した書面…) with the list items that follow it,
  and a list item with the sentence that introduces its list, or with the
  heading it is written under and that heading's items;
* a heading (3.認定の有効期間と更新) with the text under it;
* for a とは question, the sentence that defines the term;
* for a what/who/where question, the title of the document the quote is
  written under, when neither the question nor the quote names it.
"""

from __future__ import annotations

import re
import unicodedata

from jtext.sentences import Sentence, is_question, split_sentences, table_rows

from .answerer import Passage
from .designations import designations
from .qtype import IMPOSES_PENALTY
from .sentence_score import SUB_ARTICLE, Scored

# A proviso (但書) or a follow-on sentence qualifies the sentence before it:
# quoting 「原則として子が1歳に達する日までとする。」 without the
# 「ただし、…延長することができる。」 that follows would misstate the rule; a
# paragraph that refers back (「前項ただし書により延長した場合において…」)
# continues it the same way.
_ITEM_NO = r"(?:[0-9０-９]+[.．、)）]|[(（][0-9０-９一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+[.．、 ])?\s*"
_PROVISO = re.compile(r"^\s*(?:ただし|但し|なお書|この場合において)")
_BACKREF = re.compile(rf"^\s*{_ITEM_NO}(?:前項|前各項|前号|前条|同項|同号)(?:ただし書|本文|の規定|に規定|により|による|の場合)")


# A sentence that introduces a list, and the items that follow it (一 …, (1) …, ・…, 1. …, ア …).
# (以下の4分類, 次の3点: a count may come first; 以下を参照している: a list of what is referred to, not a bound as in 5万円以下を)
_LIST_LEAD = re.compile(r"次に掲げる|次の各号|(?:次|以下|下記)の(?:とおり|通り)|次の[0-9０-９一二三四五六七八九十]*[一-龥ァ-ヶー]{1,8}"
                        r"|以下の[0-9０-９一二三四五六七八九十]*[一-龥ァ-ヶー]{1,8}"
                        r"|(?<![0-9０-９〇一二三四五六七八九十百千万億円人日年月歳点件回個枚])以下を|下記を|[:：]\s*$")
_LIST_ITEM_LINE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[ 　]|[(（][0-9０-９一二三四五六七八九十]+[)）]|[0-9０-９]+[.．)）]|[・･●○■□◆◇①-⑳]|[アイウエオカキクケコ][ 　.．])")
MAX_LIST_ITEMS = 8
MAX_LIST_CHARS = 500


def shape_quotes(chosen: list[Scored], passages: list[Passage]) -> list[Scored]:
    """Each chosen sentence with what it needs to say something true: its
    proviso (and a chosen proviso with the sentence it qualifies), the list
    its lead-in introduces or the text under its heading, the lead-in of its
    list; spans of one passage that overlap are merged."""
    out: list[Scored] = []
    for c in chosen:
        shape_into(out, c, passages)
    return out


def shape_into(out: list[Scored], c: Scored, passages: list[Passage], headed: bool = True) -> None:
    """Add one chosen sentence, shaped, to ``out``: :func:`shape_quotes` for each in turn,
    so an answerer choosing sentences one by one shapes each only once (``headed``: an
    item brings the heading it is written under, not for that heading itself)."""
    text = passages[c.p_index].hit.text
    sents = table_rows(text)  # a value-first table's row (30年 / 条例の…文書) is one unit, as the scorer read it
    i = next((k for k, s in enumerate(sents) if s.start == c.start), None)
    if i is None:
        out.append(c)
        return
    lo = i
    # (not back onto a chunk's leading fragment: 「する。」 of a sentence cut by the chunk boundary)
    while (lo > 0 and (_PROVISO.match(sents[lo].text) or _BACKREF.match(sents[lo].text))
           and len(sents[lo - 1].text) >= 4):
        lo -= 1
    hi = i
    while hi + 1 < len(sents) and (_PROVISO.match(sents[hi + 1].text) or _BACKREF.match(sents[hi + 1].text)):
        hi += 1
    if (lo == i and i > 0 and _is_cell(sents[i], text) and _is_cell(sents[i - 1], text)
            and _DIGIT.search(sents[i].text) and not _DIGIT.search(sents[i - 1].text)):
        lo = i - 1  # a table's figure (270,000回分) with the cell before it, its row's label (携帯トイレ)
    heading = _is_heading(sents, hi, text)
    if heading or _LIST_LEAD.search(sents[hi].text):
        # a lead-in (次に掲げる事項を記載した書面…) is answered by the list that follows it,
        # a heading (3.認定の有効期間と更新) by the text under it, up to the next heading of its level
        last = hi
        while (last + 1 < len(sents) and last - hi < MAX_LIST_ITEMS and _LIST_ITEM_LINE.match(sents[last + 1].text)
               and sents[last + 1].end - sents[hi].end <= MAX_LIST_CHARS
               and not (heading and _same_level(sents[hi].text, sents[last + 1].text))
               and not is_question(sents[last + 1].text)):
            last += 1
        if (heading and last == hi and hi + 1 < len(sents) and not _is_heading(sents, hi + 1, text)
                and not is_question(sents[hi + 1].text) and _WORDED.search(sents[hi + 1].text)):
            last = hi + 1
        hi = last
    lead = _lead_of(sents, lo, text, headed)
    if lead is not None and _is_heading(sents, lead, text):
        # an item under a heading (3.認定の有効期間と更新 / (2) 更新申請の場合…): the heading
        # with its items, as if the heading were chosen
        shape_into(out, Scored(c.score, c.p_index, sents[lead].start, sents[lead].end, sents[lead].text, c.key),
                   passages, headed=False)
        _put(out, Scored(c.score, c.p_index, sents[lo].start, sents[hi].end, "", c.key), text)
        return
    if lead is not None and lead == lo - 1:
        lo = lead  # 次に掲げる者については、この法律は、適用しない。 / 一 …二十時間未満である者
    elif lead is not None:
        _put(out, Scored(c.score, c.p_index, sents[lead].start, sents[lead].end, "", c.key), text)
    _put(out, Scored(c.score, c.p_index, sents[lo].start, sents[hi].end, "", c.key), text)


def _put(out: list[Scored], c: Scored, text: str) -> None:
    """Add the span ``c`` to ``out``, merged with any span of the same passage it overlaps
    (in that span's place)."""
    start, end, score = c.start, c.end, c.score
    at = next((k for k, o in enumerate(out) if o.p_index == c.p_index and o.start < end and start < o.end), None)
    if at is None:
        out.append(Scored(score, c.p_index, start, end, text[start:end], c.key))
        return
    o = out[at]  # merged where the first of the two stood: the lead stays first
    start, end = min(start, o.start), max(end, o.end)
    out[at] = Scored(max(score, o.score), c.p_index, start, end, text[start:end], max(c.key, o.key))


def _lead_of(sents: list[Sentence], i: int, text: str, headed: bool = True) -> int | None:
    """For a list item (一 …, (1) …), the sentence that introduces its list (次に掲げる者
    については、…適用しない。) or the heading it is written under (3.認定の有効期間と
    更新; not with ``headed`` False): the item alone does not say what the list is for."""
    if not _LIST_ITEM_LINE.match(sents[i].text):
        return None
    for k in range(i - 1, max(-1, i - MAX_LIST_ITEMS - 1), -1):
        if headed and _is_heading(sents, k, text) and not _same_level(sents[k].text, sents[i].text):
            return k  # (an unnumbered line or one numbered otherwise: 3. above (1), (2))
        if _LIST_ITEM_LINE.match(sents[k].text):
            continue
        return k if _LIST_LEAD.search(sents[k].text) else None
    return None


# 「行政指導」とはどのような行為 / メタデータとは何: the question asks for a definition.
_ASKS_DEFINITION = re.compile(r"「([^「」]{2,20})」とは|([一-龥ァ-ヶー]{2,12})とは(?:何|なに|どの|どう|どんな|いかなる)")


def definition_of(question: str, scored: list[Scored]) -> Scored | None:
    """The best sentence that defines the term a とは question asks about: a definitions
    item (六 行政指導 …をいう。), 「T」とは…, or …を「T」という."""
    m = _ASKS_DEFINITION.search(question)
    if m is None:
        return None
    term = re.escape(m.group(1) or m.group(2))
    pattern = re.compile(
        rf"^\s*(?:{_ITEM_NO})?「?{term}」?\s+\S.*(?:をいう|という)|「?{term}」?とは、|(?:を|は)「{term}」という")
    return next((x for x in scored if pattern.search(x.text)), None)


MAX_HEADING_CHARS = 30
_WORDED = re.compile(r"[ぁ-んァ-ヶ一-龥A-Za-zＡ-Ｚａ-ｚ]")


def _is_heading(sents: list[Sentence], i: int, text: str) -> bool:
    """A short line with no sentence end, on a line of its own with text under it
    (申請に必要なもの, 3.認定の有効期間と更新): a heading, which says nothing by itself."""
    s = sents[i]
    if i + 1 >= len(sents) or len(s.text) > MAX_HEADING_CHARS or s.text[-1] in "。！？!?" or "\n" in s.text:
        return False  # (a table's row, value and label: no heading)
    if not _WORDED.search(s.text):
        return False  # a page number (13), a rule: no heading
    return "\n" in text[s.end:sents[i + 1].start] and (s.start == 0 or "\n" in text[max(0, s.start - 1):s.start])


_DIGIT = re.compile(r"[0-9０-９]")


def _is_cell(s: Sentence, text: str) -> bool:
    """A short line of its own with no sentence end and no list marker: a table's cell (携帯トイレ,
    270,000回分) or a heading."""
    return (len(s.text) <= MAX_HEADING_CHARS and not any(c in s.text for c in "。！？!?\n")
            and not _LIST_ITEM_LINE.match(s.text) and bool(_WORDED.search(s.text))
            and (s.start == 0 or text[s.start - 1] == "\n") and text[s.end:s.end + 1] in ("", "\n"))


# How a heading is numbered: 3. / (3) / 第3 / 三、 (one group each).
_MARKER = re.compile(
    r"^\s*(?:([0-9０-９]+[.．)）])|([(（][0-9０-９]+[)）])|(第[0-9０-９一二三四五六七八九十]+)|([一二三四五六七八九十]+[ 　、]))")


def _same_level(heading: str, line: str) -> bool:
    """Whether ``line`` is numbered like ``heading`` (3. then 4.): the next section, not an item of it."""
    a, b = _MARKER.match(heading), _MARKER.match(line)
    return bool(a and b) and [g is None for g in a.groups()] == [g is None for g in b.groups()]


# Question kinds that ask for a thing, a person or a place: the document's subject may be the answer.
ENTITY_KINDS = frozenset({"what", "person", "place"})
MAX_SUBJECT_CHARS = 30


def subject_label(kind: str, question: str, passages: list[Passage], chosen: list[Scored]) -> str:
    """「【ポルトガル】」 before a quote about a document's subject that does not name it
    (リスボン、ポルト、ファロがおもな国際空港。 answers リスボン…がある国は？ only with the
    title it is written under): the title of the document the answer comes from, when
    the question asks for a thing, person or place and neither it nor the quote names it."""
    if kind not in ENTITY_KINDS or not chosen:
        return ""
    title = unicodedata.normalize("NFKC", passages[chosen[0].p_index].hit.title).strip()
    if not title or len(title) > MAX_SUBJECT_CHARS or title in question:
        return ""
    if any(title in unicodedata.normalize("NFKC", c.text) for c in chosen):
        return ""
    return f"【{title}】"


# the digits of an article number: 第十二条, or 第12条 as some HTML pages write it
ARTICLE_NUMERALS = "0-9〇一二三四五六七八九十百千"


def article_of(article: str | None) -> str:
    """The article a locator names, without its paragraph or item (第十四条 of 第十四条第二項,
    附則第三条 of 附則第三条第四項); "" for anything else (附則 alone, 別表, a page)."""
    base = SUB_ARTICLE.sub("", article or "")
    return base if re.fullmatch(rf"(?:附則)?第[{ARTICLE_NUMERALS}]+条(?:の[{ARTICLE_NUMERALS}]+)*", base) else ""


def paragraph_of(label: str | None) -> int:
    """The paragraph a locator names (4 of 附則第三条第四項); 1 for an article's bare label."""
    return next((int(d[1:-1]) for d in designations(label or "") if d.endswith("項")), 1)


def article_cited(article: str | None, text: str, cited_in: str | None = None) -> bool:
    """Whether ``text`` cites ``article`` itself (第十四条 of 第十四条第二項; not 第十四条の二) or,
    being another paragraph of the same article (``cited_in``: its locator), cites the
    paragraph (第四項に規定する者 in 附則第三条第七項 for 附則第三条第四項; 前項 in the next one)."""
    base = article_of(article)
    if not base:
        return False
    if re.search(rf"{re.escape(base)}(?!の[{ARTICLE_NUMERALS}])", text):
        return True
    if cited_in is None or article_of(cited_in) != base or cited_in == article:
        return False
    wanted = paragraph_of(article)
    cited = {int(d[1:-1]) for d in designations(re.sub(r"第[^項。、]*条", "", text)) if d.endswith("項")}
    return wanted in cited or ("前項" in text and paragraph_of(cited_in) == wanted + 1)


def penalty_for(duty: Scored, scored: list[Scored], passages: list[Passage]) -> Scored | None:
    """The sentence that imposes the penalty (…罰金に処する。) in a passage of the same law
    citing ``duty``'s article by number (第十四条の規定に違反した者), or its paragraph from
    another paragraph of the same article (第四項に規定する者が…), or None."""
    hit = passages[duty.p_index].hit
    for x in scored:
        p = passages[x.p_index].hit
        if (p.document_id == hit.document_id and IMPOSES_PENALTY.search(x.text)
                and article_cited(hit.article, p.text, p.article)):
            return x
    return None
