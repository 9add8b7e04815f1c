"""Japanese morphology with fugashi + unidic-lite.

One tagger per thread (MeCab taggers are not thread-safe), created lazily so
importing this module costs nothing.

>>> [t.surface for t in tokenize("納税義務者")]
['納税', '義務', '者']
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .sentences import MAX_SENTENCE_CHARS, split_long

_local = threading.local()

# Parts of speech that carry no topic: particles, auxiliaries, symbols, blanks.
STOP_POS1 = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})
# Very frequent content-light lemmas (verbs of being/doing, formal nouns).
STOP_LEMMAS = frozenset(
    {"為る", "居る", "有る", "成る", "言う", "事", "物", "此の", "其の", "的", "等", "様", "為", "所"}
)
_LOANWORD_GLOSS = re.compile(r"-[A-Za-z].*$")
_PUNCT_OR_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Token:
    surface: str
    lemma: str  # dictionary form; the surface for unknown words
    pos1: str
    pos2: str
    start: int  # character offsets in the analysed text
    end: int
    pos3: str = ""  # サ変可能 of 取得, 申請: a noun naming an act


def _tagger():  # -> fugashi.Tagger
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        import fugashi  # heavy C extension: import on first use

        tagger = fugashi.Tagger()
        _local.tagger = tagger
    return tagger


def tokenize(text: str) -> list[Token]:
    """Morphemes of ``text`` with character offsets (whitespace skipped).

    A text longer than :data:`jtext.sentences.MAX_SENTENCE_CHARS` is analysed
    in pieces (:func:`jtext.sentences.split_long`): MeCab never gets a
    megabyte-long line, on which it runs out of memory and aborts."""
    if len(text) <= MAX_SENTENCE_CHARS:
        return _tokenize(text, 0)
    tokens: list[Token] = []
    for start, end in split_long(text):
        tokens.extend(_tokenize(text[start:end], start))
    return tokens


def _tokenize(text: str, base: int) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    for word in _tagger()(text):
        surface = word.surface
        start = text.find(surface, pos) if surface else pos
        if start < 0:  # MeCab never rewrites surfaces, but stay safe
            start = pos
        end = start + len(surface)
        pos = end
        feature = word.feature
        lemma = getattr(feature, "lemma", None) or "*"
        if lemma == "*" or word.is_unk:
            lemma = surface
        lemma = _LOANWORD_GLOSS.sub("", lemma) or surface
        tokens.append(
            Token(surface, lemma, feature.pos1 or "", feature.pos2 or "", base + start, base + end, feature.pos3 or "")
        )
    return tokens


def count_morphemes(text: str) -> int:
    return sum(sum(1 for _ in _tagger()(text[a:b])) for a, b in split_long(text))


def _fold(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower()


def content_terms(text: str) -> list[str]:
    """Index terms for BM25: lemmas of content words, NFKC-folded.

    Lemmas make 申請します / 申請した / 申請 one term; particles and
    auxiliaries are dropped because they match every Japanese document.
    """
    terms: list[str] = []
    for tok in tokenize(text):
        if tok.pos1 in STOP_POS1:
            continue
        lemma = _fold(tok.lemma)
        if lemma in STOP_LEMMAS or not _PUNCT_OR_SPACE.sub("", lemma):
            continue
        terms.append(lemma)
    return terms


def char_ngrams(text: str, n: int = 2) -> list[str]:
    """Character n-grams of the text with spaces and punctuation removed.

    Catches compounds that the dictionary splits differently in the question
    and in the document (e.g. 個人番号カード vs 個人 番号 カード).
    """
    folded = _PUNCT_OR_SPACE.sub(" ", _fold(text))
    grams: list[str] = []
    for piece in folded.split():
        if len(piece) < n:
            grams.append(piece)
            continue
        grams.extend(piece[i : i + n] for i in range(len(piece) - n + 1))
    return grams


@lru_cache(maxsize=1)
def dictionary_info() -> dict[str, str]:
    """Dictionary name and version, recorded in manifests."""
    info = {"tokenizer": "fugashi+unidic-lite"}
    try:
        from importlib.metadata import version

        info["fugashi"] = version("fugashi")
        info["unidic-lite"] = version("unidic-lite")
        import unidic_lite
        from pathlib import Path

        vfile = Path(unidic_lite.DICDIR) / "version"
        if vfile.exists():
            info["dictionary"] = vfile.read_text(encoding="utf-8").strip()
    except Exception:  # pragma: no cover - metadata missing in odd installs
        pass
    return info
