"""The question's focus (model/focus.py) and the part a count asks about (model/form_source.subset_words),
through the extractive answerer, on text written like the real guides and statutes: each refuses the quote
that misses it and still answers from the text that names it."""

from __future__ import annotations

from jtext.terms import analyse_query
from model.answerer import Passage
from model.extractive import ExtractiveAnswerer
from model.focus import focus_words, rare_keys, role_words
from model.lead import choose_lead
from model.qtype import analyse
from model.records import Hit
from model.sentence_score import Scored


def _page(text: str, title: str, page: int = 1) -> Passage:
    return Passage(Hit(1, 1, 1, title, "guide.pdf", "pdf", page, None, None, None, text, 0, len(text), 7.0), text, [])


def _article(text: str, title: str, article: str) -> Passage:
    return Passage(Hit(2, 2, 1, title, "law.xml", "xml", 1, None, article, None, text, 0, len(text), 7.0), text, [])


def _answer(question: str, passages: list[Passage]):
    return ExtractiveAnswerer(lambda t: 4.0).answer(question, passages, query=analyse_query(question))


_IPA = "情報セキュリティ早期警戒パートナーシップガイドライン"
_REPORT = ("発見者は、発見した脆弱性関連情報をIPAに届け出てください。ただし、発見者から直接の届出を受け入れる旨を承諾している"
           "製品開発者の場合、直接届け出ることも可能です。発見者は、脆弱性関連情報を正当な理由がない限り第三者に開示しないで"
           "ください。")
_REWARD_Q = ("他社のソフトウエア製品に脆弱性を見つけ、IPAに届け出ました。情報セキュリティ早期警戒パートナーシップでは、"
             "届け出た発見者が報奨金を受け取ることはできますか")


def test_a_yes_no_question_is_not_answered_without_the_thing_it_asks_about():
    ans = _answer(_REWARD_Q, [_page(_REPORT, _IPA)])
    assert not ans.answered, ans.text


def test_a_yes_no_question_is_answered_where_the_thing_is_named():
    text = _REPORT + "IPAは、届け出た発見者に対して報奨金を支払いません。"
    ans = _answer(_REWARD_Q, [_page(text, _IPA)])
    assert ans.answered and "報奨金" in ans.text, ans.text


def test_an_object_referred_back_to_the_situation_is_no_word_the_text_must_name():
    """「この判子を登録することはできますか」: この判子 is the asker's 浸透印, which the guide names as such."""
    q = "手元にある判子は、朱肉の要らないゴム製の浸透印だけです。印鑑登録をするとき、この判子を登録することはできますか"
    assert [analyse(q).key_words[i] for i in focus_words(analyse(q), q)] == []
    guide = _page("印鑑登録では、朱肉の要らないゴム製の浸透印は、手元にそれしかなくても登録できません(変形しやすいため)。",
                  "印鑑登録のご案内")
    ans = _answer(q, [guide])
    assert ans.answered and "浸透印" in ans.text, ans.text
    # named, not referred back: the thing asked about is still the focus
    q2 = "印鑑登録をするとき、実印用の判子を登録することはできますか"
    assert [analyse(q2).key_words[i] for i in focus_words(analyse(q2), q2)] == ["判子"]


_LAW = "出入国管理及び難民認定法"
_CARD = _article("在留カードの交付を受けた中長期在留者は、当該在留カードの有効期間の満了の日の二月前から有効期間が満了する日までの"
                 "間に、出入国在留管理庁長官に対し、在留カードの有効期間の更新を申請しなければならない。", _LAW, "第十九条の十一")
_AGENCY_Q = ("出入国在留管理庁長官の登録を受けた登録支援機関は、5年ごとの登録の更新を、有効期間が満了する日の何日前までに"
             "申請しなければなりませんか")


def test_a_question_about_one_body_is_not_answered_from_anothers_rule():
    """二月前 is the card holder's deadline: 登録支援機関, the question's topic, is nowhere in it (the quote
    holds five of the question's eight keys: the key threshold alone lets it through)."""
    decision = ExtractiveAnswerer(lambda t: 4.0).decide(_AGENCY_Q, [_CARD], query=analyse_query(_AGENCY_Q))
    assert decision.check == "detail_ok" and decision.candidate.signals.key_cov >= 0.6


