"""Follow-up questions (jtext/followup.py): which questions depend on the previous
ones, and the question searched for them — real Japanese examples, exact output."""

from __future__ import annotations

from pathlib import Path

import pytest

from jtext.followup import resolve_followup, topic
from shirube.evaluate import load_qa

ROOT = Path(__file__).resolve().parents[1]

PARTIAL = "部分休業は1日何時間までですか"
JUMINHYO = "住民票の写しの交付手数料はいくらですか"
JOHO = "情報公開請求はどこに提出しますか"


@pytest.mark.parametrize(("question", "expected"), [
    (PARTIAL, "部分休業"),
    (JUMINHYO, "住民票の写し"),  # the aspect asked (交付手数料) is not the topic
    (JOHO, "情報公開請求"),
    ("職員が部分休業を取る場合、1日に最大で何時間まで認められますか", "部分休業"),
    ("固定資産税の納税義務者は誰ですか", "固定資産税"),
    ("マイナンバーカードの受け取りに必要なものは何ですか", "マイナンバーカード"),
    ("育児休業は最長でいつまで延長できますか", "育児休業"),
    # the agent (…が) and a verbal noun (任命する) are passed over for what is asked about
    ("常勤職員が育児休業を請求するときは、休業を始める日のどれくらい前までに請求書を出しますか", "育児休業"),
    ("市長が任命する委員の任期は何年ですか", "委員の任期"),
    ("マイナンバーカードが届いたら何をすればいいですか", "マイナンバーカード"),  # nothing else: the agent
    ("期限は？", None),
    ("代理人が請求する場合は何が必要ですか", None),
    ("それはいつまでですか", None),
    # a count (一人) or a frequency (毎年) is no topic: the agent passed over, the next chain is
    ("小学3年生の長男が一人いるだけです（第1子）。標市の児童手当は、この子について月額いくら受け取れますか", "標市の児童手当"),
    ("工場の従業員が業務中の事故で負傷しました。分割して補償する場合は、何年にわたって毎年支払うことになりますか", "業務中の事故"),
    ("分割して補償する場合は、毎年いくら支払いますか", "分割"),
])
def test_topic(question, expected):
    assert topic(question) == expected


