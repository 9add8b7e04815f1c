"""Question type, expected answer form, key terms and the extractive refusal
rule, on real Japanese questions and sentences (no index, no embedder)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from model.extractive import ExtractiveAnswerer
from model.designations import designations
from jtext.sentences import is_question
from jtext.terms import lemma_terms
from model.keys import key_coverage
from model.qtype import analyse
from model.records import NOT_FOUND

from .llm_helpers import passage


@pytest.mark.parametrize(
    "question, kind, sentence, has_form",
    [
        ("住民票の写しの手数料はいくらですか", "amount", "住民票の写し 1通 300円", True),
        ("住民票の写しの手数料はいくらですか", "amount", "手数料は窓口で納付します。", False),
        ("育児休業は最長でいつまで延長できますか", "date", "子が2歳に達する日まで再度延長することができる。", True),
        ("育児休業は最長でいつまで延長できますか", "date", "育児休業は、子1人につき原則2回まで取得することができる。", True),
        ("実績報告書の提出期限はいつですか", "date", "補助事業の完了の日から起算して30日を経過した日", True),
        ("実績報告書の提出期限はいつですか", "date", "実績報告書を市長に提出しなければならない。", False),
        ("公開決定は何日以内にしなければなりませんか", "count", "公開請求があった日から起算して十五日以内にしなければならない。", True),
        ("委員の任期は何年ですか", "count", "委員の任期は、二年とする。", True),
        ("委員の任期は何年ですか", "count", "委員は、学識経験を有する者のうちから市長が委嘱する。", False),
        ("会計年度任用職員は子が何歳まで育児休業できますか", "age", "子が2歳に達する日まで", True),
        ("歴史公文書の移管先はどこですか", "place", "標市歴史資料室に移管する。", True),
        ("審査会の委員は誰が委嘱しますか", "person", "委員は、市長が委嘱する。", True),
        # who does it may be a body: 都道府県 and 市町村 run 国民健康保険
        ("国民健康保険を行うのは誰ですか", "person", "都道府県は、市町村とともに、国民健康保険を行うものとする。", True),
        ("国民健康保険を行うのは誰ですか", "person", "国民健康保険は、保険給付を行うものとする。", False),
        ("救助に協力する団体はどこですか", "place", "政府は、日本赤十字社に、救助に関し協力させることができる。", True),
        ("住民票の写しを代理人が請求するときに必要なものは何ですか", "documents", "・代理人が請求する場合は、委任状", True),
        ("住民票の写しを代理人が請求するときに必要なものは何ですか", "documents", "平日の午前8時30分から午後5時15分まで", False),
        # 何を用意する必要がありますか asks for a thing, not for any yes or no (場合, 必要)
        ("代理人が住民票の写しを請求するときは何を用意する必要がありますか", "documents",
         "代理人が請求した場合は、本人の住所あてに郵送します。", False),
        ("代理人が住民票の写しを請求するときは何を用意する必要がありますか", "documents",
         "(2) 代理人(本人が作成した委任状が必要です)", True),
        # 何を交付する必要がありますか asks for a thing (a document), not yes or no
        ("物資を収用するときには、相手方に何を交付する必要がありますか。", "documents",
         "前項の場合においては、公用令書を交付しなければならない。", True),
        ("物資を収用するときには、相手方に何を交付する必要がありますか。", "documents",
         "都道府県知事は、必要があると認めるときは、物資を収用することができる。", False),
        # 書類は何ですか names documents as the answer
        ("事業場に備え付けておかなければならない書類は何ですか", "documents",
         "使用者は、満十八才に満たない者について、その年齢を証明する戸籍証明書を事業場に備え付けなければならない。", True),
        # 何を出す必要 asks what to hand in, as 何を提出 does
        ("手数料の減額を受けたいとき、申請の際に何を出す必要がありますか", "documents",
         "減額を受けようとする者は、その理由を記載した書面を市長に提出しなければならない。", True),
        ("手数料の減額を受けたいとき、申請の際に何を出す必要がありますか", "documents",
         "市長は、特別の理由があると認めるときは、手数料を減額することができる。", False),
        # what is needed may be a consent or a registration
        ("個人データを第三者に渡すには、原則として何が必要ですか。", "documents",
         "あらかじめ本人の同意を得ないで、個人データを第三者に提供してはならない。", True),
        ("テレワークは自宅以外でもできますか", "yesno", "所属長が認める場合は、サテライトオフィスで実施することができる。", True),
        ("下水道使用料の計算方法を教えてください", "how", "使用料は排除汚水量に応じて算定する。", True),
        # どのように asks a means or manner, not a date
        ("表彰はどのように行われますか", "how", "表彰は、表彰状及び記念品を授与して行う。", True),
        ("表彰はどのように行われますか", "how", "表彰は、隔年7月1日に行う。", False),
        ("標市の木は何ですか", "what", "標市の木はクスノキです。", True),
        # a number of years, not a year (昭和43年, 2023年4月 are dates)
        ("表彰を受けるのに必要な在住年数は何年以上ですか", "count", "この規程は、昭和43年10月10日から施行する。", False),
        ("表彰を受けるのに必要な在住年数は何年以上ですか", "count", "引き続き10年以上在住する者", True),
        # 何 + a counter expects that counter (何台 → 台, not the 3日間 nearby)
        ("避難所用の簡易ベッドを何台備蓄しますか", "count", "最低3日分の食料を備蓄する。", False),
        ("避難所用の簡易ベッドを何台備蓄しますか", "count", "簡易ベッド200台を備蓄する。", True),
        ("登録番号は何桁ですか", "count", "暗証番号は数字4桁です。", True),
        # 有効期限は何年 asks a number of years: 期限 names the thing, it does not make any date an answer
        ("電子証明書の有効期限は何年ですか", "count", "利用時間は午前6時30分から午後11時までです。", False),
        ("電子証明書の有効期限は何年ですか", "count", "電子証明書の有効期間は、発行の日から5年とする。", True),
        ("実績報告書の提出期限はいつですか", "date", "完了した日から30日以内に提出する。", True),
        # 「最終改正は？」, 「施行日は？」 ask a date though no interrogative is written
        ("情報システム安全対策基準の最終改正は？", "date", "平成9年9月24日(通商産業省告示第536号)(最終改正)", True),
        ("この条例の施行日は？", "date", "この条例は、令和5年4月1日から施行する。", True),
        # no interrogative, a yes/no ending: yes or no, whatever topic words (手数料, 期日) it holds
        ("すでに支払った手数料は返してもらえますか", "yesno", "既に徴収した手数料は、還付しない。", True),
        ("聴聞の期日の審理は原則として公開されますか", "yesno", "審理は、公開しない。", True),
        # いくつ asks a number (not yes or no); 千分のいくつ asks a fraction
        ("運営班はいくつ置かれますか", "count", "委員会の下に、次の6つの運営班を置きます。", True),
        ("雇用保険料率は賃金総額の千分のいくつですか", "count", "一般の事業の雇用保険料率は、千分の十五・五とする。", True),
        ("雇用保険料率は賃金総額の千分のいくつですか", "count", "賃金の総額を六箇月間に労働した日数で除して得た額", False),
        # the denominator asked is the one answered: 百分の九十 is another rate, 1000分の is the same
        ("雇用保険料率は賃金総額の千分のいくつですか", "count", "賃金日額の百分の九十に相当する額とする。", False),
        ("雇用保険料率は賃金総額の千分のいくつですか", "count", "雇用保険料率は、1000分の15.5です。", True),
        ("雇用保険料率は賃金総額の千分のいくつですか", "count", "保険料率は一万分の三とする。", False),
        ("開示請求の手数料はいくらですか", "amount", "開示請求に係る手数料の額は、零円とする。", True),
        # …数はいくら asks a count, not money; 何回 is answered in 度, 何度 (a temperature) in ℃, not in 回
        ("国民議会の議席数はいくらか？", "count", "国民議会の議席数は132議席である。", True),
        ("国名は何回変更されていますか", "count", "国名は2度変更された。", True),
        ("天然ガスの沸点は何度くらいですか", "count", "メタンの沸点は-162℃である。", True),
        ("書庫の室温は何度に保ちますか", "count", "文書管理者は、毎年度1回以上、自己点検を行う。", False),
        # a rate may be a fraction
        ("標準の消費税率はいくらですか", "amount", "百分の七・八", True),
        # 何席 asks seats (not yes or no for ありますか); 最長で何年間 asks years, not any number
        ("サテライトオフィスには座席が何席ありますか", "count", "座席は12席とする。", True),
        ("サテライトオフィスには座席が何席ありますか", "count", "対象は常勤職員とする。", False),
        ("応急仮設住宅は最長で何年間供与されますか", "count", "供与期間は2年以内とする。", True),
        ("応急仮設住宅は最長で何年間供与されますか", "count", "一 避難所及び応急仮設住宅の供与", False),
        # 梅雨入りの時期 names a time in passing, not the thing asked: the loose cue decides
        ("梅雨入りの時期が特定できないパターンはどれくらい発生するか", "count", "数年に一回の割合で起こる。", True),
        ("CODENはアルファベット何字からなる", "count", "CODENは、アルファベット5-6文字からなる。", True),
        # a counter given as an alternative in parentheses: days or weeks
        ("掲示開始から何日（週）たつと到達したとみなされますか", "count", "掲示を始めた日から二週間を経過したとき", True),
        ("掲示開始から何日（週）たつと到達したとみなされますか", "count", "掲示は三月とする。", False),
        # a one-character key (日 of 使い始める日) is also the counter of the answer
        ("使い始める日の何日前までに申請しますか", "count", "占用を開始しようとする日の14日前までに申請する。", True),
        # 何日前まで: the days before, not any day named
        ("休日交付の予約は何日前までに済ませる必要がありますか", "count", "交付日の前日までに予約してください。", True),
        ("休日交付の予約は何日前までに済ませる必要がありますか", "count",
         "12月29日から翌年1月3日まで及びシステムメンテナンス日を除きます。", False),
        # 何月何日までに: a month, not 3か月以内
        ("自己点検の結果は毎年何月何日までに報告しなければなりませんか", "date", "毎年5月31日までに報告する。", True),
        ("研修は毎年度何月までに受講しなければなりませんか", "date", "新規採用職員は、採用後3か月以内に受講します。", False),
        # 何 + a counter and できますか/ありますか: a count, not a yes or no
        ("モバイルルーターは1か月に何ギガバイトまで通信できますか", "count", "通信量は月30ギガバイトまでとする。", True),
        ("モバイルルーターは1か月に何ギガバイトまで通信できますか", "count", "公衆無線LANを使用してはならない。", False),
        ("桜ヶ丘団地には全部で何戸の住宅がありますか", "count", "桜ヶ丘団地は全120戸です。", True),
        ("共通の形式が決められたコアデータパーツにはどのような項目がありますか", "what", "住所、氏名、電話番号", True),
        # money named as the topic while another interrogative asks (誰, どのように)
        ("管理費用を負担する者が異なる場合、管理者のほかに誰が賠償責任を負いますか", "person",
         "費用を負担する者もまた、その損害を賠償する責に任ずる。", True),
        ("開示の手数料を取る場合、その額はどのように定めなければなりませんか", "how", "手数料の額は、実費に応じて定める。", True),
        ("住民票の写しの手数料を教えてください", "amount", "1通300円", True),
        # どんな書類が必要: documents
        ("国保の葬祭費を申請するときは、どんな書類が必要ですか", "documents", "申請には、会葬礼状の写しが必要です。", True),
        # a day named, not dated: 公布の日から施行する
        ("この条例はいつから施行されていますか", "date", "この条例は、公布の日から施行する。", True),
        # an address asked without どこ
        ("南部出張所の住所（所在地）を教えてください", "place", "南部出張所 標市南町三丁目2番1号", True),
        ("南部出張所の住所（所在地）を教えてください", "place", "北部出張所及び南部出張所は休みです。", False),
        # 何年か asks which year; 何メートル is answered in m; 億 is a number
        ("尖閣漁船衝突事件は何年か", "date", "2010年9月4日の尖閣漁船衝突事件では直後に見解を発表した。", True),
        ("ディアブロティン山の高さは何メートルか", "count", "最高峰はディアブロティン山で高さ1,447mである。", True),
        ("インドの人口は何人か", "count", "中国13億人、インド12億人という人口規模", True),
        # 最低限 and 時期 in passing ask for no quantity
        ("常に最低限、統制的に実施しなければならないのは？", "what", "武力行使は常に最低限、統制的に実施しなければならない。", True),
        ("産卵期以外の時期に取れる季節外れの鮭は、何と呼ばれるか", "what", "トキシラズは季節外れの鮭の呼称。", True),
        # a moment named by an event, or the first day, answers いつ
        ("初期パスワードは、いつ変更するのが望ましいですか", "date",
         "パスワードを、ソフトウェアのインストール後に変更することが望ましい。", True),
        ("初期パスワードは、いつ変更するのが望ましいですか", "date", "利用者は、パスワードを適切に管理する。", False),
        ("保険料の基準日はいつですか", "date", "保険料の賦課期日は、当該年度の初日とする。", True),
        # 名 counts people, 2. 名簿班 does not
        ("委員は何人で構成されますか", "count", "委員会は、委員10名以内で組織する。", True),
        ("委員は何人で構成されますか", "count", "2. 名簿班は、避難者の受付を行う。", False),
        # a frequency asked (どのくらいの頻度) is answered by 毎年度 as well as by 年1回
        ("総務大臣が概要を公表するのは、どのくらいの頻度ですか", "count", "総務大臣は、毎年度、その概要を公表する。", True),
        ("総務大臣が概要を公表するのは、どのくらいの頻度ですか", "count", "総務大臣は、その概要を公表する。", False),
        # a manner asked of a date or place (期日と場所はどのような方法で): not a date, not a place
        ("次回の聴聞の期日と場所はどのような方法で伝えられますか", "how",
         "出頭した当事者に対しては、聴聞の期日においてこれを告知すれば足りる。", False),
        ("聴聞の期日はいつですか", "date", "聴聞の期日は、令和6年5月1日とする。", True),
        ("集合注射の場所はどこですか", "place", "集合注射は市役所で行います。", True),
        # a moment asked (どの時点で) is a date or an event, not the fee named as its topic
        ("届出をする義務はどの時点で果たしたことになりますか", "date", "届出書が到達したときに、義務が履行されたものとする。", True),
        ("証明書の手数料は、原則としてどの時点で納めますか", "date", "手数料は、一通につき三百円とする。", False),
        # a law's number names a law: it dates nothing asked (unless a law's making or number is asked)
        ("この条例の施行日はいつですか", "date", "一 東京都個人情報の保護に関する条例(平成二年東京都条例第百十三号)", False),
        ("この条例の施行日はいつですか", "date", "この条例は、令和五年四月一日から施行する。", True),
        ("災害救助法はいつ公布されましたか", "date", "災害救助法(昭和二十二年法律第百十八号)", True),
        ("委員の任期は何年ですか", "count", "東京都情報公開条例(平成十一年東京都条例第五号)", False),
        # how far (どこまで) asks an extent, not a place: a period needs no office's name (工事に必要な期間)
        ("足場を占用できる期間はどこまでとされていますか", "what", "工事用の足場などは工事に必要な期間とします。", True),
        ("公開の対象となる範囲はどこまでですか", "what", "公開の対象は、市が保有する公文書の全部とする。", True),
    ],
)
def test_question_kind_and_answer_form(question, kind, sentence, has_form):
    qt = analyse(question)
    assert qt.kind == kind
    assert qt.form_in(sentence) is has_form


@pytest.mark.parametrize(
    "question, key",
    [
        ("市長の任期は何年ですか", ["市長", "任期"]),
        ("下水道使用料の計算方法を教えてください", ["下水道使用料", "計算"]),
        ("育児休業は最長でいつまで延長できますか", ["育児休業", "延長"]),
        ("ふるさと納税の返礼品はどこで申し込めますか", ["ふるさと納税", "返礼品"]),
        # the role a 誰/どこ question asks to fill is the answer's slot …
        ("表彰原簿を備えておく責任者は誰ですか", ["表彰原簿"]),
        # … unless it is all the question names
        ("調整機関はどこですか", ["調整機関"]),
        # how often, how many, on what terms frame the question: the answer need not repeat them
        ("児童手当は毎月何日に振り込まれますか", ["児童手当"]),
        ("市営住宅には複数の団地に同時に申し込めますか", ["市営住宅", "団地"]),
        ("京都市長の名前は？", ["京都市長"]),
        ("国際連合の略称は何ですか", ["国際連合"]),
        # an interrogative written as one word with its counter (何分, 何人, 何曜) asks, it names nothing
        ("画面ロックは何分で自動的にかかりますか", ["画面ロック", "自動的"]),
        ("運営委員会の委員は何人ですか", ["運営委員会", "委員"]),
        ("粗大ごみの収集は何曜日ですか", ["粗大ごみ", "収集"]),
        # what is counted besides or in all: the count is asked (委員 of 委員長のほか委員何人)
        ("個人情報保護委員会は委員長のほか委員何人で構成されますか", ["個人情報保護委員会", "委員長", "委員", "構成"]),
        ("調査で集めたサンプルは合計何件ですか", ["調査", "サンプル"]),
        # as it is (同意を得ないまま…): a formal noun, not part of the thing named after it
        ("同意を得ないまま就業規則を変更できますか", ["同意", "就業規則", "変更"]),
        # a na-adjective written onto a noun names the thing with it; with な, or before a generic noun, it does not
        ("特別永住者証明書の有効期間は、交付の日から何年ですか", ["特別永住者証明書", "交付", "日"]),
        ("長期優良住宅を新築した場合の減額は何年度分ですか", ["長期優良住宅", "新築", "減額"]),
        ("国保が給付した分について、損害賠償の請求権を取得するのは誰ですか", ["国保", "給付", "損害賠償", "請求権", "取得"]),
        ("重大な過失があったときは誰が賠償しますか", ["過失", "賠償"]),
        # both, all of them: how many of the things asked, not a thing (印鑑登録, not 両方とも印鑑登録)
        ("標市で両方とも印鑑登録しておくことはできますか", ["標市", "印鑑登録"]),
        ("夫婦ともに子どもを養育しています", ["夫婦", "子ども", "養育"]),
        # among: where the asked thing is (性別構成のうち女性), not part of its name
        ("来訪者の性別構成のうち女性の割合は何パーセントですか", ["来訪者", "性別構成", "女性", "割合"]),
        # about, at what point, for example: the answer's frame
        ("公文書の保存期間は、いつの時点から数え始めるのですか", ["公文書", "保存"]),  # 期間 frames too
        ("文字情報基盤では、行政で使う漢字を約何文字整備していますか", ["文字情報基盤", "行政", "漢字", "整備"]),
    ],
)
def test_key_terms_are_the_nouns_that_say_what_is_asked(question, key):
    assert ["".join(s for _, s in c) for c in analyse(question).key] == key


@pytest.mark.parametrize(
    "sentence, asks",
    [
        ("・1.3. GIFの策定プロセスを教えてください。", True),
        ("### 1.2. 今後改定の予定はありますか。", True),
        ("データ長は規定しないのですか？", True),
        ("必要な場合は、申請書の該当欄に記入してください。", False),
        ("委員の任期は、二年とする。", False),
        ("・2.1. 日付を西暦に統一してください。", True),
        ("2.保存期間の起算日は、翌年度の4月1日とする。", False),
    ],
)
def test_a_sentence_that_asks_is_recognised(sentence, asks):
    assert is_question(sentence) is asks


JOREI = passage(1, "第十四条 審査会は、委員五人以内で組織する。\n委員の任期は、二年とする。ただし、補欠の委員の任期は、前任者の残任期間とする。",
                "標市情報公開条例", "第十四条")
KITEI = passage(2, "3．前項ただし書により延長した場合において、子が2歳に達する日まで再度延長することができる。", "育児休業規程")
FAQ = passage(3, "## 目次\n・1.3. GIFの策定プロセスを教えてください。\n・1.4. 今後改定の予定はありますか。", "GIF FAQ")
TESU = passage(4, "住民票の写しの交付手数料は、1通につき300円とする。", "手数料条例", "第五条")
KAIGO = passage(5, "第9期(令和6年度から令和8年度まで)の保険料基準額は、月額6,100円です。", "介護保険料のご案内")
HYOSHO_TITLE = passage(6, "○かつらぎ町表彰規程\n昭和43年9月10日\n規程第9号", "かつらぎ町表彰規程")
HYOSHO_FUSOKU = passage(7, "この規程は、昭和43年10月10日から施行する。", "かつらぎ町表彰規程", "附則")
YOSHIKI = passage(12, "育児休業を請求しようとする職員は、育児休業承認請求書(様式第1号)を、休業を始めようとする日の1か月前までに"
                  "所属長に提出しなければならない。", "育児休業規程")
ROKI = passage(10, "使用者が第二十三条の規定に違反した場合は、三十万円以下の罰金に処する。", "労働基準法", "第百二十条")
KOKUBAI_3 = passage(8, "前項の場合において、損害を賠償した者は、内部関係でその損害を賠償する責任ある者に対して求償権を有する。",
                    "国家賠償法", "第三条第二項")
KOKUBAI_2 = passage(9, "道路、河川その他の公の営造物の設置又は管理に瑕疵があつたために他人に損害を生じたときは、"
                    "国又は公共団体は、これを賠償する責に任ずる。", "国家賠償法", "第二条")


@pytest.mark.parametrize(
    "question, passages, answered, quoted",
    [
        # the quote covers every key compound and holds the form: answered
        ("審査会の委員の任期は何年ですか", [JOREI], True, "二年"),
        ("住民票の写しの手数料はいくらですか", [TESU], True, "300円"),
        # near misses: the topic matches, the key term (市長, 下水道使用料) does not
        ("市長の任期は何年ですか", [JOREI], False, None),
        ("下水道使用料の計算方法を教えてください", [FAQ], False, None),
        # a FAQ's table of contents only repeats questions
        ("GIFの策定プロセスを教えてください", [FAQ], False, None),
        # the question asks for an amount; the quote has none
        ("審査会の委員の報酬はいくらですか", [JOREI], False, None),
        # a numbered designation the quote lacks: 第8期 is not 第9期
        ("第8期の介護保険料の基準額は月額いくらでしたか", [KAIGO], False, None),
        ("第9期の介護保険料の基準額は月額いくらですか", [KAIGO], True, "6,100円"),
        # the article the question names is quoted, though another ranks first
        ("国家賠償法第二条は、どのような損害についての責任を定めていますか", [KOKUBAI_3, KOKUBAI_2], True, "営造物"),
        ("国家賠償法第八条には何が規定されていますか", [KOKUBAI_3, KOKUBAI_2], False, None),
        # a form's number (様式第2号) is always written out: a quote about 様式第1号 is another form's
        ("育児休業期間延長請求書（様式第2号）は、いつまでに提出しますか", [YOSHIKI], False, None),
        ("育児休業承認請求書（様式第1号）は、いつまでに提出しますか", [YOSHIKI], True, "1か月前まで"),
        # the title line answers nothing; a date is not a number of years; and
        # keys held only by the title (表彰規程, 表彰) do not make 在住年数 covered
        ("かつらぎ町表彰規程では、表彰を受けるために必要な在住年数は何年以上ですか", [HYOSHO_TITLE, HYOSHO_FUSOKU],
         False, None),
        ("かつらぎ町表彰規程はいつから施行されましたか", [HYOSHO_TITLE, HYOSHO_FUSOKU], True, "昭和43年10月10日"),
        # a question naming its source (労働契約法) is not answered from another law
        ("労働契約法に違反した使用者に科される罰金の上限額はいくらですか", [ROKI], False, None),
        ("労働基準法に違反した使用者に科される罰金の上限額はいくらですか", [ROKI], True, "三十万円"),
        # a method (実験手法, 計算方法) is not a law
        ("本実験と対照実験の中で違いを見つけていく実験手法を何といいますか",
         [passage(11, "この方法は対照実験と呼ばれ、本実験と対照実験の中で違いを見つけていく手法である。", "自然発生説")],
         True, "対照実験"),
        # nor is a notation (表記法): the answer names one
        ("業務プロセスのモデリングには何という表記法を使うのが国際的な主流ですか",
         [passage(12, "業務プロセスのモデリングにはBPMNを使うことが国際的な主流になっています。", "アーキテクチャ管理")],
         True, "BPMN"),
    ],
)
def test_refusal_rule(question, passages, answered, quoted):
    ans = ExtractiveAnswerer(lambda t: 1.0, min_evidence=0.2).answer(question, passages)
    assert ans.answered is answered, ans.text
    if answered:
        assert quoted in ans.text and ans.citations
    else:
        assert ans.text == NOT_FOUND and ans.citations == ()


def test_refusal_thresholds_are_arguments():
    lax = ExtractiveAnswerer(lambda t: 1.0, min_evidence=0.2, min_key=0.0, require_form=False)
    assert lax.answer("市長の任期は何年ですか", [JOREI]).answered


@pytest.mark.parametrize(
    "text, found",
    [
        ("第8期の介護保険料", {"第8期"}),
        ("第八期計画と第２種電柱", {"第8期", "第2種"}),
        ("第二十条の二第一項", {"第20条の2", "第1項"}),
        ("附則第三条", {"第3条"}),
        ("第3子以降", set()),  # 子 is not a designation unit
        ("所得段階の第１段階の方", {"第1段階"}),  # the 第1段階 of 13 保険料段階, not 第9段階
        ("全体概要の第三版", {"第3版"}),  # the next edition, not the one published
        ("移管協議書（様式第２号）", {"様式第2号", "第2号"}),  # a form's number
        ("レベル６（L6）はどのようなレベルですか", {"レベル6"}),  # a numbered level: not レベル5
        ("警戒レベル三", {"レベル3"}),
    ],
)
def test_numbered_designations_in_one_written_form(text, found):
    assert designations(text) == found


def test_a_key_inside_the_question_s_parentheses_is_an_aside():
    """消費税率（国税分）: 国税分 is an aside the quote may cover but need not; 消費税率 must be covered."""
    from model.sentence_score import quote_key_coverage

    qt = analyse("消費税法で定める標準の消費税率（国税分）はいくらですか。")
    assert [qt.key_words[i] for i in qt.optional] == ["国税分"]
    assert quote_key_coverage(qt, "消費税法 第二十九条 消費税の標準の税率は、百分の七・八とする。") == 1.0
    assert quote_key_coverage(qt, "消費税法 第二十九条 税率は、百分の七・八とする。") < 1.0
    # a question wholly in parentheses has no aside
    assert analyse("（消費税率）").optional == frozenset()


def test_a_key_told_only_as_the_situation_counts_a_quarter_when_missing():
    """工場で働いていた従業員が…亡くなりました。遺族補償は…: 工場 and 事故 are the situation told, the
    遺族補償 asked; a quote of the 遺族補償 rule need not repeat the situation in full."""
    from model.sentence_score import quote_key_coverage

    q = "工場で働いていた従業員が業務中の事故で亡くなりました。雇い主が遺族に対して行う遺族補償は、平均賃金の何日分ですか"
    qt = analyse(q)
    told = {qt.key_words[i] for i in qt.told}
    assert {"工場", "事故"} <= told and "遺族補償" not in told
    rule = "労働者が業務上死亡した場合においては、使用者は、遺族に対して、平均賃金の千日分の遺族補償を行わなければならない。"
    plain = analyse("雇い主が遺族に対して行う遺族補償は、平均賃金の何日分ですか")
    assert quote_key_coverage(plain, rule) < 1.0  # 雇い主 is missing either way
    assert quote_key_coverage(qt, rule) > quote_key_coverage(replace(qt, told=frozenset()), rule)
    # each missing situation key weighs a quarter of a missing key the question proper asks
    found = [c >= 0.5 for c in key_coverage(qt.key, set(lemma_terms(rule)), rule)]
    missing_told = sum(1 for i, f in enumerate(found) if not f and i in qt.told)
    missing_asked = sum(1 for i, f in enumerate(found) if not f and i not in qt.told)
    assert missing_told >= 2 and missing_asked >= 1
    assert quote_key_coverage(qt, rule) == pytest.approx(sum(found) / (sum(found) + missing_asked + 0.25 * missing_told))
    assert not analyse("遺族補償は平均賃金の何日分ですか").told  # no situation told


def test_examples_named_before_nado_count_like_the_situation():
    """避難所の設置や炊き出しなどの救助: 避難所の設置 and 炊き出し are instances of the 救助 asked about;
    the provision on 救助に要する費用 need not name them."""
    qt = analyse("災害救助法による避難所の設置や炊き出しなどの救助にかかった費用は、どこが支弁することになっていますか")
    told = {qt.key_words[i] for i in qt.told}
    assert {"設置", "炊き出し"} <= told and not {"救助", "費用", "支弁", "災害救助法"} & told
    assert not analyse("炊き出しにかかった費用は、どこが支弁しますか").told


def test_a_telephone_number_named_in_a_how_question_is_not_asked():
    qt = analyse("連絡先を一つの欄に書くとき、後で名称・住所・電話番号に分けられるよう、どのように書けばよいですか")
    assert qt.kind == "how"
    assert analyse("住所と電話番号を教えてください").kind == "phone"


GOMI = ("◆粗大ごみ\n標市粗大ごみ受付センター(電話 0123-45-5300、受付は平日の午前8時30分から午後5時まで)にお申し込みください。"
        "\n処理手数料は、1点につき500円です。")
KIKI = "避難所担当職員は、避難所を閉鎖したときは、避難所運営報告書を総務部危機管理課長に提出しなければならない。"


def _answer(question: str, text: str, title: str = "家庭ごみの分け方・出し方"):
    return ExtractiveAnswerer(lambda t: 3.0).answer(question, [passage(1, text, title)])


def test_a_telephone_number_is_answered_only_by_a_number():
    qt = analyse("粗大ごみ受付センターの電話番号は何番ですか。")
    assert qt.kind == "phone"
    assert qt.form_in("電話 0123-45-5300") and qt.form_in("電話 03(1234)5678")
    assert not qt.form_in("粗大ごみ受付センターにお申し込みください。")
    ok = _answer("粗大ごみ受付センターの電話番号は何番ですか。", GOMI)
    assert ok.answered and "0123-45-5300" in ok.text
    # a fax number asked is answered by a number labelled FAX, not by the telephone's
    fax = analyse("標市環境部ごみ減量推進課のファクス番号は何番ですか")
    assert fax.kind == "phone" and not fax.form_in("標市環境部ごみ減量推進課 電話 0123-45-5310")
    assert fax.form_in("電話 0123-45-5310 FAX 0123-45-5311") and fax.form_in("ファクス:0123-45-5311")
    # the office is named, its number is not
    no = _answer("避難所を担当する危機管理課の電話番号は何番ですか。", KIKI, "標市避難所運営規則")
    assert not no.answered and no.text == NOT_FOUND


def test_an_address_asked_needs_an_address_not_the_place_s_name():
    qt = analyse("粗大ごみ受付センターは、どこにありますか（所在地）。")
    assert qt.kind == "place" and qt.address
    assert qt.form_in("所在地は標市中央一丁目1番1号です。") and qt.form_in("標市中央1-2-3")
    assert not qt.form_in("電話 0123-45-5300")  # a telephone number is not a lot number
    assert not _answer("粗大ごみ受付センターは、どこにありますか（所在地）。", GOMI).answered
    # どこ alone may be answered by a place name (JSQuAD: フランスにある)
    plain = analyse("粗大ごみはどこに申し込めばよいですか。")
    assert plain.kind == "place" and not plain.address
    assert _answer("粗大ごみはどこに申し込めばよいですか。", GOMI).answered


def test_even_one_is_a_condition_not_a_count():
    """「1項目でも」 states no number of items; 「12項目」 does."""
    qt = analyse("安全点検チェックリストには、全部で何項目の点検項目がありますか。")
    assert not qt.form_in("安全点検チェックリストで「危険」が1項目でもある場合は、その建物を使用しません。")
    assert qt.form_in("安全点検チェックリストは12項目からなります。")
    assert not analyse("何人いれば開催できますか").form_in("一人でも欠けたときは延期する。")
    # 1人1個, 1人あたり: per head, no number of people
    guarantors = analyse("印鑑登録を保証人による方法で行う場合、保証人は何人必要ですか")
    assert not guarantors.form_in("登録できる印鑑は、1人1個に限ります。")
    assert not guarantors.form_in("備蓄は1人あたり3食とする。")
    assert guarantors.form_in("保証人は1人です。") and guarantors.form_in("保証人2人の署名が必要です。")


def test_a_day_of_the_week_is_not_a_number_of_days():
    qt = analyse("休日交付の予約は何日前までに必要ですか。")
    assert not qt.form_in("休日交付:毎月第4日曜日の午前9時から午後4時まで(予約が必要です)")
    assert qt.form_in("休日交付の予約は、交付日の3日前までに電話でお申し込みください。")


def test_an_address_named_as_a_condition_is_not_asked():
    """国内に住所がある個人事業者の納税地はどこ asks for the 納税地, not an address."""
    assert not analyse("国内に住所がある個人事業者の消費税の納税地はどこですか。").address
    assert analyse("南部出張所の住所はどこですか。").address
    # どこあて (to whom, where) a request is mailed: an address, not 窓口でお渡し
    mailed = analyse("住民票の写しを郵便で取り寄せたいのですが、請求書はどこあてに送ればよいですか。")
    assert mailed.address and not mailed.form_in("本人又は同一世帯の方が請求する場合に限り窓口でお渡しします。")
    assert mailed.form_in("〒000-0001 標市中央一丁目1番1号 標市役所市民課")
    assert analyse("申請書のあて先はどこですか。").address


def test_hours_asked_are_answered_by_times_of_day_not_dates():
    """何時から何時まで asks for hours: a 縦覧期間 of dates (4月1日から4月30日まで) does not answer
    「何時から何時まで見られますか」; a single 何時 may be いつ and keeps the date form."""
    hours = analyse("固定資産税の縦覧帳簿は、資産税課で何時から何時まで見られますか")
    assert hours.kind == "date"
    assert not hours.form_in("縦覧期間は、令和6年4月1日(月)から令和6年4月30日(火)までです。")
    assert hours.form_in("受付時間は午前8時30分から午後5時15分までです。")
    assert hours.form_in("利用時間 6:30〜23:00")
    assert hours.form_in("深夜業は、午後十時から午前五時までの間の労働をいう。")
    era = analyse("ポルトガルに映画が伝えられたのは何時か")
    assert era.form_in("1896年6月に映画が伝えられた。")


def test_a_number_of_days_is_not_given_by_a_date():
    """何日以内 asks for a number of days: 三月三十一日 (a date in the quote) does not give one,
    三十日以内 does; 毎月何日 asks for a day of the month and keeps it."""
    days = analyse("報告書は、基準日の後、何日以内に内閣総理大臣へ提出しなければなりませんか")
    assert days.kind == "count"
    assert not days.form_in("基準日は、毎年三月三十一日及び九月三十日とする。")
    assert days.form_in("基準日の翌日から起算して三十日以内に提出する。")
    assert days.form_in("10日以内に届け出てください。")
    monthly = analyse("手数料は毎月何日までに納めますか")
    assert monthly.form_in("翌月10日までに納めてください。")
    # 何営業日 and 何日ほど ask how long it takes: a guideline's dated footnote (令和3年6月15日改正) gives no length
    business = analyse("掲載を依頼してから実際にサイトで公開されるまで、何営業日ほどかかるとされていますか")
    assert not business.form_in("オープンデータ基本指針(平成29年5月30日決定、令和3年6月15日改正)")
    assert business.form_in("依頼から公開までは、おおむね5営業日です。")
    assert not analyse("申請から交付まで何日ほどかかりますか").form_in("令和6年4月1日から受け付けます。")


def test_the_question_proper_decides_the_kind_not_the_situation():
    """同じ場所で作業しています (場所 in the situation) does not make 「どの事業者ですか」 a place
    question, nor does いくつもの (many) make it a count."""
    q = ("建設工事の現場で、元請の会社の労働者と、いくつもの下請の会社の労働者が同じ場所で作業しています。"
         "統括安全衛生責任者を選任しなければならないのは、どの事業者ですか")
    assert analyse(q).kind == "what"
    assert analyse("同じ場所で作業しています。手数料はいくらですか").kind == "amount"
    # an interrogative with も / でも is no question: any, every
    assert analyse("何人も公開を請求できますか").kind == "yesno"
    assert analyse("申請は何回も出せますか").kind == "yesno"
    assert analyse("保証人は何人必要ですか").kind == "count"
    assert analyse("窓口はいくつありますか").kind == "count"


def test_a_question_ending_in_masenka_asks_yes_or_no():
    """〜てもかまいませんか asks yes or no like 〜できますか; with an interrogative it asks that."""
    assert analyse("アクセス管理者の承諾を得ていれば、訓練用のメールを送ってもかまいませんか").kind == "yesno"
    assert analyse("工事が終わったら、何を提出しなければなりませんか").kind != "yesno"
    assert analyse("審査会への諮問は何日以内にしなければなりませんか").kind == "count"


def test_a_number_of_days_asked_about_a_fee_is_no_amount():
    """手数料は何日以内に納めますか asks for days: 300円 does not answer it, 7日以内 does."""
    qt = analyse("手数料は何日以内に納めますか")
    assert qt.kind == "count"
    assert not qt.form_in("手数料は、一通につき三百円とする。")
    assert qt.form_in("手数料は、請求の日から7日以内に納めなければならない。")
    assert analyse("手数料はいくらですか").kind == "amount"


_KAITEI = ("改訂履歴\n2004年7月8日 制定 第1版発行\n2014年5月30日 改訂 第8版発行\n"
           "本ガイドラインは、脆弱性関連情報の取扱いに関する関係者の行動基準を示すものです。")


def test_a_plan_asked_is_not_answered_by_what_was_done():
    """次の改訂版をいつ発行する予定ですか asks for a plan; the revision history's dates state
    what was done. The same history answers when the last revision was."""
    title = "情報セキュリティ早期警戒パートナーシップガイドライン"
    no = _answer("このガイドラインは、次の改訂版をいつ発行する予定ですか", _KAITEI, title)
    assert not no.answered and no.text == NOT_FOUND
    ok = _answer("このガイドラインの第8版はいつ発行されましたか", _KAITEI, title)
    assert ok.answered and "2014年5月30日" in ok.text
    planned = _KAITEI + "\n次の改訂版は、2025年3月に発行する予定です。"
    assert "2025年3月" in _answer("このガイドラインは、次の改訂版をいつ発行する予定ですか", planned, title).text


def test_a_thing_still_being_worked_on_has_no_date_it_was_done():
    """第9版はいつ発行されましたか, against a history whose 第8版 has a date and whose 第9版 is still being drafted:
    the 第8版's date is another thing's. Once the 第9版's date is written, it answers."""
    title = "情報セキュリティ早期警戒パートナーシップガイドライン"
    drafting = "本ガイドラインは、2014年5月30日に改訂第8版を発行したもので、現在、第9版の策定が進められている。"
    no = _answer("このガイドラインの第9版は、いつ発行されましたか", drafting, title)
    assert not no.answered and no.text == NOT_FOUND
    ok = _answer("このガイドラインの第9版は、いつ発行されましたか", drafting + "第9版は、2025年3月に発行された。", title)
    assert ok.answered and "2025年3月" in ok.text


