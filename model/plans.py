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
"""

from __future__ import annotations

import re

from jtext.sentences import question_proper

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
