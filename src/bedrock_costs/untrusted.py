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


# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """The text as a CSV cell a spreadsheet shows as text: a leading formula character gets a
    quote before it, as OWASP's CSV-injection advice has it (numbers are not passed here)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def file_stem(text: str, digest: str) -> str:
    """A file name stem for untrusted text: its letters, digits, '.', '_' and '-' (at most 60,
    never a leading dot) and a digest of the whole text, so two tenants never share a file and
    no name can climb out of the folder or hide as a dot file."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in text)
    return f"{kept.lstrip('.')[:60] or 'tenant'}-{digest[:12]}"
