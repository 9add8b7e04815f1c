"""Loaders: tables of real Japanese input built here, with exact expected output.

Everything is generated in the test (reportlab PDFs, invented statutes), so
the suite needs no shared data and no network.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from indexer.loaders import LoadLimits, load_bytes, load_path, sanitize_name
from indexer.loaders.egov import kanji_number
from indexer.loaders.markdown import inline_text
from indexer.loaders.pdf import clean_pdf_title
from indexer.types import Section
from base.errors import LoaderError


def reason_of(data: bytes, name: str, limits: LoadLimits | None = None) -> str:
    with pytest.raises(LoaderError) as info:
        load_bytes(data, name, limits)
    return info.value.reason


# --- encoding ----------------------------------------------------------------

SENTENCE = "申請書の提出期限は令和六年三月三十一日です。窓口でお尋ねください。"


@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        ("utf-8", "utf-8"),
        ("cp932", "cp932"),
        ("euc_jp", "euc_jp"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("iso2022_jp", "iso2022_jp"),
    ],
)
def test_encoding_detection(codec: str, expected: str) -> None:
    doc = load_bytes(SENTENCE.encode(codec), "案内.txt")
    assert doc.kind == "text"
    assert doc.encoding == expected
    assert doc.title == SENTENCE
    assert doc.sections == (Section(text=SENTENCE),)


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("髙橋さんの①番～⑩番の書類", "cp932"),  # NEC/IBM extensions: cp932, not shift_jis
        ("ｶﾀｶﾅ混じりの古い帳票データ", "cp932"),  # half-width katakana is real in cp932
        ("東京都千代田区霞が関", "euc_jp"),
        ("漢字", "euc_jp"),  # two characters: both codecs decode, EUC reads as Japanese
    ],
)
def test_legacy_encodings_pick_the_japanese_reading(text: str, codec: str) -> None:
    doc = load_bytes(text.encode(codec), "a.txt")
    assert (doc.encoding, doc.sections[0].text) == (codec, text)


def test_undecodable_text_is_rejected() -> None:
    assert reason_of(b"abc \xff\xfe\xfd def " * 10, "a.txt") == "文字コードを判定できません"


# --- plain text sections ------------------------------------------------------

TEXT_CASES = [
    (
        "市民課からのお知らせ\n\n第1　目的\nこの要領は、手続を定める。\n\n第2　対象者\n市内に住所がある方\n",
        [
            (None, "市民課からのお知らせ"),
            ("第1　目的", "この要領は、手続を定める。"),
            ("第2　対象者", "市内に住所がある方"),
        ],
    ),
    (
        "【申請方法】\n窓口または郵送で申請してください。\n\n郵送の場合は返信用封筒を同封してください。\n"
        "【必要なもの】\n１．申請書\n２．本人確認書類\n",
        [
            ("【申請方法】", "窓口または郵送で申請してください。\n\n郵送の場合は返信用封筒を同封してください。"),
            # A run of numbered lines is a list, not three headings.
            ("【必要なもの】", "１．申請書\n２．本人確認書類"),
        ],
    ),
    (
        "■ 手数料\n\n１．対象者\n市民の方\n\n２．金額\n一通300円\n\n■ 問い合わせ先\n市民課\n",
        [
            ("■ 手数料 > １．対象者", "市民の方"),
            ("■ 手数料 > ２．金額", "一通300円"),
            ("■ 問い合わせ先", "市民課"),
        ],
    ),
    (
        "第一章　総則\n（１）趣旨\n本規程は事務の取扱いを定める。\r\n（２）用語\n用語は法の例による。\r\n",
        [
            ("第一章　総則 > （１）趣旨", "本規程は事務の取扱いを定める。"),
            ("第一章　総則 > （２）用語", "用語は法の例による。"),
        ],
    ),
    (
        "児童手当のご案内\n\n○支給日\n偶数月の10日です。\n\n○申請の手続\n15日以内に提出してください。\n",
        [
            (None, "児童手当のご案内"),
            ("○支給日", "偶数月の10日です。"),
            ("○申請の手続", "15日以内に提出してください。"),
        ],
    ),
    (
        "1 受付時間\n平日の午前8時30分から\n\n2 請求できる方\n(1) 本人\n(2) 代理人\n",
        [
            ("1 受付時間", "平日の午前8時30分から"),
            ("2 請求できる方", "(1) 本人\n(2) 代理人"),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), TEXT_CASES)
def test_text_sections(text: str, expected: list[tuple[str | None, str]]) -> None:
    doc = load_bytes(text.encode("cp932"), "案内.txt")
    assert [(s.heading, s.text) for s in doc.sections] == expected
    assert doc.title == text.splitlines()[0].strip()


def test_long_text_without_headings_is_cut_at_blank_lines() -> None:
    block = "あ" * 1500 + "。"
    doc = load_bytes("\n\n".join([block] * 6).encode("utf-8"), "長文.txt")
    assert [len(s.text) for s in doc.sections] == [2 * 1501 + 2] * 3
    assert "".join(s.text for s in doc.sections).count("。") == 6


# --- Markdown ------------------------------------------------------------------

MARKDOWN = """\
---
title: front matter is dropped
---
# 申請の手引き <!-- omit in toc -->

