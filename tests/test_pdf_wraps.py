"""A PDF's hard wrap before が or を (jtext.sentences.joined_wraps): the answerer reads and quotes the two
lines as one sentence, so the answer that the first line names (「保護される情報の定義」) is quoted whole."""

from __future__ import annotations

from jtext.sentences import split_sentences, table_rows
from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.records import Hit

_PAGE = ("クラウド利用者は,クラウド事業者との契約に必要な秘密保持契約の内容が含まれていることを確認することが望ましい。\n"
         "クラウド利用者は,クラウド事業者との秘密保持契約に「保護される情報の定義」\n"
         "が記載されていることを確認することが望ましい。\n"
         "クラウド利用者は,クラウド事業者の監督官庁,管轄裁判所,関連団体,相談窓口などを確認することが望ましい。")


def test_a_line_opening_with_ga_continues_the_line_before():
    units = [s.text for s in table_rows(_PAGE)]
    assert "クラウド利用者は,クラウド事業者との秘密保持契約に「保護される情報の定義」\nが記載されていることを確認することが望ましい。" in units
    assert len(units) == len(split_sentences(_PAGE)) - 1


def test_the_wrapped_sentence_is_quoted_as_one():
    title = "クラウドサービス利用のための情報セキュリティマネジメントガイドライン"
    page = Passage(Hit(1, 1, 1, title, "meti-cloud.pdf", "pdf", 27, None, None, None, _PAGE, 0, len(_PAGE), 7.0), _PAGE, [])
    question = ("クラウドサービスの事業者と秘密保持契約を結ぶことになりました。ガイドラインでは、その契約に何が記載されている"
                "ことを確認するのが望ましいとされていますか")
    ans = ExtractiveAnswerer(lambda t: 4.0).answer(question, [page], query=analyse_query(question))
    assert ans.answered and "「保護される情報の定義」\nが記載されている" in ans.text, ans.text
