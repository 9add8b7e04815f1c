import pytest

from indexer.chunker import chunk_text
from jtext.sentences import split_sentences
from jtext.morph import char_ngrams, content_terms, tokenize
from base.errors import ConfigError


@pytest.mark.parametrize(
    "text, expected",
    [
        ("本規程は職員の育児休業について定める。対象は常勤職員とする。",
         ["本規程は職員の育児休業について定める。", "対象は常勤職員とする。"]),
        ("第1 目的\n本要綱は補助金の交付に関し必要な事項を定める。",
         ["第1 目的", "本要綱は補助金の交付に関し必要な事項を定める。"]),
        ("係員は「受付は午後5時までです。」と案内した。次の者へ進む!",
         ["係員は「受付は午後5時までです。」と案内した。", "次の者へ進む!"]),
        ("申請できますか?できます。", ["申請できますか?", "できます。"]),
        ("・住民票の写し\n・印鑑登録証明書\n", ["・住民票の写し", "・印鑑登録証明書"]),
        ("見出しのみ", ["見出しのみ"]),
        ("  \n\n", []),
    ],
)
def test_split_sentences(text, expected):
    sents = split_sentences(text)
    assert [s.text for s in sents] == expected
    for s in sents:  # offsets point at the sentence in the input
        assert text[s.start : s.end] == s.text


@pytest.mark.parametrize(
    "text, surfaces",
    [
        ("固定資産税の納税義務者", ["固定", "資産", "税", "の", "納税", "義務", "者"]),
        ("育児休業を取得する", ["育児", "休業", "を", "取得", "する"]),
        ("住民票の写し", ["住民", "票", "の", "写し"]),
    ],
)
def test_tokenize_surfaces_and_offsets(text, surfaces):
    toks = tokenize(text)
    assert [t.surface for t in toks] == surfaces
    assert all(text[t.start : t.end] == t.surface for t in toks)


def test_content_terms_use_lemmas_and_drop_particles():
    assert content_terms("申請書を提出しました") == ["申請", "書", "提出"]
    assert content_terms("申請書を提出する") == ["申請", "書", "提出"]
    assert "を" not in content_terms("書類を出す")


def test_char_ngrams_fold_width_and_skip_punctuation():
    assert char_ngrams("ＡＢ税、納付") == ["ab", "b税", "納付"]


SENT = "職員は、子が二歳に達する日まで育児休業をすることができる。"  # 27 chars


def test_chunks_never_cut_a_sentence_and_respect_budget():
    text = "".join([SENT] * 12)
    n = len(tokenize(SENT))
    spans = chunk_text(text, max_tokens=n * 3, overlap=n)
    assert len(spans) == 6  # 3 sentences per chunk, stepping back 1 for overlap
    for sp in spans:
        piece = text[sp.start : sp.end]
        assert piece.startswith("職員は") and piece.endswith("できる。")
        assert sp.n_tokens <= n * 3
    # overlap: each chunk starts with the last sentence of the previous one
    assert spans[1].start == spans[0].end - len(SENT)
    assert spans[-1].end == len(text)


def test_overlong_sentence_is_cut_between_morphemes():
    long = "、".join(["固定資産税の納税義務者"] * 40) + "。"
    spans = chunk_text(long, max_tokens=32, overlap=0)
    assert len(spans) > 1
    toks = tokenize(long)
    bounds = {t.start for t in toks} | {t.end for t in toks}
    for sp in spans:
        assert sp.start in bounds and sp.end in bounds and sp.n_tokens <= 32
    assert spans[0].start == 0 and spans[-1].end == len(long)


@pytest.mark.parametrize("tokens, overlap", [(5, 0), (300, 300), (300, -1)])
def test_bad_chunk_settings_are_rejected(tokens, overlap):
    with pytest.raises(ConfigError):
        chunk_text("本文。", tokens, overlap)
