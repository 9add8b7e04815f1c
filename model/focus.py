"""The question's focus, which a quote must name: the thing a yes/no question asks may be done with,
and the topic a question is about.

「…届け出た発見者が報奨金を受け取ることはできますか」 asks about 報奨金: a quote on how the finder
reports, which never names a reward, does not answer it, however many of the other keys it holds.
「機械を購入する費用を補助の対象にできますか」 is about the cost of a machine: 費用 or 機械 will do.

>>> from model.qtype import analyse
>>> q = "IPAに届け出た発見者が報奨金を受け取ることはできますか"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in focus_words(qt, q)]
['報奨金']
>>> q = "中小企業設備投資補助金で、中古の機械を購入する費用を補助の対象にできますか。"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in focus_words(qt, q)]
['費用', '機械']

Leave may be asked as what the text allows (認められていますか), and the object may carry an aside:

>>> q = "届け出た発見者が、製品の開発者に報奨金（謝礼）を請求することは認められていますか"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in focus_words(qt, q)]
['報奨金']

A yes/no question on what is needed names the things it asks about, each of which a quote may name:

>>> q = "タグを使うには、ユニバーサルメニュー普及協会への利用申請や使用料の支払いが必要ですか"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in needed_words(qt, q)]
['利用申請', '支払い']

When a noun names the act itself (「その審理を傍聴することはできますか」), the quote must name it too: an article
on how the board summons people to its 審理 says nothing of 傍聴.

>>> q = "請求人の家族などがその審理を傍聴することはできますか"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in act_words(qt, q)]
['傍聴']

A when question names its act the same way (「調査の結果は、いつ公表されましたか」): the survey's own dates
do not say when it was published. 実施 and 開催 are left out: the documents write them 行う.

>>> q = "令和5年度の神戸市観光動向調査の結果は、いつ公表されましたか"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in date_act_words(qt, q)]
['公表']
>>> date_act_words(analyse("かつらぎ町の表彰は、原則としていつ実施されますか"), "かつらぎ町の表彰は、原則としていつ実施されますか")
[]

A who question names its act so too (「委員は、誰が選任しているのですか」): a quote on where the board sits says
nothing of who appoints its members.

A count of days names its act so too (「何日以内に答申を出さなければ」): the period of the 諮問 before it is another act's.

>>> q = "審査会は、実施機関から諮問を受けた日から何日以内に答申を出さなければならないとされていますか"
>>> [analyse(q).key_words[i] for i in deadline_act_words(analyse(q), q)]
['答申']

So does a figure asked as 「何日がXですか」 (納期限 of 「毎月何日が納期限ですか」):

>>> q = "標市の市営住宅の家賃は、毎月何日が納期限ですか"
>>> [analyse(q).key_words[i] for i in quantity_of_words(analyse(q), q)]
['納期限']

>>> q = "標市固定資産評価審査委員会の委員は、誰が選任しているのですか"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in who_act_words(qt, q)]
['選任']
>>> q = "所属長が不在のときは誰が代わりに承認することになっていますか"
>>> [analyse(q).key_words[i] for i in who_act_words(analyse(q), q)]
['承認']
>>> q = "チェックディジットのDammアルゴリズムを考案したのは誰ですか"
>>> [analyse(q).key_words[i] for i in who_act_words(analyse(q), q)]
['考案']

「登録支援機関は、…何日前までに申請しなければなりませんか」 is about 登録支援機関: a quote about the
在留カード's renewal, which never names one, answers another question. A topic the quote names in part
(事業者 for 者) is left to the other checks: only one it never names refuses.

The case a question sets (「長期優良住宅を新築した場合、…何年度分」) is named by its answer: the general rule for any new
house, which never names 長期優良住宅, is another case's.

>>> q = "長期優良住宅を新築した場合、固定資産税の減額は何年度分受けられますか"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in case_words(qt, q)]
['長期優良住宅']
>>> case_words(analyse("国保の保険料の賦課処分に不服がある場合、どこに審査請求しますか"), "国保の保険料の賦課処分に不服がある場合、どこに審査請求しますか")
[]

>>> q = "出入国在留管理庁長官の登録を受けた登録支援機関は、5年ごとの登録の更新を、何日前までに申請しますか"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in topic_words(qt, q)]
['登録支援機関']

A what question asking a thing's attribute (「そのJIS規格の番号は何ですか」) is about the thing before の:

>>> q = "ISO/IEC 40500には、対応する日本のJIS規格があります。そのJIS規格の番号は何ですか"
>>> qt = analyse(q)
>>> [qt.key_words[i] for i in topic_words(qt, q)]
['JIS規格']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet

from jtext.sentences import ASIDE, question_proper

from .qtype import QuestionType

_ASKS_LEAVE = re.compile(r"を[^、。を]*?(?:ことは|ことが|ても|は)?(?:できますか|できるのでしょうか|よいですか|いいですか|よいでしょうか|いいでしょうか|可能ですか"
                         r"|認められ(?:ています|ます|る(?:のです|んです|のでしょう)?)か|許され(?:ています|ます|る(?:のです|んです)?)か)")
# an aside closing what comes before the act (報奨金（謝礼）を請求すること): the word before it is the object
_ASIDE_END = re.compile(rf"(?:{ASIDE.pattern})$")


def _ending(qt: QuestionType, text: str) -> list[int]:
    """Indexes into ``qt.key`` of the key words (not asides) that ``text`` ends with."""
    return [i for i, w in enumerate(qt.key_words) if text.endswith(w) and i not in qt.optional]


def _leave_asked(qt: QuestionType, question: str) -> tuple[str, str] | None:
    """A yes/no question's proper split at the を of the act it asks leave for: (what comes before it, the
    act after it); None when it asks none."""
    if qt.kind != "yesno":
        return None
    text = question_proper(question) or question
    m = _ASKS_LEAVE.search(text)
    return None if m is None else (text[: m.start()], text[m.start() + 1:])


# この申出, こうした依頼: an object that refers back to the situation told before the question (not その返還,
# which is often "its": 拠出した資金について…その返還を求めることは)
_BACK = ("この", "こうした", "こういった", "こんな")


def focus_words(qt: QuestionType, question: str) -> list[int]:
    """Indexes into ``qt.key`` of the object of the act a yes/no question asks leave for (報奨金 of
    「報奨金を受け取ることはできますか」)."""
    if (asked := _leave_asked(qt, question)) is None:
        return []
    before, _ = asked
    before = _ASIDE_END.sub("", before)
    focus = _ending(qt, before)
    if focus and before[: -len(qt.key_words[focus[0]])].endswith(_BACK):
        return []  # 「この申出を断ることはできますか」: the situation's request, in the asker's words, not the law's
    for i in list(focus):
        clause = before[: -len(qt.key_words[i])]
        if clause.endswith(("る", "た")) and "を" in clause:
            # 「機械を購入する費用を」: the thing the cost is of names the focus too
            focus += _ending(qt, clause[: clause.rindex("を")])
    return focus


def act_words(qt: QuestionType, question: str) -> list[int]:
    """Indexes into ``qt.key`` of the act a yes/no question asks leave for when a noun names it (傍聴 of
    「審理を傍聴することはできますか」)."""
    if (asked := _leave_asked(qt, question)) is None:
        return []
    _, act = asked
    return [i for i, w in enumerate(qt.key_words) if act.startswith(w) and act[len(w):].startswith(("する", "し"))
            and i not in qt.optional]


# acts the documents write as 行う (表彰は、隔年7月1日に行う): not asked by their noun
_DONE = frozenset({"実施", "開催", "実行"})


def _acts_asked(qt: QuestionType, question: str, asks: Callable[[str], str]) -> list[int]:
    """Indexes into ``qt.key`` of the key words (two characters or more, not 実施 or 開催) that the question proper
    asks about as an act: ``asks`` gives the pattern around a word (escaped) that says so."""
    text = question_proper(question) or question
    return [i for i, w in enumerate(qt.key_words)
            if i not in qt.optional and len(w) >= 2 and w not in _DONE and re.search(asks(re.escape(w)), text)]


def date_act_words(qt: QuestionType, question: str) -> list[int]:
    """Indexes into ``qt.key`` of the act whose date a when question asks when a noun names it (公表 of
    「調査の結果は、いつ公表されましたか」 or 「公表されたのはいつですか」)."""
    if qt.kind != "date":
        return []
    return _acts_asked(qt, question, lambda w: rf"いつ(?:から|まで|に)?{w}(?:され|し|する)|{w}(?:され|し)た?の(?:は|が)[、\s]*いつ")


def deadline_act_words(qt: QuestionType, question: str) -> list[int]:
    """Indexes into ``qt.key`` of the act whose time limit a count question asks when a noun names it (答申 of
    「諮問を受けた日から何日以内に答申を出さなければならない」)."""
    if qt.kind != "count":
        return []
    return _acts_asked(qt, question, lambda w: rf"何\s*(?:日|営業日|か月|ヶ月|カ月|年|週間)間?(?:以内|まで)に{w}(?:を|し|する|さ)")


# 「毎月何日が納期限ですか」: the thing a quantity names, after が
_QUANTITY_IS = re.compile(r"(?:何[^\s、。がはを]{0,4}|いくら|いつ)が([^、。がはを]{2,12}?)(?:です|でしょう|となり|になり)")


def quantity_of_words(qt: QuestionType, question: str) -> list[int]:
    """Indexes into ``qt.key`` of the thing a quantity question asks the figure of after が (納期限 of
    「毎月何日が納期限ですか」)."""
    if qt.kind not in ("count", "amount", "date") or (m := _QUANTITY_IS.search(question_proper(question) or question)) is None:
        return []
    return [i for i, w in enumerate(qt.key_words) if len(w) >= 2 and w in m.group(1) and i not in qt.optional]


def who_act_words(qt: QuestionType, question: str) -> list[int]:
    """Indexes into ``qt.key`` of the act whose doer a who question asks when a noun names it (選任 of
    「委員は、誰が選任しているのですか」 or 「任命するのは誰ですか」)."""
    if qt.kind != "person":
        return []
    return _acts_asked(qt, question, lambda w: rf"(?:誰|だれ|どなた)が(?:代わりに|代わって|かわりに)?{w}(?:され|し|する)"
                                               rf"|{w}(?:する|した|している)の(?:は|が)[、\s]*(?:誰|だれ|どなた)")


def topic_words(qt: QuestionType, question: str, rare: AbstractSet[int] = frozenset()) -> list[int]:
    """Indexes into ``qt.key`` of the topic a question asks about (登録支援機関 of 「登録支援機関は、…何日前までに
    申請しなければなりませんか」): a compound key word that ends just before the question's first は、, or before the の
    of the attribute a what question asks (JIS規格 of 「そのJIS規格の番号は何ですか」). Of two characters only when
    among ``rare`` (毛布 of 「…備蓄している毛布は、何年ごとに…」: :func:`rare_keys`), not a word any text paraphrases
    (住民, 職員)."""
    text = question_proper(question) or question
    m = re.search(r"は[、,]", text) or _WHAT_OF.search(text)
    if m is None:
        return []
    return [i for i in _ending(qt, text[: m.start()]) if len(qt.key_words[i]) >= 3 or i in rare]


# 「そのJIS規格の番号は何ですか」: the thing whose attribute a what question asks ends before の
_WHAT_OF = re.compile(r"の[^、。の]{1,6}は(?:何|なん)(?:ですか|でしょうか|か)\s*[?？]?$")


# the case a question proper sets first (長期優良住宅を新築した場合、…), and how long a key must be to name the
# case's own kind of thing (長期優良住宅) rather than words a rule may paraphrase (賦課処分: 保険料…に関する処分)
_CASE = re.compile(r"^(.*?)場合(?:に|は|には|でも)?[、,]")
MIN_CASE_WORD = 5


def case_words(qt: QuestionType, question: str) -> list[int]:
    """Index into ``qt.key`` of the longest key (of at least :data:`MIN_CASE_WORD` characters) of the case the question
    proper sets (長期優良住宅 of 「長期優良住宅を新築した場合、固定資産税の減額は何年度分」), if any."""
    m = _CASE.search(question_proper(question) or question)
    if m is None:
        return []
    inside = [i for i, w in enumerate(qt.key_words)
              if w in m.group(1) and len(w) >= MIN_CASE_WORD and i not in qt.optional and i not in qt.told]
    return [max(inside, key=lambda i: len(qt.key_words[i]))] if inside else []


# a yes/no question on what is needed (「…には、協会への利用申請や使用料の支払いが必要ですか」): the things named
_ASKS_NEED = re.compile(r"([^。、,]+?)(?:が|は|も)(?:必要|要り|いり)(?:ですか|でしょうか|になりますか|となりますか|ますか)")


def needed_words(qt: QuestionType, question: str) -> list[int]:
    """Indexes into ``qt.key`` of the things a yes/no question asks whether they are needed, one per thing named
    (利用申請 and 支払い of 「協会への利用申請や使用料の支払いが必要ですか」)."""
    if qt.kind != "yesno" or (m := _ASKS_NEED.search(question_proper(question) or question)) is None:
        return []
    return [i for item in re.split(r"や|及び|又は|または|か、", m.group(1)) for i in _ending(qt, _ASIDE_END.sub("", item))[:1]]


# a yes/no question on a use as something (「…を市立図書館の利用カードとして使えますか」): the role the thing would serve
_AS_ROLE = re.compile(r"([^、。をにがは]+?)として(?:使え|使用でき|利用でき|用いることができ|使うことができ|扱え|認められ)")


def role_words(qt: QuestionType, question: str) -> list[int]:
    """Indexes into ``qt.key`` of the role a yes/no question asks a thing may serve as (利用カード of 「…市立図書館の
    利用カードとして使えますか」)."""
    if qt.kind != "yesno" or (m := _AS_ROLE.search(question_proper(question) or question)) is None:
        return []
    return _ending(qt, m.group(1))[:1]


def focus_lost(qt: QuestionType, question: str, per_key: Sequence[float], rare: AbstractSet[int] = frozenset()) -> bool:
    """Whether the quote (its key coverage ``per_key``) never names the question's topic, misses the case it sets,
    a yes/no, when or who question's act, the whole of the role a yes/no question asks a thing may serve as (利用カード
    of 利用カードとして使えますか), or names none of a yes/no question's object or of the things it asks whether they are
    needed."""
    if any(per_key[i] == 0.0 for i in topic_words(qt, question, rare)):
        return True
    if any(per_key[i] < 0.5 for i in case_words(qt, question)):
        return True  # the general rule (新築住宅は3年度分) for the case asked (長期優良住宅を新築した場合)
    if any(per_key[i] < 0.5 for i in act_words(qt, question) + date_act_words(qt, question) + who_act_words(qt, question)):
        return True
    if any(per_key[i] < 1.0 for i in role_words(qt, question)):
        return True  # 利用カードとして使えますか: a quote on how the card is received says nothing of that use
    if (needed := needed_words(qt, question)) and all(per_key[i] < 0.5 for i in needed):
        return True  # 利用申請や使用料の支払いが必要ですか: a quote naming neither says nothing of what is needed
    focus = focus_words(qt, question)
    return bool(focus) and all(per_key[i] < 0.5 for i in focus)


# A key this rare in the index names one particular thing (毛布), not a word any text may paraphrase (住民, 職員, 権利:
# 3-5 in the gov_qa index of 10,382 chunks). BM25's IDF reads the share of chunks holding the word, so 7 is about one
# chunk in 1,100 whatever the archive's size; an index of fewer chunks has no word that rare and the rule stays off.
RARE_IDF = 7.0


def rare_keys(qt: QuestionType, idf: Callable[[str], float]) -> frozenset[int]:
    """Indexes into ``qt.key`` of the keys every lemma of which is rare in the index (:data:`RARE_IDF`)."""
    return frozenset(i for i, comp in enumerate(qt.key) if all(idf(lemma) >= RARE_IDF for lemma, _ in comp))
