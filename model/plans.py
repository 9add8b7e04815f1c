"""A plan or a next version asked, and a quote that states only what was done.

「ガイドラインは、次の改訂版をいつ発行する予定ですか」 is not answered by the revision
history (2014年5月30日 改訂第8版発行): the question asks what is planned, and a past date is
another fact. A question whose question proper (what follows any situation told before it)
asks for a plan or the next version needs a quote that states one (予定, 見込み, 次期, 今後…).

>>> plan_lost("ガイドラインは、次の改訂版をいつ発行する予定ですか", "2014 年 5 月30日 改訂第8版発行")
True
>>> plan_lost("データモデルはいつ公表される予定とされていましたか", "2022年4月下旬を予定しています。")
False
>>> plan_lost("レポートは次にいつ公表される予定ですか", "社会的役割を将来にわたって果たしていくため、対話を実施する。")
True

A plan told in the situation (来月、第一子が生まれる予定です。), named as a noun (出産予定日,
採用予定人数) or describing someone (組合員になる予定の人) asks for none:

>>> plan_lost("来月、第一子が生まれる予定です。児童手当は月額いくらですか", "月額15,000円を支給します。")
False
>>> plan_lost("出産予定日前のどれだけの期間、休業を請求できますか", "六週間以内に出産する予定の女性")
False
>>> plan_lost("組合の設立には、組合員になる予定の人が何人以上同意している必要がありますか",
...           "組合員となるべき者三百人以上の同意を得て行うものとする。")
False

A plan told in the question whose outcome is asked (「…議論する場を作るとされていましたが、その場は何という名称で
設けられましたか」) is not answered by a quote that only states the plan again:

>>> q = "全体編で、2022年4月以降に議論する場を作るとされていましたが、その場は何という名称で設けられましたか"
>>> outcome_lost(q, "また、2022年4月以降、地方自治体などとデータモデルを含め議論の場を作っていきます。")
True
>>> outcome_lost(q, "2022年5月に「データモデル検討会」を設けました。")
False

The next one asked after the one the situation names (「7月の定期募集には間に合いませんでした。次に…募集が行われるのは
いつですか」) is not answered by a quote whose dates are all in that month:

>>> q = "7月の市営住宅の定期募集には申込みが間に合いませんでした。次に定期募集が行われるのはいつですか"
>>> next_lost(q, "令和6年7月1日(月)から7月12日(金)までです。")
True
>>> next_lost(q, "定期募集は、毎年7月と1月に行います。")
False
>>> next_lost("市営住宅の定期募集は7月のほかに、令和6年度中いつ行われますか", "令和6年7月1日(月)から7月12日(金)まで")
True

When something was done (「委員会が直近で指針を変更したのはいつですか」) is a date, not the rule that it is to be
done from time to time (少なくとも三年ごとに…変更するものとする):

>>> q = "特定個人情報保護評価の指針について、個人情報保護委員会が直近で見直して変更したのはいつですか"
>>> undated_lost(q, "委員会は、少なくとも三年ごとに指針について再検討を加え、これを変更するものとする。")
True
>>> undated_lost(q, "指針は、令和5年3月に変更された。")
False
>>> undated_lost("表彰は隔年で行われるそうですが、直近で表彰が行われたのは何年ですか", "表彰は、隔年7月1日に行う。")
True
>>> undated_lost("直近で表彰が行われたのは何年ですか", "令和5年7月1日に表彰を行った。")
False
>>> undated_lost("この条例はいつ施行されますか", "この条例は、公布の日から施行する。")  # not a past act
False
>>> undated_lost("代表チームがアフリカ選手権で優勝したのはいつ？", "1972 アフリカネイションズカップ 優勝"), undated_lost(
...     "大航海時代にポルトガル人が到来したのはいつ頃か", "15世紀にポルトガル人が到来した。")
(False, False)

A thing asked when it was done (「DCATのバージョン3は、いつ正式に公開されましたか」) that the quote names only as still
being worked on (現在、バージョン3の検討が進められている) has not been done: the quote's other date is another thing's.

>>> q = "DCATは2.0の次のバージョン3の検討が進められていると聞きました。DCATのバージョン3は、いつ正式に公開されましたか"
>>> pending_lost(q, "W3Cが2020年4月に公開したメタデータであり、現在、バージョン3の検討が進められている。")
True
>>> pending_lost(q, "バージョン3は、2024年8月に勧告として公開された。")
False
"""

from __future__ import annotations

import re

from jtext.sentences import question_proper, situation

# a plan or the next version asked (予定ですか, 予定は, 予定とされて): not 予定日 or 予定人数 (a noun naming
# the planned thing), nor 組合員になる予定の人 (a plan that only describes someone)
_ASKS_PLAN = re.compile(r"予定(?=で|は|され|とされ|し|を|\s*[?？]|\s*$)|次の(?:改訂|版)|次回の?改訂|次期|今後の?見通し")
# a quote stating a plan, an outlook or a next version (not 将来にわたって: for all time to come)
_STATES_PLAN = re.compile(r"予定|見込|次期|次回|次の(?:改訂|版)|今後|目途|めど|見通し|目指|目標|計画")


