"""User-supplied text made safe for a terminal line.

A question, a file name, a title, a user name or a reason can hold a newline,
a carriage return or an escape sequence: printed raw, it forges a line of
``shirube audit list`` or clears the reader's screen. :func:`printable` shows
every such character as a visible escape instead, and leaves everything else
(Japanese included) alone::

    >>> printable("質問\\n999  admin  relabel\\x1b[2J")
    '質問\\\\n999  admin  relabel\\\\x1b[2J'

JSON output needs none of this: ``json.dumps`` already escapes control characters.
"""

from __future__ import annotations

import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _unsafe(ch: str) -> bool:
    """C0/C1 controls, DEL, line/paragraph separators, and format characters that reorder
    or hide text (bidi overrides, zero-width joiners are Cf)."""
    if ch == "\\":
        return True
    cat = unicodedata.category(ch)
    return cat in ("Cc", "Zl", "Zp", "Cs") or (cat == "Cf" and ch not in "\u200d")


def printable(text: object) -> str:
    """``text`` on one line with control characters shown as escapes (``\\n``, ``\\x1b``, ``\\u2028``).

    A backslash is doubled, so an escape in the output never comes from the input."""
    s = "" if text is None else str(text)
    if s.isprintable() and "\\" not in s:
        return s
    return "".join(_escape(ch) if _unsafe(ch) else ch for ch in s)


__all__ = ["printable"]
