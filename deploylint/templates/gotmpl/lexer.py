"""The ``text/template`` lexer and Go literal helpers (strings, runes, numbers)."""

from __future__ import annotations

import math
from typing import Any

from .limits import GoTemplateError
from .values import INVALID

_SPACE = " \t\r\n"

# token types
T_TEXT = "text"
T_LEFT = "{{"
T_RIGHT = "}}"
T_SPACE = "space"
T_IDENT = "identifier"
T_FIELD = "field"
T_VAR = "variable"
T_DOT = "."
T_STRING = "string"
T_RAWSTRING = "raw string"
T_CHARCONST = "character constant"
T_NUMBER = "number"
T_BOOL = "bool"
T_NIL = "nil"
T_PIPE = "|"
T_LPAREN = "("
T_RPAREN = ")"
T_ASSIGN = "="
T_DECLARE = ":="
T_CHAR = "char"
T_EOF = "EOF"

_KEYWORDS = {
    "block",
    "break",
    "continue",
    "define",
    "else",
    "end",
    "if",
    "range",
    "nil",
    "template",
    "with",
}


class _Tok:
    __slots__ = ("typ", "val", "line")

    def __init__(self, typ: str, val: str, line: int) -> None:
        self.typ = typ
        self.val = val
        self.line = line

    def __repr__(self) -> str:
        return f"<{self.typ} {self.val!r} l{self.line}>"

    def describe(self) -> str:
        if self.typ == T_EOF:
            return "EOF"
        if self.typ in _KEYWORDS:
            return f"<{self.val}>"
        if self.typ == T_RIGHT:
            return '"}}"'
        if self.typ == T_SPACE:
            return "space"
        return repr(self.val).replace("'", '"')


