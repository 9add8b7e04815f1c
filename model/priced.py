"""A price asked of a thing the quote never names, while it prices other things.

「市道に日除けを出す場合、占用料は1平方メートルあたり年額いくらですか」 answered from 「第1種電柱1本につき
1,700円、突出看板は表示面積1平方メートルにつき2,400円」 gives the fees of a pole and a sign: the
question names what is priced (日除け), the quote lists prices of others and names it nowhere. One
price alone may be the asked thing's under another name (家賃 for 使用料), so two are needed.

>>> fees = "市道の主な占用料(年額)は、第1種電柱1本につき1,700円、突出看板は表示面積1平方メートルにつき2,400円です。"
>>> priced_item_lost("市道に日除けを出す場合、占用料は1平方メートルあたり年額いくらですか", fees)
True
>>> priced_item_lost("市道に突出看板を出す場合、占用料は1平方メートルあたり年額いくらですか", fees)
False

Only what the question proper asks counts, not the situation told (a key told before it may be
worded otherwise in the quote):

>>> priced_item_lost("父が日除けを付けたいそうです。突出看板の占用料はいくらですか", fees)
False

An act named (取得, 申請) is no thing priced: the price list may name the thing without it; nor is
where the thing is got (市民課の窓口で), nor a word framing the price (1通あたり, 最高, 基本となる):

>>> fee_law = "市は、次の各号に掲げる事務について手数料を徴収する。一 住民票の写しの交付 一通につき二百円 六 印鑑登録証明書の交付 一通につき三百円"
>>> priced_item_lost("市民課の窓口で印鑑登録証明書を取る場合、1通の手数料はいくらですか", fee_law)
False
>>> priced_item_lost("市民課の窓口で戸籍謄本を取る場合、1通の手数料はいくらですか", fee_law)
True

>>> priced_item_lost("市道に突出看板を出す占用許可を取得する場合、占用料は年額いくらですか", fees)
False

A compound found only in part, its head missing, names another thing: 戸籍謄本 is not 戸籍の附票の写し.

>>> fee_law2 = "市は、次の事務について手数料を徴収する。一 戸籍の附票の写しの交付 一通につき三百円 二 印鑑登録 二百円"
>>> priced_item_lost("標市で戸籍謄本を1通取るときの手数料はいくらですか", fee_law2)
True
>>> priced_item_lost("標市で戸籍の附票の写しを1通取るときの手数料はいくらですか", fee_law2)
False

A kind given by examples the list names (ベッドやタンスのような大きな家具) and whom a price is per head of
(来訪者1人あたり) are no thing the list must name:

>>> gomi = "処理手数料は、1点につき500円(ベッド、タンスなどの大型のものは1,000円)です。"
>>> priced_item_lost("ベッドやタンスのような大きな家具を粗大ごみで出すと、1点あたりの処理手数料はいくらですか", gomi)
False
>>> priced_item_lost("ピアノのような大きな楽器を粗大ごみで出すと、1点あたりの処理手数料はいくらですか", gomi)
True
>>> spend = "消費額の内訳をみると、「買物費」が4,915円で、昨年(6,122円)から1,207円低下している。"
>>> priced_item_lost("来訪者1人あたりの消費額のうち「買物費」はいくらでしたか", spend)
False

>>> copies = "公開の費用: 写しの交付（白黒、A3判まで） 1枚 10円、写しの交付（カラー、A3判まで） 1枚 50円"
>>> priced_item_lost("公文書の写しをカラーで交付してもらう場合、1枚当たりの費用はいくらですか", copies)
False
"""

from __future__ import annotations

import re
import unicodedata

from jtext.morph import tokenize
from jtext.terms import lemma_terms

from .keys import Compound, key_coverage
from .qtype import MONEY_FORM, analyse