def test_the_topics_own_rule_answers():
    own = _article("登録支援機関は、登録の有効期間が満了する日の九十日前までに、出入国在留管理庁長官に対し、登録の更新を申請し"
                   "なければならない。", _LAW, "第十九条の二十七")
    ans = _answer(_AGENCY_Q, [own, _CARD])
    assert ans.answered and "九十日前" in ans.text, ans.text


_PLAN = "標市防災備蓄計画"
_COUNT_Q = "標市が災害時の物資調達のために結んでいる応援協定のうち、飲料メーカーとの協定は何件ですか"


def test_the_count_of_the_whole_does_not_answer_for_a_part():
    text = ("第8 協定による調達\n市は、災害時における物資の調達のため、市内のスーパーマーケット、飲料メーカー等と応援協定を"
            "締結している。令和6年3月末現在の協定締結数は27件である。")
    assert not _answer(_COUNT_Q, [_page(text, _PLAN, 2)]).answered


def test_the_count_of_the_part_answers():
    text = ("第8 協定による調達\n市は、災害時における物資の調達のため、市内のスーパーマーケット、飲料メーカー等と応援協定を"
            "締結している。令和6年3月末現在の協定締結数は27件で、そのうち飲料メーカーとの協定は4件である。")
    ans = _answer(_COUNT_Q, [_page(text, _PLAN, 2)])
    assert ans.answered and "4件" in ans.text, ans.text


def test_the_row_of_the_part_leads_before_the_total():
    """「コードのうち、医療の区分に当たるものはいくつ」: the table's row 医療 207 leads, close enough to the sentence
    on the whole (合計697, 区分別) that names no 医療; without the part asked, the best sentence holding a figure leads."""
    text = ("参考ですが、行政機関が保有するコードは合計697(2020年12月時点)あり、区分別のコード数は以下のとおりです。\n"
            "自然 43 河川コード、島コード、海域区分コード\n医療 207 医療機関番号、二次医療圏")
    passages = [_page(text, "コード(分類体系)導入実践ガイドブック", 30)]
    lines = text.split("\n")
    starts = [text.index(line) for line in lines]
    scored = [Scored(p, 0, st, st + len(line), line, key) for p, st, line, key in
              zip((0.61, 0.41, 0.25), starts, lines, (0.89, 0.67, 0.67))]
    question = "2020年12月時点で行政機関が保有していたコードのうち、医療の区分に当たるものはいくつありましたか"
    lead = choose_lead(question, analyse(question), list(scored), passages)[0][0]
    assert lead.text.startswith("医療 207")
    whole = "2020年12月時点で行政機関が保有していたコードは、合計いくつありましたか"
    assert choose_lead(whole, analyse(whole), list(scored), passages)[0][0].text.startswith("参考ですが")


_NHI = "国民健康保険法"
_HEARING_Q = ("国民健康保険審査会で保険料の処分についての審査請求が審理されるとき、請求人の家族などがその審理を傍聴する"
              "ことはできますか")


def test_a_yes_no_question_is_not_answered_without_the_act_it_asks_leave_for():
    """審理 is named, 傍聴 (the act asked about) is not: the article on summoning people says nothing of it."""
    summon = _article("審査会は、審理を行うため必要があると認めるときは、審査請求人若しくは関係人に対して報告若しくは意見を求め、"
                      "その出頭を命じて審問することができる。", _NHI, "第百五条")
    decision = ExtractiveAnswerer(lambda t: 4.0).decide(_HEARING_Q, [summon], query=analyse_query(_HEARING_Q))
    assert decision.check == "detail_ok", decision.check


def test_a_yes_no_question_is_answered_where_the_act_is_named():
    rule = _article("審査会の行う審理は、公開しない。ただし、審査請求人の家族その他の関係者は、審査会の許可を得て審理を傍聴する"
                    "ことができる。", _NHI, "第百五条の二")
    ans = _answer(_HEARING_Q, [rule])
    assert ans.answered and "傍聴" in ans.text, ans.text


_GUIDE = "データマネジメント実践ガイドブック（運用編）"
_BODY_Q = "環境省が令和3年11月にデータ活用のアイデアソンを一緒に開いた民間の非営利団体は、何という団体ですか"