def test_a_local_government_named_is_not_answered_from_another_s_ordinance():
    """かつらぎ町の審査会 asked, 標市情報公開条例 quoted: another town's rule; the same article in
    かつらぎ町's ordinance answers."""
    q = "かつらぎ町の情報公開審査会は、委員何人で組織されていますか"
    text = "審査会は、委員五人以内で組織する。\n委員は、学識経験のある者のうちから任命する。"
    assert not _answer(q, text, "標市情報公開条例").answered
    ok = _answer(q, text, "かつらぎ町情報公開条例")
    assert ok.answered and "五人" in ok.text


def test_a_method_or_a_procedure_names_no_one():
    """手 and 家 end 選手 and 専門家, not 手法, 手続 or 家庭: 「2004年に開発された手法」 names no one
    who devised it."""
    qt = analyse("Dammアルゴリズムは、誰が考案したものですか")
    assert not qt.form_in("2004年に開発された手法で、優れた特徴を持つが、使用例が少ない")
    assert not qt.form_in("届出の手続は家庭で行えます")
    assert qt.form_in("数学者のダムが考案した") and qt.form_in("専門家が考案した")


def test_hearsay_and_together_with_are_no_key_terms():
    """そう of 公開されていたそうですが (hearsay) and ごと of 財布ごと (together with) name nothing the
    quote must hold."""
    words = analyse("正式版が決まる前にβ版が公開されていたそうですが、それはいつですか").key_words
    assert "そう" not in words and "公開" in words
    assert "財布ごと" not in analyse("印鑑登録証を財布ごと落としました。どこに届け出ますか").key_words
    # 昔からある: the asker's own time, like 長年
    assert "昔" not in analyse("課に昔からある紙の台帳は、どのような方法で扱いますか").key_words


