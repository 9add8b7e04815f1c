"""What a question asks for: its type, the answer form it expects, its key terms.

Generic Japanese question patterns, not tuned to one corpus. ``analyse`` reads a (normalised)
question once (cached: it is immutable) and returns a :class:`QuestionType`; its key terms come
from :mod:`model.keys`:

* ``kind``: ``amount`` (いくら), ``date`` (いつ), ``count`` (何日, 何回 …),
  ``age``, ``place`` (どこ), ``person`` (誰), ``documents`` (何が必要),
  ``yesno`` (できますか), ``how`` (どのように), or ``what`` (anything else);
* ``forms``: patterns a sentence that answers it contains (``2,400円``,
  ``令和7年2月14日``, ``委任状`` …); empty when no form can be expected;
* ``key``: the question's key content terms — the nouns that say *which* thing is asked about (市長 in
  市長の任期, 下水道 in 下水道使用料), not the interrogative or generic words (何, 場合, 方法, 教える);
* ``predicate``: what the question says is done (交付 in 交付するのは誰).

>>> analyse("市長の任期は何年ですか").kind
'count'
>>> [''.join(s for _, s in c) for c in analyse("市長の任期は何年ですか").key]
['市長', '任期']

A counter the question names asks a count of it, written with a katakana word too:

>>> analyse("令和2年度の調査では、全府省庁を合わせて何システムが調査の対象になりましたか").forms[0].search("計1,245システム") is not None
True
>>> analyse("個人申請基本情報は何票とされていますか").kind  # which 票 (A票), not how many
'what'

A count is a number, not a list's or a note's label, nor the dot of a site's name:

>>> qt = analyse("政府のデータカタログサイトDATA.GO.JPには、全部でいくつのデータセットが掲載されていますか")
>>> qt.form_in("(2) データカタログサイトで提供しているメタデータ等に関する情報"), qt.form_in("[11] 「DATA.GO.JP」を基に整理した。")
(False, False)
>>> qt.form_in("約2万件のデータセットを掲載しています。")
True

How much a place holds is a number of things, not a period, a floor or an ordinal:

>>> qt = analyse("本庁舎地下の第1書庫には、簿冊をどれくらい収納できますか")
>>> qt.form_in("保存期間は10年とする。"), qt.form_in("本庁舎地下1階の第1書庫又は第2書庫に引き継ぐ。")
(False, False)
>>> qt.form_in("第1書庫には、簿冊約3,000冊を収納できる。")
True
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from jtext.morph import tokenize
from jtext.numerals import kanji_to_int
from jtext.sentences import ASIDE, EXAMPLES, question_proper

from .keys import Compound, key_terms

_DIGITS = "0-9〇零一二三四五六七八九十百千万億兆"
_NUM = rf"[{_DIGITS}][{_DIGITS},.]*"  # not a lone . or , (DATA.GO.JP)
_DATE_FORM = (rf"{_NUM}\s*(?:年|月|日|時|世紀|年代)|曜日|令和|平成|昭和|大正|明治|元年|まで|以内|以前|以後|以降"
              r"|正午|午前|午後|時代|初旬|上旬|中旬|下旬|毎年|毎月|翌|末期|初期|前半|後半|頃|ごろ|[春夏秋冬]"
              r"|(?:公布|施行)の日"  # この条例は、公布の日から施行する: the day is named, not dated
              r"|初日|末日|いつでも|随時|直ちに|遅滞なく|速やかに|あらかじめ|予め|事前に|(?:後|前|際)に")  # a moment by an event: インストール後に
# 何月 (何月何日までに) asks for a month: 6月30日 or 年度末, not 3か月以内.
_MONTH_FORM = rf"{_NUM}\s*月(?!分|以内|以上|未満|を経過|を超え|間)|月末|年度末|年末|年度初め"
_DAYS = rf"{_NUM}\s*(?:営業)?日(?!曜)"
# 何日以内, 何日間, 何日分, 何日ほど(で), 何営業日: a number of days, which a date (3月31日) does not give
_ASKS_DAYS = re.compile(r"何\s*営業日|何\s*日\s*(?:以内|間|分|前|後|以上|を超|経過|ほど|くらい|ぐらい|程度)")
_DAYS_NOT_DATE = re.compile(rf"(?<![月0-9〇一二三四五六七八九十百千]){_DAYS}")
# 何時から何時まで asks for hours (午前8時30分から, 9:00〜17:15), not dates (a lone 何時 may be いつ: 何時頃から)
_ASKS_CLOCK = re.compile(r"何\s*時\s*から.{0,12}?何\s*時\s*まで")
_CLOCK_FORM = rf"{_NUM}\s*時(?!間|代|期|点|効)|[0-9]{{1,2}}\s*[:：]\s*[0-9]{{2}}|正午|24時間|終日"
# 何日前まで is answered by 7日前 or 前日, not by any day (12月29日から翌年1月3日まで).
_BEFORE = re.compile(r"何\s*(日|週間|か月|ヶ月|カ月|年)\s*前")

# A number of years, not a year: 昭和43年 and 2023年4月 are dates.
_YEARS = (rf"(?<![0-9〇一二三四五六七八九十百千万,.])(?<!令和)(?<!平成)(?<!昭和)(?<!大正)(?<!明治)(?<!西暦)"
          rf"{_NUM}\s*年(?!\s*{_NUM}\s*月)(?!度)")

# 何 + a counter: the answer is a number with the same counter (何台 → 20台, not 3日間).
_COUNTED = (r"何(件|回|部|通|枚|台|点|キロ|メートル|センチ|平方メートル|平方|倍|個|種類|社|校|か国|カ国|度|桁|本|頭|匹|冊|室|階"
            r"|週間|週|機関|団体|か所|カ所|箇所|ヶ所|席|軒|棟|隻|杯|錠|項目|文字|字|ページ|頁|戸|世帯|組|区画|品目|段階|食"
            r"|ギガバイト|メガバイト|テラバイト|キロバイト|バイト|GB|MB|TB|トン|リットル|キログラム|グラム|ヘクタール|畳"
            r"|問|府省|自治体|市町村)(?!も)")
# 何 + a counter in katakana the list above lacks (何システム, 何パターン): a count of it too, while a kanji word
# after 何 may ask which one (何大学, 何党, 何票: A票) and is left to the list
_KATAKANA_COUNTER = re.compile(r"何([ァ-ヶー]{2,8})(?=が|の|を|に|で|は|と|も|ある|あり|いる|です|まで|以上|以下|程度|くらい|ぐらい|\s*[?？]|\s*$)")

# Counters that answer for one another: 何回 → 2度; 何度 → 30℃ (a temperature, not 1回).
_COUNTER_ALIASES = {"回": "回|度", "度": "度|℃|°", "字": "字|文字", "ページ": "ページ|頁", "頁": "ページ|頁",
                    "メートル": "メートル|m(?![a-zA-Z])", "キロ": "キロ|km|kg", "センチ": "センチ|cm",
                    "平方メートル": "平方メートル|m2|㎡", "キログラム": "キログラム|kg", "グラム": "グラム|g(?![a-zA-Z])"}

# A counter given as an alternative in parentheses: 何日（週） is answered in days or in weeks.
_ALTERNATIVE_COUNTER = re.compile(r"何[^\s（()）]{1,3}[（(]([^\s0-9（()）]{1,3})[)）]")

_PHONE = r"[0-9]{2,5}\s*[-‐－ー−(（]\s*[0-9]{1,4}\s*[-‐－ー−)）]\s*[0-9]{3,4}"

# An address asked (所在地, 住所, どこあて) is answered by one (丁目, 番地, 号, 〒), not by its place's name (どこ alone may be).
_ADDRESS_CUE = re.compile(r"(?:住所|所在地|(?:あて|宛)先)(?:は|を|って|[）)]|\s*[?？]|\s*$)|どこ(?:あて|宛)")  # not 住所がある個人事業者
# an address: 丁目, 番地, 〒, 3番2号, 1-1-1 (not a phone number); model.location reads it too
ADDRESS = (rf"丁目|番地|〒|{_NUM}\s*番\s*{_NUM}?\s*号?|{_NUM}\s*号"
           r"|(?<![0-9\-])[0-9]{1,2}\s*[-‐－−]\s*[0-9]{1,3}(?:\s*[-‐－−]\s*[0-9]{1,3})?(?![0-9])")  # 1-1-1, not a phone
_ADDRESS_FORM = re.compile(ADDRESS)

# an amount of money (1,700円, 三百円, 5万円); model.priced counts them
MONEY = rf"{_NUM}\s*(?:万|千|百|億)?円"
_AMOUNT_FORM = rf"{MONEY}|無料|{_NUM}\s*(?:%|パーセント|割)|{_NUM}分の{_NUM}(?:・{_NUM})?"
_MONEY_NOUNS = r"金額|手数料|料金|費用|額は|税率"
# Interrogatives that ask for something other than an amount, whatever money the question names.
# A moment asked (どの時点で, どの段階で): answered by a date or by an event (到達したときに, 申請の際に).
_MOMENT = r"どの(?:時点|段階|タイミング)"
_ASKS_OTHER = re.compile(rf"誰|だれ|どなた|どこ|どのように|どのよう|どうやって|どう定め|いつ|{_MOMENT}|何を|何が|何(?:年|日|週|か月|ヶ月|カ月|時間|回|人|件|歳)|どの(?:法律|法令|規定|条文?|規則|条例|政令|省令)|何条")

# Cues of the rate row, the unit-less "how much" and "how many" rows of _TYPES (named: analyse() treats them apart).
_RATE = r"何%|何パーセント|何割|割合|分のいくつ|分の幾つ"
# an amount a law states as a computation (収入を控除した額, 百分の五十を乗じて得た額) answers どれだけの額 too
_HOW_MUCH_FORM = rf"{_NUM}\s*\S|まで|以内|以下|以上|毎(?:年度|年|月|週|日)|(?:した|して得た|による)額"
# どのくらいの期間: a length (1年間, 6か月) or an end by a number (翌年7月31日まで), not any まで (限度額まで)
_ASKS_PERIOD = re.compile(r"(?:どのくらい|どれくらい|どれほど|どの程度)の(?:期間|間(?!隔))|(?:期間|任期)は(?:どのくらい|どれくらい|どの程度)")
_PERIOD_FORM = re.compile(rf"{_NUM}\s*(?:年|(?:か|ヶ|ケ|カ|ヵ|箇|個)?\s*月|週|日|時間)|{_NUM}[^、。\s]{{0,8}}まで|無期限")
# how much a place holds (簿冊をどれくらい収納できますか, 何台駐車できる): a number of things, not a length of time (10年)
_ASKS_CAPACITY = re.compile(r"(?:どのくらい|どれくらい|どれだけ|どの程度|どれほど|最大)[^、。]{0,4}(?:収納|収容|格納|駐車|駐輪|保管)(?:でき|する|され)")
# (not an ordinal or a floor: 第1書庫, 地下1階, 3番窓口)
_CAPACITY_FORM = re.compile(rf"(?<!第){_NUM}(?![{_DIGITS},.])\s*"
                            r"(?!年|か月|ヶ月|カ月|箇月|月|週|日|時間|分|秒|歳|才|階|番|号|[,.、。\s])\S")
# an income asked (所得がいくら以上, 年収はいくらまで): a sum of money, never a share
_ASKS_INCOME = re.compile(r"(?:所得|収入|年収|月収)(?:額)?(?:が|は)?[^、。]{0,4}(?:いくら|幾ら)")
MONEY_FORM = re.compile(MONEY)  # a sum of money (1,700円, 三百円, 5万円), compiled once
# どのくらいの間隔 / 頻度 / ペースで: how often (三年ごと, 毎年度, 年2回, 隔年, 四半期ごと), not any number
_ASKS_FREQUENCY = re.compile(r"(?:どのくらい|どれくらい|どの程度|どれほど)の(?:間隔|頻度|ペース|周期)|(?:間隔|頻度|周期)は")
_FREQUENCY_FORM = re.compile(rf"ごと|毎|おき|{_NUM}\s*回|隔(?:年|月|週|日)|周期|定期的|随時|常時")
_HOW_MUCH = r"どのくらい|どれくらい|どれだけ|どの程度|最大(?!限)|最長|上限|最短|最低(?!限)|下限|(?:目標|数|総)量は(?:どう|どのように)なって"
# an interrogative with も or でも is no question (いくつもの下請, 何人も, いくらでも): any, every
_HOW_MANY = r"(?<!分の)いくつ(?!も)|(?<!分の)幾つ(?!も)"
# A fraction asked with its denominator (賃金総額の千分のいくつ): the answer is a fraction of
# that denominator (千分の十五・五), not any fraction (百分の九十 is another rate).
_DENOMINATOR = re.compile(r"([0-9〇一二三四五六七八九十百千万]+)分の(?:いくつ|幾つ|何)")

# (kind, question cue, answer form), the most specific cue first (何を提出 is
# asked of a 手数料 too). The first matching kind names the
# question; every matching form is expected (a question can ask 何日以内 and いつまで).
_TYPES: tuple[tuple[str, str, str], ...] = (
    # a telephone number is answered by one (0123-45-5300, 03(1234)5678), not by the office that has it; a fax number by one labelled so
    ("phone", r"ファクス番号|FAX番号|ファックス番号|ファクシミリ番号", rf"(?:FAX|ファクス|ファックス|ファクシミリ)\D{{0,6}}{_PHONE}"),
    ("phone", r"(?<!や)電話番号(?!や|など|等)", _PHONE),  # not one of the examples (日付や電話番号などの形式)
    ("documents", r"何が必要|何を提出|(?:どんな|どのような|どういう|何の)(?:書類|もの)|書類(?:が必要|は(?:何|どれ))|何を持参|必要なもの|必要な書類|持ち物|持参するもの|何を添付|添付書類|必要書類|何を用意"
     r"|何を(?:交付|携帯|提示|準備|添え|出(?:す|せ|し)|持って(?:い|行|く|来))",  # 何を交付する必要, 何を携帯しなければ, 何を出す, 何を持っていく
     r"委任状|証明書|確認書類|申請書|届出書|請求書|報告書|計画書|手帳|印鑑|免許証|カード|通知書|書類|届|写し"
     r"|同意|許可|登録|承認|認可|免許|資格|認定|令書|証票|書面"),  # what is needed may be a consent or a licence
    ("count", r"数(?:は|が)?(?:いくら|幾ら)", rf"{_NUM}\s*\S"),  # 議席数はいくらか: a count, not money
    ("amount", r"いくら(?!でも|も)|何円|幾ら(?!でも|も)", _AMOUNT_FORM),
    # the money named as the topic (手数料の額はどのように定める, 費用を負担する者は誰): an amount only
    # when no interrogative asks for something else
    ("amount", _MONEY_NOUNS, _AMOUNT_FORM),
    ("date", r"何月", _MONTH_FORM),  # 毎年何月何日までに: a date, before 何日's count
    ("age", r"何歳|何才", rf"{_NUM}\s*(?:歳|才)"),
    ("date", r"何年(?:に|頃|ごろ|のこと)|何年(?:か|なのか)?\s*[。?？]?\s*$", _DATE_FORM),  # 何年か: which year
    ("count", r"何年(?!度)", _YEARS),
    ("count", r"何日|何営業日", _DAYS),  # not 第4日曜日
    ("count", r"何時間|何分", rf"{_NUM}\s*(?:時間|分)"),
    ("count", r"何か月|何ヶ月|何カ月|何ヵ月|何ヶ月", rf"{_NUM}\s*(?:か月|ヶ月|カ月|ヵ月)"),
    ("count", r"何人(?!も)|何名", rf"{_NUM}\s*(?:人|名(?![簿義称前刺字所物産誉目]))"),  # not 2. 名簿班
    ("count", _RATE, rf"{_NUM}\s*(?:%|パーセント|割)|{_NUM}分の{_NUM}"),
    ("count", _COUNTED, rf"{_NUM}\s*\S"),  # narrowed to the question's own counter in analyse()
    ("date", rf"いつ|何月|何時(?!間)|期限|期日|何曜|時期(?:は|って)\s*[?？]?\s*$|どの時期|{_MOMENT}|何年度|何世紀|何時代"
     r"|(?:施行|公布|改正|制定|締切|締め切り|受付開始|受付終了)日?(?:は|って)\s*[？?]?\s*$",  # 最終改正は？
     _DATE_FORM),
    ("count", _HOW_MUCH, _HOW_MUCH_FORM),  # どのくらいの頻度: 毎年度
    ("count", _HOW_MANY, rf"{_NUM}\s*\S"),
    ("place", r"どこ(?!まで)|場所|窓口|どの課|担当課|提出先|問い合わせ先|移管先|送付先|どの国|どの都市|どの地域",
     r"課|係|窓口|センター|庁舎|事務所|支所|室|所|館|局|省|庁|県|市|町|村|国|州|島|駅|場|社|法人|機構|協会|機関|団体|丁目|番地"),
    # who does it may be a body (都道府県, 市町村, 組合, 委員会), not only a person
    ("person", r"誰|だれ|どなた|どの者|何者",
     r"者|長|人|職員|委員|員|氏|さん|王|家(?!庭|族|屋|計|賃|電|具|事)|(?<![入着])手(?!法|続|段|順|数|当|引|帳|形|紙|話|配|口)|都道府県|市町村|国|組合|法人|委員会|大臣|知事|機関|団体|社|庁|省"),
    ("yesno", r"できますか|可能ですか|できるか|できるの|してもよい|してもいい|認められますか|必要ですか|ありますか|なりますか",
     r"できる|できない|できず|ならない|しない|されない|ものとする|限り|限る|場合|要する|必要|不要|認め|可能"),
    ("how", r"どのように|どうやって|方法|手順|やり方|どうすれば|どうしたら|流れ|手続",
     # a means or manner: 書面を提出してする, 表彰状及び記念品を授与して行う, 汚水量に応じて算定する
     r"により|によって|によつて|を通じて|を用いて|をもって|をもつて|に応じて|に基づ|して(?:行|す)|方法|手順"),
)
_QUANTITIES = frozenset({"amount", "age", "count", "date", "phone"})
# Cues that ask "how much" without a unit (最長で, どのくらい): their loose form (any number, まで)
# stands only when no cue of the question names the unit (最長で何年間 expects years).
_LOOSE = frozenset({_HOW_MUCH, _HOW_MANY})
# Date cues that only name the thing asked about: 有効期限は何年 asks a count.
_DATE_NOUNS = frozenset({"期限", "期日", "時期"})
# A law's number (平成二年東京都条例第百十三号, 昭和二十九年法律第百六十二号): a name, not a date or a count of
# years, unless the question asks when a law was made or promulgated, or its number.
_LAW_NUMBER = re.compile(rf"(?:明治|大正|昭和|平成|令和)\s*(?:元|{_NUM})\s*年[^\s、。()（）「」]{{0,12}}?"
                         rf"(?:法律|政令|条例|規則|省令|府令|告示|訓令|規程|要綱)\s*第\s*{_NUM}\s*号")
_ASKS_LAW_NUMBER = re.compile(r"制定|公布|番号|何号")  # 番号 covers 法令番号, 何号 covers 第何号
_ASKS_MOMENT = re.compile(_MOMENT)
_ASKS_PAPERS = re.compile(r"書類|添付|持参|持ち物|何を持って")  # 添付書類, どのような書類, 何を添付; what to bring
_MOMENT_FORM = re.compile(r"とき|時点|際|段階")  # the event forms of a moment asked (_MOMENT)
# A manner asked in so many words: a date or place noun beside it (期日, 場所, 窓口) is what it is of.
_TOPIC_NOUNS = _DATE_NOUNS | {"場所", "窓口"}
_ASKS_MANNER = re.compile(r"(?:どのような|どんな|どういう)(?:方法|手段|形|事項|内容)|どのように|どうやって|どうすれば|どうしたら")
_COMPILED = tuple((k, re.compile(q), re.compile(a) if a else None) for k, q, a in _TYPES)

# A question about what happens to whoever breaks a rule, and a provision that imposes a
# penalty (第十四条の規定に違反した者は、…五十万円以下の罰金に処する。).
ASKS_PENALTY = re.compile(r"罰則|罰金|拘禁刑|懲役|禁錮|過料|科料|罰せられ|処罰|刑罰")
IMPOSES_PENALTY = re.compile(r"(?:罰金|拘禁刑|懲役|禁錮|過料|科料)に処する")

# Lemmas of interrogatives: they name what is asked, never what answers it.
INTERROGATIVES = frozenset(["何", "何時", "何処", "誰", "幾ら", "如何", "何故", "何れ", "幾つ", "どう", "どの", "どれ", "どちら", "どんな", "孰れ"])



@dataclass(frozen=True)
class QuestionType:
    kind: str
    forms: tuple[re.Pattern[str], ...]
    key: tuple[Compound, ...]  # key noun compounds, in question order
    key_words: tuple[str, ...] = ()  # the same, as written
    predicate: str = ""  # lemma of the question's last content verb (交付 of 交付するのは誰), "" if none
    # indices of keys written only inside the question's parentheses (クーリング of
    # 空白期間（クーリング期間）, 国税分 of 消費税率（国税分）): an aside or another name,
    # which a quote may cover but need not
    optional: frozenset[int] = frozenset()
    address: bool = False  # an address is asked (所在地, 住所): the quote must hold one, like a quantity
    # indices of keys written only in the situation told before the question proper (工場, 事故 of 工場で…事故で
    # 亡くなりました。遺族補償は何日分ですか) or as examples (炊き出しなどの救助): a quote missing one misses a quarter of a key
    told: frozenset[int] = frozenset()
    # a law's number (平成二年東京都条例第百十三号) may answer: the question asks when a law was made or its number
    law_numbers: bool = False
    # a 何が必要 question asking for papers (添付書類, 必要な書類): a quote naming none (申請により行う) does not answer it
    papers: bool = False

    def form_in(self, text: str) -> bool:
        """Whether ``text`` holds the answer form the question expects (True
        when none is expected), outside the question's own words: 住民票の写し
        is not the document a 何が必要 question asks for."""
        if not self.forms:
            return True
        if not self.law_numbers:  # (平成二年東京都条例第百十三号) names a law, it dates or counts nothing asked
            text = _LAW_NUMBER.sub("　", text)
        for word in sorted(self.key_words, key=len, reverse=True):  # the longest first: 都市 is part of 3D都市モデル
            if len(word) > 1:  # a one-character key (日 of 使い始める日) is also the answer's counter
                # with the digits of a name the tokenizer split off (3 of 3D都市モデル): no count
                text = re.sub(("[0-9]*" if word[0].isascii() and word[0].isalpha() else "") + re.escape(word), "　", text)
        text = _NO_QUANTITY.sub("　", text)
        return any(f.search(text) for f in self.forms)


# Numbers that state no quantity: 「1項目でも」 ("even one", a condition), 1人1個 (per head), 第4 備蓄品目, 2.乳児用, (3),
# a list's or a note's number anywhere ((2) データカタログ…, [11] 「DATA.GO.JP」), a figure's or table's label
_ART = rf"第\s*{_NUM}\s*[条項号章節款編](?:の{_NUM})*"  # an article's number, and up to one (第一項から第四項まで): no time
_NO_QUANTITY = re.compile(rf"(?m)(?:1|一|１)\s*[^\s0-9０-９一二三四五六七八九十、。]{{1,3}}でも|{_ART}(?:\s*から\s*{_ART})?\s*まで"
                          rf"|第\s*{_NUM}(?=\s)|{_ART}|(?:1|一)人"
                          rf"(?=\s*(?:[0-9一二三四五六七八九十]|当たり|あたり|につき))|^\s*(?:[(（]?[0-9]{{1,2}}[)）]|[0-9]{{1,2}}[.．](?![0-9])|[一二三四五六七八九十]{{1,3}}[ 　])"
                          r"|[(（\[［][0-9]{1,2}[)）\]］]"
                          rf"|(?<![\u4e00-\u9fff])(?:図表|図|表)\s*{_NUM}(?:\s*[-‐－−.．]\s*{_NUM})*")  # 図表 1-6, 表 5 (not 代表2名)


# A question without an interrogative that ends in ますか/ですか asks yes or no,
# whatever topic words it holds (手数料は返してもらえますか is not いくら).
_ASKS = re.compile(r"何(?!(?:人|度|回)?(?:でも|も))|なに|なん|いつ|いくら(?!でも|も)|幾ら(?!でも|も)|いくつ(?!も)|幾つ(?!も)|どこ|どちら|どなた|誰|だれ|どの|どう|どれ|どんな|如何|いかが")
_YES_NO_END = re.compile(r"(?:ますか|ませんか|ですか|でしょうか|のですか|んですか|可能ですか|よいですか|いいですか)[。？?]?\s*$")
_YES_NO_FORM = next(a for k, _, a in _COMPILED if k == "yesno")


@lru_cache(maxsize=1024)
def analyse(question: str) -> QuestionType:
    kind, forms, asks_address = _kind_of(question_proper(question) or question)
    key = _without_asked_role(key_terms(question), question)
    words = tuple("".join(s for _, s in c) for c in key)
    outside = ASIDE.sub("　", question)
    # a key not outside the question's parentheses or a law's number (令和6年の東京都条例第107号: the
    # amending ordinance's issuer, not a source to quote from), or the number a phone question asks for
    bare = _LAW_NUMBER.sub("　", outside)
    optional = frozenset(i for i, w in enumerate(words) if w not in bare or (kind == "phone" and w.endswith("番号")))
    if len(optional) == len(words):
        optional = frozenset()
    asked = question_proper(outside) or outside
    told = frozenset(i for i, w in enumerate(words) if w in outside and w not in asked)
    # examples named before など (避難所の設置や炊き出しなどの救助): a quote about the kind need not name them
    told |= frozenset(i for i, w in enumerate(words) if w in asked and w not in EXAMPLES.sub("　", asked))
    return QuestionType(kind, tuple(forms), key, words, predicate=predicate(question), optional=optional,
                        address=kind == "place" and asks_address, told=told,
                        law_numbers=bool(_ASKS_LAW_NUMBER.search(question)),
                        papers=kind == "documents" and bool(_ASKS_PAPERS.search(asked)))


def _kind_of(question: str) -> tuple[str, list[re.Pattern[str]], bool]:
    """(kind, answer forms, whether an address is asked) of a question proper: not of the situation
    told before it (同じ場所で作業しています。…どの事業者ですか asks for no place)."""
    asks_address = bool(_ADDRESS_CUE.search(question))  # 所在地はどこ: an address, not any place word
    if _YES_NO_END.search(question) and not _ASKS.search(question):
        kind, forms = "yesno", [_YES_NO_FORM]
    else:
        kind, forms = "what", []
        counted = False  # a cue naming the unit of a count (何年間, 何台, 何日) has matched
        for k, q, a in _COMPILED:
            m = q.search(question)
            if m and (q.pattern == _MONEY_NOUNS or k == "phone") and _ASKS_OTHER.search(question):
                continue  # 管理費用を負担する者のほかに誰が, 電話番号に分けられるよう、どのように: not money, not a number
            if m and k == "yesno" and _ASKS.search(re.split(r"[。？?]", question[:m.start()])[-1]):
                continue  # どのような項目がありますか, 何ギガバイトまで通信できますか: not a yes or no
            if m and k in ("date", "place") and m.group(0) in _TOPIC_NOUNS and _ASKS_MANNER.search(question):
                continue  # 期日と場所はどのような方法で伝える, 期限の特例…どのような事項を: not the date or place
            if m:
                if kind == "what":
                    kind = k
                if a is not None and q.pattern == _COUNTED:
                    a = re.compile(rf"{_NUM}\s*(?:{_COUNTER_ALIASES.get(m.group(1), re.escape(m.group(1)))})")
                if a is not None and q.pattern == _RATE:
                    a = _fraction_of(question, a)
                if kind == "count" and k == "date" and m.group(0)[:2] in _DATE_NOUNS:
                    continue  # 有効期限は何年: a number of years, not any date (午後11時まで)
                # a question asking for a quantity (何日以内, いつまで) expects a quantity, not a rule;
                # one asking for a thing (何を用意する必要がありますか) that thing, not any yes or no
                if a is not None and q.pattern in _LOOSE and counted:
                    continue  # 最長で何年間: the years asked, not any number
                if k == "place" and asks_address:
                    a = _ADDRESS_FORM
                if a is not None and not (kind in _QUANTITIES and k not in _QUANTITIES) and (k != "yesno" or kind == k):
                    forms.append(a)
                    counted = counted or (k in ("count", "amount") and q.pattern not in _LOOSE)
        if kind == "what" and asks_address:  # 住所（所在地）を教えてください: an address
            kind, forms = "place", [_ADDRESS_FORM]
        if kind == "what" and (m := _KATAKANA_COUNTER.search(question)):  # 何システムが対象: 1,000システム
            kind, forms = "count", [re.compile(rf"{_NUM}\s*{re.escape(m.group(1))}")]
        before = _BEFORE.search(question)
        if before and kind == "count":  # 何日前までに: the counter before 前 (7日前), or 前日
            forms = [re.compile(rf"{_NUM}\s*{before.group(1)}\s*前|前日|前々日")]
        if kind == "date" and "何月" in question:  # 何月何日までに: a month, not 以内 or any day
            forms = [re.compile(_MONTH_FORM)]
        if kind == "count" and _ASKS_PERIOD.search(question):
            forms = [_PERIOD_FORM if f.pattern == _HOW_MUCH_FORM else f for f in forms]
        if kind == "amount" and _ASKS_INCOME.search(question):
            forms = [MONEY_FORM]  # 所得がいくら以上: a sum of money, not a rate (現役並み所得者は3割)
        if kind == "count" and _ASKS_CAPACITY.search(question):
            forms = [_CAPACITY_FORM if f.pattern == _HOW_MUCH_FORM else f for f in forms]
        if kind == "count" and _ASKS_FREQUENCY.search(question):
            forms = [_FREQUENCY_FORM if f.pattern == _HOW_MUCH_FORM else f for f in forms]
        if kind == "count" and _ASKS_DAYS.search(question):
            forms = [_DAYS_NOT_DATE if f.pattern == _DAYS else f for f in forms]
        if kind == "date" and _ASKS_CLOCK.search(question):  # hours, not 4月1日から4月30日まで
            forms = [re.compile(_CLOCK_FORM)]
        if kind == "date" and _ASKS_MOMENT.search(question):  # どの時点で: a moment by an event (到達したときに) too
            forms.append(_MOMENT_FORM)
        alt = _ALTERNATIVE_COUNTER.search(question)
        if alt and kind == "count":
            # 何日（週）: a number of days or of weeks (二週間)
            forms.append(re.compile(rf"{_NUM}\s*{re.escape(alt.group(1))}"))
    return kind, forms, asks_address


def _fraction_of(question: str, form: re.Pattern[str]) -> re.Pattern[str]:
    """The answer form of a question naming the denominator of the fraction it asks
    (千分のいくつ → 千分の十五・五 or 1000分の15.5); ``form`` when it names none."""
    m = _DENOMINATOR.search(question)
    if m is None:
        return form
    written = m.group(1)
    try:
        digits = str(kanji_to_int(written))  # kanji or arabic digits
    except ValueError:
        return form
    names = "|".join(re.escape(w) for w in dict.fromkeys((written, digits)))
    return re.compile(rf"(?<![0-9〇一二三四五六七八九十百千万])(?:{names})分の{_NUM}")


# Verbs that frame a question (ありますか, なりますか, できますか) rather than say what is done.
_LIGHT_VERBS = frozenset(["為る", "有る", "成る", "居る", "出来る", "言う", "行う", "思う", "知る", "分かる", "教える", "下さる", "頂く", "貰う", "呉れる", "良い",
                          "対する", "関する", "於く", "因る", "依る", "係る", "伴う", "通じる", "付く", "就く", "基づく"])


def predicate(question: str) -> str:
    """The lemma of what the question says is done (its last content verb, or
    the noun of a する verb): 交付 in 在留カードを交付するのは誰ですか, 届け出る in
    何日以内に届け出る必要がありますか. A sentence stating that act answers it
    more likely than one that only shares its nouns."""
    out, prev = "", None
    for tok in tokenize(question):
        lemma = unicodedata.normalize("NFKC", tok.lemma)
        if tok.pos1 == "動詞":
            if lemma not in _LIGHT_VERBS and tok.pos2 != "非自立可能":
                out = lemma
            elif lemma == "為る" and prev is not None and prev.pos1 == "名詞" and prev.pos2 == "普通名詞":
                out = unicodedata.normalize("NFKC", prev.lemma)
        prev = tok
    return out


_ROLE = re.compile(r"(?:者|人|先|課|係|機関|窓口|担当)$")


def _without_asked_role(key: tuple[Compound, ...], question: str) -> tuple[Compound, ...]:
    """The role a 誰/どこ question asks to fill (責任者は誰, 提出先はどこ) is the
    answer's slot, not a term the answer repeats: 「総務課長は、表彰原簿を備え…」."""
    out = []
    for comp in key:
        word = "".join(s for _, s in comp)
        if _ROLE.search(word) and re.search(rf"{re.escape(word)}(?:は|が)(?:誰|だれ|どなた|どこ)", question):
            continue
        out.append(comp)
    return tuple(out) if out else key  # a role alone (調整機関はどこ) is what the answer names
