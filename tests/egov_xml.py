"""Small e-Gov law XML documents for tests (the loader's real input format, abridged)."""

from __future__ import annotations


def _paragraph(sentence: str) -> str:
    return ('<Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence Num="1">'
            f"{sentence}</Sentence></ParagraphSentence></Paragraph>")


def article(num: int, title: str, caption: str, sentence: str) -> str:
    """One article of one paragraph: 第十四条（作業主任者） 事業者は、…"""
    return (f'<Article Num="{num}"><ArticleCaption>（{caption}）</ArticleCaption>'
            f"<ArticleTitle>{title}</ArticleTitle>{_paragraph(sentence)}</Article>")


def suppl(sentence: str, amend: str = "") -> str:
    """A 附則 of one paragraph: the law's own, or an amending law's (``amend``: its number)."""
    attrs = f' AmendLawNum="{amend}" Extract="true"' if amend else ' Extract="true"'
    return (f"<SupplProvision{attrs}><SupplProvisionLabel>附　則</SupplProvisionLabel>"
            f"{_paragraph(sentence)}</SupplProvision>")


def law(title: str, kana: str, law_num: str, main: str, supplements: str = "", abbrev: str = "") -> str:
    """A law: its number, title (``abbrev``: e-Gov's comma-separated short names), main provision
    (articles, chapters) and 附則."""
    return (f'<Law Era="Showa" Lang="ja" LawType="Act"><LawNum>{law_num}</LawNum><LawBody>'
            f'<LawTitle Kana="{kana}" Abbrev="{abbrev}">{title}</LawTitle><MainProvision>{main}</MainProvision>'
            f"{supplements}</LawBody></Law>")
