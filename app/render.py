"""Showing a cited passage: highlighted text (HTML) and PDF pages with the span marked.

PDF pages are rendered with pypdfium2 (Apache-2.0/BSD, wheels bundle PDFium;
no network). The quote is located on the page with PDFium's own text layer,
segment by segment, because line breaks and spacing differ between pypdf's
extraction (what we quoted) and PDFium's.
"""

from __future__ import annotations

import html
import io
import re


def highlight_html(text: str, start: int, end: int, context: int | None = None) -> str:
    """``text`` escaped, with ``text[start:end]`` inside ``<mark>``; ``context`` trims around it."""
    start, end = max(0, start), min(len(text), max(start, end))
    a, b = 0, len(text)
    if context is not None:
        a, b = max(0, start - context), min(len(text), end + context)
    pre, hit, post = text[a:start], text[start:end], text[end:b]

    def e(s: str) -> str:
        return html.escape(s).replace("\n", "<br>")

    return (
        ("…" if a > 0 else "") + e(pre)
        + f'<mark class="shirube-hl" style="background:#ffe066;padding:0 2px">{e(hit)}</mark>'
        + e(post) + ("…" if b < len(text) else "")
    )


def highlight_window(text: str, start: int, end: int, before: int = 200, lines: int = 4) -> tuple[str, bool]:
    """``text`` highlighted for a scrolling box that opens at the span, and whether the head was cut.

    The box shows the text from a line start at most ``before`` characters and ``lines`` lines
    ahead of the span to the end, so the ``<mark>`` is in view without scripts (Streamlit's
    Markdown runs none) wherever it lies in a 4,000-character section; 「…」 marks the cut.
    """
    start, end = max(0, min(start, len(text))), min(len(text), max(start, end))
    lo = max(0, start - before)
    newline = text.find("\n", lo, start) if lo else -1
    a = newline + 1 if newline >= 0 else lo
    breaks = [i for i in range(a, start) if text[i] == "\n"]
    if len(breaks) >= lines:
        a = breaks[-lines] + 1
    if a == 0:
        return highlight_html(text, start, end), False
    return "…" + highlight_html(text[a:], start - a, end - a), True


def _segments(quote: str, min_len: int = 2) -> list[str]:
    """Pieces of the quote split at line breaks/spaces (layout differs between extractors)."""
    return [s for s in re.split(r"\s+", quote) if len(s) >= min_len]


def find_rects(textpage, quote: str) -> list[tuple[float, float, float, float]]:
    """PDF-space rectangles (left, bottom, right, top) covering the quote on the page."""
    rects: list[tuple[float, float, float, float]] = []
    for seg in _segments(quote):
        found = None
        # Whole segment first; else its head (a differing character later on breaks exact search).
        for needle in (seg, seg[:12], seg[:6]):
            if len(needle) < 2:
                continue
            searcher = textpage.search(needle, match_case=False)
            found = searcher.get_next()
            searcher.close()
            if found:
                break
        if not found:
            continue
        i, n = found
        for k in range(textpage.count_rects(i, n)):
            rects.append(textpage.get_rect(k))
    return rects


def pdf_page_png(
    data: bytes, page: int, quote: str = "", scale: float = 1.6, crop: bool = False, margin: float = 180,
) -> tuple[bytes, int]:
    """PNG of page ``page`` (1-based) with the quote highlighted, and how many boxes were marked.

    ``crop``: keep only a band of the page around the highlight (``margin`` PDF points above and below).
    """
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    pdf = pdfium.PdfDocument(data)
    try:
        if not 1 <= page <= len(pdf):
            raise ValueError(f"page {page} out of range 1..{len(pdf)}")
        pg = pdf[page - 1]
        _, height = pg.get_size()
        rects = []
        if quote:
            tp = pg.get_textpage()
            rects = find_rects(tp, quote)
            tp.close()
        img = pg.render(scale=scale).to_pil().convert("RGBA")
        overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for left, bottom, right, top in rects:
            box = (left * scale - 2, (height - top) * scale - 2, right * scale + 2, (height - bottom) * scale + 2)
            draw.rectangle(box, fill=(255, 214, 0, 90), outline=(230, 120, 0, 255), width=2)
        merged = Image.alpha_composite(img, overlay).convert("RGB")
        if crop and rects:
            top = max(0.0, (height - max(r[3] for r in rects) - margin) * scale)
            bottom = min(float(merged.height), (height - min(r[1] for r in rects) + margin) * scale)
            merged = merged.crop((0, int(top), merged.width, int(bottom)))
        out = io.BytesIO()
        merged.save(out, format="PNG")
        pg.close()
        return out.getvalue(), len(rects)
    finally:
        pdf.close()
