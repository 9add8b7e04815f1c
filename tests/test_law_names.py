"""A statute asked by its official short name (マイナンバー法 for 行政手続における特定の個人を識別するための
番号の利用等に関する法律): e-Gov XML gives the names (LawTitle's Abbrev), the loader keeps them, every hit
of the law carries them, and the answerer's check that the quote comes from the statute named reads them.
Through the real engine (fake embedder: retrieval is lexical)."""

from __future__ import annotations

from pathlib import Path

from base.settings import Settings
from indexer.loaders import LoadLimits
from indexer.loaders.egov import load_egov
from shirube.engine import Shirube

from .egov_xml import article, law

_TITLE = "行政手続における特定の個人を識別するための番号の利用等に関する法律"
_MAIN = (article(18, "第十八条", "手数料", "地方公共団体情報システム機構（以下「機構」という。）は、個人番号カードの発行に関する事務に要する費用について、"
                   "手数料を徴収することができる。")
         + article(19, "第十九条", "手数料の額",
                   "機構は、前条に規定する手数料の額を定め、又はこれを変更しようとするときは、総務大臣の認可を受けなければならない。"))
_NUM = "平成二十五年法律第二十七号"
_Q = "マイナンバー法で、地方公共団体情報システム機構が手数料の額を変更するときは、何が必要とされていますか"


def _ask(home: Path, xml: str):
    sh = Shirube(Settings.load(home=home, env={}, embedder="fake"))
    sh.ingest_bytes([("bango.xml", xml.encode("utf-8"))])
    return sh, sh.ask(_Q, k=2, answer_min_confidence=0.0)


def test_the_loader_keeps_e_gov_s_short_names_of_a_law():
    doc = load_egov(law(_TITLE, "ばんごう", _NUM, _MAIN, abbrev="マイナンバー法,個人番号法,番号法").encode(), "bango.xml",
                    LoadLimits())
    assert doc.title == _TITLE and doc.meta == {"law_num": _NUM, "abbrev": "マイナンバー法,個人番号法,番号法"}
    # a law without short names (雇用保険法: Abbrev="") records none
    assert "abbrev" not in load_egov(law("雇用保険法", "こようほけんほう", _NUM, _MAIN).encode(), "koyo.xml",
                                     LoadLimits()).meta


def test_a_law_asked_by_its_short_name_is_answered_and_cited_by_its_title(tmp_path: Path):
    sh, ans = _ask(tmp_path / "named", law(_TITLE, "ばんごう", _NUM, _MAIN, abbrev="マイナンバー法,個人番号法,番号法"))
    assert ans.answered and "総務大臣の認可" in ans.text, ans.text
    assert ans.citations[0].title == _TITLE and ans.citations[0].article == "第十九条"
    assert all(h.aliases == ("マイナンバー法", "個人番号法", "番号法") for h in ans.passages)
    # the same law without its short names: マイナンバー法 is nowhere, so the quote is not from the statute asked
    sh, ans = _ask(tmp_path / "unnamed", law(_TITLE, "ばんごう", _NUM, _MAIN))
    assert not ans.answered and ans.meta["decided_by"] == "named_ok"
    assert all(h.aliases == () for h in ans.passages)


def test_a_short_name_of_another_law_is_not_the_law_quoted(tmp_path: Path):
    """入管法 asked, only the 番号法 (with its own short names) indexed: not the statute asked."""
    sh, _ = _ask(tmp_path, law(_TITLE, "ばんごう", _NUM, _MAIN, abbrev="マイナンバー法,個人番号法,番号法"))
    ans = sh.ask("入管法で、地方公共団体情報システム機構が手数料の額を変更するときは、何が必要とされていますか",
                 k=2, answer_min_confidence=0.0)
    assert not ans.answered
