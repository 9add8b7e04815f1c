"""Statutes as HTML pages and plain text: 第○条第○項 sections, as the e-Gov XML gives.

Every page here is written in the test, shaped like e-Gov 法令検索's law pages
and like a municipal 例規集 page; the provisions are invented.
"""

from __future__ import annotations

import pytest

from indexer.loaders import load_bytes
from indexer.loaders.law_text import (
    item_label,
    kanji_label,
    law_sections,
    looks_like_law,
    paragraph_label,
)
from tests.test_loaders import LAW_SECTIONS


def _box(cls: str, inner: str, style: str = "margin-left: 1em;") -> str:
    # e-Gov wraps every line in a div with an (empty) 所管/引用 box after it.
    return (f'<div style="{style}" class="{cls} _shokanBoxParent">\n{inner}'
            '<div class="_shokanBox" id="_shokan_"><div class="_shokanBtnIcons"></div></div>\n'
            '<div class="_inyoBox" id="_inyo_"></div>\n</div>\n')


def _title(num: str, text: str, cls: str = "_div_ArticleTitle") -> str:
    return _box(cls, f'<span style="font-weight: bold;">{num}</span>　<span data-xpath="">{text}</span>')


def _item(num: str, *columns: str, cls: str = "_div_ItemSentence") -> str:
    spans = "　".join(f'<span data-xpath="">{c}</span>' for c in columns)
    return _box(cls, f'<span style="font-weight: bold;">{num}</span>　{spans}', "margin-left: 2em;")


def _caption(text: str, cls: str = "_div_ArticleCaption") -> str:
    return _box(cls, f'<span data-xpath="">{text}</span>')


# The invented 架空手続法 of tests/test_loaders.py, as e-Gov renders a law page.
EGOV_PAGE = (
    '<html lang="ja"><head><meta charset="utf-8"><title>架空手続法</title><style>header h1 { width: 300px; }</style>'
    '</head><body><main id="contentsLaw" class="active"><div id="innerDocument" class="active">'
    '<div style="margin-bottom: 12px;"><div id="lawTitleNo" class="_shokanBoxParent">令和六年法律第九十九号</div>'
    '<div id="lawTitle" class="_shokanBoxParent"><span data-xpath="">架空手続法</span></div></div>'
    '<section id="TOC" class="active TOC"><div class="_div_TOCLabel"><span>目次</span></div>'
    '<div class="_div_TOCChapter"><div class="TOCChapterTitle">第一章　総則<span>（第一条）</span></div></div>'
    '<div class="_div_TOCChapter"><div class="TOCChapterTitle">第二章　申請</div></div>'
    '<div class="_div_TOCSupplProvision"><span>附則</span></div></section>'
    '<section id="MainProvision" class="active MainProvision">'
    '<section class="active Chapter"><div class="ChapterTitle _div_ChapterTitle"><div class="ChapterTitle">第一章　総則</div></div></section>'
    '<section class="active Article">' + _caption("（目的）")
    + _title("第一条", "この法律は、架空の手続を<ruby>定<rt>さだ</rt></ruby>めることを目的とする。") + "</section>"
    '<section class="active Chapter"><div class="ChapterTitle _div_ChapterTitle"><div class="ChapterTitle">第二章　申請</div></div></section>'
    '<section class="active Section"><div class="SectionTitle _div_SectionTitle"><div class="SectionTitle">第一節　通則</div></div></section>'
    '<section class="active Article">' + _caption("（申請書）")
    + _box("_div_ArticleTitle", '<span style="font-weight: bold;">第十二条</span>　<span data-xpath="">申請は、申請書を提出して行う。</span>'
           '<span data-xpath="">ただし、急を要する場合は、この限りでない。</span>')
    + _title("２", "申請書には、次に掲げる事項を記載しなければならない。", "_div_ParagraphSentence")
    + _item("一", "氏名及び住所") + _item("二", "申請の理由") + _item("イ", "事業に関するもの", cls="_div_Subitem1Sentence")
    + _item("三", "添付書類", "住民票の写し") + "</section>"
    '<section class="active Article">' + _title("第二十条の二", "手数料は、別表に定める額とする。")
    + '<div class="_div_TableStruct"><table><tr><td>区分</td><td>金額</td></tr><tr><td>一般</td><td>三百円</td></tr></table></div>'
    "</section></section>"
    '<section class="active SupplProvision">' + _caption("<span>附　則</span>", "_div_SupplProvisionLabel SupplProvisionLabel")
    + '<section class="active Paragraph">' + _title("１", "この法律は、公布の日から施行する。", "_div_ParagraphSentence") + "</section>"
    '<section class="active Paragraph">' + _title("２", "この法律の施行前にした申請は、なお従前の例による。", "_div_ParagraphSentence")
    + "</section></section>"
    '<section class="active SupplProvision">'
    + _box("_div_SupplProvisionLabel SupplProvisionLabel", '<span data-xpath="">附　則</span>　（令和七年法律第一号）　抄')
    + '<section class="active Article">' + _caption("（施行期日）") + _title("第一条", "この法律は、令和八年四月一日から施行する。")
    + _title("２", "経過措置は、政令で定める。", "_div_ParagraphSentence") + "</section></section>"
    '<section class="active AppdxTable"><div class="_div_AppdxTableTitle">別表第一<span>（第二十条の二関係）</span></div>'
    "<table><tr><td>証明書</td><td>三百円</td></tr></table></section>"
    "</div></main></body></html>"
)


