"""How the command line shows answers: citations on one line, user-supplied text escaped."""

from __future__ import annotations

from base.safe_text import printable

_CJK = r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"


def _one_line(text: str) -> str:
    """A quote on one line: a line break between Japanese characters vanishes, others become a space."""
    import re

    text = re.sub(rf"(?<={_CJK})\s*\n\s*(?={_CJK})", "", text.strip())
    return " ".join(text.split())


def _lines(text: str) -> str:
    """Text whose line breaks are kept, with every other control character escaped."""
    return "\n".join(printable(line) for line in text.split("\n"))


def format_answer(ans) -> str:
    lines = [_lines(ans.text), ""]
    if ans.answered:
        lines.append("出典:")
        for c in ans.citations:
            lines.append(f"  [{c.n}] {printable(c.title)}（{printable(c.source)}）{printable(c.locator)}")
            lines.append(f"      「{printable(_one_line(c.quote))}」")
    else:
        lines.append("関連する可能性のある箇所（回答ではありません）:")
        closest = {c.n: c for c in ans.closest}  # each passage at its sentence nearest the question
        for i, h in enumerate(ans.passages[:3], 1):
            if (c := closest.get(i)) is not None:
                lines.append(f"  {i}. {printable(c.title)}（{printable(c.source)}）{printable(c.locator)}")
                lines.append(f"      「{printable(_one_line(c.quote))}」")
            else:
                lines.append(f"  {i}. {printable(h.title)}（{printable(h.source)}）{printable(h.locator)}: "
                             f"{printable(h.text[:80].replace(chr(10), ' '))}…")
    return "\n".join(lines)
