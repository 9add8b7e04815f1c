"""A death the question sets as its case, which the quote never speaks of.

「児童手当を受けていた人が亡くなった場合、まだ支払われていない分の手当は誰が受け取りますか」 is not answered by
「父母がともに児童を養育している場合は、原則として所得の高い方が受給者となります」: the rule for the living
says nothing of what happens at a death. A death set as the question's case (…亡くなった場合、…死亡したとき)
must be spoken of in the quote (死亡, 亡くなった, 遺族, 相続 …). Not a marriage or a birth: those mostly cause
the case asked (結婚して氏名が変わった場合、…変更の届出), which a rule speaks of in its own words (カード記録事項に
変更があったとき: G010 of bench/gov_qa). A death told as the asker's story (父が亡くなりました。葬祭費は…) is no
case the question sets: only the question proper's case is read (:func:`jtext.sentences.question_proper`).

>>> event_lost("児童手当を受けていた人が亡くなった場合、未払の手当は誰が受け取りますか",
...            "父母がともに児童を養育している場合は、原則として所得の高い方が受給者となります。")
True
>>> event_lost("中長期在留者が亡くなった場合、その在留カードを返納しなければならないのは誰ですか",
...            "中長期在留者が死亡したときは、その親族又は同居者は、死亡の日から十四日以内に返納しなければならない。")
False
>>> event_lost("父が亡くなりました。葬祭費はいつまでに申請しますか", "申請は、葬祭を行った日から2年以内です。")
False
"""

from __future__ import annotations

import re

from jtext.sentences import question_proper

# a death in the question's case (…亡くなった場合、…死亡したとき), and the words a quote speaks of one with
_DEATH = re.compile(r"亡くな|死亡|死去")
_DEATH_SPOKEN = re.compile(r"死亡|亡くな|亡き|死去|死ん|遺族|相続|葬|未支給")
# the case clause of the question proper: …場合、 …とき(は|に)、 …際(は|に)、
_CASE = re.compile(r"^(.*?)(?:場合|とき|時|際)(?:に|は|には|でも)?[、,]")


def event_lost(question: str, evidence: str) -> bool:
    """Whether the question proper sets a death as its case (亡くなった場合、) that ``evidence`` (the
    quote with its context) never speaks of."""
    m = _CASE.search(question_proper(question) or question)
    if m is None:
        return False
    return bool(_DEATH.search(m.group(1))) and not _DEATH_SPOKEN.search(evidence)