@pytest.mark.parametrize(("previous", "question", "searched"), [
    # anaphora: その/この/上記の + noun, それ, 同じ — replaced by the topic
    (PARTIAL, "その場合、給与はどうなりますか", "部分休業の場合、給与はどうなりますか"),
    ("常勤職員が育児休業を請求するときは、休業を始める日のどれくらい前までに請求書を出しますか",
     "その場合、給与はどうなりますか", "育児休業の場合、給与はどうなりますか"),
    ("職員が部分休業を取る場合、1日に最大で何時間まで認められますか", "上記の場合、給与は減額されますか",
     "部分休業の場合、給与は減額されますか"),
    (JOHO, "それはいつまでに決定されますか", "情報公開請求はいつまでに決定されますか"),
    (JUMINHYO, "同じ手続きで代理人も申請できますか", "住民票の写しと同じ手続きで代理人も申請できますか"),
    (JOHO, "その決定に不服がある場合は？", "情報公開請求の決定に不服がある場合は？"),
    # an article pointing at a noun the previous question says, reading from a source it names: that source's
    # (入管法's 通報), not the story's first topic (転入)
    ("転入の手続に来た外国人に不法残留の疑いがあります。入管法では、市の職員はこのような外国人を知った場合に通報しなければなりませんか",
     "では、その通報は、どのような方法で行いますか", "入管法では、通報は、どのような方法で行いますか"),
    # ... an aspect of it too (その延長: the law's 延長, not the story's 海外), but not its situation (その場合)
    ("海外から部品を輸入している事業者から相談を受けました。消費税法では、この延長を受けるための申請書は、いつまでに出しますか",
     "では、その延長が認められた場合、納期限は最長でどれだけ先まで延ばしてもらえますか",
     "消費税法では、延長が認められた場合、納期限は最長でどれだけ先まで延ばしてもらえますか"),
    ("職員が部分休業を取る場合、労働基準法では、1日に最大で何時間まで認められますか", "その場合、給与はどうなりますか",
     "部分休業の場合、給与はどうなりますか"),
    # no topic of its own: the previous topic is added
    (JUMINHYO, "代理人が請求する場合は？", "住民票の写しについて、代理人が請求する場合は？"),
    (JUMINHYO, "代理人が請求する場合は何が必要ですか", "住民票の写しについて、代理人が請求する場合は何が必要ですか"),
    (JOHO, "郵送でもできますか", "情報公開請求について、郵送でもできますか"),
    ("育児休業は最長でいつまで延長できますか", "延長するにはどうすればいいですか",
     "育児休業について、延長するにはどうすればいいですか"),
    # それ after a question asking for a thing (何を提出, 何が必要) names that thing: the answer
    ("道路占用の許可を受けて行った工事が終わったら、何を提出しなければなりませんか", "それはいつまでに出せばいいですか",
     "道路占用の許可を受けて行った工事が終わったら提出するものはいつまでに出せばいいですか"),
    ("住民票の写しを代理人が請求するときに何が必要ですか", "それはどこでもらえますか",
     "住民票の写しを代理人が請求するときに必要なものはどこでもらえますか"),
    # very short 「…は？」 questions: the aspect of the topic
    (JUMINHYO, "期限は？", "住民票の写しの期限は？"),
    (PARTIAL, "給与はどうなりますか", "部分休業の給与はどうなりますか"),
    (JUMINHYO, "じゃあ費用は?", "住民票の写しの費用は?"),
    ("固定資産税の納税義務者は誰ですか", "じゃあ納期限は?", "固定資産税の納期限は?"),
    # an aspect written with a lemma of another spelling (受付 → 受け付け) or a 先 (提出先)
    (JOHO, "受付時間は？", "情報公開請求の受付時間は？"),
    (JOHO, "提出先は？", "情報公開請求の提出先は？"),
    # 「では、Xは？」: the same question about another topic
    (JUMINHYO, "では、印鑑登録証明書は？", "印鑑登録証明書の交付手数料はいくらですか"),
    (PARTIAL, "では育児短時間勤務はどうですか", "育児短時間勤務は1日何時間までですか"),
    (PARTIAL, "それから、期限は？", "部分休業の期限は？"),
    # the previous question asked again under a condition: its main clause names nothing new
    ("テレワークをする職員は、いつまでに実施申請をしなければなりませんか", "災害など緊急のときは？",
     "災害など緊急のときは、テレワークをする職員は、いつまでに実施申請をしなければなりませんか"),
    ("GIFのデータで日付は和暦と西暦のどちらで表しますか", "画面に表示したり印刷したりするときは？",
     "画面に表示したり印刷したりするときは、GIFのデータで日付は和暦と西暦のどちらで表しますか"),
    ("APIのレスポンスで日時を表すときは、どの規格に準拠しますか", "日付だけの場合はどう書きますか",
     "APIのレスポンスについて、日付だけの場合はどう書きますか"),
    # an aspect of a document (最終改正, 施行) is not a topic; a child (子ども) is not the topic of 児童手当
    ("情報システム安全対策基準はいつ制定されましたか", "最終改正は？", "情報システム安全対策基準の最終改正は？"),
    ("子どもが生まれて児童手当を受けるには、何日以内に申請する必要がありますか", "その申請には何を持っていけばいいですか",
     "児童手当の申請には何を持っていけばいいですか"),
    # self-contained: left as asked
    (PARTIAL, "粗大ごみの大きさの基準は？", "粗大ごみの大きさの基準は？"),
    (PARTIAL, "テレワーク中に端末を紛失したときは、所属長のほかどの課に報告しますか",
     "テレワーク中に端末を紛失したときは、所属長のほかどの課に報告しますか"),
    ("本庁舎の市民課の休日窓口は何時まで受け付けていますか", "期限は？", "本庁舎の市民課の休日窓口の期限は？"),
    (JUMINHYO, "マイナンバーカードの受け取りに必要なものは何ですか", "マイナンバーカードの受け取りに必要なものは何ですか"),
    (PARTIAL, "育児休業は最長でいつまで延長できますか", "育児休業は最長でいつまで延長できますか"),
    (JOHO, "では、情報公開請求の手数料はいくらですか", "では、情報公開請求の手数料はいくらですか"),
    (JOHO, "本庁舎の市民課の窓口は何時までですか", "本庁舎の市民課の窓口は何時までですか"),
    (PARTIAL, "その他の休暇は？", "その他の休暇は？"),  # その他 is not anaphora
    (JUMINHYO, "偽りその他不正な手段で手数料の徴収を免れた者には、免れた額の何倍以下の過料が科されますか",
     "偽りその他不正な手段で手数料の徴収を免れた者には、免れた額の何倍以下の過料が科されますか"),
    (JUMINHYO, "65歳以上の方の第9期介護保険料の基準額は月額いくらですか",
     "65歳以上の方の第9期介護保険料の基準額は月額いくらですか"),
    # それ after the question's own clause (通報し、それで), その before a noun the question named itself (その契約):
    # they point within the question, which is searched as asked
    ("労働基準法では、未成年者の労働契約を親が代わりに結ぶことはできますか",
     "それでは、本人が自分で結んだ契約が本人に不利だと分かった場合、その契約を解除できるのは誰ですか",
     "それでは、本人が自分で結んだ契約が本人に不利だと分かった場合、その契約を解除できるのは誰ですか"),
    (JUMINHYO, "では、市役所の職員が仕事の中で知った事実をもとに通報し、それで退去強制令書が出た場合にも報償金を受け取れますか",
     "では、市役所の職員が仕事の中で知った事実をもとに通報し、それで退去強制令書が出た場合にも報償金を受け取れますか"),
    # the previous question has no topic: nothing to add
    ("それはいつまでですか", "費用は？", "費用は？"),
])
def test_followup_rewrite(previous, question, searched):
    assert resolve_followup(question, [previous]) == searched


