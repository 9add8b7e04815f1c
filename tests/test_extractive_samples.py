"""The extractive answerer over samples/ with the real bundled embedder: the
right sentence of the right passage, the document's structure kept, and a
near-miss question refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.records import NOT_FOUND
from shirube.engine import Shirube

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sh(tmp_path_factory) -> Shirube:
    eng = Shirube.open(home=tmp_path_factory.mktemp("extractive"))
    rep = eng.ingest([str(ROOT / "samples")])
    assert not rep.errors
    yield eng
    eng.close()


def test_documents_needed_by_a_proxy_are_quoted(sh):
    ans = sh.ask("住民票の写しを代理人が請求するときに必要なものは何ですか")
    assert ans.answered
    assert ans.citations[0].source == "juminhyo_utsushi_kofu.txt"
    assert "委任状" in ans.citations[0].quote  # the answer first


def test_the_longest_extension_includes_the_paragraph_that_refers_back(sh):
    ans = sh.ask("育児休業は最長でいつまで延長できますか")
    assert ans.answered
    quote = next(c.quote for c in ans.citations if c.source == "ikuji_kyugyo_kitei.pdf")
    assert "1歳6か月に達する日まで延長" in quote and "2歳に達する日まで再度延長" in quote


def test_an_articles_paragraphs_keep_their_order(sh):
    ans = sh.ask("情報公開請求の公開決定の期限を延長するとき、延長できるのは最長で何日以内ですか")
    assert ans.answered and "三十日" in ans.text
    articles = [c.article for c in ans.citations if c.source == "joho_kokai_jorei.xml"]
    assert articles and articles[0].startswith("第十条")
    if any(a.startswith("第十一条") for a in articles):
        assert articles.index(next(a for a in articles if a.startswith("第十一条"))) > 0


@pytest.mark.parametrize("question", ["市長の任期は何年ですか", "下水道使用料の計算方法を教えてください"])
def test_near_miss_questions_are_refused(sh, question):
    ans = sh.ask(question)
    assert not ans.answered, ans.text
    assert ans.text == NOT_FOUND and ans.citations == () and ans.passages


def test_a_refusal_shows_each_closest_passage_at_its_sentence_nearest_the_question(sh):
    """市長の任期 is refused; the closest passage is the ordinance's 委員の任期 paragraph, shown at that
    sentence (not at the passage's opening), marked as no answer in the CLI and kept with the turn."""
    from shirube.cli import format_answer
    from shirube.conversations import answer_from_dict

    ans = sh.ask("市長の任期は何年ですか")
    assert not ans.answered and ans.closest
    assert [c.n for c in ans.closest] == sorted({c.n for c in ans.closest}) and ans.closest[0].n >= 1
    for c in ans.closest:  # each is its passage's own span, quoted from the original text
        h = ans.passages[c.n - 1]
        assert (c.section_id, c.document_id, c.title) == (h.section_id, h.document_id, h.title)
        assert sh.section(c.section_id)["text"][c.start:c.end] == c.quote
    first = next(c for c in ans.closest if c.source == "joho_kokai_jorei.xml")
    assert first.quote.startswith("委員の任期は") and first.article.startswith("第十四条")
    shown = format_answer(ans)
    assert "回答ではありません" in shown and f"「{first.quote.strip()}」" in shown
    assert answer_from_dict(ans.to_dict()).closest == ans.closest


def test_a_closest_sentence_is_not_the_passages_opening_when_another_is_nearer(sh):
    """猫の登録 is a near miss of the dog page: refused, and its passage is shown at the fee's sentence,
    which is not where the passage opens (飼い始めたときは…)."""
    ans = sh.ask("犬の登録の手数料で、猫を登録するときの金額はいくらですか")
    assert not ans.answered, ans.text
    fee = next(c for c in ans.closest if c.source == "inu_toroku_kyokenbyo.html")
    assert "登録手数料" in fee.quote and "3,000円" in fee.quote
    assert "登録手数料" not in ans.passages[fee.n - 1].text[:40]
