from __future__ import annotations

import re
import unicodedata

import pytest

from jtext.normalize import RADICAL_LOOKALIKES, NormText, normalize, normalize_query

WIDTH = [
    ("ＡＢＣ１２３　全角", "ABC123 全角"),
    ("第１２条第２項", "第12条第2項"),
    ("（目的）", "(目的)"),
    ("申請は？", "申請は?"),
    ("㍻元年の㈱", "平成元年の(株)"),
    ("① 身分証明書", "① 身分証明書"),  # circled numbers stay list markers
    ("以下……省略", "以下……省略"),
]
KANGXI = [
    ("⾏政手続法", "行政手続法"),  # U+2F8F KANGXI RADICAL WALK
    ("⼈事院規則", "人事院規則"),  # U+2F08
    ("⾦額", "金額"),  # U+2FA6
    ("⻑期休暇", "長期休暇"),  # U+2ED1, radicals supplement: NFKC leaves it
    ("⺠法第一条", "民法第一条"),  # U+2EA0
]
HALF_WIDTH_KANA = [
    ("ｶﾞｲﾄﾞﾗｲﾝ", "ガイドライン"),
    ("ﾊﾟｽﾎﾟｰﾄの申請", "パスポートの申請"),
    ("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ", "マイナンバーカード"),
    ("か\u309bき", "がき"),  # spacing ゛ after kana composes
    ("ｱﾞ", "ア゛"),  # nothing to compose with: the mark stays visible
]
DASHES = [
    ("電話03ー1234ー5678", "電話03-1234-5678"),
    ("1−2", "1-2"),
    ("2023–2024年", "2023-2024年"),
    ("０３－１２３４", "03-1234"),
    ("ユーザー", "ユーザー"),  # 長音 in words is not a dash
    ("――以上", "――以上"),
    ("10～20日", "10〜20日"),
    ("4月1日~3月31日", "4月1日〜3月31日"),
    ("〜まで", "〜まで"),
    ("http://example.jp/~user/", "http://example.jp/~user/"),
]
INVISIBLE = [
    ("ゼロ\u200b幅\u200c文\u200d字", "ゼロ幅文字"),
    ("\ufeff規程", "規程"),
    ("ソフト\u00adハイフン", "ソフトハイフン"),
    ("葛\U000e0100飾区", "葛飾区"),  # ideographic variation selector
]
PRIVATE_USE = [
    ("\uf0b7\t申請書\n\uf0a7 住民票の写し", "・ 申請書\n・ 住民票の写し"),
    ("文中\uf0a7記号", "文中記号"),
    ("  \uf06c 項目", "・ 項目"),
]
SPACES = [
    ("申請書\t\t提出", "申請書 提出"),
    ("全角　　空白", "全角 空白"),
    ("行末の空白。   \n次の行。", "行末の空白。\n次の行。"),
    ("第一行。\r\n第二行。\r第三行。", "第一行。\n第二行。\n第三行。"),
    ("一段落。\n\n\n\n二段落。", "一段落。\n\n二段落。"),
    ("一段落。\n \n　\n二段落。", "一段落。\n\n二段落。"),
    ("\n\n　本文。\n\n", "本文。"),
]
RUBY_DROPPED = [
    (
        "  のうぜいぎむしゃ    しんこく\n納税義務者は、毎年度申告しなければならない。",
        "納税義務者は、毎年度申告しなければならない。",
    ),
    (
        "のうぜいぎむしゃ\n納税義務者は、毎年度申告しなければならない。",
        "納税義務者は、毎年度申告しなければならない。",
    ),
    (
        "前の文。\n地方税法に定める納税義務者は、申告する。\nちほうぜいほう のうぜいぎむしゃ",
        "前の文。\n地方税法に定める納税義務者は、申告する。",
    ),
    ("ヤマダ タロウ\n山田 太郎", "山田 太郎"),
    ("納税義務者（のうぜいぎむしゃ）は", "納税義務者は"),
    ("納税義務者(のうぜいぎむしゃ)は", "納税義務者は"),
    ("漢字《かんじ》の読み", "漢字の読み"),
    ("国（くに）と地方公共団体（ちほうこうきょうだんたい）", "国と地方公共団体"),
]
RUBY_KEPT = [
    ("はじめに\nこの手引きは、申請の方法を説明します。", "はじめに\nこの手引きは、申請の方法を説明します。"),
    ("ガイドライン\n本文書は、個人情報の取扱いについて定める。", "ガイドライン\n本文書は、個人情報の取扱いについて定める。"),
    ("ひらがなだけの行\n\n漢字の行。", "ひらがなだけの行\n\n漢字の行。"),  # not next to the kanji line
    ("ありがとう\nございました", "ありがとうございました"),  # no kanji neighbour: joined, not dropped
    ("さらに（または）とする", "さらに(または)とする"),  # follows no kanji
    ("本文（ただし書）による", "本文(ただし書)による"),  # contains kanji
    ("当該期間（いずれも）の間", "当該期間(いずれも)の間"),  # connective, not a reading
    ("国（くにのきかんにかんするほうりつ）", "国(くにのきかんにかんするほうりつ)"),  # > 4× the kanji run
    ("申請書（カタカナ）", "申請書(カタカナ)"),  # readings in () must be hiragana
]
JOINED = [
    ("この規程は、職員の育児休業に\n関して必要な事項を定める。", "この規程は、職員の育児休業に関して必要な事項を定める。"),
    ("この規程は、職員の育児休業に  \n　関して必要な事項を定める。", "この規程は、職員の育児休業に関して必要な事項を定める。"),
    ("申請期限は令和6年\n3月31日です。", "申請期限は令和6年3月31日です。"),
    ("手数料は、\n1,000円とする。", "手数料は、1,000円とする。"),
    ("申請者は次に掲げる書類を添えて\n「申請書」を提出する。", "申請者は次に掲げる書類を添えて「申請書」を提出する。"),
    ("事業者は本人の同意を得ないで当該情報を\n第三者に提供してはならない。", "事業者は本人の同意を得ないで当該情報を第三者に提供してはならない。"),
    ("・申請書は、所定の様式に\n記入すること。", "・申請書は、所定の様式に記入すること。"),
    ("第二条　この規程において、次の各号に掲げる用語の\n意義は、当該各号に定めるところによる。", "第二条 この規程において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。"),
    ("The exam\nple text", "The exam ple text"),
    ("申請書を\n提出する", "申請書を提出する"),
    # a number wrapped away from its counter, a parenthesis from its particle (real PDF wraps)
    ("保存水(賞味期限7年)等の期限がある物資は、期限の1\n年前に計画的に入れ替える。",
     "保存水(賞味期限7年)等の期限がある物資は、期限の1年前に計画的に入れ替える。"),
    ("一定以上の所得がある方は2\n割又は3割となります。", "一定以上の所得がある方は2割又は3割となります。"),
    ("加齢に伴う特定疾病(16種類)\nが原因で認定を受けた場合", "加齢に伴う特定疾病(16種類)が原因で認定を受けた場合"),
    ("標準処理期間は、10日(閉庁日を除く。)\nです。", "標準処理期間は、10日(閉庁日を除く。)です。"),
    # a checklist's marks column at the end of a row's first line (real PDF, 情報システム安全対策基準): the
    # marks go where the sentence runs on, and stay where it ends
    ("(3)一時的に入退室の資格を与えた者は、必要に応じ立会人を付け、立◎○○\n入場所の抑制を行うこと。\n"
     "(4)建物又は室の重要度に応じ、入退の記録をとること。◎◎○\n(5)出入口の施錠及び解錠の記録をとること。○○○",
     "(3)一時的に入退室の資格を与えた者は、必要に応じ立会人を付け、立入場所の抑制を行うこと。\n"
     "(4)建物又は室の重要度に応じ、入退の記録をとること。◎◎○\n(5)出入口の施錠及び解錠の記録をとること。○○○"),
    ("(6)三相電源に単相機器を接続する場合は、設備不－－－－－◎\n平衡による障害の防止措置を講ずること。\n"
     "(7)配線にノイズが誘導しないよう、電磁遮蔽の措－－－－－◎\n置を講ずること。\n(8)専用の電源配線スペースを設けること。－－－－－☆",
     "(6)三相電源に単相機器を接続する場合は、設備不平衡による障害の防止措置を講ずること。\n"
     "(7)配線にノイズが誘導しないよう、電磁遮蔽の措置を講ずること。\n(8)専用の電源配線スペースを設けること。-----☆"),
]
KEPT_LINES = [
    # a lone placeholder at a line's end is no marks column: it stays (the line is kept as before)
    ("本規約は、○○\n市長が定める。", "本規約は、○○\n市長が定める。"),
    ("申請書を提出すること。\n次に、審査を行う。", "申請書を提出すること。\n次に、審査を行う。"),
    ("「申請書」\nを提出", "「申請書」\nを提出"),
    ("次の書類を提出すること\n・申請書\n・住民票の写し", "次の書類を提出すること\n・申請書\n・住民票の写し"),
    ("必要なもの\n① 身分証明書\n② 印鑑", "必要なもの\n① 身分証明書\n② 印鑑"),
    ("次のとおり\n(1) 写真\n（２） 申請書", "次のとおり\n(1) 写真\n(2) 申請書"),
    ("次のとおり\n1. 写真\n２．申請書", "次のとおり\n1. 写真\n2.申請書"),
    ("次に掲げる者\n一　職員\n二　非常勤職員", "次に掲げる者\n一 職員\n二 非常勤職員"),
    ("次のいずれか\nア 申請者\nイ 代理人", "次のいずれか\nア 申請者\nイ 代理人"),
    ("第１章　総則\nこの章では、基本的事項を定める。", "第1章 総則\nこの章では、基本的事項を定める。"),
    ("規程の目的\n（目的）\n第一条　この規程は、", "規程の目的\n(目的)\n第一条 この規程は、"),
    ("前条の規定により\n第三条の申請を行う", "前条の規定により\n第三条の申請を行う"),
    ("附則\nこの規程は、令和5年4月1日から施行する。", "附則\nこの規程は、令和5年4月1日から施行する。"),
    ("注意事項\n※ 期限を過ぎた申請は受け付けない。", "注意事項\n※ 期限を過ぎた申請は受け付けない。"),
    ("【目的】\nこの規程は", "【目的】\nこの規程は"),
    ("連絡先\nTEL 03-1234-5678", "連絡先\nTEL 03-1234-5678"),
    ("TEL 03-1234-5678\n受付時間 平日9時から", "TEL 03-1234-5678\n受付時間 平日9時から"),  # no counter
    ("(目的)\nこの規程は", "(目的)\nこの規程は"),  # a caption, then no particle
    ("個人情報保護\n管理体制", "個人情報保護\n管理体制"),  # short kanji-only line reads as a heading
]
LAW_SAMPLE = (
    "　　　第一章　総則\n"
    "（目的）\n"
    "第一条　この規程は、職員の育児休業等に関する法律（以下「法」という。）に基づき、\n"
    "職員の育児休業に関し必要な事項を定めるものとする。\n"
    "\n\n"
    "（育児休業をすることができない職員）\n"
    "第二条　法第二条第一項の規程で定める職員は、次に掲げる職員とする。\n"
    "一　非常勤職員\n"
    "二　臨時的に任用される職員\n"
)
LAW_EXPECTED = (
    "第一章 総則\n"
    "(目的)\n"
    "第一条 この規程は、職員の育児休業等に関する法律(以下「法」という。)に基づき、"
    "職員の育児休業に関し必要な事項を定めるものとする。\n"
    "\n"
    "(育児休業をすることができない職員)\n"
    "第二条 法第二条第一項の規程で定める職員は、次に掲げる職員とする。\n"
    "一 非常勤職員\n"
    "二 臨時的に任用される職員"
)