def plan_lost(question: str, quote: str) -> bool:
    """Whether the question proper asks for a plan or a next version that ``quote`` (with its
    context) does not state."""
    asked = question_proper(question) or question
    return bool(_ASKS_PLAN.search(asked)) and not _STATES_PLAN.search(quote)


# a plan told in the situation (…とされていましたが, …予定でしたが) and what came of it asked (…ましたか)
_TOLD_PLAN = re.compile(r"(?:とされて|予定(?:と)?されて|予定で|計画されて)い(?:ましたが|たが)|予定でしたが")
_ASKS_DONE = re.compile(r"(?:ました|たの(?:です|でしょう))か")
# a quote that says what is to be done (作っていきます, 予定), and one that says what was done (設けました)
_STATES_INTENT = re.compile(rf"{_STATES_PLAN.pattern}|ていき(?:ます|たい)|ていく|します。")
_STATES_DONE = re.compile(r"(?:ました|した|された|れた|った)[。、]")


def outcome_lost(question: str, quote: str) -> bool:
    """Whether the question tells a plan and asks what came of it, and ``quote`` (with its context) only
    states what was to be done."""
    at = _TOLD_PLAN.search(question)
    return (at is not None and bool(_ASKS_DONE.search(question, at.end())) and bool(_STATES_INTENT.search(quote))
            and not _STATES_DONE.search(quote))


_ASKS_NEXT = re.compile(r"次(?:に|の|回)")
_MONTH = re.compile(r"(?<![0-9])([0-9]{1,2})\s*月")
# 7月のほかに, 7月以外に: that month is set aside
_BESIDES = re.compile(r"(?<![0-9])([0-9]{1,2})\s*月(?:の[^、。]{0,10})?(?:のほか|以外)")


def next_lost(question: str, quote: str) -> bool:
    """Whether the question asks for another time than a month it names (7月の募集に間に合いませんでした。次に…いつ;
    7月のほかに…いつ) and every month ``quote`` names is that month."""
    asked = question_proper(question)
    told = {m.group(1) for m in _BESIDES.finditer(question)}
    if asked is not None and _ASKS_NEXT.search(asked):
        told |= {m.group(1) for m in _MONTH.finditer(situation(question))}
    quoted = {m.group(1) for m in _MONTH.finditer(quote)}
    return bool(told) and bool(quoted) and quoted <= told


# when a past act was done: 変更したのはいつ, いつ公表されましたか (not 施行されますか: what the text says is to be)
_ASKS_PAST_WHEN = re.compile(r"(?:た|だ)のは[、\s]*いつ|いつ[^。？?、]{0,30}(?:ました|でした)か")
# a date: a year by era or by the western calendar (1972, 昭和47年, 三年前 but not 三年ごと), a month, a fiscal
# year, a century, an age or a time of it (初頭, 頃)
_YEAR_FORM = r"(?:令和|平成|昭和|大正|明治)\s*(?:元|[0-9〇一二三四五六七八九十]+)\s*年|(?<![0-9])[12][0-9]{3}(?![0-9])"
_DATED = re.compile(rf"{_YEAR_FORM}"
                    r"|[0-9〇一二三四五六七八九十百千]+\s*年(?!\s*(?:間|ごと|毎|以内|以上|以下|未満|を超))"
                    r"|[0-9〇一二三四五六七八九十]{1,2}\s*月|年度|世紀|年代|時代|初頭|頃|ごろ")


# in what year a past act was done (表彰が行われたのは何年): a year, not a day of the month (隔年7月1日に行う)
_ASKS_PAST_YEAR = re.compile(r"(?:た|だ)のは[、\s]*何\s*年")
_YEAR = re.compile(_YEAR_FORM)


def undated_lost(question: str, quote: str) -> bool:
    """Whether the question proper asks when something was done and ``quote`` (with its context) gives no date,
    or in what year and it gives no year."""
    asked = question_proper(question) or question
    if _ASKS_PAST_YEAR.search(asked):
        return not _YEAR.search(quote)
    return bool(_ASKS_PAST_WHEN.search(asked)) and not _DATED.search(quote)


# the thing a past-act question is about: the last word of its topic (バージョン3 of DCATのバージョン3は、いつ)
_PAST_TOPIC = re.compile(r"([^\s、。のはが「」]{2,20})は[、\s]*(?=[^。]*いつ[^。？?、]{0,30}(?:ました|でした)か)")
# still being worked on: 検討が進められている, 策定中, 準備しています
_PENDING = re.compile(r"^[^。]{0,4}(?:検討|策定|準備|作成|開発)(?:が進められて|を進めて|中|して)")


def pending_lost(question: str, quote: str) -> bool:
    """Whether the question proper asks when something was done and ``quote`` (with its context) names that thing
    only as still being worked on."""
    m = _PAST_TOPIC.search(question_proper(question) or question)
    if m is None or not _ASKS_PAST_WHEN.search(question):
        return False
    topic = m.group(1)
    at = [i.end() for i in re.finditer(re.escape(topic), quote)]
    return bool(at) and all(_PENDING.search(quote[i:]) for i in at)