はじめにお読みください。

## 1. 対象者

- **市内**に住所がある方
  - [詳しくはこちら](https://example.jp/a)
1. 申請書を`PDF`で提出
2. 写真 ![写真の例](photo.png)を貼付

### 1.1 注意事項

> 期限を過ぎた申請は受け付けません。

| 書類 | 手数料 |
|------|:------:|
| 住民票 | 300円 |

#### 補足

詳細は\\*別表\\*を参照。*強調*とsnake_caseの例。

```
# コード中の見出しは見出しではない
```

## 2. 問い合わせ

市民課（内線123）[^tel]

[^tel]: 平日の午前九時から午後五時まで
[参照]: https://example.jp/ref
"""

MARKDOWN_SECTIONS = [
    ("申請の手引き", "はじめにお読みください。"),
    (
        "申請の手引き > 1. 対象者",
        "・市内に住所がある方\n  ・詳しくはこちら\n1. 申請書をPDFで提出\n2. 写真 を貼付",
    ),
    (
        "申請の手引き > 1. 対象者 > 1.1 注意事項",
        "期限を過ぎた申請は受け付けません。\n\n書類 手数料\n住民票 300円\n\n補足\n\n"
        "詳細は*別表*を参照。強調とsnake_caseの例。\n\n# コード中の見出しは見出しではない",
    ),
    ("申請の手引き > 2. 問い合わせ", "市民課（内線123）[tel]\n\n[tel] 平日の午前九時から午後五時まで"),
]


def test_markdown_sections_and_markup() -> None:
    doc = load_bytes(MARKDOWN.encode("utf-8"), "手引き.md")
    assert doc.kind == "markdown"
    assert doc.title == "申請の手引き"
    assert [(s.heading, s.text) for s in doc.sections] == MARKDOWN_SECTIONS


def test_markdown_setext_headings_and_title_fallback() -> None:
    text = "概要\n====\n\n本文です。\n\n詳細\n----\n\n続き。\n"
    doc = load_bytes(text.encode("utf-8"), "a.md")
    assert [(s.heading, s.text) for s in doc.sections] == [("概要", "本文です。"), ("概要 > 詳細", "続き。")]
    doc = load_bytes("見出しのない文書です。\n".encode("utf-8"), "b.md")
    assert doc.title == "見出しのない文書です。"
    # a heading marker without its space (not a heading to CommonMark) is no part of the name
    doc = load_bytes("#データマネジメント実践ガイドブック （導入編）\n\n本文です。\n".encode("utf-8"), "c.md")
    assert doc.title == "データマネジメント実践ガイドブック （導入編）"


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("**必ず**[申請書](a.pdf)を`PDF`で提出", "必ず申請書をPDFで提出"),
        ("~~旧~~新しい様式", "旧新しい様式"),
        ("![図](x.png)図のとおり", "図のとおり"),
        ("改行<br>あり", "改行\nあり"),
        ("`**そのまま**`", "**そのまま**"),
        ("<https://example.jp>", "https://example.jp"),
        ("[参照][1]", "参照"),
        ("手続法[^1]を制定", "手続法[1]を制定"),
    ],
)
def test_markdown_inline(markdown: str, plain: str) -> None:
    assert inline_text(markdown) == plain


# --- HTML --------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html lang="ja">
<head><meta charset="shift_jis"><title>住民票の請求｜○○市</title>
<style>body { color: red; }</style>
<script>var secret = "スクリプト";</script></head>
<body>
<header><p>サイト共通ヘッダー</p></header>
<nav><ul><li>トップ</li><li>くらし</li></ul></nav>
<!-- コメントは出さない -->
<h1>住民票の写しの請求</h1>
<p>本人または同一世帯の方が
請求できます。</p>
<h2>必要なもの</h2>
<ul><li>本人確認書類</li><li>手数料</li></ul>
<ol start="3"><li>申請書</li><li>委任状</li></ol>
<h3>手数料</h3>
<table><tr><th>種類</th><th>金額</th></tr><tr><td>住民票</td><td>300円</td></tr></table>
<p>窓口<br>郵送</p>
<noscript>JavaScriptを有効にしてください</noscript>
<h2>問い合わせ</h2>
<article><header><p>市民課</p></header><p>電話 000-0000</p></article>
<footer>Copyright</footer>
</body></html>
"""

HTML_SECTIONS = [
    ("住民票の写しの請求", "本人または同一世帯の方が 請求できます。"),
    ("住民票の写しの請求 > 必要なもの", "・本人確認書類\n・手数料\n3. 申請書\n4. 委任状"),
    ("住民票の写しの請求 > 必要なもの > 手数料", "種類 金額\n住民票 300円\n窓口\n郵送"),
    ("住民票の写しの請求 > 問い合わせ", "市民課\n電話 000-0000"),
]


def test_html_sections_without_chrome_and_scripts() -> None:
    doc = load_bytes(HTML.encode("cp932"), "page.html")
    assert doc.kind == "html"
    assert doc.encoding == "cp932"
    assert doc.title == "住民票の請求｜○○市"
    assert [(s.heading, s.text) for s in doc.sections] == HTML_SECTIONS
    everything = "\n".join(s.text for s in doc.sections)
    for hidden in ("スクリプト", "color", "サイト共通", "トップ", "コメント", "JavaScript", "Copyright"):
        assert hidden not in everything


def test_html_title_falls_back_to_h1_and_survives_deep_nesting() -> None:
    page = "<html><body>" + "<div>" * 3000 + "<h1>深い入れ子</h1><p>本文</p>" + "</div>" * 3000 + "</body></html>"
    doc = load_bytes(page.encode("utf-8"), "deep.html")
    assert doc.title == "深い入れ子"
    assert [(s.heading, s.text) for s in doc.sections] == [("深い入れ子", "本文")]


def test_html_without_text_is_rejected() -> None:
    page = "<html><head><title>空</title><script>x()</script></head><body><nav>メニュー</nav></body></html>"
    assert reason_of(page.encode("utf-8"), "empty.html").startswith("テキストなし")


# --- PDF ---------------------------------------------------------------------


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A PDF with one drawString per line, in a Japanese CID font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    if title is not None:
        pdf.setTitle(title)
    for lines in pages:
        pdf.setFont("HeiseiKakuGo-W5", 12)
        for i, line in enumerate(lines):
            pdf.drawString(72, 760 - 20 * i, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


PDF_PAGES = [
    ["令和六年度　事業計画", "第一条　この計画は、市民サービスの向上を目的とする。"],
    [],  # blank page: skipped, numbering kept
    ["第二条　申請は、窓口で受け付ける。", "ただし、郵送による申請も可とする。"],
]


def test_pdf_pages_and_text() -> None:
    doc = load_bytes(make_pdf(PDF_PAGES), "計画.txt")  # the name lies; the bytes win
    assert doc.kind == "pdf"
    assert doc.pages == 3
    assert [(s.page, s.text) for s in doc.sections] == [
        (1, "令和六年度\u3000事業計画\n第一条\u3000この計画は、市民サービスの向上を目的とする。"),
        (3, "第二条\u3000申請は、窓口で受け付ける。\nただし、郵送による申請も可とする。"),
    ]
    # reportlab writes /Title "untitled": a placeholder, so the first line wins.
    assert doc.title == "令和六年度\u3000事業計画"


def test_pdf_title_broken_over_two_lines_is_joined() -> None:
    """A cover page that breaks its title after 〜のための goes on with the next line; a title
    line that can end there stays alone."""
    cover = ["クラウドサービス利用のための", "情報セキュリティマネジメントガイドライン", "2013 年度版", "経済産業省"]
    doc = load_bytes(make_pdf([cover]), "cloud.pdf")
    assert doc.title == "クラウドサービス利用のための情報セキュリティマネジメントガイドライン"
    doc = load_bytes(make_pdf([["令和六年度　事業計画", "第一条　この計画は、目的とする。"]]), "plan.pdf")
    assert doc.title == "令和六年度\u3000事業計画"
    doc = load_bytes("個人情報の取扱いに関する\n職員向け手引き\n\n第1章　総則\n".encode(), "guide.txt")
    assert doc.title == "個人情報の取扱いに関する職員向け手引き"


def test_title_passes_over_a_date_and_a_cover_without_japanese() -> None:
    """A cover page whose title is an image leaves a date and the office's name in Roman letters
    (金融庁's 2023年６月 / Financial Services Agency): neither names the document, so the file name
    does, with the cover's date (the report's edition); a notice opening with its date line is named
    by the line after it."""
    cover = ["2023年６月", "Financial", "Services", "Agency"]
    body = ["はじめに", "保険会社の社会的役割は、保障機能を安定的に提供することにある。"]
    doc = load_bytes(make_pdf([cover, body]), "hoken_monitoring_gaiyo.pdf")
    assert doc.title == "hoken_monitoring_gaiyo（2023年６月）"
    assert doc.sections[0].text.startswith("2023年6月") or doc.sections[0].text.startswith("2023年６月")
    doc = load_bytes("令和6年4月1日現在\n児童手当のご案内\n\n支給額は月額1万円です。\n".encode(), "jido.txt")
    assert doc.title == "児童手当のご案内"
    doc = load_bytes("- 1 -\n2024/3\n犬の登録について\n".encode(), "inu.txt")
    assert doc.title == "犬の登録について"
    doc = load_bytes(make_pdf([["- 1 -", "Agency"], body]), "cover.pdf")
    assert doc.title == "cover"  # no name and no date on the cover: the file name alone
    # an English document is named by its first line of words, as before
    doc = load_bytes("2023\nAnnual Report on Open Data\n\nThis report describes the portal.\n".encode(), "report.txt")
    assert doc.title == "Annual Report on Open Data"


def test_pdf_title_from_metadata() -> None:
    doc = load_bytes(make_pdf(PDF_PAGES[:1], title="事業計画書"), "plan.pdf")
    assert doc.title == "事業計画書"


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("Microsoft Word - 申請の手引き.docx", "申請の手引き"),
        ("Taro9-安全基準（その１）.PDF", "安全基準（その１）"),
        ("<4D6963726F736F667420576F7264202D2090BF8B818F91>", "請求書"),  # cp932 bytes as a hex literal
        ("untitled", ""),
        ("   ", ""),
    ],
)
def test_clean_pdf_title(raw: str, title: str) -> None:
    assert clean_pdf_title(raw) == title


