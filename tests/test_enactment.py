"""A question about when a law took effect reaches the law's own 附則 (shirube/enactment.py), not
an amending law's, through the real engine over an e-Gov XML law (fake embedder)."""

from __future__ import annotations

from pathlib import Path

from base.settings import Settings
from model.answerer import Passage
from model.records import Hit
from shirube.engine import Shirube
from shirube.enactment import enactment_passages, enactment_search, own_supplement

from .egov_xml import article, law, suppl


# 災害救助法 (abridged): its own 附則, then three amending laws' 附則 that read the same.
LAW = law("災害救助法", "さいがいきゅうじょほう", "昭和二十二年法律第百十八号",
          article(1, "第一条", "目的",
                  "この法律は、災害に際して、国が地方公共団体、日本赤十字社その他の団体及び国民の協力の下に、応急的に、"
                  "必要な救助を行い、被災者の保護と社会の秩序の保全を図ることを目的とする。"),
          suppl("この法律は、昭和二十二年十月二十日から、これを施行する。")
          + suppl("この法律は、昭和二十四年六月一日から施行する。災害救助法の一部を改正する。", "昭和二四年五月三一日法律第一五七号")
          + suppl("この法律は、公布の日から施行する。災害救助法の施行に関し必要な事項を定める。", "昭和二四年五月三一日法律第一六八号")
          + suppl("この法律は、災害対策基本法の施行の日から施行する。災害救助法の施行の日に関する改正規定は、公布の日から施行する。",
                  "昭和三七年五月八日法律第一〇九号"))


def test_when_a_law_took_effect_is_answered_from_its_own_supplementary_provision(tmp_path: Path):
    sh = Shirube(Settings.load(home=tmp_path, env={}, embedder="fake"))
    sh.ingest_bytes([("saigai.xml", LAW.encode("utf-8"))])
    question = "災害救助法はいつから施行されましたか。"
    found = sh.search(question, k=3)
    assert all("（" in (h.heading or "") for h in found), [h.heading for h in found]  # amendments rank first
    ans = sh.ask(question, k=3, answer_min_confidence=0.0)
    assert ans.answered, ans.text
    assert ans.text.startswith("この法律は、昭和二十二年十月二十日から"), ans.text
    assert ans.citations[0].article == "附則" and "（" not in (ans.passages[0].heading or "")
    # asked about an amendment, the amendments' provisions answer as retrieved
    amended = sh.ask("災害救助法の改正規定はいつ施行されましたか。", k=3, answer_min_confidence=0.0)
    assert [h.chunk_id for h in amended.passages] == [h.chunk_id for h in sh.search("災害救助法の改正規定はいつ施行されましたか。", k=3)]


def _passage(article: str | None, heading: str | None, text: str, chunk: int = 1) -> Passage:
    return Passage(Hit(chunk, 1, chunk, "災害救助法", "saigai.xml", "xml", 1, None, article, heading, text, 0,
                       len(text), 1.0), text, [])


def test_the_lookup_follows_only_a_law_and_only_its_own_supplement():
    art = _passage("第一条", "第一条（目的）", "この法律は、…を目的とする。")
    assert enactment_search("災害救助法の施行日は？", [art]) is not None
    assert enactment_search("災害救助法はいつから施行されましたか", [art]).document_id == 1
    assert enactment_search("災害救助法の目的は？", [art]) is None  # no date of effect asked
    assert enactment_search("改正法はいつ施行されましたか", [art]) is None  # an amendment's
    # the day of effect named as a condition (施行日以後に) asks no date
    assert enactment_search("施行日以後に秘密を漏らした場合の罰則はどうなっていますか", [art]) is None
    assert enactment_search("施行日は？", [_passage(None, "お知らせ", "4月1日から施行します。")]) is None  # no article
    assert own_supplement("附　則　抄", "附則") and own_supplement("附則 > 第一条(施行期日)", "附則第一条")
    assert not own_supplement("附　則（昭和二四年五月三一日法律第一五七号）", "附則")
    assert not own_supplement("第一条（目的）", "第一条")
    own = _passage("附則", "附　則　抄", "この法律は、昭和二十二年十月二十日から、これを施行する。", 7)
    amend = _passage("附則", "附　則（昭和二四年五月三一日法律第一五七号）", "この法律は、昭和二十四年六月一日から施行する。", 8)
    assert enactment_passages([amend, own], [art]) == [own]
    assert enactment_passages([amend, own], [own]) == []  # already first
    assert enactment_passages([amend], [art]) == []