def _is_alnum(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or ch.isdigit()


class _Lexer:
    def __init__(self, src: str) -> None:
        self.src = src
        self.n = len(src)
        self.toks: list[_Tok] = []

    def line_at(self, pos: int) -> int:
        return self.src.count("\n", 0, pos) + 1

    def err(self, msg: str, pos: int) -> GoTemplateError:
        return GoTemplateError("syntax", msg, self.line_at(pos))

    def emit(self, typ: str, val: str, pos: int) -> None:
        self.toks.append(_Tok(typ, val, self.line_at(pos)))

    def at_right_delim(self, p: int) -> tuple[bool, bool]:
        s = self.src
        if p + 1 < self.n and s[p] in _SPACE and s[p + 1] == "-" and s.startswith("}}", p + 2):
            return True, True
        if s.startswith("}}", p):
            return True, False
        return False, False

    def at_terminator(self, p: int) -> bool:
        if p >= self.n:
            return True
        c = self.src[p]
        if c in _SPACE or c in ".,|:)(":
            return True
        return self.src.startswith("}}", p)

    def run(self) -> list[_Tok]:
        s = self.src
        pos = 0
        while True:
            x = s.find("{{", pos)
            if x < 0:
                if pos < self.n:
                    self.emit(T_TEXT, s[pos:], pos)
                break
            text = s[pos:x]
            after = x + 2
            trim_left = after + 1 < self.n and s[after] == "-" and s[after + 1] in _SPACE
            if trim_left:
                text = text.rstrip(_SPACE)
            if text:
                self.emit(T_TEXT, text, pos)
            p = after + (2 if trim_left else 0)
            if s.startswith("/*", p):
                end = s.find("*/", p + 2)
                if end < 0:
                    raise self.err("unclosed comment", x)
                q = end + 2
                delim, trim = self.at_right_delim(q)
                if not delim:
                    raise self.err("comment ends before closing delimiter", x)
                q += 4 if trim else 2
                if trim:
                    while q < self.n and s[q] in _SPACE:
                        q += 1
                pos = q
                continue
            self.emit(T_LEFT, "{{", x)
            pos = self.lex_action(p)
        self.emit(T_EOF, "", self.n)
        return self.toks

    def lex_action(self, p: int) -> int:
        s = self.src
        depth = 0
        while True:
            delim, trim = self.at_right_delim(p)
            if delim:
                if depth != 0:
                    raise self.err("unclosed left paren", p)
                if trim:
                    p += 2
                self.emit(T_RIGHT, "}}", p)
                p += 2
                if trim:
                    while p < self.n and s[p] in _SPACE:
                        p += 1
                return p
            if p >= self.n:
                raise self.err("unclosed action", p)
            c = s[p]
            start = p
            if c in _SPACE:
                q = p
                while q < self.n and s[q] in _SPACE:
                    q += 1
                # " -}}": the last space belongs to the trim marker
                if q < self.n and s[q] == "-" and s.startswith("}}", q + 1):
                    q -= 1
                if q > p:
                    self.emit(T_SPACE, s[p:q], p)
                p = q
                continue
            if c == "=":
                self.emit(T_ASSIGN, "=", p)
                p += 1
            elif c == ":":
                if p + 1 >= self.n or s[p + 1] != "=":
                    raise self.err("expected :=", p)
                self.emit(T_DECLARE, ":=", p)
                p += 2
            elif c == "|":
                self.emit(T_PIPE, "|", p)
                p += 1
            elif c == '"':
                q = p + 1
                while True:
                    if q >= self.n or s[q] == "\n":
                        raise self.err("unterminated quoted string", p)
                    if s[q] == "\\":
                        q += 2
                        continue
                    if s[q] == '"':
                        break
                    q += 1
                self.emit(T_STRING, s[p : q + 1], p)
                p = q + 1
            elif c == "`":
                q = s.find("`", p + 1)
                if q < 0:
                    raise self.err("unterminated raw quoted string", p)
                self.emit(T_RAWSTRING, s[p : q + 1], p)
                p = q + 1
            elif c == "$":
                q = p + 1
                if not self.at_terminator(q):
                    while q < self.n and _is_alnum(s[q]):
                        q += 1
                    if not self.at_terminator(q):
                        raise self.err(f"bad character {_urune(s[q])}", q)
                self.emit(T_VAR, s[p:q], p)
                p = q
            elif c == "'":
                q = p + 1
                while True:
                    if q >= self.n or s[q] == "\n":
                        raise self.err("unterminated character constant", p)
                    if s[q] == "\\":
                        q += 2
                        continue
                    if s[q] == "'":
                        break
                    q += 1
                self.emit(T_CHARCONST, s[p : q + 1], p)
                p = q + 1
            elif c == "." and not (p + 1 < self.n and s[p + 1].isdigit() and s[p + 1] < "\x80"):
                q = p + 1
                if self.at_terminator(q):
                    self.emit(T_DOT, ".", p)
                else:
                    while q < self.n and _is_alnum(s[q]):
                        q += 1
                    if not self.at_terminator(q):
                        raise self.err(f"bad character {_urune(s[q])}", q)
                    self.emit(T_FIELD, s[p:q], p)
                p = q
            elif c in "+-." or ("0" <= c <= "9"):
                qn = self._scan_number(p)
                if qn is None:
                    end = p + 1
                    while end < self.n and _is_alnum(s[end]):
                        end += 1
                    raise self.err(f"bad number syntax: {s[p:end]!r}".replace("'", '"'), p)
                self.emit(T_NUMBER, s[p:qn], p)
                p = qn
            elif _is_alnum(c):
                q = p
                while q < self.n and _is_alnum(s[q]):
                    q += 1
                word = s[p:q]
                if not self.at_terminator(q):
                    raise self.err(f"bad character {_urune(s[q])}", q)
                if word in _KEYWORDS:
                    self.emit(word, word, p)
                elif word in ("true", "false"):
                    self.emit(T_BOOL, word, p)
                else:
                    self.emit(T_IDENT, word, p)
                p = q
            elif c == "(":
                depth += 1
                self.emit(T_LPAREN, "(", p)
                p += 1
            elif c == ")":
                depth -= 1
                if depth < 0:
                    raise self.err("unexpected right paren", p)
                self.emit(T_RPAREN, ")", p)
                p += 1
            elif c <= "\x7f" and c.isprintable():
                self.emit(T_CHAR, c, p)
                p += 1
            else:
                raise self.err(f"unrecognized character in action: {_urune(c)}", start)

    def _scan_number(self, p: int) -> int | None:
        s = self.src
        q = p
        if q < self.n and s[q] in "+-":
            q += 1
        digits = "0123456789_"
        if s.startswith(("0x", "0X"), q):
            q += 2
            digits = "0123456789abcdefABCDEF_"
        elif s.startswith(("0o", "0O"), q):
            q += 2
            digits = "01234567_"
        elif s.startswith(("0b", "0B"), q):
            q += 2
            digits = "01_"
        while q < self.n and s[q] in digits:
            q += 1
        if q < self.n and s[q] == ".":
            q += 1
            while q < self.n and s[q] in digits:
                q += 1
        if len(digits) == 11 and q < self.n and s[q] in "eE":
            q += 1
            if q < self.n and s[q] in "+-":
                q += 1
            while q < self.n and s[q] in "0123456789_":
                q += 1
        if len(digits) == 23 and q < self.n and s[q] in "pP":
            q += 1
            if q < self.n and s[q] in "+-":
                q += 1
            while q < self.n and s[q] in "0123456789_":
                q += 1
        if q < self.n and s[q] == "i":
            q += 1
        if q < self.n and _is_alnum(s[q]):
            return None
        return q


def _urune(c: str) -> str:
    return f"U+{ord(c):04X} {c!r}"


# --------------------------------------------------------------------------------------------
# Go literal helpers
# --------------------------------------------------------------------------------------------

_SIMPLE_ESC = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}