def encrypt(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="x", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_encrypted_with_empty_user_password_opens() -> None:
    doc = load_bytes(encrypt(make_pdf(PDF_PAGES), ""), "暗号化.pdf")
    assert [s.page for s in doc.sections] == [1, 3]
    assert doc.sections[1].text.startswith("第二条")


def test_pdf_with_user_password_is_rejected() -> None:
    assert reason_of(encrypt(make_pdf(PDF_PAGES), "secret"), "秘密.pdf") == "パスワード保護されたPDF"


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.95])
def test_truncated_pdf_is_corrupt(keep: float) -> None:
    data = make_pdf(PDF_PAGES)
    reason = reason_of(data[: int(len(data) * keep)], "壊れた.pdf")
    assert reason.startswith("PDFを読み取れません（破損）: ")


def test_pdf_without_text_is_reported_as_scan() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    assert reason_of(out.getvalue(), "scan.pdf") == "テキストなし（スキャン画像の可能性）"


def _inflate_page(data: bytes, padding: int, as_form: bool) -> bytes:
    """Rewrite page 1 so its text sits in a stream that inflates to > padding bytes."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    page = writer.pages[0]
    stream = DecodedStreamObject()
    stream.set_data(page.get_contents().get_data() + b"\n%" + b" " * padding + b"\n")
    stream = stream.flate_encode()
    if as_form:
        # pypdf logs and swallows decode errors of form XObjects and returns
        # "" for the page: the loader must still report the failure.
        stream[NameObject("/Type")] = NameObject("/XObject")
        stream[NameObject("/Subtype")] = NameObject("/Form")
        stream[NameObject("/BBox")] = ArrayObject([NumberObject(0), NumberObject(0), NumberObject(600), NumberObject(800)])
        stream[NameObject("/Resources")] = page["/Resources"]
        resources = page["/Resources"].get_object()
        resources[NameObject("/XObject")] = DictionaryObject({NameObject("/Fm1"): writer._add_object(stream)})
        stream = DecodedStreamObject()
        stream.set_data(b"q /Fm1 Do Q")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("as_form", [False, True])
def test_pdf_decompression_limit(as_form: bool) -> None:
    data = _inflate_page(make_pdf(PDF_PAGES), padding=3_000_000, as_form=as_form)
    assert len(data) < 100_000
    reason = reason_of(data, "bomb.pdf", LoadLimits(max_decompressed_bytes=1_000_000))
    assert reason == "PDFを読み取れません（展開サイズが上限を超えています: 1ストリーム 1MB、圧縮率上限 500倍）: LimitReachedError"
    doc = load_bytes(data, "bomb.pdf", LoadLimits(max_decompressed_bytes=10_000_000))
    assert doc.sections[0].text.startswith("令和六年度")


def test_pdf_page_and_char_limits() -> None:
    data = make_pdf(PDF_PAGES)
    assert reason_of(data, "a.pdf", LoadLimits(max_pages=2)) == "ページ数が上限を超えています（3ページ > 上限2ページ）"
    assert reason_of(data, "a.pdf", LoadLimits(max_chars=20)).startswith("抽出文字数が上限を超えています")


# --- e-Gov law XML -------------------------------------------------------------

# An invented statute in e-Gov's schema (not real law text).
LAW = """<Law Era="Reiwa" Lang="ja" LawType="Act" Num="099" Year="06">
  <LawNum>令和六年法律第九十九号</LawNum>
  <LawBody>
    <LawTitle Kana="かくうてつづきほう">架空手続法</LawTitle>
    <TOC><TOCLabel>目次</TOCLabel><TOCChapter Num="1"><ChapterTitle>第一章　総則</ChapterTitle></TOCChapter></TOC>
    <MainProvision>
      <Chapter Num="1">
        <ChapterTitle>第一章　総則</ChapterTitle>
        <Article Num="1">
          <ArticleCaption>（目的）</ArticleCaption>
          <ArticleTitle>第一条</ArticleTitle>
          <Paragraph Num="1">
            <ParagraphNum/>
            <ParagraphSentence><Sentence Num="1">この法律は、架空の手続を<Ruby>定<Rt>さだ</Rt></Ruby>めることを目的とする。</Sentence></ParagraphSentence>
          </Paragraph>
        </Article>
      </Chapter>
      <Chapter Num="2">
        <ChapterTitle>第二章　申請</ChapterTitle>
        <Section Num="1">
          <SectionTitle>第一節　通則</SectionTitle>
          <Article Num="12">
            <ArticleCaption>（申請書）</ArticleCaption>
            <ArticleTitle>第十二条</ArticleTitle>
            <Paragraph Num="1">
              <ParagraphNum/>
              <ParagraphSentence>
                <Sentence Num="1">申請は、申請書を提出して行う。</Sentence>
                <Sentence Num="2" Function="proviso">ただし、急を要する場合は、この限りでない。</Sentence>
              </ParagraphSentence>
            </Paragraph>
            <Paragraph Num="2">
              <ParagraphNum>２</ParagraphNum>
              <ParagraphSentence><Sentence Num="1">申請書には、次に掲げる事項を記載しなければならない。</Sentence></ParagraphSentence>
              <Item Num="1">
                <ItemTitle>一</ItemTitle>
                <ItemSentence><Sentence Num="1">氏名及び住所</Sentence></ItemSentence>
              </Item>
              <Item Num="2">
                <ItemTitle>二</ItemTitle>
                <ItemSentence><Sentence Num="1">申請の理由</Sentence></ItemSentence>
                <Subitem1 Num="1">
                  <Subitem1Title>イ</Subitem1Title>
                  <Subitem1Sentence><Sentence Num="1">事業に関するもの</Sentence></Subitem1Sentence>
                </Subitem1>
              </Item>
              <Item Num="3">
                <ItemTitle>三</ItemTitle>
                <ItemSentence>
                  <Column Num="1"><Sentence Num="1">添付書類</Sentence></Column>
                  <Column Num="2"><Sentence Num="1">住民票の写し</Sentence></Column>
                </ItemSentence>
              </Item>
            </Paragraph>
          </Article>
          <Article Num="20_2">
            <ArticleTitle>第二十条の二</ArticleTitle>
            <Paragraph Num="1">
              <ParagraphNum/>
              <ParagraphSentence><Sentence Num="1">手数料は、別表に定める額とする。</Sentence></ParagraphSentence>
              <TableStruct>
                <Table>
                  <TableRow><TableColumn><Sentence Num="1">区分</Sentence></TableColumn><TableColumn><Sentence Num="1">金額</Sentence></TableColumn></TableRow>
                  <TableRow><TableColumn><Sentence Num="1">一般</Sentence></TableColumn><TableColumn><Sentence Num="1">三百円</Sentence></TableColumn></TableRow>
                </Table>
              </TableStruct>
            </Paragraph>
          </Article>
          <Article Num="21" Delete="true">
            <ArticleTitle>第二十一条</ArticleTitle>
            <Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence Num="1">削除</Sentence></ParagraphSentence></Paragraph>
          </Article>
        </Section>
      </Chapter>
    </MainProvision>
    <SupplProvision>
      <SupplProvisionLabel>附　則</SupplProvisionLabel>
      <Paragraph Num="1">
        <ParagraphNum/>
        <ParagraphSentence><Sentence Num="1">この法律は、公布の日から施行する。</Sentence></ParagraphSentence>
      </Paragraph>
      <Paragraph Num="2">
        <ParagraphNum>２</ParagraphNum>
        <ParagraphSentence><Sentence Num="1">この法律の施行前にした申請は、なお従前の例による。</Sentence></ParagraphSentence>
      </Paragraph>
    </SupplProvision>
    <SupplProvision AmendLawNum="令和七年法律第一号" Extract="true">
      <SupplProvisionLabel>附　則</SupplProvisionLabel>
      <Article Num="1">
        <ArticleCaption>（施行期日）</ArticleCaption>
        <ArticleTitle>第一条</ArticleTitle>
        <Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence Num="1">この法律は、令和八年四月一日から施行する。</Sentence></ParagraphSentence></Paragraph>
        <Paragraph Num="2"><ParagraphNum>２</ParagraphNum><ParagraphSentence><Sentence Num="1">経過措置は、政令で定める。</Sentence></ParagraphSentence></Paragraph>
      </Article>
    </SupplProvision>
    <AppdxTable>
      <AppdxTableTitle>別表第一</AppdxTableTitle>
      <RelatedArticleNum>（第二十条の二関係）</RelatedArticleNum>
      <TableStruct><Table>
        <TableRow><TableColumn><Sentence Num="1">証明書</Sentence></TableColumn><TableColumn><Sentence Num="1">三百円</Sentence></TableColumn></TableRow>
      </Table></TableStruct>
    </AppdxTable>
  </LawBody>