def test_a_body_asked_by_name_is_not_answered_by_its_kind():
    """「民間の非営利団体と共同で」 says what kind of body, not which (model/body_name.py)."""
    text = "環境省は、令和3年11月に民間の非営利団体と共同で、データの有用性を評価するアイデアソンを開催しました。"
    decision = ExtractiveAnswerer(lambda t: 4.0).decide(_BODY_Q, [_page(text, _GUIDE)], query=analyse_query(_BODY_Q))
    assert decision.check == "detail_ok", decision.check


def test_a_body_asked_by_name_is_answered_where_it_is_named():
    text = ("環境省は、令和3年11月に民間の非営利団体である一般社団法人オープンデータ推進協会と共同で、データの有用性を"
            "評価するアイデアソンを開催しました。")
    ans = _answer(_BODY_Q, [_page(text, _GUIDE)])
    assert ans.answered and "オープンデータ推進協会" in ans.text, ans.text


def test_a_death_set_as_the_case_must_be_spoken_of():
    """「…受けていた人が亡くなった場合、…誰が受け取りますか」: the rule for the living (所得の高い方が受給者) says
    nothing of a death; a page saying what happens at one answers. A death told as the asker's story is no case."""
    living = _page("父母がともに児童を養育している場合は、原則として所得の高い方が受給者となります。", "児童手当のご案内")
    q = "児童手当を受けていた人が亡くなった場合、まだ支払われていない分の手当は誰が受け取ることになりますか"
    assert not _answer(q, [living]).answered
    dead = _page("受給者が亡くなった場合、まだ支払われていない手当は、その児童に支給されます。", "児童手当のご案内")
    answer = _answer(q, [dead])
    assert answer.answered and "児童に支給" in answer.text
    fee = _page("葬祭費の申請は、葬祭を行った日の翌日から2年以内にしてください。", "国民健康保険のご案内")
    answer = _answer("国保に入っていた父が亡くなりました。喪主として葬祭費を申請する場合、いつまでに申請しますか", [fee])
    assert answer.answered and "2年以内" in answer.text


_CATALOG = "デジタル社会推進実践ガイドブック サービスカタログ"
_TAG_Q = ("市のホームページの手続案内にユニバーサルメニュータグを付けようと考えています。タグを使うには、"
          "ユニバーサルメニュー普及協会への利用申請や使用料の支払いが必要ですか")


def test_a_question_on_what_is_needed_is_not_answered_without_naming_it():
    """「…利用申請や使用料の支払いが必要ですか」: a note that the catalog followed the tags says nothing of either
    (model/focus.needed_words); a text on the tags' use that names the application answers."""
    mention = ("※個人向けのサービスカタログは、一般社団法人ユニバーサルメニュー普及協会が提唱する、市民向けのユニバーサル"
               "メニュー及びユニバーサルメニュータグを参考にして作成したものです。")
    assert not _answer(_TAG_Q, [_page(mention, _CATALOG)]).answered
    rule = mention + "ユニバーサルメニュータグを使うには、同協会への利用申請が必要です。使用料はかかりません。"
    answer = _answer(_TAG_Q, [_page(rule, _CATALOG)])
    assert answer.answered and "利用申請" in answer.text, answer.text


_RULES = "GIF推進に有益なルール等の一覧"


def test_a_version_the_question_names_must_be_the_quotes():
    """「ver2.0の後の新しい版（ver3.0）が公開されたのはいつ」: the date of ver2.0 is another version's
    (model/versions.py); the date under ver3.0 answers, and a question naming ver2.0 is answered by it."""
    listing = _page("15. 国土交通データプラットフォームver2.0\n国土交通省 2021年8月6日公開", _RULES)
    q = "ルール等の一覧に載っている国土交通データプラットフォームについて、ver2.0の後の新しい版（ver3.0）が公開されたのはいつですか"
    assert not _answer(q, [listing]).answered
    newer = _page("16. 国土交通データプラットフォームver3.0\n国土交通省 2023年4月25日公開", _RULES)
    answer = _answer(q, [newer])
    assert answer.answered and "2023年4月25日" in answer.text, answer.text
    answer = _answer("ルール等の一覧に載っている国土交通データプラットフォームver2.0は、いつ公開されましたか", [listing])
    assert answer.answered and "2021年8月6日" in answer.text, answer.text


_INTRO = "データマネジメント実践ガイドブック（導入編）"
_MAIL_Q = "データマネジメント実施計画の有識者レビューをデジタル庁（データ担当）に依頼したいのですが、依頼を送る窓口のメールアドレスはどこですか"