def test_the_workplace_in_everyday_words_is_covered_by_the_labour_law_s_words():
    """会社 and 従業員 asked, 事業主 and 労働者 written: 雇用保険法 第七十三条 answers the question."""
    q = "ハローワークに確認を請求した従業員を、会社はそのことを理由に解雇してもかまいませんか"
    law = ("事業主は、労働者が第八条の規定による確認の請求をしたことを理由として、"
           "労働者に対して解雇その他不利益な取扱いをしてはならない。")
    qt = analyse(q)
    cov = dict(zip(qt.key_words, key_coverage(qt.key, set(lemma_terms(law)), law)))
    assert cov["会社"] == 1.0 and cov["従業員"] == 1.0
    other = "市長は、委員が確認の請求をしたことを理由として、委員を解任してはならない。"
    assert key_coverage(qt.key, set(lemma_terms(other)), other)[qt.key_words.index("会社")] == 0.0


def test_what_an_article_provides_is_answered_by_that_article_not_one_citing_it():
    q = "雇用保険法の第九十条では、どのようなことを定めていますか"
    citing = passage(1, "この法律の施行の際現に改正前の第九十条の規定により指定を受けている者は、改正後の雇用保険法の規定による"
                        "指定を受けた者とみなす。", "雇用保険法", "附則第三条")
    answerer = ExtractiveAnswerer(lambda t: 3.0)
    assert not answerer.answer(q, [citing]).answered
    own = passage(2, "この法律の施行に関し必要な事項は、厚生労働省令で定める。雇用保険法の規定による届出の方法は、"
                     "厚生労働省令で定める。", "雇用保険法", "第九十条")
    answer = answerer.answer(q, [citing, own])
    assert answer.answered and answer.citations[0].article == "第九十条"


