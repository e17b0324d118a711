"""Strings that come from logs (tenant ids, tag values, model ids, S3 keys), made safe to print.

Any client can put a carriage return, a newline, an ANSI escape sequence or a right-to-left
override into a tag value. Printed as is, a CR makes a line show another tenant's name over the
attacker's spend, a newline forges a row, an escape sequence rewrites the terminal. `printable`
shows every such character as a visible escape instead, so the text reads as what it is.
"""

from __future__ import annotations

import unicodedata

_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\\": "\\\\"}


def _needs_escape(character: str) -> bool:
    # Cc: C0 and C1 controls and DEL; Cf: format characters (bidi overrides, zero-width ones)
    return unicodedata.category(character) in {"Cc", "Cf", "Zl", "Zp"}


def printable(text: str) -> str:
    """The text with every control or format character (and backslash) written as an escape."""
    out = []
    for character in text:
        if character in _NAMED:
            out.append(_NAMED[character])
        elif _needs_escape(character):
            code = ord(character)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(character)
    return "".join(out)