def test_egov_page_gives_the_same_sections_as_the_xml() -> None:
    doc = load_bytes(EGOV_PAGE.encode("utf-8"), "506AC0000000099.html")
    assert doc.kind == "html"
    assert doc.title == "架空手続法"
    assert doc.meta == {"law_num": "令和六年法律第九十九号"}
    assert [(s.article, s.heading, s.text) for s in doc.sections] == LAW_SECTIONS


# A 例規集 page: half-width numbers, captions in (), items (1), 附則 per amendment, a side bar.
REIKI_PAGE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html lang="ja"><head><meta http-equiv="content-type" content="text/html; charset=Shift_JIS">
<title>架空町公園条例</title><script type="text/javascript">selectTab();</script></head><body>
<div id="wrapper"><div id="container"><div id="primary" class="joubun showhistory"><div id="primaryInner">
<div><div id="l0" class="eline"><div class="head"><p class="title-irregular"><span class="cm">○架空町公園条例</span></p></div></div></div>
<div><div id="l1" class="eline"><div class="head"><p class="date"><span class="cm">平成10年3月20日</span></p></div></div></div>
<div><div id="l2" class="eline"><div class="head"><p class="number"><span class="cm">条例第7号</span></p></div></div></div>
<div><div id="l3" class="eline"><p class="s-head"><span class="title cm">第1章　総則</span></p></div></div>
<div><div id="l4" class="eline"><div class="article"><p class="title"><span class="cm">(目的)</span></p>
<p class="num"><span class="num cm">第1条</span>　<span class="clause"><span class="p cm">この条例は、公園の管理に関し必要な事項を定める。</span></span></p></div></div></div>
<div><div id="l5" class="eline"><div class="article"><p class="title"><span class="cm">(行為の制限)</span></p>
<p class="num"><span class="num cm">第2条</span>　<span class="clause"><span class="p cm">公園では、次に掲げる行為をしてはならない。</span></span></p></div></div></div>
<div><div id="l6" class="eline"><div class="item"><p class="num"><span class="num cm">(1)</span>　<span class="p cm">植物を損傷すること。</span></p></div></div></div>
<div><div id="l7" class="eline"><div class="item"><p class="num"><span class="num cm">(2)</span>　<span class="p cm">たき火をすること。</span></p></div></div></div>
<div><div id="l8" class="eline"><div class="clause"><p class="num"><span class="num cm">2</span>　<span class="p cm">町長は、前項の規定にかかわらず、行為を許可することができる。</span></p></div></div></div>
<div><div id="l9" class="eline"><div class="revise_record"><p class="p">(平成20条例5・一部改正)</p></div></div></div>
<div><div id="l10" class="eline"><p class="s-head"><span class="title cm">第2章　使用料</span></p></div></div>
<div><div id="l11" class="eline"><div class="article"><p class="num"><span class="num cm">第3条の2</span>　<span class="clause"><span class="p cm">使用料は、別表のとおりとする。</span></span></p></div></div></div>
<div><div id="l12" class="eline"><p class="s-head"><span class="title cm"><span class="word-space">附</span>則</span></p></div></div>
<div><div id="l13" class="eline"><div class="clause"><p class="p">この条例は、平成10年4月1日から施行する。</p></div></div></div>
<div><div id="l14" class="eline"><p class="s-head"><span class="title cm"><span class="word-space">附</span>則(平成20年3月25日条例第5号)</span></p></div></div>
<div><div id="l15" class="eline"><div class="clause"><p class="num"><span class="num cm">1</span>　<span class="p cm">この条例は、公布の日から施行する。</span></p></div></div></div>
<div><div id="l16" class="eline"><div class="clause"><p class="num"><span class="num cm">2</span>　<span class="p cm">改正前の許可は、なお効力を有する。</span></p></div></div></div>
<div><div id="l17" class="eline"><div class="table-title"><p class="num"><span class="num cm">別表</span><span class="cm">(第3条の2関係)</span></p></div></div></div>
<div><div id="l18" class="eline"><table><tr><td><p>区分</p></td><td><p>金額</p></td></tr></table></div></div>
</div></div>
<div id="secondary"><div class="heading-area"><h2 class="heading-lv2A">架空町公園条例</h2></div>
<ul class="tab-nav"><li><a href="#toc">条項目次</a></li></ul><div class="joubun-toc"><ul><li>第1条</li><li>第2条</li></ul></div></div>
</div></div></body></html>"""

REIKI_SECTIONS = [
    (None, None),
    ("第一条", "第1章　総則 > 第一条(目的)"),
    ("第二条", "第1章　総則 > 第二条(行為の制限)"),
    ("第二条第二項", "第1章　総則 > 第二条(行為の制限)"),
    ("第三条の二", "第2章　使用料 > 第三条の二"),
    ("附則", "附則"),
    ("附則", "附則(平成20年3月25日条例第5号)"),
    ("附則第二項", "附則(平成20年3月25日条例第5号)"),
    ("別表", "別表(第3条の2関係)"),
]


def test_reiki_page_sections_by_article() -> None:
    doc = load_bytes(REIKI_PAGE.encode("cp932"), "k999RG00000001.html")
    assert doc.title == "架空町公園条例"
    assert [(s.article, s.heading) for s in doc.sections] == REIKI_SECTIONS
    texts = {s.article: s.text for s in doc.sections}
    assert texts[None] == "○架空町公園条例\n平成10年3月20日\n条例第7号"
    assert texts["第二条"] == "公園では、次に掲げる行為をしてはならない。\n(1)　植物を損傷すること。\n(2)　たき火をすること。"
    # an amendment note stays with the paragraph it follows, not as the next article's caption
    assert texts["第二条第二項"] == "町長は、前項の規定にかかわらず、行為を許可することができる。\n(平成20条例5・一部改正)"
    assert "条項目次" not in "".join(s.text for s in doc.sections)  # the side bar is not the law


def test_law_shaped_page_without_known_markup() -> None:
    lines = ["第1条　この要綱は、補助金の交付に関し必要な事項を定める。", "第2条　補助の対象は、次のとおりとする。",
             "一　町内に住所を有する者", "二　町長が認める団体", "2　前項の規定は、予算の範囲内で適用する。",
             "第3条　この要綱に定めるもののほか、必要な事項は町長が定める。"]
    page = "<html><head><title>架空町補助金交付要綱</title></head><body>" + "".join(f"<p>{x}</p>" for x in lines) + "</body></html>"
    doc = load_bytes(page.encode("utf-8"), "youkou.html")
    assert doc.title == "架空町補助金交付要綱"
    assert [(s.article, s.heading) for s in doc.sections] == [
        ("第一条", "第一条"), ("第二条", "第二条"), ("第二条第二項", "第二条"), ("第三条", "第三条")]
    assert doc.sections[1].text == "補助の対象は、次のとおりとする。\n一　町内に住所を有する者\n二　町長が認める団体"


def test_page_that_only_mentions_articles_keeps_heading_sections() -> None:
    page = ("<html><head><title>お知らせ</title></head><body><h1>条例改正のお知らせ</h1>"
            "<p>第3条の改正により、申請期限が変わりました。</p><h2>変更点</h2><p>第5条及び第6条も改正しました。</p>"
            "<ul><li>第7条の手数料</li></ul></body></html>")
    doc = load_bytes(page.encode("utf-8"), "news.html")
    assert [(s.article, s.heading) for s in doc.sections] == [
        (None, "条例改正のお知らせ"), (None, "条例改正のお知らせ > 変更点")]


TEXT_LAW = """架空市文書管理規程
平成15年3月31日訓令第4号