def test_a_fee_is_named_by_every_longest_part_before_its_suffix():
    """申請手数料 is not named by a text of 占用料 that writes 申請 elsewhere: before the suffix 料,
    both 申請 and 手数 say which fee; 個人番号 still turns on 個人 (暗証番号 is another number)."""
    qt = analyse("道路占用許可を申請するときに納める申請手数料はいくらですか")
    text = "道路占用許可の申請は、道路管理課に申請書を提出してください。占用料は年額1,700円です。"
    cov = dict(zip(qt.key_words, key_coverage(qt.key, set(lemma_terms(text)), text)))
    assert cov["申請手数料"] <= 0.25
    ok = "申請手数料は1件につき2,000円です。"
    assert dict(zip(qt.key_words, key_coverage(qt.key, set(lemma_terms(ok)), ok)))["申請手数料"] == 1.0
    pin = analyse("個人番号は何桁の数字ですか")
    assert key_coverage(pin.key, set(lemma_terms("暗証番号は4桁の数字です。")), "暗証番号は4桁の数字です。")[0] <= 0.25


def test_the_number_a_phone_question_asks_for_is_its_answer_s_slot():
    qt = analyse("粗大ごみ受付センターの電話番号は何番ですか。")
    assert qt.key_words.index("電話番号") in qt.optional
    assert not analyse("電話番号の変更はどこに届けますか").optional  # a place asked: the number is what it is about