</Law>"""

LAW_SECTIONS = [
    ("第一条", "第一章　総則 > 第一条（目的）", "この法律は、架空の手続を定めることを目的とする。"),
    (
        "第十二条",
        "第二章　申請 > 第一節　通則 > 第十二条（申請書）",
        "申請は、申請書を提出して行う。ただし、急を要する場合は、この限りでない。",
    ),
    (
        "第十二条第二項",
        "第二章　申請 > 第一節　通則 > 第十二条（申請書）",
        "申請書には、次に掲げる事項を記載しなければならない。\n一　氏名及び住所\n二　申請の理由\nイ　事業に関するもの\n三　添付書類　住民票の写し",
    ),
    (
        "第二十条の二",
        "第二章　申請 > 第一節　通則 > 第二十条の二",
        "手数料は、別表に定める額とする。\n区分　金額\n一般　三百円",
    ),
    ("附則", "附　則", "この法律は、公布の日から施行する。"),
    ("附則第二項", "附　則", "この法律の施行前にした申請は、なお従前の例による。"),
    ("附則第一条", "附　則（令和七年法律第一号）　抄 > 第一条（施行期日）", "この法律は、令和八年四月一日から施行する。"),
    ("附則第一条第二項", "附　則（令和七年法律第一号）　抄 > 第一条（施行期日）", "経過措置は、政令で定める。"),
    ("別表第一", "別表第一（第二十条の二関係）", "証明書　三百円"),
]

V1_ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<DataRoot><Result><Code>0</Code><Message/></Result>
<ApplData><LawId>506AC0000000099</LawId><LawNum/><LawFullText>{law}</LawFullText></ApplData></DataRoot>"""
V2_ENVELOPE = """<law_data_response><law_info><law_num>令和六年法律第九十九号</law_num></law_info>
<revision_info><law_title>架空手続法</law_title></revision_info><law_full_text>{law}</law_full_text></law_data_response>"""