def _escape(body: str, i: int, quote: str, line: int) -> tuple[int | None, bytes, int]:
    """Decode the escape sequence at body[i] == "\\": (rune or None, bytes, next index)."""
    if i + 1 >= len(body):
        raise GoTemplateError("syntax", "invalid syntax", line)
    e = body[i + 1]
    if e in _SIMPLE_ESC:
        ch = _SIMPLE_ESC[e]
        return ord(ch), ch.encode(), i + 2
    if e == quote:
        return ord(e), e.encode(), i + 2
    if e in "xuU":
        size = {"x": 2, "u": 4, "U": 8}[e]
        h = body[i + 2 : i + 2 + size]
        if len(h) != size or not all(c in "0123456789abcdefABCDEF" for c in h):
            raise GoTemplateError("syntax", "invalid syntax", line)
        cp = int(h, 16)
        if e == "x":
            return cp, bytes([cp]), i + 2 + size
        if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
            raise GoTemplateError("syntax", "invalid syntax", line)
        return cp, chr(cp).encode(), i + 2 + size
    if e in "01234567":
        o = body[i + 1 : i + 4]
        if len(o) != 3 or not all(c in "01234567" for c in o) or int(o, 8) > 255:
            raise GoTemplateError("syntax", "invalid syntax", line)
        return int(o, 8), bytes([int(o, 8)]), i + 4
    raise GoTemplateError("syntax", "invalid syntax", line)


def _unquote(tok: str, line: int) -> str:
    """strconv.Unquote for "..." and `...` (bytes that are not UTF-8 become U+FFFD)."""
    if tok[0] == "`":
        return tok[1:-1].replace("\r", "")
    body = tok[1:-1]
    buf = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            buf += c.encode("utf-8", "surrogatepass")
            i += 1
            continue
        _, b, i = _escape(body, i, '"', line)
        buf += b
    return bytes(buf).decode("utf-8", "replace")