def test_an_article_number_is_no_count():
    # 第一項, 第二条の二: designations, not how many; a statute that only cites them gives no count
    qt = analyse("救助実施市として指定を受けている市は全国でいくつありますか")
    assert not qt.form_in("当該救助実施市の長は、同条第一項及び第二項の規定にかかわらず、第二条の二の救助を行う。")
    assert qt.form_in("救助実施市は、令和6年4月1日現在、全国で20市が指定されている。")


def test_a_law_number_in_the_question_names_no_source_to_quote_from():
    from model.sentence_score import from_named_source

    q = analyse("「個人情報の保護に関する法律施行条例」は、令和6年の東京都条例第107号で一部が改正されています。"
                "この改正条例は、いつから施行されていますか")
    # the amending ordinance's issuer (東京都条例 of 東京都条例第107号) is an aside; 改正条例 names no particular source
    assert q.key_words.index("東京都条例") in q.optional
    evidence = "個人情報の保護に関する法律施行条例\n附則(令和六年条例第一〇七号)\nこの条例は、令和七年六月一日から施行する。"
    assert from_named_source(q, evidence)
    # a source named in earnest still has to be quoted from
    assert not from_named_source(analyse("労働契約法の罰則は何ですか"), "労働基準法\n第百十九条 …罰金に処する。")


