"""Content sniffing: the bytes decide, the name only breaks Markdown/text ties."""

from __future__ import annotations

import pytest

from indexer.sniff import sniff
from base.errors import LoaderError

NOTICE = "お知らせ\n\n窓口の受付時間は午前九時から午後五時までです。\n"
MARKDOWN = "# 申請の手引き\n\n## 対象者\n\n- 市内に住所がある方\n- [詳細](https://example.jp)\n"
HTML_PAGE = (
    "<!DOCTYPE html>\n<html lang=\"ja\"><head><title>案内</title></head>"
    "<body><p>本文です。</p></body></html>"
)
LAW = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Law Era=\"Reiwa\"><LawNum>令和六年法律第一号</LawNum></Law>"

KINDS = [
    # (bytes, name, expected kind)
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "報告書.txt", "pdf"),
    (b"From: scanner\r\n\r\n%PDF-1.4\n", "添付", "pdf"),  # junk before the header
    (HTML_PAGE.encode("utf-8"), "案内.md", "html"),
    (HTML_PAGE.encode("cp932"), "案内.txt", "html"),
    ("<html><body><p>休館日のお知らせ</p></body></html>".encode("utf-8"), "page", "html"),
    ("\n\n<body>\n<h1>手続き</h1></body>".encode("utf-8"), "x.dat", "html"),
    ("<div><p>お知らせ</p></div>".encode("utf-8"), "fragment.htm", "html"),
    (
        "<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>本文</body></html>".encode(),
        "x.xhtml",
        "html",
    ),
    (LAW.encode("utf-8"), "law.xml", "egov_xml"),
    (LAW.encode("utf-8"), "law.txt", "egov_xml"),
    ("<DataRoot><Result><Code>0</Code></Result></DataRoot>".encode("utf-8"), "v1.xml", "egov_xml"),
    ("<?xml version=\"1.0\"?><!-- e-Gov --><law_data_response/>".encode("utf-8"), "v2", "egov_xml"),
    (NOTICE.encode("cp932"), "お知らせ.html", "text"),  # no tags: the extension lies
    (NOTICE.encode("euc_jp"), "お知らせ.pdf", "text"),
    (NOTICE.encode("utf-8"), "お知らせ", "text"),
    (NOTICE.encode("utf-16"), "お知らせ.txt", "text"),  # BOM: NUL bytes are fine
    (NOTICE.encode("utf-8-sig"), "お知らせ.txt", "text"),
    (NOTICE.encode("iso2022_jp"), "お知らせ.txt", "text"),  # ESC is not "binary"
    (MARKDOWN.encode("utf-8"), "手引き.md", "markdown"),
    (MARKDOWN.encode("utf-8"), "手引き.MARKDOWN", "markdown"),
    (MARKDOWN.encode("utf-8"), "手引き.txt", "text"),  # tie: the extension decides
    (MARKDOWN.encode("utf-8"), "手引き", "markdown"),  # no extension: clear Markdown
    ("# 見出し\n\n本文だけ。\n".encode("utf-8"), "memo", "text"),  # too little evidence
    ("# 例\n\n```html\n<html><body>x</body></html>\n```\n".encode("utf-8"), "例.md", "markdown"),
    ("<p align=\"center\">ロゴ</p>\n\n# 手引き\n".encode("utf-8"), "README.md", "markdown"),
]


@pytest.mark.parametrize(("data", "name", "kind"), KINDS)
def test_sniff_kind(data: bytes, name: str, kind: str) -> None:
    assert sniff(data, name) == kind


ERRORS = [
    # (bytes, name, reason)
    (b"", "空.txt", "空のファイル"),
    (b"  \r\n\t\n", "空白.txt", "空のファイル"),
    ("\u3000\u3000\n".encode("utf-8"), "全角空白.txt", "空のファイル"),
    (b"\xef\xbb\xbf", "bomだけ.txt", "空のファイル"),
    ("\n".encode("utf-16"), "bom16.txt", "空のファイル"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "写真.pdf", "未対応の形式（PNG画像）"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "scan.txt", "未対応の形式（JPEG画像）"),
    (b"GIF89a\x01\x00\x01\x00", "icon.html", "未対応の形式（GIF画像）"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00[Content_Types].xml word/document.xml", "申請書.docx", "未対応の形式（Word文書 .docx）"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00xl/workbook.xml", "集計.txt", "未対応の形式（Excel文書 .xlsx）"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00data.csv", "data.zip", "未対応の形式（ZIP圧縮ファイル）"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "log.txt", "未対応の形式（gzip圧縮ファイル）"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "古い.doc", "未対応の形式（旧形式のOffice文書（.doc/.xls/.ppt））"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "setup.pdf", "未対応の形式（実行ファイル）"),
    (b"\x7fELF\x02\x01\x01\x00", "a.txt", "未対応の形式（実行ファイル）"),
    (bytes(range(256)) * 4, "junk.txt", "バイナリデータ（テキストではありません）"),
    (b"abc\x00def", "nul.txt", "バイナリデータ（テキストではありません）"),
    (bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16]) * 20 + b"text", "ctrl.txt", "バイナリデータ（テキストではありません）"),
    (b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>", "feed.xml", "未対応の形式（XML: rss）"),
    (b"<catalog xmlns=\"urn:x\"><item/></catalog>", "c.xml", "未対応の形式（XML: catalog）"),
]


@pytest.mark.parametrize(("data", "name", "reason"), ERRORS)
def test_sniff_rejects(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(LoaderError) as info:
        sniff(data, name)
    assert info.value.reason == reason
    assert info.value.source == name


def test_text_mentioning_tags_in_prose_after_start_is_still_text_when_no_html_tag() -> None:
    data = "比較演算子 a < b と b > c について説明します。\n".encode("utf-8")
    assert sniff(data, "説明.txt") == "text"


def test_two_byte_magic_alone_is_not_binary() -> None:
    # "MZ" and "BM" are also ordinary text starts; without NUL bytes they stay text.
    assert sniff(b"MZ-01 \xe5\x9e\x8b\xe7\x95\xaa\n", "型番.txt") == "text"
    assert sniff("BMI の計算方法\n".encode("utf-8"), "bmi.txt") == "text"