目次
第1章　総則（第1条・第2条）
第2章　保存（第3条）
附則

第1章　総則

（趣旨）
第1条　この規程は、文書の管理に関し必要な事項を定めるものとする。

（定義）
第2条　この規程において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。
(1)　文書　職員が職務上作成し、又は取得した文書をいう。
(2)　課　市の課及び室をいう。
2　前項第1号の文書には、電磁的記録を含む。
3　この規程の解釈について疑義が生じたときは、総務課長が決定する。

第2章　保存
第3条　文書の保存期間は、次の各号に掲げる区分に応じ、当該各号に定める期間とする。
一　第一種文書　三十年
二　第二種文書　十年
第4条　削除

附　則
1　この規程は、平成15年4月1日から施行する。
2　この規程の施行の際現に保存されている文書は、この規程により保存されているものとみなす。
"""


def test_plain_text_law_gets_article_paragraph_labels() -> None:
    doc = load_bytes(TEXT_LAW.encode("cp932"), "bunsho_kitei.txt")
    assert doc.kind == "text"
    assert doc.title == "架空市文書管理規程"
    assert [(s.article, s.heading) for s in doc.sections] == [
        (None, None),
        ("第一条", "第1章　総則 > 第一条（趣旨）"),
        ("第二条", "第1章　総則 > 第二条（定義）"),
        ("第二条第二項", "第1章　総則 > 第二条（定義）"),
        ("第二条第三項", "第1章　総則 > 第二条（定義）"),
        ("第三条", "第2章　保存 > 第三条"),
        ("第四条", "第2章　保存 > 第四条"),
        ("附則", "附　則"),
        ("附則第二項", "附　則"),
    ]
    texts = [s.text for s in doc.sections]
    assert texts[0].endswith("第2章　保存（第3条）\n附則")  # the table of contents stays in the opening block
    assert texts[5] == "文書の保存期間は、次の各号に掲げる区分に応じ、当該各号に定める期間とする。\n一　第一種文書　三十年\n二　第二種文書　十年"
    assert texts[6] == "削除"


def test_plain_text_with_numbered_headings_is_not_a_law() -> None:
    text = "事務処理要領\n\n第1　目的\nこの要領は、窓口事務の手順を定める。\n\n第2　受付\n申請書を受け付ける。\n"
    doc = load_bytes(text.encode("utf-8"), "youryou.txt")
    assert [(s.article, s.heading) for s in doc.sections] == [(None, None), (None, "第1　目的"), (None, "第2　受付")]


@pytest.mark.parametrize(
    ("label", "kanji"),
    [("第1条", "第一条"), ("第１２条の２", "第十二条の二"), ("第百条", "第百条"), ("別表第3", "別表第三"),
     ("第3条及び第4条", "第三条及び第四条")],
)
def test_kanji_label(label: str, kanji: str) -> None:
    assert kanji_label(label) == kanji


def test_paragraph_and_item_labels() -> None:
    assert paragraph_label("第十条", 1) == "第十条"
    assert paragraph_label("第十条", 2) == "第十条第二項"
    assert item_label(paragraph_label("第十条", 2), 1) == "第十条第二項第一号"


def test_law_shape_detection() -> None:
    assert looks_like_law(["第一条　目的を定める。", "第二条　定義する。", "２　前項の…", "第三条　委任する。"])
    assert not looks_like_law(["第3条の改正により変わりました。", "第5条　の説明", "以上"])
    assert not looks_like_law(["第1　目的", "第2　方法", "第3　その他"])


def test_old_laws_number_paragraphs_with_circled_digits() -> None:
    secs = law_sections(["第一条　甲は、乙とする。", "②　前項の場合は、丙とする。", "第二条　丁とする。", "附　則　抄", "①　公布の日から施行する。"])
    assert [(s.article, s.text) for s in secs] == [
        ("第一条", "甲は、乙とする。"), ("第一条第二項", "前項の場合は、丙とする。"), ("第二条", "丁とする。"), ("附則", "公布の日から施行する。")]


def test_pdf_law_gets_article_sections_with_pages() -> None:
    from tests.test_loaders import make_pdf

    pages = [
        ["架空町手数料条例", "（趣旨）", "第1条　この条例は、手数料に関し必要な事項を定める。",
         "（手数料の額）", "第2条　手数料の額は、次のとおりとする。", "(1)　証明書　300円"],
        ["(2)　閲覧　200円", "2　町長は、手数料を減免することができる。",
         "第3条　この条例に定めるもののほか、必要な事項は規則で定める。", "附　則", "この条例は、公布の日から施行する。"],
    ]
    doc = load_bytes(make_pdf(pages), "tesuryo.pdf")
    assert doc.kind == "pdf" and doc.pages == 2
    assert [(s.page, s.article, s.heading) for s in doc.sections] == [
        (1, None, None),
        (1, "第一条", "第一条（趣旨）"),
        (1, "第二条", "第二条（手数料の額）"),
        (2, "第二条", "第二条（手数料の額）"),  # the paragraph runs over the page break
        (2, "第二条第二項", "第二条（手数料の額）"),
        (2, "第三条", "第三条"),
        (2, "附則", "附　則"),
    ]
    assert doc.sections[3].text == "(2)　閲覧　200円"
