"""Go's ``fmt`` (``%v``, ``Sprint``/``Sprintf``/``Sprintln``, quoting) and ``encoding/json``
printing of Go values."""

from __future__ import annotations

import base64
import math
import re
import unicodedata
from typing import Any

from .values import INVALID, GoMap, GoNilPtr, GoSlice, GoStruct, _as_value, _is_int, go_type_name

_FAKE_POINTER = "0xc000010000"  # Go prints real addresses here; never deterministic


def _shortest_digits(f: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of |f| and the decimal point position ``dp``
    (value = 0.DIGITS x 10**dp)."""
    r = repr(abs(f))
    if "e" in r:
        mant, exp_s = r.split("e")
        exp = int(exp_s)
    else:
        mant, exp = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    if fp == "0":
        fp = ""
    digits = ip + fp
    dp = len(ip) + exp
    stripped = digits.lstrip("0")
    dp -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    if not digits:
        return "0", 1
    return digits, dp


def _fmt_e(digits: str, dp: int, upper: bool = False) -> str:
    exp = dp - 1
    s = digits[0]
    if len(digits) > 1:
        s += "." + digits[1:]
    e = "E" if upper else "e"
    sign = "-" if exp < 0 else "+"
    ae = abs(exp)
    return f"{s}{e}{sign}{ae:02d}"


def _fmt_f(digits: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * (-dp) + digits
    if dp >= len(digits):
        return digits + "0" * (dp - len(digits))
    return digits[:dp] + "." + digits[dp:]


def _go_float_g(f: float, upper: bool = False) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64) — what %v prints for a float64."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    neg = math.copysign(1.0, f) < 0
    if f == 0:
        return "-0" if neg else "0"
    digits, dp = _shortest_digits(f)
    exp = dp - 1
    # shortest 'g': %e when the exponent is < -4 or >= 6 (strconv's eprec for shortest)
    if exp < -4 or exp >= 6:
        s = _fmt_e(digits, dp, upper)
    else:
        s = _fmt_f(digits, dp)
    return ("-" if neg else "") + s


def _json_float(f: float) -> str:
    if math.isnan(f) or math.isinf(f):
        raise _JSONError(f"json: unsupported value: {_go_float_g(f)}")
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    neg = f < 0
    digits, dp = _shortest_digits(f)
    a = abs(f)
    if a < 1e-6 or a >= 1e21:
        s = _fmt_e(digits, dp)
        # encoding/json: clean up e-09 to e-9
        m = re.match(r"^(.*e[-+])0(\d)$", s)
        if m and s[-4:-2] != "+0":
            s = m.group(1) + m.group(2)
    else:
        s = _fmt_f(digits, dp)
    return ("-" if neg else "") + s


def _is_go_print(ch: str) -> bool:
    if ch == " ":
        return True
    cat = unicodedata.category(ch)
    return cat[0] in "LMNPS"


def go_quote(s: str) -> str:
    """strconv.Quote."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif _is_go_print(ch):
            out.append(ch)
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\v":
            out.append("\\v")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\ufffd")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


class _Spec:
    __slots__ = ("plus", "plus_v", "minus", "sharp", "space", "zero", "width", "prec")

    def __init__(self) -> None:
        self.plus = self.plus_v = self.minus = self.sharp = self.space = self.zero = False
        self.width: int | None = None
        self.prec: int | None = None


def _pad(s: str, spec: _Spec | None, numeric: bool = False) -> str:
    if spec is None or spec.width is None or len(s) >= spec.width:
        return s
    n = spec.width - len(s)
    if spec.minus:
        return s + " " * n
    if spec.zero and numeric:
        if s[:1] in "+-":
            return s[0] + "0" * n + s[1:]
        return "0" * n + s
    if spec.zero and not numeric:
        return "0" * n + s
    return " " * n + s


def _bad_verb(v: Any, verb: str) -> str:
    if v is None or v is INVALID:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type_name(v)}={_format(v, 'v', None, 0)})"


def _fmt_int(v: int, verb: str, spec: _Spec | None) -> str:
    if verb in ("v", "d"):
        s = str(abs(v))
    elif verb == "x":
        s = format(abs(v), "x")
    elif verb == "X":
        s = format(abs(v), "X")
    elif verb == "o":
        s = format(abs(v), "o")
    elif verb == "O":
        s = "0o" + format(abs(v), "o")
    elif verb == "b":
        s = format(abs(v), "b")
    elif verb == "c":
        return _pad(chr(v) if 0 <= v <= 0x10FFFF else "\ufffd", spec)
    elif verb == "q":
        c = chr(v) if 0 <= v <= 0x10FFFF else "\ufffd"
        q = go_quote(c)[1:-1].replace("\\'", "'")
        if c == "'":
            q = "\\'"
        elif c == '"':
            q = '"'
        return _pad("'" + q + "'", spec)
    elif verb == "U":
        return _pad(f"U+{v:04X}", spec)
    else:
        return _bad_verb(v, verb)
    if spec is not None and spec.prec is not None:
        s = s.rjust(spec.prec, "0")
    if spec is not None and spec.sharp:
        if verb == "x":
            s = "0x" + s
        elif verb == "X":
            s = "0X" + s
        elif verb == "o" and not s.startswith("0"):
            s = "0" + s
    sign = "-" if v < 0 else ("+" if spec is not None and spec.plus else "")
    if not sign and spec is not None and spec.space:
        sign = " "
    return _pad(sign + s, spec, numeric=spec is None or spec.prec is None)


