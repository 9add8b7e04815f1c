"""A place whose whereabouts is asked, quoted without them.

「標市の北部防災倉庫はどこにありますか」 is not answered by 「拠点備蓄倉庫は、中央防災倉庫(標市中央公園内)、
北部防災倉庫及び南部防災倉庫とする」: the quote names the asked place, but says where another one is.
A quote answers only when an address, a floor or a site comes right after the asked place's name
(大谷駅前駐輪場 かつらぎ町大字大谷247番地の1), or an address or 「…にある」 right before it (a table
whose address column comes first, 国土地理院のHPにある「電子基準点データ提供サービス」).

>>> q = "標市の北部防災倉庫はどこにありますか"
>>> location_lost(q, "拠点備蓄倉庫は、中央防災倉庫(標市中央公園内)、北部防災倉庫及び南部防災倉庫とする。")
True
>>> location_lost(q, "北部防災倉庫(標市北町三丁目4番地)には、毛布を備蓄する。")
False
>>> location_lost("移管先になっている標市歴史資料室は、どこにありますか", "公文書は、標市歴史資料室に移管する。")
True
>>> location_lost("妙寺駅前駐輪場はどこにありますか", "かつらぎ町大字新田95番地の11 妙寺駅前駐輪場")
False
>>> location_lost("電子基準点データ提供サービスはどこにあるか。", "国土地理院のHPにある「電子基準点データ提供サービス」で入手できる。")
False
>>> location_lost("保存期間が満了した公文書の移管先はどこですか", "標市歴史資料室に移管する。")  # a place asked, not where it is
False

Where a body or an office is placed is asked the same way (どこに置かれている, どこに本部を置いている):

>>> q = "雇用保険審査官は、どこ（どの役所）に置かれているのですか"
>>> location_lost(q, "処分に不服のある者は、雇用保険審査官に対して審査請求をすることができる。")
True
>>> location_lost("国民健康保険審査会はどこに置かれていますか", "国民健康保険審査会(以下「審査会」という。)は、各都道府県に置く。")
False

>>> q = "ArchiMateを策定したオープン・グループは、どこに本部を置いている団体ですか"
>>> location_lost(q, "推進団体のオープン・グループが、ArchiMateを策定しています。")
True
>>> location_lost(q, "オープン・グループ(米国マサチューセッツ州に本部)は、ArchiMateを策定している。")
False

Where an event is held (どこの会場で行われますか, 会場名を教えてください) is answered by a venue's name or an
address, not by the event's date or by a count of venues:

>>> q = "かつらぎ町表彰規程による表彰式は、どこの会場で行われますか"
>>> venue_lost(q, "表彰は、隔年7月1日に行う。この規程により表彰された者は、町広報に登載する。")
True
>>> venue_lost(q, "表彰式は、かつらぎ町総合文化会館で行う。")
False
>>> venue_lost("集合注射は具体的にどこの会場で受けられますか", "市内24会場で集合注射を実施します。")
True
>>> venue_lost("紹介されているアイデアソンは、どこ（どの会場）で開催されたのですか", "アイデアソン等のイベントを開催する。")
True

The event asked (入居説明会は、どこで開催) must be named: a venue in the quote may be another event's.

>>> q = "市営住宅に当選しました。入居前に開かれる入居説明会は、どこで開催されますか"
>>> venue_lost(q, "公開抽選は、令和6年7月26日(金)午前10時から本庁舎5階大会議室で行います。")
True
>>> venue_lost(q, "入居説明会は、本庁舎5階大会議室で行います。")
False

A procedure done somewhere (認定請求はどこで行う) is answered by the counter or the town hall too:

>>> venue_lost("引っ越し先での手当の認定請求はどこで行うことになりますか", "転入先の市区町村で改めて認定請求をしてください。")
False

Which counter (どこの窓口, どの課) is answered by a counter's or an office's name the question does not
name itself (市民課, 各支所の窓口, 市町村の長を経由して), not by the body that keeps the register:

>>> q = "都の条例で公表することになっている登録簿は、都庁のどこの窓口に行けば閲覧できますか"
>>> counter_lost(q, "都の機関等は、登録簿を公表し、かつ、一般の閲覧に供しなければならない。")
True
>>> counter_lost(q, "登録簿は、都民情報ルームで閲覧できます。")
False
>>> counter_lost("申請書はどの課に出せばよいですか", "申請書は、市民課又は各支所に提出してください。")
False

Which website (どこのウェブサイト, URL, どこから入手) is answered by an address (https://…) or a site named as one
(デジタル庁のウェブサイト), not by 「評価ツールを提供します」:

>>> q = "評価ツールは、どこのウェブサイト（URL）から入手できますか"
>>> site_lost(q, "本ガイドブックに沿ってデータ品質ができる評価ツールを提供します。")
True
>>> site_lost(q, "評価ツールはデジタル庁のウェブサイトからダウンロードできます。")
False
>>> site_lost(q, "評価ツール: https://www.digital.go.jp/resources/data_quality")
False

An e-mail address asked (メールアドレスはどこですか) is answered only by one written out:

>>> q = "有識者レビューの依頼を送る窓口のメールアドレスはどこですか"
>>> mail_lost(q, "有識者としては、デジタル庁(データ担当)などの関係者が考えられます。")
True
>>> mail_lost(q, "依頼はデータ担当(data-review@digital.go.jp)あてに送ってください。")
False

Where to get (download) something is asked the same way:

>>> q = "推奨データセットを新しいデータモデルに変換するコンバータは、どこから入手（ダウンロード）できますか"
>>> site_lost(q, "新しいデータモデルがGIFにある場合にはコンバータを提供します。")
True
>>> site_lost("電子基準点のデータはどこから入手できますか", "国土地理院のHPにある「電子基準点データ提供サービス」で入手できる。")
False
"""