def _char_value(tok: str, line: int) -> int:
    body = tok[1:-1]
    if body[:1] == "\\":
        cp, _, end = _escape(body, 0, "'", line)
        if end != len(body) or cp is None:
            raise GoTemplateError("syntax", f"malformed character constant: {tok}", line)
        return cp
    if len(body) != 1 or body == "'":
        raise GoTemplateError("syntax", f"malformed character constant: {tok}", line)
    return ord(body)


def _underscore_ok(s: str) -> bool:
    """strconv's rule: an underscore only between digits or after a base prefix."""
    saw = "^"
    i = 0
    if s[:1] in ("-", "+"):
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i = 2
        saw = "0"
        hexa = s[1].lower() == "x"
    while i < len(s):
        c = s[i]
        if "0" <= c <= "9" or (hexa and c.lower() in "abcdef"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def _parse_go_int(text: str) -> int | None:
    t = text
    neg = False
    if t[:1] in "+-":
        neg = t[0] == "-"
        t = t[1:]
    if not t:
        return None
    base = 10
    body = t
    low = t.lower()
    if low.startswith("0x"):
        base, body = 16, t[2:]
    elif low.startswith("0o"):
        base, body = 8, t[2:]
    elif low.startswith("0b"):
        base, body = 2, t[2:]
    elif t.startswith("0") and len(t) > 1:
        base, body = 8, t[1:]
    if "_" in body:
        if not _underscore_ok(t):
            return None
        body = body.replace("_", "")
    if not body:
        return None
    try:
        v = int(body, base)
    except ValueError:
        return None
    return -v if neg else v


class _Number:
    __slots__ = ("text", "is_int", "int_val", "is_float", "float_val", "is_uint")

    def __init__(self, text: str, line: int, char: bool = False) -> None:
        self.text = text
        self.is_int = self.is_float = self.is_uint = False
        self.int_val = 0
        self.float_val = 0.0
        if char:
            self.int_val = _char_value(text, line)
            self.is_int = self.is_uint = self.is_float = True
            self.float_val = float(self.int_val)
            return
        if text.endswith("i"):
            raise GoTemplateError("syntax", f"complex constants not supported: {text}", line)
        iv = _parse_go_int(text)
        if iv is not None:
            if -(2**63) <= iv < 2**63:
                self.is_int = True
                self.int_val = iv
            if 0 <= iv < 2**64:
                self.is_uint = True
            if self.is_int or self.is_uint:
                self.is_float = True
                self.float_val = float(iv)
        if not (self.is_int or self.is_uint):
            try:
                if "_" in text and not _underscore_ok(text):
                    raise ValueError
                t = text.replace("_", "")
                low = t.lower().lstrip("+-")
                if low.startswith("0x"):
                    f = float.fromhex(t)
                else:
                    if "inf" in low or "nan" in low:
                        raise ValueError
                    f = float(t)
            except ValueError:
                f = None
            if f is not None:
                if not any(c in text for c in ".eEpP"):
                    raise GoTemplateError("syntax", f'integer overflow: "{text}"', line)
                self.is_float = True
                self.float_val = f
                if math.isfinite(f) and float(int(f)) == f and -(2**63) <= int(f) < 2**63:
                    self.is_int = True
                    self.int_val = int(f)
        if not (self.is_int or self.is_uint or self.is_float):
            raise GoTemplateError("syntax", f'illegal number syntax: "{text}"', line)

    def ideal(self, line: int) -> Any:
        t = self.text
        is_hex_int = len(t) > 2 and t[0] == "0" and t[1] in "xX" and not any(c in t for c in "pP")
        if (
            self.is_float
            and not is_hex_int
            and not t.startswith("'")
            and any(c in t for c in ".eEpP")
        ):
            return self.float_val
        if self.is_int:
            return self.int_val
        if self.is_uint:
            raise GoTemplateError("exec", f"{t} overflows int", line)
        return INVALID