def test_an_amount_asked_with_its_ceiling_needs_money_not_any_limit():
    # 上限額はいくら: yen or a rate, not the 以下 of 「政令で定める額以下」 or the 三 of 第三種
    qt = analyse("第三種資金移動業を営む業者が利用者一人に対して負担できる債務の上限額は具体的にいくらですか")
    assert not qt.form_in("第三種資金移動業の各利用者に対し、政令で定める額以下である場合には、この限りでない。")
    assert qt.form_in("各利用者に対し負担する債務の額の上限は、五万円とする。")


def test_how_long_a_period_is_answered_by_a_length_or_an_end_date():
    qt = analyse("交付された限度額適用認定証は、交付からどのくらいの期間有効ですか")
    assert not qt.form_in("事前に交付を受けると、窓口での支払いが限度額までとなります。")
    assert qt.form_in("認定証の有効期間は、交付日から1年間です。")
    assert qt.form_in("有効期限は、翌年7月31日までです。")
    assert qt.form_in("一箇月以上三箇月以内の間で公共職業安定所長の定める期間")
    # how often is no period: 四半期ごと still answers it
    assert analyse("統計情報をどのくらいの間隔で公表しますか").form_in("四半期ごとに公表する")


def test_how_much_is_answered_by_an_amount_a_law_computes():
    qt = analyse("県は日赤に対してどれだけの額を補償することになっていますか")
    assert qt.form_in("日赤が支弁した費用に対し、その費用のための寄附金その他の収入を控除した額を補償する。")
    assert not qt.form_in("都道府県知事は、救助の事務を委託することができる。")