from __future__ import annotations

import re

from .qtype import ADDRESS

# 北部防災倉庫はどこにありますか: the place is group 1
_WHERE = re.compile(r"([一-龥々〆ァ-ヶー・A-Za-z0-9]{2,20})(?:は|って)[、\s]*どこ(?:[(（][^()（）]{1,12}[)）])?に"
                    r"(?:あり|ある|置かれ|設置され|(?:本部|本社|本店|事務所|拠点)を?(?:置|構え))")  # オープン・グループは、どこに本部を置いている
_NUM = r"[0-9〇一二三四五六七八九十百千]+"
_SITE = re.compile(rf"{ADDRESS}|{_NUM}\s*階|(?:庁舎|公園|会館|センター|ビル|敷地|構|校|館)内|に(?:あり|所在|位置|設置|置く|置かれ|本部|本社|本店|拠点)|所在地")
_BEFORE = re.compile(rf"{ADDRESS}|(?:に(?:ある|あり|置かれた|設置された|設置する)|内の)\s*[「『]?$")  # 国土地理院のHPにある「…」
_NEAR = 30  # characters after (or, for an address, before) the place's name


def location_lost(question: str, evidence: str) -> bool:
    """Whether ``question`` asks where a named place is and ``evidence`` names that place only
    without saying where it is (no address, floor or site next to any mention of it)."""
    m = _WHERE.search(question)
    if m is None:
        return False
    place = m.group(1)
    spots = [i.start() for i in re.finditer(re.escape(place), evidence)]
    if not spots:
        return False  # another quote altogether: the key coverage judges it
    return not any(_SITE.search(evidence, i + len(place), i + len(place) + _NEAR)
                   or _BEFORE.search(evidence, max(0, i - _NEAR), i) for i in spots)


# where an event is held: どこで開催されますか, どこの会場で行われますか, 会場名を教えてください
_ASKS_VENUE = re.compile(r"どこ(?:の(?:会場|場所|施設)|[(（][^()（）]{1,12}[)）])?で(?:行われ|行い|行う|開催|開かれ|開く|実施|受けられ)|(?:会場|開催場所|会場名)(?:は|を|って)")
# a venue's name (総合文化会館, 本庁舎, 中央公園), not a count of venues (24会場) or the event itself
_VENUE = re.compile(r"[一-龥々ァ-ヶーA-Za-z]{1,20}(?:会場|ホール|会館|公民館|センター|会議室|庁舎|広場|公園|体育館|学校|病院|ビル"
                    r"|市役所|役場|講堂|ひろば|館|室)")
_ADDRESS = re.compile(ADDRESS)


# the event whose venue is asked, named just before it (入居説明会は、どこで開催されますか)
_EVENT = re.compile(r"([一-龥ァ-ヶー]{3,20}(?:会|式|大会|説明会|講習|講座|研修|試験|抽選|検診|教室|イベント))(?:は|って)[、\s]*$")


def venue_lost(question: str, evidence: str) -> bool:
    """Whether ``question`` asks where an event is held and ``evidence`` does not name the event asked just before
    (入居説明会は、どこで), or names no venue (one the question does not name itself), no counter or town hall
    (認定請求はどこで行う: 転入先の市区町村で) and no address."""
    m = _ASKS_VENUE.search(question)
    if m is None:
        return False
    event = _EVENT.search(question[: m.start()])
    if event is not None and event.group(1) not in evidence:
        return True  # 入居説明会は、どこで開催: the venue of the 公開抽選 beside it is another event's
    return (not _ADDRESS.search(evidence) and names_none(_VENUE, question, evidence)
            and names_none(_COUNTER, question, evidence))