# a place (標市, かつらぎ町, 有馬地区, 全市, 都道府県): whose price, not what is priced. Broader on purpose than
# model.jurisdiction's names of one particular local government, which leave out 地区, 全市 and 都道府県.
_PLACE = re.compile(r"^\S{0,5}(?:市|町|村|区|県|都|府)$")
# a head in kanji (謄本 of 戸籍謄本), not a measure word (サイズ of 大サイズ, written otherwise in a price list: 大(45リットル))
_KANJI_HEAD = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def priced_item_lost(question: str, evidence: str) -> bool:
    """Whether ``question`` asks an amount, a key of its question proper is wholly missing from
    ``evidence`` (the quote and its context: none of its parts found, or none but its modifiers), and the
    evidence gives two or more different amounts of money. A place's name (標市, 市) is not what is priced, nor an act
    (取得 of 住民票の写しを取得する場合の手数料), a kind whose examples the evidence names (家具 of ベッドやタンスのような
    家具) or whom a price is per head of (来訪者1人あたり)."""
    qt = analyse(question)
    if qt.kind != "amount" or not qt.key:
        return False
    text = unicodedata.normalize("NFKC", evidence)
    if len(set(MONEY_FORM.findall(text))) < 2:  # read in NFKC text
        return False
    terms = set(lemma_terms(text))
    cov = [0.0 if _head_lost(comp, terms, text) else c for c, comp in zip(key_coverage(qt.key, terms, text), qt.key)]
    return any(c == 0.0 for i, (c, w) in enumerate(zip(cov, qt.key_words))
               if i not in qt.told and i not in qt.optional and not _PLACE.match(w) and not _names_act(w)
               and w not in _FRAMING and not _where(w, question) and not _per_head(w, question)
               and not _exemplified(w, question, text))


# how a price is framed (1人あたり, 最高, 基本となる額, 3歳までの間, 別に), not a thing priced
_FRAMING = frozenset({"あたり", "当たり", "間", "別", "最高", "最低", "最大", "上限", "基本", "総額", "合計", "額", "金額",
                      "未満", "以上", "以下", "以内", "超", "超過"})  # a bound (いくら未満なら), written 満たない


def _per_head(word: str, question: str) -> bool:
    """Whether the question names ``word`` only as whom a price is per head of (来訪者1人あたり, 利用者一人当たり)."""
    at = [m.end() for m in re.finditer(re.escape(word), question)]
    return bool(at) and all(re.match(r"(?:[1１一]\s*(?:人|名))(?:あたり|当たり)", question[k:]) for k in at)


def _exemplified(word: str, question: str, text: str) -> bool:
    """Whether the question gives examples of ``word`` (ベッドやタンスのような大きな家具) that ``text`` names: the price
    list names the things, not their kind."""
    m = re.search(rf"([^、。]+?)(?:のような|などの|といった)[^、。]{{0,6}}?{re.escape(word)}", question)
    return m is not None and any(x and x in text for x in re.split(r"や|、|と|・", m.group(1))[-3:])


def _head_lost(comp: Compound, terms: set[str], text: str) -> bool:
    """Whether a compound of words (not 公 of 公文書, found in any 公開) misses its head, a thing in kanji (not an
    act: 許可 of 占用許可), while the text holds another part: it names another thing (戸籍謄本 against
    戸籍の附票の写し)."""
    lemma, head = comp[-1]
    return (len(comp) > 1 and all(len(s) > 1 for _, s in comp) and bool(_KANJI_HEAD.match(head))
            and lemma not in terms and head not in text and not _names_act(head))


def _where(word: str, question: str) -> bool:
    """Whether the question names ``word`` as where the thing is got (市民課の窓口で, 窓口で取る), not
    as the thing: every time it is written, it is followed by で or から (…の窓口で, …から取り寄せる)."""
    at = [m.end() for m in re.finditer(re.escape(word), question)]
    return bool(at) and all(re.match(r"(?:の窓口)?(?:で|から)", question[k:]) for k in at)


def _names_act(word: str) -> bool:
    """Whether ``word`` names an act (取得, 申請: nouns of サ変 verbs), not a thing that has a price."""
    return all("サ変" in t.pos3 for t in tokenize(word))