def test_an_e_mail_address_asked_is_answered_only_by_one_written_out():
    """A sentence naming デジタル庁（データ担当） as a reviewer gives no address (model/location.mail_lost)."""
    named = ("データマネジメント実施計画の有識者レビューを行う有識者としては、デジタル庁(データ担当)などの関係者が"
             "考えられます。")
    assert not _answer(_MAIL_Q, [_page(named, _INTRO)]).answered
    written = named + "有識者レビューの依頼は、デジタル庁(データ担当)のメールアドレス(dm-review@digital.go.jp)に送ってください。"
    answer = _answer(_MAIL_Q, [_page(written, _INTRO)])
    assert answer.answered and "dm-review@digital.go.jp" in answer.text, answer.text


def test_a_what_question_on_a_thing_s_attribute_needs_the_thing():
    """「…対応する日本のJIS規格があります。そのJIS規格の番号は何ですか」: the guide's ISO/IEC 40500 is no JIS
    number; a text naming the JIS standard answers."""
    q = ("データ品質管理ガイドブックのアクセシビリティの評価で問われるISO/IEC 40500には、対応する日本のJIS規格があります。"
         "そのJIS規格の番号は何ですか")
    iso = "・ソフトウェアを通して提供している場合、そのソフトウェアはISO/IEC 40500 に準拠しているか。"
    assert not _answer(q, [_page(iso, "データ品質管理ガイドブック")]).answered
    jis = iso + "ISO/IEC 40500に対応する日本のJIS規格は、JIS X 8341-3です。"
    answer = _answer(q, [_page(jis, "データ品質管理ガイドブック")])
    assert answer.answered and "JIS X 8341-3" in answer.text, answer.text


_STOCK = ("標市防災備蓄計画\n本計画は、被害想定の見直し又は備蓄状況の変化に応じて随時見直すほか、おおむね5年ごとに改定する。"
          "アルファ化米(賞味期限5年)、保存水(賞味期限7年)等の期限がある物資は、期限の1年前に計画的に入れ替える。")


def test_a_rare_short_topic_the_quote_never_names_refuses():
    """「…備蓄している毛布は、何年ごとに…入れ替える」: the plan's five-year revision and the food's renewal say nothing
    of blankets. A two-character topic counts only when rare in the index (毛布), not a word any text paraphrases
    (職員, 権利)."""
    q = "標市の防災備蓄計画で備蓄している毛布は、何年ごとに新しいものと入れ替えることになっていますか"
    idf = lambda t: 8.8 if t == "毛布" else 3.0  # noqa: E731  (毛布 in one chunk of the index)
    qt = analyse(q)
    assert [qt.key_words[i] for i in rare_keys(qt, idf)] == ["毛布"]
    ask = lambda idf, text: ExtractiveAnswerer(idf).answer(q, [_page(text, "標市防災備蓄計画", 2)],  # noqa: E731
                                                           query=analyse_query(q))
    assert not ask(idf, _STOCK).answered
    assert ask(lambda t: 3.0, _STOCK).answered  # a common word (3.0) is left to the other checks, as before
    named = _STOCK + "毛布は、劣化の状況を確認し、10年ごとに新しいものと入れ替える。"
    answer = ask(idf, named)
    assert answer.answered and "10年" in answer.text, answer.text


def test_a_use_asked_as_a_role_needs_the_role_named():
    """「マイナンバーカードを市立図書館の利用カードとして使えますか」: a page on how the card is received, which names
    カード but never 利用カード, says nothing of that use; a text naming it answers."""
    q = "標市では、マイナンバーカードを市立図書館の利用カードとして使えますか"
    title = "マイナンバーカードの受け取り方法｜標市"
    receive = ("申請いただいたマイナンバーカードが市に届くと、申請者の方に「交付通知書(はがき)」をお送りします。"
               "交付通知書が届いたら、予約の上、ご本人が受け取りにお越しください。")
    assert not _answer(q, [_page(receive, title)]).answered
    library = receive + "マイナンバーカードは、市立図書館の利用カードとして使うことができます。"
    answer = _answer(q, [_page(library, title)])
    assert answer.answered and "利用カードとして" in answer.text, answer.text
    qt = analyse(q)
    assert [qt.key_words[i] for i in role_words(qt, q)] == ["利用カード"]