def names_none(names: re.Pattern[str], question: str, evidence: str) -> bool:
    """Whether ``evidence`` holds no match of ``names`` that ``question`` does not hold itself (a venue, a counter,
    a site other than those the question names)."""
    return not any(m.group(0) not in question for m in names.finditer(evidence))


# which counter: どこの窓口, どの窓口, 窓口はどこ, どの課, 担当課はどこ
_ASKS_COUNTER = re.compile(r"(?:どこ|どちら)の(?:窓口|課|係)|どの(?:窓口|課|係|部署)|(?:窓口|担当課|担当部署)(?:は|って)[、\s]*(?:どこ|どちら)")
# (or the town hall that serves as one: 住居地の市町村の長を経由して answers どこの窓口を通じて)
_COUNTER = re.compile(r"[一-龥々ァ-ヶーA-Za-z]{1,15}(?:課|係|窓口|室|ルーム|センター|コーナー|支所|出張所|事務所|案内所|カウンター|部局)"
                      r"|市区町村|市町村|市役所|区役所|町役場|村役場|役場")


def counter_lost(question: str, evidence: str) -> bool:
    """Whether ``question`` asks which counter or office and ``evidence`` names none the question does not name."""
    return bool(_ASKS_COUNTER.search(question)) and names_none(_COUNTER, question, evidence)


# which website: どこのウェブサイト, どのサイト, URLは
_ASKS_SITE = re.compile(r"(?:どこ|どちら)の(?:ウェブサイト|ホームページ|サイト|Webサイト|webサイト|HP)|どの(?:ウェブサイト|ホームページ|サイト)"
                        r"|URL(?:は|を|って|[)）])|どこから(?:[(（][^()（）]{1,12}[)）])?(?:入手|ダウンロード|取得)")
# an address on the web, or a site named as one (デジタル庁のウェブサイト, 国土地理院のHP)
_SITE_NAMED = re.compile(r"https?://|www\.|[A-Za-z0-9-]+\.(?:go\.jp|lg\.jp|or\.jp|co\.jp|jp|com|org)\b"
                         r"|[一-龥々ァ-ヶーA-Za-z]{2,20}(?:の)?(?:ウェブサイト|ホームページ|Webサイト|webサイト|HP|ポータル)")


def site_lost(question: str, evidence: str) -> bool:
    """Whether ``question`` asks which website and ``evidence`` gives no address and names no site the question does
    not name."""
    return bool(_ASKS_SITE.search(question)) and names_none(_SITE_NAMED, question, evidence)


# an e-mail address asked: メールアドレスはどこですか, 送り先のメールアドレスを教えてください
_ASKS_MAIL = re.compile(r"メールアドレス(?:は|を|って)[^。]{0,10}?(?:どこ|何|どれ|教え)")
_MAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def mail_lost(question: str, evidence: str) -> bool:
    """Whether ``question`` asks an e-mail address and ``evidence`` writes none."""
    return bool(_ASKS_MAIL.search(question)) and not _MAIL.search(evidence)


# where a paper is to be had: 申込書は、どこで手に入りますか, 請求書の用紙はどこで入手できますか
_ASKS_OBTAINED = re.compile(r"(?:用紙|様式|申込書|請求書|申請書|届出書|書類|コード表|一覧|ツール)(?:は|を)[、,]?[^。]{0,12}?"
                            r"(?:どこ|どちら)(?:で|から)[^。、]{0,6}?(?:入手|手に入|もらえ|ダウンロード)")
# a quote saying where it is had: given out, downloaded, kept at a counter, attached, posted
_OBTAINED = re.compile(r"入手|ダウンロード|配布|配付|備え付|備付|置いて|掲載|添付|お渡し|手に入|もらえ")


def obtained_lost(question: str, evidence: str) -> bool:
    """Whether ``question`` asks where a paper is to be had (申込書はどこで手に入りますか) and ``evidence`` says
    nowhere that one is given out, downloaded, kept or posted, nor names a website: an address to send the
    paper to (〒… 市民課郵送請求担当) is not where the blank is had."""
    return (bool(_ASKS_OBTAINED.search(question)) and not _OBTAINED.search(evidence)
            and names_none(_SITE_NAMED, question, evidence))