def _fmt_float(v: float, verb: str, spec: _Spec | None) -> str:
    prec = None if spec is None else spec.prec
    if verb in ("v", "g", "G") and prec is None:
        s = _go_float_g(v, upper=(verb == "G"))
    elif verb in ("e", "E", "f", "F", "g", "G"):
        if math.isnan(v) or math.isinf(v):
            s = _go_float_g(v)
        else:
            p = 6 if prec is None else prec
            py = {"F": "f"}.get(verb, verb)
            s = format(v, f".{p}{py}")
            if verb in ("g", "G"):
                # Go's %g with precision does not force a minimum of two exponent digits
                # differently from Python; both print e+06.  Python drops trailing zeros too.
                pass
    elif verb in ("x", "X", "b"):
        return _bad_verb(v, verb) if verb == "b" else float.hex(v)
    else:
        return _bad_verb(v, verb)
    if spec is not None and spec.plus and not s.startswith(("-", "+")):
        s = "+" + s
    elif spec is not None and spec.space and not s.startswith(("-", "+")):
        s = " " + s
    return _pad(s, spec, numeric=True)


def _fmt_str(v: str, verb: str, spec: _Spec | None) -> str:
    if verb in ("v", "s"):
        s = v
        if spec is not None and spec.prec is not None:
            s = s[: spec.prec]
        return _pad(s, spec)
    if verb == "q":
        if spec is not None and spec.sharp and "`" not in v and all(_is_go_print(c) for c in v):
            return _pad("`" + v + "`", spec)
        return _pad(go_quote(v), spec)
    if verb in ("x", "X"):
        h = v.encode("utf-8", "surrogatepass").hex()
        if verb == "X":
            h = h.upper()
        return _pad(h, spec)
    return _bad_verb(v, verb)


def _format(v: Any, verb: str, spec: _Spec | None, depth: int) -> str:
    """fmt's printValue/printArg for our value model."""
    if v is INVALID:
        return _pad("<invalid reflect.Value>", spec) if depth > 0 else _pad("<nil>", spec)
    if v is None:
        if verb in ("v", "s") or depth > 0:
            return _pad("<nil>", spec)
        return _bad_verb(v, verb)
    # Stringer (handleMethods): only for verbs valid for strings.
    stringer = getattr(v, "stringer", None)
    if stringer is not None and verb in ("v", "s", "x", "X", "q"):
        return _fmt_str(stringer(v), verb, spec)
    t = type(v)
    if t is bool:
        if verb in ("v", "t"):
            return _pad("true" if v else "false", spec)
        return _bad_verb(v, verb)
    if t is int:
        return _fmt_int(v, verb, spec)
    if t is float:
        return _fmt_float(v, verb, spec)
    if t is str:
        return _fmt_str(v, verb, spec)
    if t is bytes:
        if verb in ("s", "q", "x", "X"):
            return _fmt_str(v.decode("utf-8", "replace"), verb, spec)
        return "[" + " ".join(_fmt_int(b, verb, spec) for b in v) + "]"
    if isinstance(v, GoNilPtr):
        return _pad("<nil>", spec)
    if isinstance(v, GoStruct):
        if v.pointer:
            if depth > 0:
                return _FAKE_POINTER
            return "&" + _format(_as_value(v), verb, spec, depth + 1)
        parts = []
        for name, fv in v.fields.items():
            s = _format(fv, verb, spec, depth + 1)
            parts.append(f"{name}:{s}" if spec is not None and spec.plus_v else s)
        return "{" + " ".join(parts) + "}"
    if isinstance(v, dict):
        parts = []
        for k in sorted(v, key=_sort_key):
            parts.append(
                f"{_format(k, verb, spec, depth + 1)}:{_format(v[k], verb, spec, depth + 1)}"
            )
        return "map[" + " ".join(parts) + "]"
    if isinstance(v, list):
        return "[" + " ".join(_format(e, verb, spec, depth + 1) for e in v) + "]"
    return _pad(str(v), spec)


def _sort_key(k: Any) -> Any:
    return (0, k) if isinstance(k, (int, float)) and not isinstance(k, bool) else (1, str(k))


def _printable(v: Any) -> Any:
    """text/template printableValue: indirect pointers, invalid -> "<no value>"."""
    if isinstance(v, GoStruct) and v.pointer:
        v = _as_value(v)
    if v is INVALID:
        return "<no value>"
    return v