def test_a_question_naming_two_laws_may_be_answered_from_either_s_article():
    from model.sentence_score import from_named_source

    q = analyse("災害救助法に基づいて都道府県が行う救助の事務は、地方自治法上どのような種類の事務ですか")
    evidence = ("災害救助法\n第十七条（事務の区分）\nこの法律の規定により地方公共団体が処理することとされている事務のうち"
                "次に掲げるものは、地方自治法第二条第九項第一号に規定する第一号法定受託事務とする。")
    assert from_named_source(q, evidence, "災害救助法")
    # each law named must still be named: 地方自治法 nowhere
    assert not from_named_source(q, "災害救助法\n第十七条\n救助の事務は、都道府県が行う。", "災害救助法")


def test_when_to_file_is_answered_by_beforehand():
    # いつ、誰に届け出る: あらかじめ (before the change) is the when a law gives
    qt = analyse("事務所の所在地を変えるときは、いつ、誰に届け出ることになっていますか")
    assert qt.form_in("支援法人は、事務所の所在地を変更しようとするときは、あらかじめ、その旨を内閣総理大臣に届け出なければならない。")
    assert not qt.form_in("支援法人は、事務所の所在地を変更しようとするときは、その旨を内閣総理大臣に届け出なければならない。")


def test_how_often_is_answered_by_a_frequency():
    qt = analyse("評価のよりどころになる指針は、どのくらいの間隔で見直されることになっていますか")
    assert qt.form_in("委員会は、少なくとも三年ごとに指針について再検討を加える。")
    assert qt.form_in("失業の認定は、四週間に一回ずつ行うものとする。")
    assert not qt.form_in("評価書には、特定個人情報ファイルを取り扱う事務に従事する者の数を記載する。")
    assert not qt.form_in("評価書は、5部を提出する。")


