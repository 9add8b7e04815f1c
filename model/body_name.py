"""A body asked by name, quoted without one.

「…アイデアソンを一緒に開いた民間の非営利団体は、何という団体ですか」 is not answered by 「環境省は、…民間の
非営利団体と共同で…」: the quote says what kind of body it was, never its name. A question asking which body
(何という団体, どの省, どこの法人, 指定管理者はどこですか) needs a quote that names one the question does not already name: a name
ending as bodies' names end (…協会, …機構, …省, …委員会, …株式会社) or written in capitals (IPA).

>>> q = "環境省が令和3年11月にデータ活用のアイデアソンを一緒に開いた民間の非営利団体は、何という団体ですか"
>>> body_lost(q, "環境省は、令和3年11月に民間の非営利団体と共同で、アイデアソンを開催した。")
True
>>> body_lost(q, "環境省は、令和3年11月に一般社団法人オープン・ナレッジ・ジャパンと共同で、アイデアソンを開催した。")
False
>>> body_lost("「PLATEAU」は、どの省庁が進めているプロジェクトですか", "国土交通省が主導する3D都市モデル整備プロジェクト")
False
>>> body_lost("「e-Stat」は、どの府省が提供しているものとして紹介されていますか", "18. e-STAT 政府統計の総合窓口 RESAS")
True
>>> body_lost("船岡山駐車場について、町から管理を任されている指定管理者はどこですか", "町長は、駐車場の管理を行う。")
True
>>> body_lost("調査を受託して実施した事業者はどこですか", "調査は、株式会社サーベイ・リサーチが受託して実施した。")
False
>>> body_lost("DCATを勧告している団体はどこですか", "DCATとは、国際標準化団体W3Cが勧告しているメタデータ標準である。")
False
>>> body_lost("日本のデータ人材のスキルセットは、どの機関が提供するものを参考にしていますか", "IPAが提供するスキル標準を参考にした。")
False
>>> body_lost("理事や監事は、組合の中のどの機関が選ぶことになっていますか", "理事及び監事は、組合員のうちから組合会で選任する。")
False

A body's name asked in so many words (団体の名前を教えてください) is asked the same way:

>>> q = "認定個人情報保護団体には、どのような団体がありますか。団体の名前を教えてください"
>>> body_lost(q, "委員会は、認定個人情報保護団体が次の各号のいずれかに該当するときは、その認定を取り消すことができる。")
True
>>> body_lost(q, "認定個人情報保護団体には、一般財団法人日本データ通信協会などがある。")
False
"""

from __future__ import annotations

import re

from .location import names_none

_ASKS_BODY = re.compile(r"(?:何という|なんという|どういう|どの|どこの)(団体|機関|組織|法人|会社|業者|事業者|企業|府省|省庁|省)(?![はがをにで]?[^、。]*(?:項目|欄))"
                        r"|(?:団体|機関|法人|会社|業者|事業者|企業|指定管理者)(?:は|って)[、\s]*どこ(?:です|でしょう|か)"  # 指定管理者はどこですか
                        r"|(団体|機関|組織|法人|会社|事業者|企業)の(?:名前|名称)を(?:教えて|知りたい)")  # 団体の名前を教えてください
# a ministry asked (どの府省): answered by a ministry's or agency's name (総務省, デジタル庁, 内閣府), not by any body
_MINISTRY = re.compile(r"[一-龥]{1,10}(?:省|庁|(?<!政)府)(?![県令])")
_BODY = re.compile(r"(?<![他各同本当])(?![他各同本当])[一-龥々ァ-ヶー・A-Za-z0-9]{2,24}(?:協会|機構|財団|法人|センター|委員会|審査会|協議会|連合会|組合|省|庁|会社|社"
                   r"|グループ|公社|事業団|研究所|大学|タスクフォース|事業者|大臣|政府|フォーラム|コンソーシアム)|[A-Z][A-Z0-9]{1,}"
                   r"|[一-龥々]{0,12}(?:総|理事|議|組合|役員|評議員|審議|幹事|運営|教育)会(?![議社計場員])"  # 組合会, 理事会
                   r"|(?:株式会社|有限会社|(?:一般|公益)(?:社団|財団)法人|特定非営利活動法人|NPO法人)[^\s、。()（）]{2,24}")


def body_lost(question: str, quote: str) -> bool:
    """Whether ``question`` asks which body and ``quote`` (the quoted sentences) names none it does not
    already name."""
    if (asked := _ASKS_BODY.search(question)) is None:
        return False
    names = _MINISTRY if asked.group(1) in ("府省", "省庁", "省") else _BODY
    return names_none(names, question, quote)