ALL_CASES = [
    *WIDTH,
    *KANGXI,
    *HALF_WIDTH_KANA,
    *DASHES,
    *INVISIBLE,
    *PRIVATE_USE,
    *SPACES,
    *RUBY_DROPPED,
    *RUBY_KEPT,
    *JOINED,
    *KEPT_LINES,
    (LAW_SAMPLE, LAW_EXPECTED),
]


@pytest.mark.parametrize(("raw", "expected"), WIDTH + KANGXI + HALF_WIDTH_KANA)
def test_width_and_lookalikes(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize(("raw", "expected"), DASHES)
def test_dashes_and_wave_dashes(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize(("raw", "expected"), INVISIBLE + PRIVATE_USE + SPACES)
def test_invisible_bullets_and_spaces(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize(("raw", "expected"), RUBY_DROPPED)
def test_ruby_dropped(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize(("raw", "expected"), RUBY_KEPT)
def test_ruby_kept(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


def test_strip_ruby_off() -> None:
    raw = "のうぜいぎむしゃ\n納税義務者（のうぜいぎむしゃ）は"
    assert normalize(raw, strip_ruby=False).text == "のうぜいぎむしゃ\n納税義務者(のうぜいぎむしゃ)は"


@pytest.mark.parametrize(("raw", "expected"), JOINED)
def test_lines_joined(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize(("raw", "expected"), KEPT_LINES)
def test_lines_kept(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


def test_law_sample() -> None:
    assert normalize(LAW_SAMPLE).text == LAW_EXPECTED


def test_join_lines_off() -> None:
    raw = "この規程は、職員の育児休業に  \n　関して必要な事項を定める。\n\n\n次。"
    assert normalize(raw, join_lines=False).text == "この規程は、職員の育児休業に\n関して必要な事項を定める。\n\n次。"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("　第１２条の　ｶﾞｲﾄﾞﾗｲﾝは？\n", "第12条の ガイドラインは?"),
        ("育児休業の\n申請期限は？", "育児休業の 申請期限は?"),
        ("令和５年４月１日〜", "令和5年4月1日〜"),
        ("⾏政\u200b手続", "行政手続"),
        ("", ""),
    ],
)
def test_normalize_query(raw: str, expected: str) -> None:
    assert normalize_query(raw) == expected


# ---------------------------------------------------------------------------
# Offset map
# ---------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")
_HIDDEN = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _fold(s: str) -> str:
    """What the original looks like to a reader after NFKC (test oracle)."""
    s = _HIDDEN.sub("", s).replace("\u309b", "\u3099").replace("\u309c", "\u309a")
    s = unicodedata.normalize("NFKC", s).replace("\u3099", "\u309b").replace("\u309a", "\u309c")
    return "".join(RADICAL_LOOKALIKES.get(c, c) for c in s)


def _is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(c in it for c in needle)


@pytest.mark.parametrize(("raw", "expected"), ALL_CASES)
def test_offsets_shape(raw: str, expected: str) -> None:
    n = normalize(raw)
    assert len(n.offsets) == len(n.text) + 1
    assert len(n.ends) == len(n.text)
    assert n.offsets[-1] == len(raw)
    assert list(n.offsets) == sorted(n.offsets)
    assert all(s < e <= len(raw) for s, e in zip(n.offsets, n.ends))


@pytest.mark.parametrize(("raw", "expected"), ALL_CASES)
def test_offsets_point_at_source_chars(raw: str, expected: str) -> None:
    n = normalize(raw)
    for i, ch in enumerate(n.text):
        if _CJK.match(ch):
            assert ch in _fold(raw[n.offsets[i]]), (i, ch, raw[n.offsets[i]])
        if _KANA.match(ch):
            a, b = n.to_original(i, i + 1)
            assert ch in _fold(raw[a:b]), (i, ch, raw[a:b])


@pytest.mark.parametrize(("raw", "expected"), ALL_CASES)
def test_to_original_spans_contain_words(raw: str, expected: str) -> None:
    # Every run of kanji/kana in the output maps to a span of the original
    # that begins and ends with it and holds it in order; only dropped text
    # (ruby, newlines, invisible characters) may sit in between.
    n = normalize(raw)
    for m in re.finditer(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u3400-\u9fff々〆]+", n.text):
        a, b = n.to_original(m.start(), m.end())
        a1, b1 = n.to_original(m.start(), m.start() + 1)
        a2, b2 = n.to_original(m.end() - 1, m.end())
        assert (a, b) == (a1, b2)
        assert m.group()[0] in _fold(raw[a1:b1]) and m.group()[-1] in _fold(raw[a2:b2])
        assert _is_subsequence(m.group(), _fold(raw[a:b])), (m.group(), raw[a:b])


WORDS = [  # (original, word as normalised, word as written in the original)
    ("ｶﾞｲﾄﾞﾗｲﾝを参照", "ガイドライン", "ｶﾞｲﾄﾞﾗｲﾝ"),
    ("⾏政手続法第１２条", "行政手続法", "⾏政手続法"),
    ("⾏政手続法第１２条", "第12条", "第１２条"),
    ("この規程は、職員の育児休業に\n関して必要な事項を定める。", "育児休業に関して", "育児休業に\n関して"),
    ("納税義務者（のうぜいぎむしゃ）は申告する。", "納税義務者は", "納税義務者（のうぜいぎむしゃ）は"),
    ("のうぜいぎむしゃ\n納税義務者は、申告しなければならない。", "納税義務者", "納税義務者"),
    ("ゼロ\u200b幅", "ゼロ幅", "ゼロ\u200b幅"),
    ("電話03ー1234ー5678", "03-1234-5678", "03ー1234ー5678"),
]


@pytest.mark.parametrize(("raw", "word", "written"), WORDS)
def test_to_original_of_found_word(raw: str, word: str, written: str) -> None:
    n = normalize(raw)
    start = n.text.index(word)
    a, b = n.to_original(start, start + len(word))
    assert raw[a:b] == written


def test_to_original_excludes_trailing_dropped_text() -> None:
    n = normalize("納税義務者（のうぜいぎむしゃ）は")
    assert n.to_original(0, 5) == (0, 5)
    assert n.to_original(0, 6) == (0, 16)
    assert n.to_original(3, 3) == (3, 3)


def test_to_original_rejects_bad_span() -> None:
    n = normalize("規程")
    with pytest.raises(ValueError):
        n.to_original(1, 3)
    with pytest.raises(ValueError):
        n.to_original(2, 1)


def test_normtext_without_ends_falls_back_to_offsets() -> None:
    n = NormText(text="ab", offsets=(0, 2, 3))
    assert n.to_original(0, 1) == (0, 2)
    assert n.to_original(0, 2) == (0, 3)


def test_short_table_cells_are_not_joined_to_the_next_row() -> None:
    raw = (
        "1．公文書の保存期間は、次の表のとおりとし、文書の種類ごとに定めるものとする。\n"
        "予算及び決算に関する文書\n"
        "5年\n"
        "契約に関する文書、補助金の交付に関する文書\n"
        "3年\n"
        "2．保存期間の起算日は、文書を作成し、又は取得した日の属する年度の翌年度\n"
        "の4月1日とする。"
    )
    assert normalize(raw).text.split("\n") == [
        "1．公文書の保存期間は、次の表のとおりとし、文書の種類ごとに定めるものとする。".replace("1．", "1."),
        "予算及び決算に関する文書",
        "5年",
        "契約に関する文書、補助金の交付に関する文書",
        "3年",
        "2.保存期間の起算日は、文書を作成し、又は取得した日の属する年度の翌年度の4月1日とする。",
    ]