def test_an_income_asked_is_a_sum_of_money_not_a_share():
    """所得がいくら以上: a sum of money answers (145万円), not the share a rule sets for those above it (3割)."""
    qt = analyse("70歳以上の国保加入者で、窓口負担が3割になる「現役並み所得者」とは、具体的に所得がいくら以上の人ですか")
    assert qt.kind == "amount"
    assert not qt.form_in("・70歳から74歳まで 2割(現役並み所得者は3割)")
    assert qt.form_in("課税所得が145万円以上の方は、現役並み所得者となります。")
    # a charge's share is still an amount's answer where no income is asked
    assert analyse("70歳の国保加入者の窓口負担はいくらですか").form_in("・70歳から74歳まで 2割")


def test_a_name_s_digit_or_a_figure_s_label_counts_nothing():
    """3D of 3D都市モデル (a name the question says) and 図表 1-6 (a figure's label) give no count of cities;
    a sentence giving one does."""
    qt = analyse("国土交通省のPLATEAUでは、これまでに全国でいくつの都市の3D都市モデルが整備されていますか")
    assert qt.kind == "count"
    assert not qt.form_in("国土交通省では、3D都市モデルの整備・活用・オープンデータ化を進めています。")
    assert not qt.form_in("図表 1-6 PLATEAUにおける防災計画検討及び災害リスク可視化の例")
    assert qt.form_in("これまでに全国約200都市で3D都市モデルを整備しました。")


def test_an_article_range_is_no_time_limit():
    """まで of 第一項から第四項まで bounds a range of articles, not a time: the definition citing them gives no
    deadline; 設置する日の前日まで does."""
    qt = analyse("臨時販売場を設置する場合、届出書を、いつまでにどこへ提出することになっていますか")
    assert qt.kind == "date"
    assert not qt.form_in("第一項から第四項までに規定する輸出物品販売場とは、次に掲げる要件の全てを満たす販売場をいう。")
    assert qt.form_in("臨時販売場を設置する日の前日までに、納税地を所轄する税務署長に届け出なければならない。")


def test_a_month_asked_is_no_number_of_months():
    """毎年何月に: 三月以内 (within three months) names no month; 毎年六月 does."""
    qt = analyse("この報告書は毎年何月に公表すると定められていますか")
    assert qt.kind == "date"
    assert not qt.form_in("各事業年度の終了後三月以内に、報告書を主務大臣に提出するとともに、公表しなければならない。")
    assert not qt.form_in("六月を経過した後に公表する。")
    assert qt.form_in("機構は、毎年六月に報告書を公表する。")


def test_until_when_is_answered_by_at_any_time():
    """いつまで請求できる: いつでも (no limit) is the when the law gives."""
    qt = analyse("雇用保険法では、被保険者であったかどうかの確認を請求できるのはいつまでですか")
    assert qt.kind == "date"
    assert qt.form_in("被保険者又は被保険者であつた者は、いつでも、次条の規定による確認を請求することができる。")
    assert not qt.form_in("厚生労働大臣は、労働者が被保険者となつたことの確認を行うものとする。")


def test_the_matters_asked_under_a_time_limit_s_special_case_are_no_date():
    """期限の特例を使う場合、どのような事項を知らせる: the matters are asked, not a date."""
    q = "個人情報保護法の期限の特例を使って決定を先に延ばす場合、請求者にはどのような事項を書面で知らせる必要がありますか"
    assert analyse(q).kind == "what"
    assert analyse("訂正決定の期限はいつですか").kind == "date"


def test_a_counter_told_beside_a_manner_asked_is_no_place_asked():
    """「…税務署の窓口に提出するつもりでしたが、…どのような方法で申告する」: how, not where."""
    q = ("資本金3億円の株式会社で経理を担当しています。消費税の確定申告書を紙で作って税務署の窓口に提出するつもりでしたが、"
         "当社のような法人の場合、消費税法ではどのような方法で申告することになっていますか")
    assert analyse(q).kind == "how"
    assert analyse("住民票の写しはどの窓口で受け取れますか").kind == "place"


def test_a_law_s_item_label_is_no_quantity():
    """「四 避難者の代表者」: 四 labels an item of a list (a 号), it counts nothing asked; 一年 does."""
    qt = analyse("標市の避難所運営委員会で互選された委員長の任期はどれくらいですか")
    assert not qt.form_in("四 避難者の代表者") and not qt.form_in("一 自主防災組織又は自治会の代表者")
    assert qt.form_in("委員長の任期は、一年とする。") and qt.form_in("二 三年以内の期間")
    # a term of office asked is a length of time: 一人 gives none
    assert not qt.form_in("避難所運営委員会の委員のうち少なくとも一人は、女性としなければならない。")


def test_which_law_asked_beside_a_fee_is_no_amount():
    """「手数料の根拠を…。標市手数料条例は、どの法律のどの規定に基づいて」: a provision is asked, not money."""
    q = "手数料の根拠を説明する研修資料を作っています。標市手数料条例は、どの法律のどの規定に基づいて定められたものですか"
    assert analyse(q).kind != "amount"
    assert analyse("標市で住民票の写しを取るときの手数料はいくらですか").kind == "amount"
    assert analyse("印鑑登録証明書の手数料は何条に定められていますか").kind != "amount"


def test_a_telephone_number_named_as_an_example_is_no_number_asked():
    """「日付や電話番号などの共通の記述形式…は、どのモデルをもとに」: the model is asked, not a number."""
    q = "日付や電話番号などの共通の記述形式をまとめた『コアデータパーツ』は、それまでのどのモデルをもとに作られたものですか"
    assert analyse(q).kind != "phone"
    assert analyse("標市の市民課の電話番号を教えてください").kind == "phone"
    assert analyse("市民課の電話番号は何番ですか").kind == "phone"