@pytest.mark.parametrize(
    "document",
    [
        '<?xml version="1.0" encoding="UTF-8"?>\n' + LAW,
        V1_ENVELOPE.format(law=LAW),
        V2_ENVELOPE.format(law=LAW),
    ],
    ids=["Law", "DataRoot", "law_data_response"],
)
def test_egov_law_paragraphs(document: str) -> None:
    doc = load_bytes(document.encode("utf-8"), "架空手続法.xml")
    assert doc.kind == "egov_xml"
    assert doc.title == "架空手続法"
    assert doc.meta == {"law_num": "令和六年法律第九十九号"}
    assert [(s.article, s.heading, s.text) for s in doc.sections] == LAW_SECTIONS


@pytest.mark.parametrize(
    ("number", "kanji"),
    [(1, "一"), (2, "二"), (10, "十"), (12, "十二"), (20, "二十"), (99, "九十九"), (100, "百"), (105, "百五"), (1234, "千二百三十四")],
)
def test_kanji_numbers(number: int, kanji: str) -> None:
    assert kanji_number(number) == kanji


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Law [
  <!ENTITY a "lollollollollollollollollollol">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
  <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
  <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
  <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<Law><LawBody><LawTitle>&i;</LawTitle></LawBody></Law>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE Law [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Law><LawBody><LawTitle>&x;</LawTitle></LawBody></Law>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"])
def test_egov_entities_are_rejected_fast(document: str) -> None:
    started = time.perf_counter()
    reason = reason_of(document.encode("utf-8"), "bomb.xml")
    assert time.perf_counter() - started < 1.0
    assert reason.startswith("XMLを解析できません")


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ("<Law><LawBody><LawTitle>壊れた", "XMLを解析できません: "),
        (
            "<DataRoot><Result><Code>1</Code><Message>該当する法令データが存在しません。</Message></Result></DataRoot>",
            "e-Gov法令XMLではありません（APIエラー: 該当する法令データが存在しません。）",
        ),
        ("<law_data_response><law_info/></law_data_response>", "e-Gov法令XMLではありません（Law要素がありません）"),
    ],
)
def test_egov_errors(document: str, reason: str) -> None:
    assert reason_of(document.encode("utf-8"), "x.xml").startswith(reason)


