"""A penalty question reaches the provision that punishes the duty it found (shirube/penalty.py),
through the real engine over an e-Gov XML law (fake embedder: the second search is lexical)."""

from __future__ import annotations

from pathlib import Path

from base.settings import Settings
from model.answerer import Passage
from model.records import Hit
from shirube.engine import Shirube
from shirube.penalty import penalty_search

from .egov_xml import article, law


# 労働安全衛生法 (abridged): the duty in 第十四条, its penalty in the 罰則 chapter, which names it only by number.
LAW = law("労働安全衛生法", "ろうどうあんぜんえいせいほう", "昭和四十七年法律第五十七号", (
    '<Chapter Num="3"><ChapterTitle>第三章　安全衛生管理体制</ChapterTitle>'
    + article(14, "第十四条", "作業主任者",
              "事業者は、高圧室内作業その他の労働災害を防止するための管理を必要とする作業で、政令で定めるものについては、"
              "技能講習を修了した者のうちから、作業主任者を選任し、その者に当該作業に従事する労働者の指揮を行わせなければならない。")
    + article(15, "第十五条", "統括安全衛生責任者",
              "事業者で、一の場所において行う事業の仕事の一部を請負人に請け負わせているものは、統括安全衛生責任者を選任しなければならない。")
    + '</Chapter><Chapter Num="12"><ChapterTitle>第十二章　罰則</ChapterTitle>'
    + article(119, "第百十九条", "罰則", "第十四条の規定に違反した者は、六月以下の拘禁刑又は五十万円以下の罰金に処する。")
    + article(120, "第百二十条", "罰則", "第十五条の規定に違反した者は、五十万円以下の罰金に処する。")
    + article(121, "第百二十一条", "罰則", "第十四条の二の規定による届出をしなかつた者は、三十万円以下の罰金に処する。")
    + "</Chapter>"))


def _ask_penalty(home: Path, name: str, xml: str, question: str, duty: str):
    """Ingest one law, check that retrieval's first hit is the duty (not its penalty), and ask."""
    sh = Shirube(Settings.load(home=home, env={}, embedder="fake"))
    sh.ingest_bytes([(name, xml.encode("utf-8"))])
    assert [h.article for h in sh.search(question, k=1)] == [duty]  # the duty, not its penalty
    ans = sh.ask(question, k=1, answer_min_confidence=0.0)
    assert ans.answered, ans.text
    return sh, ans


def test_a_penalty_question_is_answered_from_the_provision_that_punishes_the_duty(tmp_path: Path):
    sh, ans = _ask_penalty(tmp_path, "anzen.xml", LAW, "作業主任者を選任しなかった場合の罰則の上限は？", "第十四条")
    assert "五十万円以下の罰金" in ans.text and "六月以下の拘禁刑" in ans.text
    assert "第百十九条" in {c.article for c in ans.citations}
    assert {h.article for h in ans.passages} == {"第十四条", "第百十九条"}  # not 第十四条の二's, not 第十五条's
    # a question about no penalty asks nothing more
    plain = sh.ask("作業主任者は誰のうちから選任しますか。", k=1, answer_min_confidence=0.0)
    assert [h.article for h in plain.passages] == ["第十四条"]


def _passage(article: str, text: str) -> Passage:
    return Passage(Hit(1, 1, 1, "労働安全衛生法", "anzen.xml", "xml", 1, None, article, None, text, 0, len(text), 1.0),
                   text, [])


def test_the_second_search_only_follows_a_duty_article():
    duty = _passage("第十四条第二項", "事業者は、作業主任者を選任しなければならない。")
    search = penalty_search("作業主任者を選任しなかったときの罰金は？", [duty])
    assert search is not None and search.article == "第十四条" and search.document_id == 1
    assert search.cites("第十四条の規定に違反した者") and not search.cites("第十四条の二の規定に違反した者")
    assert penalty_search("作業主任者は誰が選任しますか", [duty]) is None  # no penalty asked
    penalty = _passage("第百十九条", "第十四条の規定に違反した者は、五十万円以下の罰金に処する。")
    assert penalty_search("罰金はいくらですか", [penalty]) is None  # the passage is the penalty already
    assert penalty_search("罰則は？", [_passage("附則", "この法律は、公布の日から施行する。")]) is None  # no article


def test_a_penalty_in_another_paragraph_of_the_same_article_cites_the_duty_s_paragraph():
    """東京都 個人情報の保護に関する法律施行条例 附則第三条: the duty in 第四項, its penalty in 第七項
    (「第四項に規定する者が…漏らしたときは…罰金に処する。」), which names only the paragraph."""
    duty = _passage("附則第三条第四項", "施行日前に審査会の委員であった者に係る秘密を漏らしてはならない義務については、なお従前の例による。")
    search = penalty_search("委員だった人が在任中に知った秘密を漏らした場合の罰則はどうなっていますか", [duty])
    assert search is not None and search.article == "附則第三条"
    penalty = "第四項に規定する者が、その職務上知り得た秘密を施行日以後に漏らしたときは、一年以下の拘禁刑又は五十万円以下の罰金に処する。"
    assert search.cites(penalty, "附則第三条第七項")
    assert not search.cites(penalty, "附則第四条第七項")  # another article's 第四項
    assert not search.cites("第五項に規定する者が…罰金に処する。", "附則第三条第七項")  # another paragraph
    assert search.cites("前項の規定に違反した者は、五万円以下の過料に処する。", "附則第三条第五項")  # the next paragraph
    assert not search.cites("前項の規定に違反した者は、五万円以下の過料に処する。", "附則第三条第六項")


# An ordinance (abridged) whose penalty is the duty's own article's next paragraph, citing it as 前項.
_ORDINANCE = law("標市審査会条例", "しるべしんさかいじょうれい", "令和五年標市条例第一号", (
    '<Article Num="5"><ArticleCaption>（秘密の保持）</ArticleCaption><ArticleTitle>第五条</ArticleTitle>'
    '<Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence Num="1">'
    "審査会の委員は、職務上知り得た秘密を漏らしてはならない。その職を退いた後も、同様とする。"
    '</Sentence></ParagraphSentence></Paragraph>'
    '<Paragraph Num="2"><ParagraphNum>２</ParagraphNum><ParagraphSentence><Sentence Num="1">'
    "前項の規定に違反した者は、一年以下の拘禁刑又は五十万円以下の罰金に処する。"
    '</Sentence></ParagraphSentence></Paragraph></Article>'
    + article(6, "第六条", "委任", "この条例の施行に関し必要な事項は、市長が定める。")))


def test_the_penalty_in_the_duty_s_next_paragraph_is_found_and_quoted(tmp_path: Path):
    _, ans = _ask_penalty(tmp_path, "shinsakai.xml", _ORDINANCE,
                          "審査会の委員が職務上知り得た秘密を漏らした場合の罰則はどうなっていますか", "第五条")
    assert "五十万円以下の罰金" in ans.text, ans.text
    # quoted after the duty it refers back to (前項の規定に違反した者は), as the article reads
    arts = [c.article for c in ans.citations]
    assert "第五条第二項" in arts and arts.index("第五条") < arts.index("第五条第二項")
