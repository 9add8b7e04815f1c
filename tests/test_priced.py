"""A price asked of a thing the quote never names, while it prices others (日除け asked, 電柱 and
突出看板 priced), is another thing's answer (model/priced.py, refused by model/extractive.py)."""

from __future__ import annotations

from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.priced import priced_item_lost
from model.records import Hit

_FEES = ("8.占用料\n(1) 市道の占用料は、標市道路占用料徴収条例に基づき、年度ごとに算定します。\n"
         "(2) 主な占用料(年額)は、第1種電柱1本につき1,700円、突出看板は表示面積1平方メートルにつき2,400円です。")


def _ask(question: str):
    hit = Hit(1, 1, 1, "道路占用許可申請の手引き", "doro.pdf", "pdf", 1, 3, None, None, _FEES, 0, len(_FEES), 7.0)
    return ExtractiveAnswerer(lambda t: 3.0).answer(question, [Passage(hit, _FEES, [])], query=analyse_query(question))


def test_a_thing_priced_nowhere_in_a_list_of_prices_is_lost():
    assert priced_item_lost("市道に日除けを出す場合、占用料は1平方メートルあたり年額いくらですか", _FEES)
    assert not priced_item_lost("市道に突出看板を出す場合、占用料は1平方メートルあたり年額いくらですか", _FEES)
    # one price only: it may be the asked thing's under another name
    assert not priced_item_lost("市営住宅の使用料は月額いくらですか", "家賃は、所得に応じて月額18,000円で決定します。")
    # the local government's name is whose price, not what is priced
    assert not priced_item_lost("標市の突出看板の占用料は年額いくらですか", _FEES.replace("標市", ""))
    # an act named (取得) is no thing priced: the list names the copy and the convenience store
    fees = "3 手数料\n・住民票の写し 1通 300円\n・マイナンバーカードを利用したコンビニ交付による住民票の写し 1通 200円"
    assert not priced_item_lost("マイナンバーカードを使ってコンビニで住民票の写しを取得する場合の手数料はいくらですか", fees)
    # not an amount asked
    assert not priced_item_lost("日除けの占用許可は誰が出しますか", _FEES)


def test_the_answerer_refuses_the_price_of_another_thing_and_answers_the_asked_one():
    no = _ask("市道に日除けを出す場合、占用料は1平方メートルあたり年額いくらですか")
    assert not no.answered and not no.citations
    ok = _ask("市道に突出看板を出す場合、占用料は1平方メートルあたり年額いくらですか")
    assert ok.answered and "2,400円" in ok.text


def test_a_bound_asked_is_no_thing_priced():
    """「家屋の課税標準額の合計がいくら未満なら」: 未満 frames the amount (the list says 満たない), it is not priced."""
    exempt = ("同一の方が市内に所有する固定資産の課税標準額の合計が、次の金額に満たない場合は、固定資産税は課税されません。\n"
              "・土地 30万円\n・家屋 20万円\n・償却資産 150万円")
    assert not priced_item_lost("標市では、家屋の課税標準額の合計がいくら未満なら固定資産税が課されませんか", exempt)
    # the thing itself must still be named: 車両 is priced nowhere in the list
    assert priced_item_lost("標市では、車両の課税標準額の合計がいくら未満なら固定資産税が課されませんか", exempt)
