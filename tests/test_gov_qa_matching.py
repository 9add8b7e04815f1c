"""bench/gov_qa.py's answer matching: a gold string counts when the answer holds it as the index
writes it (jtext.charfold folds every wave dash to 〜, NFKC does not)."""

from __future__ import annotations

from bench.gov_qa import answer_found
from jtext.normalize import normalize


def test_wave_dash_gold_matches_the_indexed_text() -> None:
    indexed = normalize("なお、UTF-8では、漢字等を１文字当たり１～４バイトの可変長で表現します。").text
    assert "1〜4バイト" in indexed  # the index's fold, which the gold (１～４, NFKC 1~4) does not share
    assert answer_found(["1~4バイト"], indexed)
    assert answer_found(["1～4バイト"], indexed)
    assert not answer_found(["2~4バイト"], indexed)


def test_kanji_numerals_and_spaces_still_fold() -> None:
    assert answer_found(["6年"], "六年にわたり毎年補償することができる。")
    assert answer_found(["45日"], "申請から45 日以内")
    assert not answer_found(["7年"], "六年にわたり毎年補償することができる。")