def test_no_history_leaves_the_question_alone():
    assert resolve_followup("その場合、給与はどうなりますか", []) == "その場合、給与はどうなりますか"
    assert resolve_followup("その場合、給与はどうなりますか", None) == "その場合、給与はどうなりますか"
    assert resolve_followup("その場合、給与はどうなりますか", ["", "  "]) == "その場合、給与はどうなりますか"


def test_a_chain_of_follow_ups_keeps_the_original_topic():
    history = [JUMINHYO, "代理人が請求する場合は？"]
    assert resolve_followup("費用は？", history) == "住民票の写しの費用は？"
    assert resolve_followup("その場合、給与はどうなりますか", [PARTIAL, "期限は？", "それは延長できますか"]) \
        == "部分休業の場合、給与はどうなりますか"
    # a new topic in the chain is the one that counts from then on
    assert resolve_followup("その場合、給与はどうなりますか", [PARTIAL, "では、育児休業は？"]) \
        == "育児休業の場合、給与はどうなりますか"
    assert resolve_followup("期限は？", [PARTIAL, "粗大ごみの大きさの基準は？"]) == "粗大ごみの期限は？"


def test_sample_questions_stand_on_their_own():
    """Every question of samples/qa.jsonl has its own topic: asked after another one, none is rewritten."""
    questions = [q.question for q in load_qa(ROOT / "samples" / "qa.jsonl")]
    for previous in (JUMINHYO, PARTIAL, questions[0]):
        rewritten = {q: resolve_followup(q, [previous]) for q in questions if q != previous}
        assert {q: r for q, r in rewritten.items() if r != q} == {}


def test_the_members_asked_after_their_body_are_that_body_s():
    """「…視察委員会という組織…入管法では、この委員会は何人以内の委員で」「では、その委員の任期は」: the 委員 of that
    委員会, searched with its name, not any law's 委員."""
    previous = ("出入国在留管理に関する資料を読んでいて、入国者収容所等視察委員会という組織が出てきました。入管法では、"
                "この委員会は何人以内の委員で組織することになっていますか")
    assert resolve_followup("では、その委員の任期は何年ですか", [previous]) == \
        "入管法では、入国者収容所等視察委員会の委員の任期は何年ですか"


def test_that_method_after_a_how_question_is_the_method_asked():
    """「道路占用料はどのように計算されますか」「それで計算した額が…」: それ is that calculation, not the story's first
    topic (商店街の催し)."""
    previous = ("商店街の催しに合わせて、数か月だけ市道に突出看板を出す予定です。占用期間が1年に満たない場合、道路占用料は"
                "どのように計算されますか")
    assert resolve_followup("それで計算した額がごくわずかになった場合、最低いくら納めることになりますか", [previous]) == \
        "道路占用料の計算方法で計算した額がごくわずかになった場合、最低いくら納めることになりますか"


def test_that_document_after_a_question_naming_one_is_that_title():
    """「…に載っている『データ利活用のてびき』は、どこが作成した資料として…」「では、その資料はいつ付け…」: その資料 is
    the title the question quoted, not its first topic (GIF推進)."""
    previous = "GIF推進に有益なルール等の一覧に載っている『データ利活用のてびき』は、どこが作成した資料として紹介されていますか"
    assert resolve_followup("では、その資料はいつ付けのものとして載っていますか", [previous]) == \
        "『データ利活用のてびき』はいつ付けのものとして載っていますか"
    # a question quoting two titles says not which one: its topic, as before
    two = "『データ利活用のてびき』と『オープンデータ基本指針』は、どこが作成した資料ですか"
    assert resolve_followup("では、その資料はいつ付けのものですか", [two]) == "データ利活用のてびきの資料はいつ付けのものですか"
    # その場合 points at the situation, not at a document: the topic, as before
    assert resolve_followup("その場合、手数料はいくらですか", [previous]) == "GIF推進の場合、手数料はいくらですか"
