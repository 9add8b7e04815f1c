"""Text encoding detection tuned for Japanese office files.

Order: BOM, ISO-2022-JP escapes, strict UTF-8, then strict cp932 / EUC-JP
(both legacy encodings often decode the same bytes, so the result that looks
more like Japanese wins), then charset-normalizer as a last resort.

>>> decode_text("申請書".encode("cp932"), "a.txt")
('申請書', 'cp932')
"""

from __future__ import annotations

import codecs
import re

from base.errors import LoaderError

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # (bom, codec that strips it, name reported)
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)

_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b$(D")

# Codec spellings found in HTML/XML declarations, mapped to the codec we use:
# Windows writes "Shift_JIS" but means cp932 (NEC/IBM extensions, ～ as U+FF5E).
_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "cp932": "cp932",
    "euc-jp": "euc_jp",
    "euc_jp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "iso-2022-jp": "iso2022_jp",
    "utf-8": "utf-8",
    "utf8": "utf-8",
}

# Python's cp932 maps the unused single bytes 0xA0/0xFD-0xFF to U+F8F0-F8F3,
# and C1 controls never occur in Japanese text: either means a wrong codec.
_IMPLAUSIBLE_RE = re.compile("[\uf8f0-\uf8f3\x80-\x9f]")

# Share of "expected" characters a charset-normalizer guess must reach.
_GUESS_MIN_SCORE = 0.9


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode bytes to str; return (text, encoding name).

    Raises LoaderError 「文字コードを判定できません」 when nothing fits.
    """
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label
            except UnicodeDecodeError as exc:
                raise LoaderError(source, f"文字コードを判定できません（{label}として不正: {exc.start}バイト目）") from exc
    if any(esc in data for esc in _ISO2022_ESCAPES):
        text = _try(data, "iso2022_jp_ext")
        if text is not None:
            return text, "iso2022_jp"
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    candidates = [
        (japanese_score(t), enc, t)
        for enc in ("cp932", "euc_jp")
        if (t := _try(data, enc)) is not None and not _IMPLAUSIBLE_RE.search(t)
    ]
    if candidates:
        _, encoding, text = max(candidates, key=lambda c: c[0])
        return text, encoding
    guessed = _guess(data)
    if guessed is not None:
        return guessed
    raise LoaderError(source, "文字コードを判定できません")


def decode_declared(data: bytes, declared: str | None, source: str) -> tuple[str, str]:
    """Use a declared charset (HTML meta) if it decodes strictly, else detect."""
    if declared:
        codec = _ALIASES.get(declared.strip().lower())
        if codec is not None and not any(data.startswith(bom) for bom, _, _ in _BOMS):
            text = _try(data, codec)
            if text is not None:
                return text, codec
    return decode_text(data, source)


def japanese_score(text: str) -> float:
    """Share of characters typical of Japanese documents, minus oddities.

    EUC-JP bytes read as cp932 turn into half-width katakana and user-defined
    (private use) characters; cp932 read as EUC-JP gives rare JIS X 0212
    kanji. Both are penalised so the right reading scores higher.
    """
    if not text:
        return 0.0
    good = bad = 0
    for ch in text:
        code = ord(ch)
        if (
            0x3040 <= code <= 0x30FF  # hiragana, katakana
            or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
            or 0x3000 <= code <= 0x303F  # CJK punctuation
            or 0xFF01 <= code <= 0xFF5E  # full-width ASCII
            or 0x20 <= code <= 0x7E
            or ch in "\t\n\r"
        ):
            good += 1
        elif (
            0xFF61 <= code <= 0xFF9F  # half-width katakana
            or 0xE000 <= code <= 0xF8FF  # private use (cp932 user-defined area)
            or 0x80 <= code <= 0x9F  # C1 controls
            or 0x3400 <= code <= 0x4DBF  # CJK extension A: JIS X 0212 territory
            or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        ):
            bad += 1
    return (good - 2 * bad) / len(text)


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes  # lazy: only for odd files

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        return None
    text = str(best)
    # charset-normalizer will happily call Japanese bytes cp1252; only accept
    # readings that look like Japanese or plain ASCII text.
    if japanese_score(text) < _GUESS_MIN_SCORE:
        return None
    return text, best.encoding
