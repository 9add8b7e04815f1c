"""A yes/no question asking whether something may be done by a given means, quoted without any means.

「出生届を出したあと、児童手当の認定請求書を郵送で標市に送って手続することはできますか」 asks whether post will
do. A quote on where and when to file (「転入先の市区町村で改めて認定請求をしてください」) names no way of sending
at all, so it cannot say yes or no. The quote must name some means (郵送, 窓口, オンライン, 電子申請 …): the one asked,
or another that tells it is the only way.

>>> q = "児童手当の認定請求書を郵送で標市に送って手続することはできますか"
>>> means_lost(q, "受給者が市外へ転出する場合は、転入先の市区町村で改めて認定請求をしてください。")
True
>>> means_lost(q, "認定請求書は、郵送でも提出できます。")
False
>>> means_lost(q, "申請は、こども家庭課の窓口で受け付けます。")  # the counter only: that says no
False
>>> means_lost("窓口に行かずにオンラインの電子申請で提出することはできますか", "申請書は、道路管理課に提出してください。")
True
>>> means_lost("申請書は郵送で届きますか", "申請書は郵送で届きます。")  # not a question of leave
False
>>> means_lost("住民票の写しを郵送で請求するとき、手数料はどのような方法で支払えばよいですか", "定額小為替を同封してください。")
False
>>> means_lost(q, "(1) 電柱、電話柱、街灯 ・窓口に来られる方の本人確認書類")  # words of no means
True

The form a paper is made in (どのような様式で作成) is asked the same way: a quote that says which paper is handed
in, and names no form, template or format at all, does not say it.

>>> q = "労働者が自分で受けた健康診断の結果を証明する書面は、どのような様式で作成することになっていますか"
>>> format_lost(q, "他の医師の行う健康診断を受け、その結果を証明する書面を事業者に提出したときは、この限りでない。")
True
>>> format_lost(q, "書面は、別記様式第一号によるものとする。")
False

What a paper must state (どのような事項を記載, 何を書く) is asked the same way too: a quote on who hands the paper
in and when, that never says what is written in it (記載, 記入, 明記, 書く), does not say it.

>>> q = "育児休業期間延長請求書（様式第2号）には、どのような事項を記入しますか"
>>> entries_lost(q, "育児休業期間延長請求書(様式第2号)を、期間の末日の1か月前までに提出するものとする。")
True
>>> entries_lost(q, "請求書には、氏名、所属及び延長後の期間の末日を記入します。")
False
>>> entries_lost("請求者にはどのような事項を書面で知らせる必要がありますか", "次に掲げる事項を書面により通知しなければならない。")
False
"""

from __future__ import annotations

import re

from jtext.sentences import question_proper

# ways of filing, sending or paying
_MEANS = (r"郵送|郵便|書留|オンライン|電子申請|インターネット|ウェブ|Web|web|マイナポータル|電話|ファクス|ファクシミリ|FAX|ファックス"
          r"|電子メール|メール|口頭|窓口|来庁|持参|代理人|コンビニ|スマートフォン|スマホ|口座振替|電子納付|キャッシュレス")
_ASKS_MEANS = re.compile(rf"(?:{_MEANS})(?:の[^、。]{{0,8}})?(?:で|によって|により)(?:も)?[^。？?]{{0,30}}"
                         r"(?:できますか|できるのでしょうか|可能ですか|よいですか|いいですか|もらえますか|いただけますか|受け付けて)")
# a means the quote says something is done by (窓口で, 郵送による, 電子申請のみ): not 電話柱 or 窓口に来られる方
_NAMES_MEANS = re.compile(rf"(?:{_MEANS})(?:で|により|による|にて|での|から|のみ|でも|又は|または|、|・)")
# a question asking how, when or what (郵送で請求するとき、どのような方法で支払えば): not leave asked
_OTHER_ASK = re.compile(r"どの|どう|どこ|どれ|何|いつ|誰|いくら")


def means_lost(question: str, evidence: str) -> bool:
    """Whether the question proper asks leave to do something by a means and ``evidence`` names no means."""
    asked = question_proper(question) or question
    return bool(_ASKS_MEANS.search(asked)) and not _OTHER_ASK.search(asked) and not _NAMES_MEANS.search(evidence)


# the form or template of a paper asked (どのような様式で, どんな書式), and one named
_ASKS_FORMAT = re.compile(r"(?:どのような|どんな|どの|どういう|何の)(?:様式|書式|ひな形|雛形)")  # not 形式: どの形式で管理 is answered by a standard (ISO 3166-1)
_NAMES_FORMAT = re.compile(r"様式|書式|形式|フォーマット|ひな形|雛形|別記|別紙|テンプレート")


def format_lost(question: str, evidence: str) -> bool:
    """Whether the question proper asks which form or format a thing is made in and ``evidence`` names none."""
    return bool(_ASKS_FORMAT.search(question_proper(question) or question)) and not _NAMES_FORMAT.search(evidence)


# what a paper must state asked (どのような事項を記載, 何を書く), and a quote saying what is written
# (書く, not 書面: 「どのような事項を書面で知らせる」 asks what is notified, not what a paper states)
_ASKS_ENTRIES = re.compile(r"(?:どのような|どんな|どういう|何の)(?:事項|項目|内容|こと)を[^。？?]{0,8}(?:記載|記入|明記|書[かきくけこい])"
                           r"|何を(?:記載|記入|明記|書[かきくけこい])")
_STATES_ENTRIES = re.compile(r"記載|記入|明記|書[かきくけこい]")


def entries_lost(question: str, evidence: str) -> bool:
    """Whether the question proper asks what a paper states and ``evidence`` never says what is written in one."""
    return bool(_ASKS_ENTRIES.search(question_proper(question) or question)) and not _STATES_ENTRIES.search(evidence)