# --- limits, names, paths ------------------------------------------------------


def test_size_and_char_limits() -> None:
    data = ("あ" * 100).encode("utf-8")
    assert reason_of(data, "a.txt", LoadLimits(max_bytes=200)) == "ファイルが大きすぎます（0.0MB > 上限0.0MB）"
    assert reason_of(b"x" * 3_000_001, "a.txt", LoadLimits(max_bytes=2_000_000)) == (
        "ファイルが大きすぎます（3.0MB > 上限2.0MB）"
    )
    assert reason_of(data, "a.txt", LoadLimits(max_chars=50)) == "抽出文字数が上限を超えています（100文字 > 上限50文字）"


@pytest.mark.parametrize("field", ["max_bytes", "max_pages", "max_chars", "max_decompressed_bytes"])
def test_limits_are_checked(field: str) -> None:
    with pytest.raises(ValueError, match=f"LoadLimits.{field} must be a positive integer"):
        LoadLimits(**{field: 0})


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system.ini", "system.ini"),
        ("C:\\書類\\申請の手引き.pdf", "申請の手引き.pdf"),
        ("/home/user/令和6年度 予算書.pdf", "令和6年度 予算書.pdf"),
        ("report\x00.pdf", "report.pdf"),
        ("議事録\n2024.txt", "議事録2024.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("  案内.md  ", "案内.md"),
        ("..", "unnamed"),
        ("dir/", "unnamed"),
        ("", "unnamed"),
        ("あ" * 300 + ".pdf", "あ" * 196 + ".pdf"),
    ],
)
def test_sanitize_name(name: str, safe: str) -> None:
    assert sanitize_name(name) == safe


def test_load_bytes_reports_the_sanitised_source() -> None:
    doc = load_bytes("本文".encode("utf-8"), "../秘密/案内.txt")
    assert doc.source == "案内.txt"
    with pytest.raises(LoaderError) as info:
        load_bytes(b"", "../x/空.txt")
    assert info.value.source == "空.txt"


def test_load_path(tmp_path: Path) -> None:
    path = tmp_path / "お知らせ.txt"
    path.write_bytes(SENTENCE.encode("euc_jp"))
    doc = load_path(path)
    assert (doc.source, doc.encoding, doc.sections[0].text) == ("お知らせ.txt", "euc_jp", SENTENCE)
    assert load_path(str(path)).title == SENTENCE
    big = tmp_path / "大きい.txt"
    big.write_bytes(b"a" * 2_000)
    with pytest.raises(LoaderError, match="ファイルが大きすぎます"):
        load_path(big, LoadLimits(max_bytes=1_000))
    with pytest.raises(LoaderError, match="ファイルを読み込めません"):
        load_path(tmp_path / "ない.txt")
    with pytest.raises(LoaderError, match="ファイルを読み込めません"):
        load_path(tmp_path)
