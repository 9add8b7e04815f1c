"""A field of a data model asked by name, quoted without one.

A class diagram's text is its field labels, one per line (``pd:死亡年月日``, ``ad:宛先``), beside a legend
that says how the diagram is drawn (「コアデータモデルのクラスの項目名は、基礎項目を記載」). A question
asking which field holds something (「…死亡した場合はその日付も持たせたいのですが、…個人クラスのどの項目に
入れればよいですか」) is answered by a label, never by the legend, however many of the question's words the
legend shares:

>>> diagram = ["pd:生年月日\\npd:死亡年月日\\n- コアデータモデルのクラスの項目名は、基礎項目を記載"]
>>> q = "死亡した場合はその日付も持たせたいのですが、証明・通知データモデルのクラス図では、個人クラスのどの項目に入れればよいですか"
>>> legend_quoted(q, diagram, "- コアデータモデルのクラスの項目名は、基礎項目を記載")
True
>>> legend_quoted(q, diagram, "pd:死亡年月日")
False

Where no passage found is a diagram (a guidebook's prose names its fields 「戸籍氏名」), the rule says nothing:

>>> legend_quoted(q, ["「氏名」の項目とは別項目の「戸籍氏名」を設ける"], "別項目の「戸籍氏名」を設ける")
False
>>> asks_field("個人クラスのどの項目に入れればよいですか"), asks_field("届出はどの窓口に出しますか")
(True, False)

A label answers only when it names something the question asks about beyond the class it names: 「連絡先クラスの
どの項目に」 an e-mail address goes is not answered by ``pd:連絡先URL``:

>>> q = "申請者に連絡用のメールアドレスも入力してもらいます。連絡先クラスのどの項目に入れればよいですか"
>>> diagram = ["pd:連絡先URL\\npd:連絡先メールアドレス"]
>>> words = ("申請者", "連絡用", "メールアドレス", "入力", "連絡先クラス", "項目")
>>> legend_quoted(q, diagram, "pd:連絡先URL", words), legend_quoted(q, diagram, "pd:連絡先メールアドレス", words)
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# which field: どの項目, 何という項目, 項目名は何, 何という名前ですか (not the legend asked: どの範囲の項目が記載)
_ASKS_FIELD = re.compile(r"どの(?:データ)?項目(?!が記載)|何という(?:データ)?項目|項目名(?:は何|を教え)|何という名前|どの欄|どのプロパティ")
# a field's label on its own line: a namespace prefix and a name (pd:死亡年月日, ad:宛先, pd:住所_MP01)
LABEL = re.compile(r"(?m)^\s*[a-z]{2,5}:[^\s:]+\s*$")


def asks_field(question: str) -> bool:
    """Whether ``question`` asks which field of a data model holds something."""
    return bool(_ASKS_FIELD.search(question))


# the class a question names (連絡先クラスの, 個人クラス): its name is in every one of its labels
_CLASS = re.compile(r"([^\s、。のはで]{1,12}?)クラス")


def legend_quoted(question: str, passages_text: Iterable[str], quote: str, key_words: Iterable[str] = ()) -> bool:
    """Whether ``question`` asks which field, a passage found is a data model's field labels, and ``quote`` holds
    none of them (it quotes the diagram's legend, which names no field) or, given the question's ``key_words``,
    none that names one of them other than the class the question names."""
    if not asks_field(question) or not any(LABEL.search(text) for text in passages_text):
        return False
    labels = [m.group(0).strip() for m in LABEL.finditer(quote)]
    if not labels:
        return True
    classes = {m.group(1) for m in _CLASS.finditer(question)}
    asked = [w for w in key_words if len(w) >= 2 and not w.endswith("クラス") and w not in classes and "項目" not in w]
    return bool(asked) and not any(w in label for label in labels for w in asked)