def go_sprint(args: list[Any]) -> str:
    out = []
    prev_string = False
    for i, a in enumerate(args):
        is_string = type(a) is str
        if i > 0 and not is_string and not prev_string:
            out.append(" ")
        out.append(_format(a, "v", None, 0))
        prev_string = is_string
    return "".join(out)


def go_sprintln(args: list[Any]) -> str:
    return " ".join(_format(a, "v", None, 0) for a in args) + "\n"


_VERB_RE = re.compile(r"([+\-# 0]*)(\d+|\*)?(?:\.(\d+|\*)?)?(.)?", re.S)


def go_sprintf(fmt: str, args: list[Any]) -> str:
    out: list[str] = []
    argi = 0
    i = 0
    n = len(fmt)
    while i < n:
        j = fmt.find("%", i)
        if j < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:j])
        i = j + 1
        if i >= n:
            out.append("%!(NOVERB)")
            break
        spec = _Spec()
        while i < n and fmt[i] in "+-# 0":
            c = fmt[i]
            if c == "+":
                spec.plus = True
            elif c == "-":
                spec.minus = True
                spec.zero = False
            elif c == "#":
                spec.sharp = True
            elif c == " ":
                spec.space = True
            elif c == "0":
                spec.zero = not spec.minus
            i += 1
        if i < n and fmt[i] == "*":
            i += 1
            if argi < len(args) and _is_int(args[argi]):
                spec.width = args[argi]
                if spec.width < 0:
                    spec.minus = True
                    spec.width = -spec.width
            else:
                out.append("%!(BADWIDTH)")
            argi += 1
        else:
            m = re.match(r"\d+", fmt[i:])
            if m:
                spec.width = int(m.group())
                i += len(m.group())
        if i < n and fmt[i] == ".":
            i += 1
            if i < n and fmt[i] == "*":
                i += 1
                if argi < len(args) and _is_int(args[argi]):
                    spec.prec = max(args[argi], 0)
                else:
                    out.append("%!(BADPREC)")
                argi += 1
            else:
                m = re.match(r"\d+", fmt[i:])
                spec.prec = int(m.group()) if m else 0
                if m:
                    i += len(m.group())
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
            continue
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        a = args[argi]
        argi += 1
        if verb == "T":
            out.append(_pad(go_type_name(a) if a is not None else "<nil>", spec))
            continue
        if verb == "v" and spec.sharp:
            out.append(_go_syntax(a))
            continue
        if verb == "v" and spec.plus:
            # fmt: %+v means "field names", not a sign
            spec.plus, spec.plus_v = False, True
        out.append(_format(a, verb, spec, 0))
    if argi < len(args):
        extra = ", ".join(
            "<nil>" if a is None else f"{go_type_name(a)}={_format(a, 'v', None, 0)}"
            for a in args[argi:]
        )
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _go_syntax(v: Any) -> str:
    """%#v for the basic types (others fall back to %v)."""
    if type(v) is str:
        return go_quote(v)
    if v is None:
        return "<nil>"
    if type(v) is float:
        s = _go_float_g(v)
        return s
    return _format(v, "v", None, 0)


# --------------------------------------------------------------------------------------------
# encoding/json
# --------------------------------------------------------------------------------------------


class _JSONError(Exception):
    pass


def _json_string(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif o < 0x20 or ch in "<>&" or o in (0x2028, 0x2029):
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _json_empty(v: Any) -> bool:
    """encoding/json omitempty."""
    if v is None or v is INVALID or isinstance(v, GoNilPtr):
        return True
    if v is False or (type(v) is int and v == 0) or (type(v) is float and v == 0.0):
        return True
    if isinstance(v, (str, bytes, list, dict)) and len(v) == 0:
        return True
    return False


def go_json(v: Any) -> str:
    """json.Marshal(v) for our value model (raises _JSONError where Go returns an error)."""
    if v is None or v is INVALID or isinstance(v, GoNilPtr):
        return "null"
    marshal = getattr(v, "marshal", None)
    if marshal is not None:
        return marshal(v)
    t = type(v)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return _json_float(v)
    if t is str:
        return _json_string(v)
    if t is bytes:
        return '"' + base64.b64encode(v).decode("ascii") + '"'
    if isinstance(v, GoStruct):
        parts = []
        if v.json_fields is None:
            spec = [(k, k, False) for k in v.fields]
        else:
            spec = v.json_fields
        for field, name, omitempty in spec:
            fv = v.fields.get(field)
            if omitempty and _json_empty(fv):
                continue
            parts.append(_json_string(name) + ":" + go_json(fv))
        return "{" + ",".join(parts) + "}"
    if isinstance(v, dict):
        if isinstance(v, GoMap) and v.nil:
            return "null"
        keys = list(v) if isinstance(v, GoMap) and v.ordered else sorted(v)
        return "{" + ",".join(_json_string(str(k)) + ":" + go_json(v[k]) for k in keys) + "}"
    if isinstance(v, list):
        if isinstance(v, GoSlice) and v.nil:
            return "null"
        return "[" + ",".join(go_json(e) for e in v) + "]"
    raise _JSONError(f"json: unsupported type: {go_type_name(v)}")
