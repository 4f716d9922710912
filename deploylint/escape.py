"""Text from a scanned repository, made safe to show.

File names and file contents reach deploylint's output (paths, messages that quote a value, the
source line under a finding). Shown raw, they could drive the terminal (ANSI escape sequences:
colours, cursor movement, window titles, OSC 8 links), reorder what is read (bidi overrides, the
"Trojan Source" characters), or forge output structure (a newline in a file name starting a new,
fake finding line; ``\\r`` overwriting a line). So:

* :func:`visible` — for text, github and gitlab output and for stderr: every C0 control
  character (newline and tab included), DEL, every C1 control, the bidi controls (U+061C,
  U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the Unicode line and paragraph separators
  (U+2028, U+2029) become a visible escape (``\\n``, ``\\x1b``, ``\\u202e``);
* :func:`no_surrogates` — for every output: a file name that is not valid UTF-8 is held by
  Python with lone surrogates (``surrogateescape``), which cannot be written as UTF-8; each
  becomes ``\\xNN`` (the original byte), so JSON and SARIF stay valid and byte-identical.

Text without any of these characters is returned unchanged (the common case, one regex search).
"""

from __future__ import annotations

import re
from typing import Any

_SIMPLE = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group()
    simple = _SIMPLE.get(ch)
    if simple is not None:
        return simple
    o = ord(ch)
    if 0xDC80 <= o <= 0xDCFF:  # a byte of an undecodable file name (surrogateescape)
        return f"\\x{o - 0xDC00:02x}"
    if o <= 0xFF:
        return f"\\x{o:02x}"
    return f"\\u{o:04x}"


def visible(text: str, *, newlines: bool = True) -> str:
    """``text`` with control, bidi and line-separator characters written as escapes
    (``newlines=False``: ``\n`` is left for the caller's own escaping, as GitHub's ``%0A``)."""
    if not _UNSAFE.search(text):
        return text
    if not newlines:
        return "\n".join(_UNSAFE.sub(_escape_char, part) for part in text.split("\n"))
    return _UNSAFE.sub(_escape_char, text)


def has_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def no_surrogates(text: str) -> str:
    """``text`` with lone surrogates (bytes of a non-UTF-8 file name) written as ``\\xNN``."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(_escape_char, text)


def deep_no_surrogates(value: Any) -> Any:
    """:func:`no_surrogates` applied to every string in a JSON-like value."""
    if isinstance(value, str):
        return no_surrogates(value)
    if isinstance(value, dict):
        return {deep_no_surrogates(k): deep_no_surrogates(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(deep_no_surrogates(v) for v in value)
    return value
