"""Go ``text/template`` for Ollama chat templates: parser, evaluator and Ollama's prompt building.

Stdlib only.  Two layers:

1. :func:`parse` / :class:`GoTemplate` — a parser and evaluator for Go's ``text/template``
   (semantics of the Go 1.26/1.27 standard library, the toolchain Ollama builds with): text and
   actions with trim markers ``{{-``/``-}}``, comments, ``if``/``else if``/``else``/``end``,
   ``range`` (``$i, $x :=`` / ``=``, ``else``, ``break``, ``continue``, ranging over slices, maps in
   sorted key order and integers), ``with``/``else with``, ``define``/``template``/``block``,
   variables (``$``, ``$x :=``, ``$x =``, lexically scoped), field chains on maps and structs,
   parenthesised pipelines and ``(pipe).Field`` chains, ``|`` pipelines, the builtin functions
   (``and or not eq ne lt le gt ge len index slice print printf println html js urlquery``;
   ``call`` always fails as no function values exist here) and Ollama's FuncMap (``json``,
   ``currentDate``, ``yesterdayDate``, ``toTypeScriptType``).  Go semantics that matter for chat
   templates are mirrored: truthiness, ``and``/``or`` short-circuiting and returning an operand,
   ``eq`` with several operands and its "incompatible types" errors, ``len`` counting UTF-8
   bytes, ``missingkey`` behaviour (``<no value>`` for absent map keys, an error for absent struct
   fields), ``fmt``'s ``%v`` printing of Go values (``[a b]``, ``map[k:v]``, ``{f1 f2}``, floats
   as ``%g``, ``fmt.Stringer`` values), ``encoding/json`` output (sorted map keys, HTML-safe
   escaping).

   Go values are modelled with plain Python values — ``str`` (string), ``bool``, ``int`` (int),
   ``float`` (float64), ``list`` ([]interface{}), ``dict`` (map[string]interface{}), ``None``
   (a nil interface) — plus :class:`GoStruct`, :class:`GoSlice`, :class:`GoMap` and
   :class:`GoNilPtr` for typed values (struct fields, ``String()`` methods, typed nils).

2. :func:`render_ollama` — what Ollama does to turn an ``/api/chat`` (or OpenAI-compatible
   ``/v1/chat/completions``) request into a prompt with a Modelfile ``TEMPLATE``.  Mirrors
   ``ollama/ollama`` at commit ``fb30760996871fa9460115c753afd2c60d4ab0f7`` (2026-08-21):

   * ``server/routes.go`` ChatHandler: Modelfile ``MESSAGE``s are put before the request's
     messages and the Modelfile ``SYSTEM`` becomes a leading system message when the first
     request message is not a system message;
   * ``server/prompt.go`` chatPrompt/imageTaggedMessages: ``[img-N]`` tags for images;
   * ``template/template.go`` Parse: a template that mentions neither ``Messages`` nor
     ``Response`` gets ``{{ .Response }}`` appended; Execute: consecutive messages of the same
     role (except ``tool``) are merged with ``"\\n\\n"``, all system contents joined into
     ``.System``; templates that mention ``.Messages`` are executed once with ``.Messages``,
     ``.System``, ``.Tools``, ``.Response`` (empty), ``.Think``, ``.ThinkLevel``,
     ``.IsThinkSet``; other ("legacy") templates are executed once per system/user/assistant
     turn with ``.System``/``.Prompt``/``.Response`` and a last time with everything after the
     first ``.Response`` field cut away (that last execution runs without Ollama's FuncMap and
     with Go's default ``missingkey``, as Ollama's does);
   * the data passed is Ollama's ``templateMessage``/``templateTool``/``templateToolCall``
     structs (so an unknown field such as ``.Foo`` on a message is an execution error,
     ``.Function.Arguments`` prints as JSON, and so on).

   Consequences worth knowing, all reproduced by the Go goldens: ``{{ .Function }}`` on a tool
   prints Go struct syntax, not JSON, because ``templateToolFunction`` has no ``String()`` at
   this commit (ollama/ollama#14601, open); a legacy template that calls ``currentDate`` (or any
   FuncMap function) before ``.Response`` fails on its last execution; ``{{ template "x" }}``
   without a pipeline makes Ollama's Parse fail; ``.Prompt`` in a ``.Messages`` template prints
   ``<no value>``.

   Not mirrored: prompt truncation to ``num_ctx`` (needs the model's tokenizer; the whole
   conversation is rendered), ``filterThinkTags`` for qwen3/deepseek-r1 models, models that use a
   built-in Go ``RENDERER`` instead of a template, ``/api/generate`` with ``suffix``.

Verification: ``tests/test_gotmpl.py`` compares this module byte for byte with real Go
(``testdata/gotmpl/goldens.json``, made by ``scripts/make_gotmpl_goldens.sh``; the Go version is
recorded there).  Known differences from Go: complex-number literals are rejected; values are
untyped, so a few error messages name a dynamic type where Go names ``interface {}``; pointers
nested inside printed values print a fixed fake address; nesting is capped (see limits).

Every execution is bounded (steps, output size, optional wall time, nesting depth); errors raise
:class:`GoTemplateError` with ``kind`` ``"syntax"``, ``"exec"`` or ``"limit"``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json as _json
import math
import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote_plus

__all__ = [
    "DEFAULT_TEMPLATE",
    "OLLAMA_COMMIT",
    "GoMap",
    "GoNilPtr",
    "GoSlice",
    "GoStruct",
    "GoTemplate",
    "GoTemplateError",
    "INVALID",
    "Limits",
    "ollama_template_data",
    "parse",
    "render",
    "render_ollama",
]

OLLAMA_REPO = "ollama/ollama"
OLLAMA_COMMIT = "fb30760996871fa9460115c753afd2c60d4ab0f7"
DEFAULT_TEMPLATE = "{{ .Prompt }}"

MAX_NESTING = 100  # nested control structures / parentheses accepted by the parser
MAX_TEMPLATE_DEPTH = 100  # nested {{template}} calls at execution time


class GoTemplateError(Exception):
    """A template could not be parsed (``syntax``), failed while executing (``exec``) or hit a
    bound of this implementation (``limit``).  ``line`` is 1-based when known."""

    def __init__(self, kind: str, message: str, line: int | None = None) -> None:
        if kind not in ("syntax", "exec", "limit"):
            raise ValueError(f"bad GoTemplateError kind {kind!r}")
        self.kind = kind
        self.message = message
        self.line = line
        where = f":{line}" if line is not None else ""
        super().__init__(f"template{where}: {message} [{kind}]")


class Limits:
    """Bounds for one execution (all executions of one :func:`render_ollama` share them)."""

    __slots__ = ("max_steps", "max_output", "deadline", "steps", "output")

    def __init__(
        self,
        max_steps: int = 2_000_000,
        max_output: int = 4_000_000,
        timeout: float | None = 10.0,
    ) -> None:
        self.max_steps = max_steps
        self.max_output = max_output
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.steps = 0
        self.output = 0


# --------------------------------------------------------------------------------------------
# Go value model
# --------------------------------------------------------------------------------------------


class _Invalid:
    """The zero ``reflect.Value``: "no value" (what a nil interface becomes in a pipeline)."""

    _inst: _Invalid | None = None

    def __new__(cls) -> _Invalid:
        if cls._inst is None:
            cls._inst = super().__new__(cls)
        return cls._inst

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


_MISSING = _Missing()  # no final (piped) argument


class GoStruct:
    """A Go struct value (``pointer=True``: a non-nil pointer to one).

    ``fields`` in declaration order; ``methods`` are zero-argument methods reachable as
    ``.Name``; ``stringer`` is a ``String()`` method used when printing; ``json_fields`` gives
    ``(field, json name, omitempty)`` for encoding/json (None: every field under its own name);
    ``marshal`` overrides JSON encoding completely (returns JSON text)."""

    __slots__ = ("type_name", "fields", "pointer", "stringer", "methods", "json_fields", "marshal")

    def __init__(
        self,
        type_name: str,
        fields: dict[str, Any],
        *,
        pointer: bool = False,
        stringer: Callable[[Any], str] | None = None,
        methods: dict[str, Callable[[Any], Any]] | None = None,
        json_fields: list[tuple[str, str, bool]] | None = None,
        marshal: Callable[[Any], str] | None = None,
    ) -> None:
        self.type_name = type_name
        self.fields = fields
        self.pointer = pointer
        self.stringer = stringer
        self.methods = methods or {}
        self.json_fields = json_fields
        self.marshal = marshal

    def __repr__(self) -> str:
        return f"GoStruct({self.type_name!r}, {self.fields!r})"


class GoSlice(list):
    """A typed Go slice; ``nil=True`` for a nil slice (prints ``[]``, encodes as ``null``)."""

    def __init__(
        self,
        items: Iterable[Any] = (),
        *,
        type_name: str = "[]interface {}",
        nil: bool = False,
        stringer: Callable[[Any], str] | None = None,
        marshal: Callable[[Any], str] | None = None,
    ) -> None:
        super().__init__(items)
        self.type_name = type_name
        self.nil = nil and not self
        self.stringer = stringer
        self.marshal = marshal

    __hash__ = None  # type: ignore[assignment]


class GoMap(dict):
    """A typed Go map with string keys; ``nil=True`` for a nil map.  ``elem_zero`` builds the
    zero value of the element type (for ``missingkey=zero`` and ``index``).  ``ordered`` keeps
    insertion order in JSON output (Ollama's ordered maps)."""

    def __init__(
        self,
        items: Any = (),
        *,
        type_name: str = "map[string]interface {}",
        nil: bool = False,
        stringer: Callable[[Any], str] | None = None,
        elem_zero: Callable[[], Any] | None = None,
        ordered: bool = False,
    ) -> None:
        super().__init__(items)
        self.type_name = type_name
        self.nil = nil and not self
        self.stringer = stringer
        self.elem_zero = elem_zero
        self.ordered = ordered

    __hash__ = None  # type: ignore[assignment]


class GoNilPtr:
    """A typed nil pointer (``elem_fields``: field names of the pointed-to struct, if any)."""

    __slots__ = ("type_name", "elem_fields")

    def __init__(self, type_name: str, elem_fields: Iterable[str] = ()) -> None:
        self.type_name = type_name
        self.elem_fields = frozenset(elem_fields)

    def __repr__(self) -> str:
        return f"GoNilPtr({self.type_name!r})"


def _is_int(v: Any) -> bool:
    return type(v) is int


def go_type_name(v: Any) -> str:
    if v is None or v is INVALID:
        return "<nil>"
    t = type(v)
    if t is str:
        return "string"
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is float:
        return "float64"
    if t is bytes:
        return "[]uint8"
    if isinstance(v, GoStruct):
        return ("*" if v.pointer else "") + v.type_name
    if isinstance(v, (GoSlice, GoMap, GoNilPtr)):
        return v.type_name
    if isinstance(v, list):
        return "[]interface {}"
    if isinstance(v, dict):
        return "map[string]interface {}"
    return type(v).__name__


def _kind(v: Any) -> str:
    """reflect.Kind-like classification."""
    if v is INVALID:
        return "invalid"
    if v is None:
        return "interface"
    t = type(v)
    if t is str:
        return "string"
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is float:
        return "float"
    if t is bytes or isinstance(v, list):
        return "slice"
    if isinstance(v, dict):
        return "map"
    if isinstance(v, GoStruct):
        return "ptr" if v.pointer else "struct"
    if isinstance(v, GoNilPtr):
        return "ptr"
    return "other"


def _is_nil_value(v: Any) -> bool:
    if v is INVALID or v is None or isinstance(v, GoNilPtr):
        return True
    if isinstance(v, (GoSlice, GoMap)):
        return v.nil
    return False


def _indirect(v: Any) -> tuple[Any, bool]:
    """Go's indirect(): follow pointers/interfaces; (value, is_nil)."""
    if v is None or isinstance(v, GoNilPtr):
        return v, True
    if isinstance(v, GoStruct) and v.pointer:
        return _as_value(v), False
    return v, False


def _as_value(s: GoStruct) -> GoStruct:
    if not s.pointer:
        return s
    return GoStruct(
        s.type_name,
        s.fields,
        stringer=s.stringer,
        methods=s.methods,
        json_fields=s.json_fields,
        marshal=s.marshal,
    )


def _indirect_interface(v: Any) -> Any:
    return INVALID if v is None else v


def _is_true(v: Any) -> tuple[bool, bool]:
    """Go's isTrue: (truth, ok)."""
    if v is INVALID:
        return False, True
    k = _kind(v)
    if k == "string":
        return len(v) > 0, True
    if k in ("slice", "map"):
        return len(v) > 0, True
    if k == "bool":
        return bool(v), True
    if k == "int":
        return v != 0, True
    if k == "float":
        return v != 0.0, True
    if k == "interface":
        return False, True
    if k == "ptr":
        return not isinstance(v, GoNilPtr), True
    if k == "struct":
        return True, True
    return False, False


def _truth(v: Any) -> bool:
    return _is_true(_indirect_interface(v))[0]


# --------------------------------------------------------------------------------------------
# fmt: printing Go values
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Lexer
# --------------------------------------------------------------------------------------------

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
                q = self._scan_number(p)
                if q is None:
                    end = p + 1
                    while end < self.n and _is_alnum(s[end]):
                        end += 1
                    raise self.err(f"bad number syntax: {s[p:end]!r}".replace("'", '"'), p)
                self.emit(T_NUMBER, s[p:q], p)
                p = q
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


# --------------------------------------------------------------------------------------------
# Parse tree
# --------------------------------------------------------------------------------------------


class Node:
    __slots__ = ("line",)
    kind = "node"

    def __init__(self, line: int) -> None:
        self.line = line


class ListNode(Node):
    __slots__ = ("nodes",)
    kind = "list"

    def __init__(self, line: int, nodes: list[Node] | None = None) -> None:
        super().__init__(line)
        self.nodes: list[Node] = nodes if nodes is not None else []


class TextNode(Node):
    __slots__ = ("text",)
    kind = "text"

    def __init__(self, line: int, text: str) -> None:
        super().__init__(line)
        self.text = text


class FieldNode(Node):
    __slots__ = ("ident",)
    kind = "field"

    def __init__(self, line: int, ident: list[str]) -> None:
        super().__init__(line)
        self.ident = ident

    def __str__(self) -> str:
        return "".join("." + i for i in self.ident)


class VariableNode(Node):
    __slots__ = ("ident",)
    kind = "variable"

    def __init__(self, line: int, ident: list[str]) -> None:
        super().__init__(line)
        self.ident = ident

    def __str__(self) -> str:
        return ".".join(self.ident)


class ChainNode(Node):
    __slots__ = ("node", "field")
    kind = "chain"

    def __init__(self, line: int, node: Node, field: list[str]) -> None:
        super().__init__(line)
        self.node = node
        self.field = field

    def __str__(self) -> str:
        base = str(self.node)
        if isinstance(self.node, PipeNode):
            base = "(" + base + ")"
        return base + "".join("." + f for f in self.field)


class IdentifierNode(Node):
    __slots__ = ("name",)
    kind = "identifier"

    def __init__(self, line: int, name: str) -> None:
        super().__init__(line)
        self.name = name

    def __str__(self) -> str:
        return self.name


class DotNode(Node):
    __slots__ = ()
    kind = "dot"

    def __str__(self) -> str:
        return "."


class NilNode(Node):
    __slots__ = ()
    kind = "nil"

    def __str__(self) -> str:
        return "nil"


class BoolNode(Node):
    __slots__ = ("value",)
    kind = "bool"

    def __init__(self, line: int, value: bool) -> None:
        super().__init__(line)
        self.value = value

    def __str__(self) -> str:
        return "true" if self.value else "false"


class NumberNode(Node):
    __slots__ = ("num",)
    kind = "number"

    def __init__(self, line: int, num: _Number) -> None:
        super().__init__(line)
        self.num = num

    def __str__(self) -> str:
        return self.num.text


class StringNode(Node):
    __slots__ = ("quoted", "text")
    kind = "string"

    def __init__(self, line: int, quoted: str, text: str) -> None:
        super().__init__(line)
        self.quoted = quoted
        self.text = text

    def __str__(self) -> str:
        return self.quoted


class CommandNode(Node):
    __slots__ = ("args",)
    kind = "command"

    def __init__(self, line: int, args: list[Node] | None = None) -> None:
        super().__init__(line)
        self.args: list[Node] = args if args is not None else []

    def __str__(self) -> str:
        return " ".join(
            "(" + str(a) + ")" if isinstance(a, PipeNode) else str(a) for a in self.args
        )


class PipeNode(Node):
    __slots__ = ("is_assign", "decl", "cmds")
    kind = "pipe"

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.is_assign = False
        self.decl: list[VariableNode] = []
        self.cmds: list[CommandNode] = []

    def __str__(self) -> str:
        s = ""
        if self.decl:
            s = ", ".join(str(d) for d in self.decl) + (" = " if self.is_assign else " := ")
        return s + " | ".join(str(c) for c in self.cmds)


class ActionNode(Node):
    __slots__ = ("pipe",)
    kind = "action"

    def __init__(self, line: int, pipe: PipeNode) -> None:
        super().__init__(line)
        self.pipe = pipe


class BranchNode(Node):
    __slots__ = ("pipe", "list", "else_list")
    kind = "branch"

    def __init__(
        self, line: int, pipe: PipeNode, list_: ListNode, else_list: ListNode | None
    ) -> None:
        super().__init__(line)
        self.pipe = pipe
        self.list = list_
        self.else_list = else_list


class IfNode(BranchNode):
    __slots__ = ()
    kind = "if"


class RangeNode(BranchNode):
    __slots__ = ()
    kind = "range"


class WithNode(BranchNode):
    __slots__ = ()
    kind = "with"


class TemplateNode(Node):
    __slots__ = ("name", "pipe")
    kind = "template"

    def __init__(self, line: int, name: str, pipe: PipeNode | None) -> None:
        super().__init__(line)
        self.name = name
        self.pipe = pipe


class BreakNode(Node):
    __slots__ = ()
    kind = "break"


class ContinueNode(Node):
    __slots__ = ()
    kind = "continue"


class _EndNode(Node):
    __slots__ = ()
    kind = "end"


class _ElseNode(Node):
    __slots__ = ()
    kind = "else"


def _copy_node(n: Any) -> Any:
    """Deep copy of a parse tree (parse.Node.Copy)."""
    if isinstance(n, ListNode):
        return ListNode(n.line, [_copy_node(c) for c in n.nodes])
    if isinstance(n, ActionNode):
        return ActionNode(n.line, _copy_node(n.pipe))
    if isinstance(n, PipeNode):
        p = PipeNode(n.line)
        p.is_assign = n.is_assign
        p.decl = [VariableNode(d.line, list(d.ident)) for d in n.decl]
        p.cmds = [_copy_node(c) for c in n.cmds]
        return p
    if isinstance(n, CommandNode):
        return CommandNode(n.line, [_copy_node(a) for a in n.args])
    if isinstance(n, BranchNode):
        return type(n)(
            n.line,
            _copy_node(n.pipe),
            _copy_node(n.list),
            _copy_node(n.else_list) if n.else_list is not None else None,
        )
    if isinstance(n, TemplateNode):
        return TemplateNode(n.line, n.name, _copy_node(n.pipe) if n.pipe is not None else None)
    if isinstance(n, ChainNode):
        return ChainNode(n.line, _copy_node(n.node), list(n.field))
    if isinstance(n, FieldNode):
        return FieldNode(n.line, list(n.ident))
    if isinstance(n, VariableNode):
        return VariableNode(n.line, list(n.ident))
    return n  # leaves are immutable


# --------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------

BUILTIN_FUNCS = (
    "and",
    "call",
    "html",
    "index",
    "slice",
    "js",
    "len",
    "not",
    "or",
    "print",
    "printf",
    "println",
    "urlquery",
    "eq",
    "ge",
    "gt",
    "le",
    "lt",
    "ne",
)
OLLAMA_FUNCS = ("json", "currentDate", "yesterdayDate", "toTypeScriptType")


class _Parser:
    def __init__(self, toks: list[_Tok], funcs: frozenset[str]) -> None:
        self.toks = toks
        self.i = 0
        self.funcs = funcs
        self.vars: list[str] = ["$"]
        self.range_depth = 0
        self.nesting = 0
        self.trees: dict[str, ListNode] = {}

    # token helpers ---------------------------------------------------------------------------
    def next(self) -> _Tok:
        t = self.toks[self.i]
        if self.i < len(self.toks) - 1:
            self.i += 1
        return t

    def backup(self, n: int = 1) -> None:
        self.i -= n

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next_non_space(self) -> _Tok:
        while True:
            t = self.next()
            if t.typ != T_SPACE:
                return t

    def peek_non_space(self) -> _Tok:
        # Go's peekNonSpace: consume spaces, leave the next non-space token pending
        while self.toks[self.i].typ == T_SPACE:
            self.i += 1
        return self.toks[self.i]

    def error(self, msg: str, tok: _Tok | None = None) -> GoTemplateError:
        line = (tok or self.toks[max(self.i - 1, 0)]).line
        return GoTemplateError("syntax", msg, line)

    def unexpected(self, tok: _Tok, context: str) -> GoTemplateError:
        if tok.typ == T_EOF:
            return self.error(f"unexpected EOF in {context}", tok)
        return self.error(f"unexpected {tok.describe()} in {context}", tok)

    def expect(self, typ: str, context: str) -> _Tok:
        t = self.next_non_space()
        if t.typ != typ:
            raise self.unexpected(t, context)
        return t

    # structure -------------------------------------------------------------------------------
    def parse(self) -> ListNode:
        root = ListNode(self.peek().line)
        while self.peek().typ != T_EOF:
            if self.peek().typ == T_LEFT:
                save = self.i
                self.next()
                if self.next_non_space().typ == "define":
                    self.parse_definition()
                    continue
                self.i = save
            n = self.text_or_action()
            if isinstance(n, (_EndNode, _ElseNode)):
                raise self.error(f"unexpected {{{{{n.kind}}}}}")
            root.nodes.append(n)
        return root

    def parse_definition(self) -> None:
        context = "define clause"
        t = self.next_non_space()
        if t.typ not in (T_STRING, T_RAWSTRING):
            raise self.unexpected(t, context)
        name = _unquote(t.val, t.line)
        self.expect(T_RIGHT, context)
        saved_vars = self.vars
        self.vars = ["$"]
        body, end = self.item_list()
        self.vars = saved_vars
        if not isinstance(end, _EndNode):
            raise self.error(f"unexpected {{{{{end.kind}}}}} in {context}")
        self._add_tree(name, body)

    def _add_tree(self, name: str, body: ListNode) -> None:
        old = self.trees.get(name)
        if old is None or _is_empty_tree(old):
            self.trees[name] = body
            return
        if not _is_empty_tree(body):
            raise self.error(f"template: multiple definition of template {name!r}")

    def item_list(self) -> tuple[ListNode, Node]:
        lst = ListNode(self.peek_non_space().line)
        while self.peek_non_space().typ != T_EOF:
            n = self.text_or_action()
            if isinstance(n, (_EndNode, _ElseNode)):
                return lst, n
            lst.nodes.append(n)
        raise self.error("unexpected EOF", self.peek())

    def text_or_action(self) -> Node:
        t = self.next_non_space()
        if t.typ == T_TEXT:
            return TextNode(t.line, t.val)
        if t.typ == T_LEFT:
            return self.action()
        raise self.unexpected(t, "input")

    def action(self) -> Node:
        t = self.next_non_space()
        typ = t.typ
        if typ == "block":
            return self.block_control(t)
        if typ in ("break", "continue"):
            nt = self.next_non_space()
            if nt.typ != T_RIGHT:
                raise self.unexpected(nt, "{{" + typ + "}}")
            if self.range_depth == 0:
                raise self.error(f"{{{{{typ}}}}} outside {{{{range}}}}", t)
            return BreakNode(t.line) if typ == "break" else ContinueNode(t.line)
        if typ == "else":
            p = self.peek_non_space()
            if p.typ in ("if", "with"):
                return _ElseNode(p.line)
            self.expect(T_RIGHT, "else")
            return _ElseNode(t.line)
        if typ == "end":
            self.expect(T_RIGHT, "end")
            return _EndNode(t.line)
        if typ in ("if", "range", "with"):
            return self.control(typ, t.line)
        if typ == "template":
            return self.template_control(t)
        self.backup()
        line = self.peek().line
        return ActionNode(line, self.pipeline("command", T_RIGHT))

    def _enter(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise GoTemplateError(
                "limit", f"nesting deeper than {MAX_NESTING} levels", self.peek().line
            )

    def control(self, context: str, line: int) -> Node:
        self._enter()
        mark = len(self.vars)
        try:
            pipe = self.pipeline(context, T_RIGHT)
            if context == "range":
                self.range_depth += 1
            lst, nxt = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(nxt, _ElseNode):
                if context == "if" and self.peek().typ == "if":
                    self.next()
                    else_list = ListNode(nxt.line, [self.control("if", nxt.line)])
                elif context == "with" and self.peek().typ == "with":
                    self.next()
                    else_list = ListNode(nxt.line, [self.control("with", nxt.line)])
                else:
                    else_list, nxt2 = self.item_list()
                    if not isinstance(nxt2, _EndNode):
                        raise self.error(f"expected end; found {{{{{nxt2.kind}}}}}")
        finally:
            del self.vars[mark:]
            self.nesting -= 1
        cls = {"if": IfNode, "range": RangeNode, "with": WithNode}[context]
        return cls(pipe.line, pipe, lst, else_list)

    def block_control(self, t: _Tok) -> Node:
        context = "block clause"
        nt = self.next_non_space()
        if nt.typ not in (T_STRING, T_RAWSTRING):
            raise self.unexpected(nt, context)
        name = _unquote(nt.val, nt.line)
        pipe = self.pipeline(context, T_RIGHT)
        saved_vars, saved_depth = self.vars, self.range_depth
        self.vars, self.range_depth = ["$"], 0
        body, end = self.item_list()
        self.vars, self.range_depth = saved_vars, saved_depth
        if not isinstance(end, _EndNode):
            raise self.error(f"unexpected {{{{{end.kind}}}}} in {context}")
        self._add_tree(name, body)
        return TemplateNode(nt.line, name, pipe)

    def template_control(self, t: _Tok) -> Node:
        context = "template clause"
        nt = self.next_non_space()
        if nt.typ not in (T_STRING, T_RAWSTRING):
            raise self.unexpected(nt, context)
        name = _unquote(nt.val, nt.line)
        pipe = None
        if self.next_non_space().typ != T_RIGHT:
            self.backup()
            pipe = self.pipeline(context, T_RIGHT)
        return TemplateNode(nt.line, name, pipe)

    def pipeline(self, context: str, end: str) -> PipeNode:
        pipe = PipeNode(self.peek_non_space().line)
        while True:  # "decls:" label
            v = self.peek_non_space()
            if v.typ != T_VAR:
                break
            vi = self.i
            self.next()
            after_var = self.peek()
            nxt = self.peek_non_space()
            if nxt.typ in (T_ASSIGN, T_DECLARE):
                pipe.is_assign = nxt.typ == T_ASSIGN
                self.next_non_space()
                pipe.decl.append(VariableNode(v.line, [v.val]))
                self.vars.append(v.val)
                break
            if nxt.typ == T_CHAR and nxt.val == ",":
                self.next_non_space()
                pipe.decl.append(VariableNode(v.line, [v.val]))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (T_VAR, T_RIGHT, T_RPAREN):
                        continue
                    raise self.error("range can only initialize variables")
                raise self.error(f"too many declarations in {context}")
            del after_var  # Go's backup2/backup3: the variable is an operand after all
            self.i = vi
            break
        while True:
            t = self.next_non_space()
            if t.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if t.typ in (
                T_BOOL,
                T_CHARCONST,
                T_DOT,
                T_FIELD,
                T_IDENT,
                T_NUMBER,
                T_NIL,
                T_RAWSTRING,
                T_STRING,
                T_VAR,
                T_LPAREN,
            ):
                self.backup()
                pipe.cmds.append(self.command())
            else:
                raise self.unexpected(t, context)

    def check_pipeline(self, pipe: PipeNode, context: str) -> None:
        if not pipe.cmds:
            raise self.error(f"missing value for {context}")
        for i, c in enumerate(pipe.cmds[1:]):
            if isinstance(c.args[0], (BoolNode, DotNode, NilNode, NumberNode, StringNode)):
                raise self.error(f"non executable command in pipeline stage {i + 2}")

    def command(self) -> CommandNode:
        cmd = CommandNode(self.peek_non_space().line)
        while True:
            self.peek_non_space()
            op = self.operand()
            if op is not None:
                cmd.args.append(op)
            t = self.next()
            if t.typ == T_SPACE:
                continue
            if t.typ in (T_RIGHT, T_RPAREN):
                self.backup()
            elif t.typ == T_PIPE:
                pass
            else:
                raise self.unexpected(t, "operand")
            break
        if not cmd.args:
            raise self.error("empty command")
        return cmd

    def operand(self) -> Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().typ == T_FIELD:
            fields = []
            line = self.peek().line
            while self.peek().typ == T_FIELD:
                fields.append(self.next().val[1:])
            if isinstance(node, FieldNode):
                node = FieldNode(line, node.ident + fields)
            elif isinstance(node, VariableNode):
                node = VariableNode(line, node.ident + fields)
            elif isinstance(node, (BoolNode, StringNode, NumberNode, NilNode, DotNode)):
                raise self.error(f"unexpected . after term {str(node)!r}".replace("'", '"'))
            else:
                node = ChainNode(line, node, fields)
        return node

    def term(self) -> Node | None:
        t = self.next_non_space()
        typ = t.typ
        if typ == T_IDENT:
            if t.val not in self.funcs:
                raise self.error(f'function "{t.val}" not defined', t)
            return IdentifierNode(t.line, t.val)
        if typ == T_DOT:
            return DotNode(t.line)
        if typ == T_NIL:
            return NilNode(t.line)
        if typ == T_VAR:
            if t.val not in self.vars:
                raise self.error(f'undefined variable "{t.val}"', t)
            return VariableNode(t.line, [t.val])
        if typ == T_FIELD:
            return FieldNode(t.line, [t.val[1:]])
        if typ == T_BOOL:
            return BoolNode(t.line, t.val == "true")
        if typ in (T_CHARCONST, T_NUMBER):
            return NumberNode(t.line, _Number(t.val, t.line, char=typ == T_CHARCONST))
        if typ == T_LPAREN:
            self._enter()
            try:
                return self.pipeline("parenthesized pipeline", T_RPAREN)
            finally:
                self.nesting -= 1
        if typ in (T_STRING, T_RAWSTRING):
            return StringNode(t.line, t.val, _unquote(t.val, t.line))
        self.backup()
        return None


def _is_empty_tree(n: Node | None) -> bool:
    if n is None:
        return True
    if isinstance(n, ListNode):
        return all(_is_empty_tree(c) for c in n.nodes)
    if isinstance(n, TextNode):
        return n.text.strip(" \t\r\n\v\f\x85\xa0") == ""
    return False


# --------------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------------


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


# Parameter kinds of function signatures: "value" (reflect.Value), "any" (interface{}),
# "string", "int".
class _Func:
    __slots__ = ("name", "params", "variadic", "impl", "builtin")

    def __init__(
        self,
        name: str,
        params: tuple[str, ...],
        variadic: str | None,
        impl: Callable[..., Any],
        builtin: bool = True,
    ) -> None:
        self.name = name
        self.params = params
        self.variadic = variadic
        self.impl = impl
        self.builtin = builtin


class _FuncError(Exception):
    pass


def _basic_kind(v: Any) -> str:
    k = _kind(v)
    return k if k in ("bool", "int", "float", "string") else "invalid"


def _f_eq(arg1: Any, *args: Any) -> bool:
    arg1 = _indirect_interface(arg1)
    if not args:
        raise _FuncError("missing argument for comparison")
    k1 = _basic_kind(arg1)
    for arg in args:
        arg = _indirect_interface(arg)
        k2 = _basic_kind(arg)
        truth = False
        if k1 != k2:
            if arg1 is not INVALID and arg is not INVALID:
                raise _FuncError(
                    f"incompatible types for comparison: {go_type_name(arg1)} and "
                    f"{go_type_name(arg)}"
                )
        elif k1 != "invalid":
            truth = arg1 == arg
        else:
            n1, n2 = _is_nil_value(arg1), _is_nil_value(arg)
            k_1, k_2 = _kind(arg1), _kind(arg)
            if k_1 != k_2 and "invalid" not in (k_1, k_2):
                raise _FuncError(
                    f"non-comparable types {_format(arg1, 'v', None, 0)}: {go_type_name(arg1)}, "
                    f"{go_type_name(arg)}: {_format(arg, 'v', None, 0)}"
                )
            if n1 or n2:
                truth = n1 == n2
            elif k_1 in ("slice", "map"):
                raise _FuncError(
                    f"non-comparable type {_format(arg, 'v', None, 0)}: {go_type_name(arg)}"
                )
            elif k_1 == "ptr":
                truth = arg1 is arg or (
                    isinstance(arg1, GoStruct)
                    and isinstance(arg, GoStruct)
                    and arg1.fields is arg.fields
                )
            else:
                raise _FuncError(f"comparing uncomparable type {go_type_name(arg)}")
        if truth:
            return True
    return False


def _f_ne(a: Any, b: Any) -> bool:
    return not _f_eq(a, b)


def _f_lt(a: Any, b: Any) -> bool:
    a = _indirect_interface(a)
    k1 = _basic_kind(a)
    if k1 == "invalid":
        raise _FuncError("invalid type for comparison")
    b = _indirect_interface(b)
    k2 = _basic_kind(b)
    if k2 == "invalid":
        raise _FuncError("invalid type for comparison")
    if k1 != k2:
        raise _FuncError(
            f"incompatible types for comparison: {go_type_name(a)} and {go_type_name(b)}"
        )
    if k1 == "bool":
        raise _FuncError("invalid type for comparison")
    if k1 == "string":
        return a.encode("utf-8", "surrogatepass") < b.encode("utf-8", "surrogatepass")
    return a < b


def _f_le(a: Any, b: Any) -> bool:
    return _f_lt(a, b) or _f_eq(a, b)


def _f_gt(a: Any, b: Any) -> bool:
    return not _f_le(a, b)


def _f_ge(a: Any, b: Any) -> bool:
    return not _f_lt(a, b)


def _f_not(a: Any) -> bool:
    return not _truth(a)


def _go_len_str(s: str) -> int:
    return len(s.encode("utf-8", "surrogatepass"))


def _f_len(item: Any) -> int:
    item, is_nil = _indirect(item)
    if is_nil:
        raise _FuncError("len of nil pointer")
    if item is INVALID:
        raise _FuncError("reflect: call of reflect.Value.Type on zero Value")
    k = _kind(item)
    if k == "string":
        return _go_len_str(item)
    if k in ("slice", "map"):
        return len(item)
    raise _FuncError(f"len of type {go_type_name(item)}")


def _index_arg(index: Any, cap: int) -> int:
    if index is INVALID:
        raise _FuncError("cannot index slice/array with nil")
    if not _is_int(index):
        raise _FuncError(f"cannot index slice/array with type {go_type_name(index)}")
    if index < 0 or index > cap:
        raise _FuncError(f"index out of range: {index}")
    return index


def _f_index(item: Any, *indexes: Any) -> Any:
    item = _indirect_interface(item)
    if item is INVALID:
        raise _FuncError("index of untyped nil")
    for index in indexes:
        index = _indirect_interface(index)
        item, is_nil = _indirect(item)
        if is_nil:
            raise _FuncError("index of nil pointer")
        k = _kind(item)
        if k == "string":
            b = item.encode("utf-8", "surrogatepass")
            x = _index_arg(index, len(b))
            if x == len(b):
                raise _FuncError("reflect: string index out of range")
            item = b[x]
        elif k == "slice":
            x = _index_arg(index, len(item))
            if x == len(item):
                raise _FuncError("reflect: slice index out of range")
            item = item[x]
        elif k == "map":
            if type(index) is not str:
                if index is INVALID:
                    raise _FuncError("value is nil; should be of type string")
                raise _FuncError(f"value has type {go_type_name(index)}; should be string")
            if index in item:
                item = item[index]
            else:
                ez = getattr(item, "elem_zero", None)
                item = ez() if ez is not None else None
        else:
            raise _FuncError(f"can't index item of type {go_type_name(item)}")
    return item


def _f_slice(item: Any, *indexes: Any) -> Any:
    item = _indirect_interface(item)
    if item is INVALID:
        raise _FuncError("slice of untyped nil")
    item, is_nil = _indirect(item)
    if is_nil:
        raise _FuncError("slice of nil pointer")
    if len(indexes) > 3:
        raise _FuncError(f"too many slice indexes: {len(indexes)}")
    k = _kind(item)
    if k == "string":
        if len(indexes) == 3:
            raise _FuncError("cannot 3-index slice a string")
        data: Any = item.encode("utf-8", "surrogatepass")
    elif k == "slice":
        data = item
    else:
        raise _FuncError(f"can't slice item of type {go_type_name(item)}")
    cap = len(data)
    idx = [0, len(data), 0]
    for i, index in enumerate(indexes):
        idx[i] = _index_arg(_indirect_interface(index), cap)
    if idx[0] > idx[1]:
        raise _FuncError(f"invalid slice index: {idx[0]} > {idx[1]}")
    if len(indexes) == 3 and idx[1] > idx[2]:
        raise _FuncError(f"invalid slice index: {idx[1]} > {idx[2]}")
    part = data[idx[0] : idx[1]]
    if k == "string":
        return part.decode("utf-8", "replace")
    if isinstance(item, GoSlice):
        return GoSlice(part, type_name=item.type_name, stringer=item.stringer, marshal=item.marshal)
    if type(item) is bytes:
        return bytes(part)
    return list(part)


def _eval_args(args: tuple[Any, ...]) -> str:
    if len(args) == 1 and type(args[0]) is str:
        return args[0]
    conv = []
    for a in args:
        if a is None:
            conv.append("<no value>")
        else:
            conv.append(_printable(a))
    return go_sprint(conv)


def _html_escape(s: str) -> str:
    return (
        s.replace("&", "&amp;")
        .replace("'", "&#39;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("\x00", "\ufffd")
    )


def _js_escape(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch == '"':
            out.append('\\"')
        elif ch == "<":
            out.append("\\u003C")
        elif ch == ">":
            out.append("\\u003E")
        elif ch == "&":
            out.append("\\u0026")
        elif ch == "=":
            out.append("\\u003D")
        elif o < 0x20:
            out.append(f"\\u00{o:02X}")
        elif o >= 0x80 and not _is_go_print(ch):
            out.append(f"\\u{o:04X}")
        else:
            out.append(ch)
    return "".join(out)


def _f_call(*_args: Any) -> Any:
    raise _FuncError("call of nil")


def _ts_type(prop: GoStruct) -> str:
    any_of = prop.fields.get("AnyOf") or []
    if any_of:
        return " | ".join(_ts_type(p) for p in any_of)
    types = prop.fields.get("Type") or []
    if not types:
        return "any"
    mapping = {
        "string": "string",
        "number": "number",
        "integer": "number",
        "boolean": "boolean",
        "array": "any[]",
        "object": "Record<string, any>",
        "null": "null",
    }
    return " | ".join(mapping.get(t, "any") for t in types)


def _f_to_ts(v: Any) -> str:
    if isinstance(v, GoStruct) and v.type_name == "api.ToolProperty":
        return _ts_type(v)
    return "any"


def _f_json(v: Any) -> str:
    try:
        return go_json(v)
    except _JSONError:
        return ""


def _builtin_table() -> dict[str, _Func]:
    table = [
        _Func("and", ("value",), "value", lambda *a: None),
        _Func("or", ("value",), "value", lambda *a: None),
        _Func("call", ("value",), "value", _f_call),
        _Func("html", (), "any", lambda *a: _html_escape(_eval_args(a))),
        _Func("js", (), "any", lambda *a: _js_escape(_eval_args(a))),
        _Func("urlquery", (), "any", lambda *a: quote_plus(_eval_args(a), safe="")),
        _Func("index", ("value",), "value", _f_index),
        _Func("slice", ("value",), "value", _f_slice),
        _Func("len", ("value",), None, _f_len),
        _Func("not", ("value",), None, _f_not),
        _Func("print", (), "any", lambda *a: go_sprint(list(a))),
        _Func("printf", ("string",), "any", lambda f, *a: go_sprintf(f, list(a))),
        _Func("println", (), "any", lambda *a: go_sprintln(list(a))),
        _Func("eq", ("value",), "value", _f_eq),
        _Func("ne", ("value", "value"), None, _f_ne),
        _Func("lt", ("value", "value"), None, _f_lt),
        _Func("le", ("value", "value"), None, _f_le),
        _Func("gt", ("value", "value"), None, _f_gt),
        _Func("ge", ("value", "value"), None, _f_ge),
    ]
    return {f.name: f for f in table}


_BUILTINS = _builtin_table()


def ollama_funcs(current_date: str = "2026-01-01") -> dict[str, _Func]:
    """Ollama's template FuncMap (``template/template.go``) with a fixed "today"."""
    today = _dt.date.fromisoformat(current_date)
    yesterday = (today - _dt.timedelta(days=1)).isoformat()
    return {
        "json": _Func("json", ("any",), None, _f_json, builtin=False),
        "currentDate": _Func(
            "currentDate", (), "string", lambda *a: today.isoformat(), builtin=False
        ),
        "yesterdayDate": _Func("yesterdayDate", (), "string", lambda *a: yesterday, builtin=False),
        "toTypeScriptType": _Func("toTypeScriptType", ("any",), None, _f_to_ts, builtin=False),
    }


_PARAM_TYPE_NAMES = {
    "value": "reflect.Value",
    "any": "interface {}",
    "string": "string",
    "int": "int",
}


class _State:
    def __init__(
        self,
        tmpl: GoTemplate,
        funcs: dict[str, _Func],
        trees: dict[str, ListNode],
        missingkey: str,
        limits: Limits,
        out: list[str],
    ) -> None:
        self.tmpl = tmpl
        self.funcs = funcs
        self.trees = trees
        self.missingkey = missingkey
        self.limits = limits
        self.out = out
        self.vars: list[list[Any]] = []
        self.node: Node | None = None
        self.depth = 0

    # errors / bounds ---------------------------------------------------------------------------
    def errorf(self, msg: str) -> GoTemplateError:
        line = self.node.line if self.node is not None else None
        return GoTemplateError("exec", msg, line)

    def step(self) -> None:
        lim = self.limits
        lim.steps += 1
        if lim.steps > lim.max_steps:
            raise GoTemplateError(
                "limit",
                f"execution exceeded {lim.max_steps} steps",
                self.node.line if self.node else None,
            )
        if lim.deadline is not None and (lim.steps & 1023) == 0 and time.monotonic() > lim.deadline:
            raise GoTemplateError(
                "limit", "execution exceeded its time limit", self.node.line if self.node else None
            )

    def write(self, s: str) -> None:
        if not s:
            return
        lim = self.limits
        lim.output += len(s)
        if lim.output > lim.max_output:
            raise GoTemplateError(
                "limit",
                f"output exceeded {lim.max_output} characters",
                self.node.line if self.node else None,
            )
        self.out.append(s)

    # variables -------------------------------------------------------------------------------
    def push(self, name: str, value: Any) -> None:
        self.vars.append([name, value])

    def mark(self) -> int:
        return len(self.vars)

    def pop(self, mark: int) -> None:
        del self.vars[mark:]

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i][1] = value
                return
        raise self.errorf(f"undefined variable: {name}")

    def set_top_var(self, n: int, value: Any) -> None:
        self.vars[len(self.vars) - n][1] = value

    def var_value(self, name: str) -> Any:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                return self.vars[i][1]
        raise self.errorf(f"undefined variable: {name}")

    # walking ---------------------------------------------------------------------------------
    def walk(self, dot: Any, node: Node) -> None:
        self.node = node
        self.step()
        if isinstance(node, ActionNode):
            val = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, val)
        elif isinstance(node, TextNode):
            self.write(node.text)
        elif isinstance(node, ListNode):
            for n in node.nodes:
                self.walk(dot, n)
        elif isinstance(node, IfNode) or isinstance(node, WithNode):
            self.walk_if_or_with(node, dot)
        elif isinstance(node, RangeNode):
            self.walk_range(dot, node)
        elif isinstance(node, TemplateNode):
            self.walk_template(dot, node)
        elif isinstance(node, BreakNode):
            raise _Break()
        elif isinstance(node, ContinueNode):
            raise _Continue()
        else:  # pragma: no cover
            raise self.errorf(f"unknown node: {node!r}")

    def walk_if_or_with(self, node: BranchNode, dot: Any) -> None:
        mark = self.mark()
        try:
            val = self.eval_pipeline(dot, node.pipe)
            truth, ok = _is_true(_indirect_interface(val))
            if not ok:
                raise self.errorf(f"if/with can't use {_format(val, 'v', None, 0)}")
            if truth:
                self.walk(val if isinstance(node, WithNode) else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            self.pop(mark)

    def walk_range(self, dot: Any, r: RangeNode) -> None:
        self.node = r
        outer = self.mark()
        try:
            val, _ = _indirect(self.eval_pipeline(dot, r.pipe))
            if val is None:
                val = INVALID
            mark = self.mark()
            decl = r.pipe.decl

            def one(index: Any, elem: Any) -> None:
                self.step()
                if decl:
                    if r.pipe.is_assign:
                        if len(decl) > 1:
                            self.set_var(decl[0].ident[0], index)
                        else:
                            self.set_var(decl[0].ident[0], elem)
                    else:
                        self.set_top_var(1, elem)
                if len(decl) > 1:
                    if r.pipe.is_assign:
                        self.set_var(decl[1].ident[0], elem)
                    else:
                        self.set_top_var(2, index)
                try:
                    self.walk(elem, r.list)
                except _Continue:
                    pass
                finally:
                    self.pop(mark)

            ran = False
            k = _kind(val)
            try:
                if k == "int":
                    if len(decl) > 1:
                        raise self.errorf(f"can't use {val} to iterate over more than one variable")
                    for i in range(val):
                        ran = True
                        one(INVALID, i)
                elif k == "slice":
                    items = list(val) if type(val) is bytes else val
                    for i, e in enumerate(items):
                        ran = True
                        one(i, e)
                elif k == "map":
                    for key in sorted(val, key=_sort_key):
                        ran = True
                        one(key, val[key])
                elif k == "invalid":
                    pass
                else:
                    self.node = r
                    raise self.errorf(f"range can't iterate over {_format(val, 'v', None, 0)}")
            except _Break:
                return
            if not ran and r.else_list is not None:
                self.walk(dot, r.else_list)
        finally:
            self.pop(outer)

    def walk_template(self, dot: Any, t: TemplateNode) -> None:
        self.node = t
        tree = self.trees.get(t.name)
        if tree is None:
            raise self.errorf(f'template "{t.name}" not defined')
        if self.depth >= MAX_TEMPLATE_DEPTH:
            raise GoTemplateError(
                "limit", f"exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})", t.line
            )
        new_dot = self.eval_pipeline(dot, t.pipe) if t.pipe is not None else INVALID
        saved_vars = self.vars
        self.vars = [["$", new_dot]]
        self.depth += 1
        try:
            self.walk(new_dot, tree)
        finally:
            self.depth -= 1
            self.vars = saved_vars

    # evaluation ------------------------------------------------------------------------------
    def eval_pipeline(self, dot: Any, pipe: PipeNode | None) -> Any:
        if pipe is None:
            return INVALID
        self.node = pipe
        value: Any = _MISSING
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            if value is None:  # interface{} holding nil: dig down -> no value
                value = INVALID
        for v in pipe.decl:
            if pipe.is_assign:
                self.set_var(v.ident[0], value)
            else:
                self.push(v.ident[0], value)
        return value

    def not_a_function(self, args: list[Node], final: Any) -> None:
        if len(args) > 1 or final is not _MISSING:
            raise self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: CommandNode, final: Any) -> Any:
        self.step()
        first = cmd.args[0]
        if isinstance(first, FieldNode):
            self.node = first
            return self.eval_field_chain(dot, dot, first, first.ident, cmd.args, final)
        if isinstance(first, ChainNode):
            return self.eval_chain(dot, first, cmd.args, final)
        if isinstance(first, IdentifierNode):
            return self.eval_function(dot, first, cmd.args, final)
        if isinstance(first, PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, VariableNode):
            return self.eval_variable(dot, first, cmd.args, final)
        self.node = first
        self.not_a_function(cmd.args, final)
        if isinstance(first, BoolNode):
            return first.value
        if isinstance(first, DotNode):
            return dot
        if isinstance(first, NilNode):
            raise self.errorf("nil is not a command")
        if isinstance(first, NumberNode):
            return first.num.ideal(first.line)
        if isinstance(first, StringNode):
            return first.text
        raise self.errorf(f"can't evaluate command {first!r}")

    def eval_chain(self, dot: Any, chain: ChainNode, args: list[Node], final: Any) -> Any:
        self.node = chain
        if isinstance(chain.node, NilNode):
            raise self.errorf(f"indirection through explicit nil in {chain}")
        base = self.eval_arg(dot, None, chain.node)
        return self.eval_field_chain(dot, base, chain, chain.field, args, final)

    def eval_variable(self, dot: Any, v: VariableNode, args: list[Node], final: Any) -> Any:
        self.node = v
        value = self.var_value(v.ident[0])
        if len(v.ident) == 1:
            self.not_a_function(args, final)
            return value
        return self.eval_field_chain(dot, value, v, v.ident[1:], args, final)

    def eval_field_chain(
        self,
        dot: Any,
        receiver: Any,
        node: Node,
        ident: list[str],
        args: list[Node] | None,
        final: Any,
    ) -> Any:
        for name in ident[:-1]:
            receiver = self.eval_field(dot, name, node, None, _MISSING, receiver)
        return self.eval_field(dot, ident[-1], node, args, final, receiver)

    def eval_field(
        self,
        dot: Any,
        name: str,
        node: Node,
        args: list[Node] | None,
        final: Any,
        receiver: Any,
    ) -> Any:
        if receiver is INVALID:
            if self.missingkey == "error":
                raise self.errorf(f'nil data; no entry for key "{name}"')
            return INVALID
        typ = go_type_name(receiver)
        rcv, is_nil = _indirect(receiver)
        if rcv is None:
            raise self.errorf(f"nil pointer evaluating interface {{}}.{name}")
        methods = getattr(rcv, "methods", None)
        if methods and name in methods:
            f = _Func(name, (), None, methods[name], builtin=False)
            return self.eval_call(dot, f, node, args, final, bound=rcv)
        has_args = (args is not None and len(args) > 1) or final is not _MISSING
        if isinstance(rcv, GoStruct):
            if name in rcv.fields:
                if has_args:
                    raise self.errorf(f"{name} has arguments but cannot be invoked as function")
                return rcv.fields[name]
        elif isinstance(rcv, dict):
            if has_args:
                raise self.errorf(f"{name} is not a method but has arguments")
            if name in rcv:
                return rcv[name]
            if self.missingkey == "zero":
                ez = getattr(rcv, "elem_zero", None)
                return ez() if ez is not None else None
            if self.missingkey == "error":
                raise self.errorf(f'map has no entry for key "{name}"')
            return INVALID
        elif isinstance(rcv, GoNilPtr):
            if name in rcv.elem_fields:
                raise self.errorf(f"nil pointer evaluating {typ}.{name}")
        raise self.errorf(f"can't evaluate field {name} in type {typ}")

    def eval_function(
        self, dot: Any, node: IdentifierNode, args: list[Node] | None, final: Any
    ) -> Any:
        self.node = node
        f = self.funcs.get(node.name)
        if f is None:
            raise self.errorf(f'"{node.name}" is not a defined function')
        return self.eval_call(dot, f, node, args, final)

    def eval_call(
        self,
        dot: Any,
        f: _Func,
        node: Node,
        args: list[Node] | None,
        final: Any,
        bound: Any = _MISSING,
    ) -> Any:
        arg_nodes = args[1:] if args is not None else []
        num_in = len(arg_nodes) + (0 if final is _MISSING else 1)
        nparams = len(f.params)
        if f.variadic is not None:
            num_fixed = nparams
            if num_in < num_fixed:
                raise self.errorf(
                    f"wrong number of args for {f.name}: want at least {nparams} got "
                    f"{len(arg_nodes)}"
                )
        else:
            num_fixed = len(arg_nodes)
            if num_in != nparams:
                raise self.errorf(f"wrong number of args for {f.name}: want {nparams} got {num_in}")

        if f.builtin and f.name in ("and", "or"):
            v: Any = INVALID
            for a in arg_nodes:
                v = self.eval_arg(dot, "value", a)
                if _truth(v) == (f.name == "or"):
                    return v
            if final is not _MISSING:
                v = self.validate_type(final, "value")
            return v

        argv: list[Any] = []
        i = 0
        while i < num_fixed and i < len(arg_nodes):
            argv.append(self.eval_arg(dot, f.params[i], arg_nodes[i]))
            i += 1
        if f.variadic is not None:
            while i < len(arg_nodes):
                argv.append(self.eval_arg(dot, f.variadic, arg_nodes[i]))
                i += 1
        if final is not _MISSING:
            if f.variadic is not None and num_in - 1 >= num_fixed:
                t = f.variadic
            else:
                t = f.params[num_in - 1] if num_in - 1 < nparams else (f.variadic or "any")
            argv.append(self.validate_type(final, t))
        self.step()
        try:
            if bound is not _MISSING:
                return f.impl(bound, *argv)
            return f.impl(*argv)
        except _FuncError as e:
            self.node = node
            raise self.errorf(f"error calling {f.name}: {e}") from None
        except RecursionError:
            raise GoTemplateError("limit", "value nesting too deep", node.line) from None

    def validate_type(self, value: Any, typ: str | None) -> Any:
        if value is INVALID:
            if typ is None:
                return INVALID
            if typ == "any":
                return None
            if typ == "value":
                return INVALID
            raise self.errorf(f"invalid value; expected {_PARAM_TYPE_NAMES[typ]}")
        if typ in (None, "value", "any"):
            return value
        if typ == "string":
            if type(value) is str:
                return value
        elif typ == "int":
            if type(value) is int:
                return value
        raise self.errorf(
            f"wrong type for value; expected {_PARAM_TYPE_NAMES[typ]}; got {go_type_name(value)}"
        )

    def eval_arg(self, dot: Any, typ: str | None, n: Node) -> Any:
        self.node = n
        if isinstance(n, DotNode):
            return self.validate_type(dot, typ)
        if isinstance(n, NilNode):
            if typ in ("value", None):
                return INVALID
            if typ == "any":
                return None
            raise self.errorf(f"cannot assign nil to {_PARAM_TYPE_NAMES[typ]}")
        if isinstance(n, FieldNode):
            return self.validate_type(
                self.eval_field_chain(dot, dot, n, n.ident, [n], _MISSING), typ
            )
        if isinstance(n, VariableNode):
            return self.validate_type(self.eval_variable(dot, n, [], _MISSING), typ)
        if isinstance(n, PipeNode):
            return self.validate_type(self.eval_pipeline(dot, n), typ)
        if isinstance(n, IdentifierNode):
            return self.validate_type(self.eval_function(dot, n, None, _MISSING), typ)
        if isinstance(n, ChainNode):
            return self.validate_type(self.eval_chain(dot, n, [], _MISSING), typ)
        if typ == "string":
            if isinstance(n, StringNode):
                return n.text
            raise self.errorf(f"expected string; found {n}")
        if typ == "int":
            if isinstance(n, NumberNode) and n.num.is_int:
                return n.num.int_val
            raise self.errorf(f"expected integer; found {n}")
        # interface{} / reflect.Value
        if isinstance(n, BoolNode):
            return n.value
        if isinstance(n, NumberNode):
            return n.num.ideal(n.line)
        if isinstance(n, StringNode):
            return n.text
        raise self.errorf(f"can't handle assignment of {n} to empty interface argument")

    def print_value(self, node: Node, v: Any) -> None:
        self.node = node
        p = _printable(v)
        try:
            self.write(_format(p, "v", None, 0) if type(p) is not str else p)
        except RecursionError:
            raise GoTemplateError("limit", "value nesting too deep", node.line) from None


# --------------------------------------------------------------------------------------------
# Public template object
# --------------------------------------------------------------------------------------------


class GoTemplate:
    """A parsed Go template: ``root`` (the main tree) and ``trees`` ({{define}}/{{block}})."""

    def __init__(self, source: str, root: ListNode, trees: dict[str, ListNode]) -> None:
        self.source = source
        self.root = root
        self.trees = trees

    def execute(
        self,
        data: Any,
        *,
        missingkey: str = "zero",
        current_date: str = "2026-01-01",
        ollama_funcs_enabled: bool = True,
        limits: Limits | None = None,
        root: ListNode | None = None,
        trees: dict[str, ListNode] | None = None,
    ) -> str:
        """Execute with ``data`` as dot.  ``missingkey`` is Go's option ("zero" is what Ollama
        sets; "invalid" is Go's default; "error").  Raises :class:`GoTemplateError`."""
        if missingkey not in ("zero", "invalid", "error"):
            raise ValueError(f"bad missingkey {missingkey!r}")
        funcs = dict(_BUILTINS)
        if ollama_funcs_enabled:
            funcs.update(ollama_funcs(current_date))
        out: list[str] = []
        st = _State(
            self,
            funcs,
            self.trees if trees is None else trees,
            missingkey,
            limits or Limits(),
            out,
        )
        st.vars = [["$", data]]
        try:
            st.walk(data, self.root if root is None else root)
        except RecursionError:
            raise GoTemplateError("limit", "recursion too deep", None) from None
        return "".join(out)

    def identifiers(self) -> list[str]:
        """Ollama's ``Template.Vars()``: field and variable identifiers of every tree,
        lower-cased, sorted, unique.  Raises GoTemplateError("syntax") where Ollama's
        ``Identifiers`` fails (a ``{{template}}`` call without a pipeline)."""
        names: list[str] = []
        for tree in [self.root, *self.trees.values()]:
            for n in tree.nodes:
                names.extend(_identifiers(n))
        return sorted({n.lower() for n in names})


def _identifiers(n: Node) -> list[str]:
    if isinstance(n, ListNode):
        out: list[str] = []
        for c in n.nodes:
            out.extend(_identifiers(c))
        return out
    if isinstance(n, TemplateNode):
        if n.pipe is None:
            raise GoTemplateError("syntax", "undefined template specified", n.line)
        return _identifiers(n.pipe)
    if isinstance(n, ActionNode):
        return _identifiers(n.pipe)
    if isinstance(n, BranchNode):
        out = _identifiers(n.pipe)
        out.extend(_identifiers(n.list))
        if n.else_list is not None:
            out.extend(_identifiers(n.else_list))
        return out
    if isinstance(n, PipeNode):
        out = []
        for c in n.cmds:
            for a in c.args:
                out.extend(_identifiers(a))
        return out
    if isinstance(n, (FieldNode, VariableNode)):
        return list(n.ident)
    return []


def parse(src: str, *, funcs: Iterable[str] | None = None) -> GoTemplate:
    """Parse Go ``text/template`` source.  Functions known at parse time are Go's builtins plus
    Ollama's FuncMap (or ``funcs`` when given); an unknown function is a syntax error, as in Go.
    Raises :class:`GoTemplateError` (kind ``syntax``, or ``limit`` for excessive nesting)."""
    if not isinstance(src, str):
        raise TypeError("template source must be str")
    names = frozenset(BUILTIN_FUNCS) | frozenset(OLLAMA_FUNCS if funcs is None else funcs)
    toks = _Lexer(src).run()
    p = _Parser(toks, names)
    try:
        root = p.parse()
    except RecursionError:
        raise GoTemplateError("limit", "template nesting too deep", None) from None
    return GoTemplate(src, root, p.trees)


def render(
    src: str | GoTemplate,
    data: Any,
    *,
    missingkey: str = "zero",
    current_date: str = "2026-01-01",
    max_steps: int = 2_000_000,
    max_output: int = 4_000_000,
    timeout: float | None = 10.0,
) -> str:
    """Parse (if needed) and execute a template with plain data (``dict``/``list``/scalars are
    Go ``map[string]interface{}``/``[]interface{}``/basic values).  Defaults match Ollama's
    template options (``missingkey=zero``, Ollama's FuncMap)."""
    t = parse(src) if isinstance(src, str) else src
    return t.execute(
        data,
        missingkey=missingkey,
        current_date=current_date,
        limits=Limits(max_steps, max_output, timeout),
    )


# --------------------------------------------------------------------------------------------
# Ollama: request -> template data -> prompt
# --------------------------------------------------------------------------------------------


def _go_any(v: Any) -> Any:
    """A JSON value as encoding/json decodes it into interface{} (numbers are float64)."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, dict):
        return {str(k): _go_any(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_go_any(x) for x in v]
    raise TypeError(f"not a JSON value: {type(v).__name__}")


def _prop_type(v: Any) -> GoSlice:
    def string(s: GoSlice) -> str:
        if len(s) == 0:
            return ""
        if len(s) == 1:
            return s[0]
        return "[" + " ".join(s) + "]"

    def marshal(s: GoSlice) -> str:
        if len(s) == 1:
            return _json_string(s[0])
        return go_json(GoSlice(s, type_name="[]string", nil=s.nil))

    if v is None:
        items: list[str] = []
        nil = True
    elif isinstance(v, str):
        items, nil = [v], False
    elif isinstance(v, list) and all(isinstance(x, str) for x in v):
        items, nil = list(v), False
    else:
        raise ValueError(f"tool property type must be a string or list of strings, got {v!r}")
    return GoSlice(items, type_name="api.PropertyType", nil=nil, stringer=string, marshal=marshal)


_TOOL_PROPERTY_FIELDS = ("AnyOf", "Type", "Items", "Description", "Enum", "Properties", "Required")


def _string_slice(v: Any, what: str) -> GoSlice:
    if v is None:
        return GoSlice(type_name="[]string", nil=True)
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError(f"{what} must be a list of strings")
    return GoSlice(v, type_name="[]string")


def _props_map(v: Any, *, ordered: bool) -> Any:
    """Tool properties: ordered=True -> api.ToolPropertiesMap (insertion order kept), else
    template.templateProperties (a plain Go map)."""
    if ordered:
        if v is None:
            return GoNilPtr("*api.ToolPropertiesMap")
        if not isinstance(v, dict):
            raise ValueError("tool properties must be an object")
        inner = GoMap(
            {str(k): _tool_property(p) for k, p in v.items()},
            type_name="map[string]api.ToolProperty",
            ordered=True,
        )
        return GoStruct(
            "api.ToolPropertiesMap",
            {"om": inner},
            pointer=True,
            marshal=lambda s: go_json(s.fields["om"]),
        )
    if v is None:
        items: dict[str, Any] = {}
        nil = True
    else:
        if not isinstance(v, dict):
            raise ValueError("tool properties must be an object")
        items = {str(k): _tool_property(p) for k, p in v.items()}
        nil = False
    return GoMap(
        items,
        type_name="template.templateProperties",
        nil=nil,
        stringer=lambda m: "{}" if m.nil else _json_or_empty(m),
        elem_zero=lambda: _tool_property({}),
    )


def _json_or_empty(v: Any) -> str:
    try:
        return go_json(v)
    except _JSONError:
        return ""


def _tool_property(p: Any) -> GoStruct:
    if not isinstance(p, dict):
        raise ValueError("a tool property must be an object")
    any_of = p.get("anyOf")
    enum = p.get("enum")
    fields = {
        "AnyOf": GoSlice(
            [_tool_property(x) for x in any_of] if any_of else [],
            type_name="[]api.ToolProperty",
            nil=any_of is None,
        ),
        "Type": _prop_type(p.get("type")),
        "Items": _go_any(p.get("items")),
        "Description": p.get("description") or "",
        "Enum": GoSlice(
            [_go_any(x) for x in enum] if enum else [],
            type_name="[]interface {}",
            nil=enum is None,
        ),
        "Properties": _props_map(p.get("properties"), ordered=True),
        "Required": _string_slice(p.get("required"), "required"),
    }
    prop = GoStruct(
        "api.ToolProperty",
        fields,
        json_fields=[
            ("AnyOf", "anyOf", True),
            ("Type", "type", True),
            ("Items", "items", True),
            ("Description", "description", True),
            ("Enum", "enum", True),
            ("Properties", "properties", True),
            ("Required", "required", True),
        ],
    )
    prop.methods = {"ToTypeScriptType": lambda s: _ts_type(s)}
    return prop


def _template_tool(tool: Any) -> GoStruct:
    if not isinstance(tool, dict):
        raise ValueError("a tool must be an object")
    fn = tool.get("function") or {}
    params = fn.get("parameters") or {}
    parameters = GoStruct(
        "template.templateToolFunctionParameters",
        {
            "Type": params.get("type") or "",
            "Defs": _go_any(params.get("$defs")),
            "Items": _go_any(params.get("items")),
            "Required": _string_slice(params.get("required"), "required"),
            "Properties": _props_map(params.get("properties"), ordered=False),
        },
        json_fields=[
            ("Type", "type", False),
            ("Defs", "$defs", True),
            ("Items", "items", True),
            ("Required", "required", True),
            ("Properties", "properties", False),
        ],
    )
    function = GoStruct(
        "template.templateToolFunction",
        {
            "Name": fn.get("name") or "",
            "Description": fn.get("description") or "",
            "Parameters": parameters,
        },
        json_fields=[
            ("Name", "name", False),
            ("Description", "description", False),
            ("Parameters", "parameters", False),
        ],
    )
    return GoStruct(
        "template.templateTool",
        {"Type": tool.get("type") or "", "Items": _go_any(tool.get("items")), "Function": function},
        stringer=_json_or_empty,
        json_fields=[
            ("Type", "type", False),
            ("Items", "items", True),
            ("Function", "function", False),
        ],
    )


def _template_args(args: Any) -> GoMap:
    if args is None:
        return GoMap(
            type_name="template.templateArgs",
            nil=True,
            stringer=lambda m: "{}",
        )
    if not isinstance(args, dict):
        raise ValueError("tool call arguments must be an object")
    return GoMap(
        {str(k): _go_any(v) for k, v in args.items()},
        type_name="template.templateArgs",
        stringer=lambda m: "{}" if m.nil else _json_or_empty(m),
    )


def _template_message(m: dict[str, Any]) -> GoStruct:
    calls = []
    for tc in m.get("tool_calls") or []:
        fn = tc.get("function") or {}
        index = fn.get("index", 0)
        calls.append(
            GoStruct(
                "template.templateToolCall",
                {
                    "ID": tc.get("id") or "",
                    "Function": GoStruct(
                        "template.templateToolCallFunction",
                        {
                            "Index": int(index) if index is not None else 0,
                            "Name": fn.get("name") or "",
                            "Arguments": _template_args(fn.get("arguments")),
                        },
                    ),
                },
            )
        )
    images = m.get("images") or []
    return GoStruct(
        "template.templateMessage",
        {
            "Role": m["role"],
            "Content": m["content"],
            "Thinking": m.get("thinking") or "",
            "Images": GoSlice(images, type_name="[]api.ImageData", nil=not images),
            "ToolCalls": GoSlice(calls, type_name="[]template.templateToolCall", nil=not calls),
            "ToolName": m.get("tool_name") or "",
            "ToolCallID": m.get("tool_call_id") or "",
        },
        pointer=True,
    )


def _tools_value(tools: list[Any] | None) -> GoSlice:
    def marshal(s: GoSlice) -> str:
        if s.nil:
            return "null"
        return "[" + ",".join(go_json(t) for t in s) + "]"

    return GoSlice(
        [_template_tool(t) for t in tools or []],
        type_name="template.templateTools",
        nil=tools is None,
        stringer=lambda s: _json_or_empty(s),
        marshal=marshal,
    )


def _image_bytes(v: Any) -> bytes:
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    if isinstance(v, str):
        try:
            return base64.b64decode(v, validate=False)
        except (ValueError, TypeError):
            return v.encode("utf-8")
    raise ValueError("an image must be bytes or a base64 string")


def _normalize_messages(messages: list[dict[str, Any]], endpoint: str) -> list[dict[str, Any]]:
    """Turn request messages into api.Message-like dicts as the endpoint's decoder does."""
    out: list[dict[str, Any]] = []
    if endpoint == "/api/chat":
        for m in messages:
            content = m.get("content")
            if content is None:
                content = ""
            if not isinstance(content, str):
                raise ValueError("/api/chat message content must be a string")
            calls = []
            for tc in m.get("tool_calls") or []:
                fn = dict(tc.get("function") or {})
                args = fn.get("arguments")
                if isinstance(args, str):
                    raise ValueError("/api/chat tool call arguments must be a JSON object")
                calls.append({"id": tc.get("id"), "function": fn})
            out.append(
                {
                    "role": str(m.get("role", "")).lower(),
                    "content": content,
                    "thinking": m.get("thinking") or "",
                    "images": [_image_bytes(i) for i in m.get("images") or []],
                    "tool_calls": calls,
                    "tool_name": m.get("tool_name") or "",
                    "tool_call_id": m.get("tool_call_id") or "",
                }
            )
        return out
    if endpoint != "/v1/chat/completions":
        raise ValueError(f"unknown endpoint {endpoint!r}")

    def openai_calls(tcs: Any) -> list[dict[str, Any]]:
        calls = []
        for tc in tcs or []:
            fn = tc.get("function") or {}
            raw = fn.get("arguments")
            try:
                args = _json.loads(raw, object_pairs_hook=dict) if isinstance(raw, str) else raw
            except ValueError:
                raise ValueError("invalid tool call arguments") from None
            if args is not None and not isinstance(args, dict):
                raise ValueError("invalid tool call arguments")
            calls.append(
                {"id": tc.get("id"), "function": {"name": fn.get("name"), "arguments": args}}
            )
        return calls

    def name_from_id(call_id: str) -> str:
        for m in reversed(messages):
            for tc in m.get("tool_calls") or []:
                if tc.get("id") == call_id:
                    return (tc.get("function") or {}).get("name") or ""
        return ""

    for m in messages:
        role = m.get("role", "")
        tool_name = ""
        if str(role).lower() == "tool":
            tool_name = m.get("name") or ""
            if not tool_name and m.get("tool_call_id"):
                tool_name = name_from_id(m["tool_call_id"])
        content = m.get("content")
        base = {
            "role": role,
            "thinking": "",
            "images": [],
            "tool_calls": [],
            "tool_name": "",
            "tool_call_id": "",
        }
        if isinstance(content, str):
            out.append(
                {
                    **base,
                    "content": content,
                    "thinking": m.get("reasoning") or "",
                    "tool_calls": openai_calls(m.get("tool_calls")),
                    "tool_name": tool_name,
                    "tool_call_id": m.get("tool_call_id") or "",
                }
            )
        elif isinstance(content, list):
            for part in content:
                if not isinstance(part, dict):
                    raise ValueError("invalid message format")
                if part.get("type") == "text":
                    if not isinstance(part.get("text"), str):
                        raise ValueError("invalid message format")
                    out.append({**base, "content": part["text"]})
                elif part.get("type") in ("image_url", "input_audio"):
                    out.append({**base, "content": "", "images": [b""]})
                else:
                    raise ValueError("invalid message format")
            if out and m.get("tool_calls"):
                out[-1]["tool_calls"] = openai_calls(m.get("tool_calls"))
                out[-1]["tool_name"] = tool_name
                out[-1]["tool_call_id"] = m.get("tool_call_id") or ""
                out[-1]["thinking"] = m.get("reasoning") or ""
        else:
            if m.get("tool_calls") is None:
                raise ValueError(f"invalid message content type: {type(content).__name__}")
            out.append(
                {
                    **base,
                    "content": "",
                    "thinking": m.get("reasoning") or "",
                    "tool_calls": openai_calls(m.get("tool_calls")),
                    "tool_call_id": m.get("tool_call_id") or "",
                }
            )
    return out


def _image_tags(msgs: list[dict[str, Any]]) -> None:
    """server/prompt.go imageTaggedMessages for template models: [img-N] tags."""
    counter = 0
    for m in msgs:
        prefix = ""
        prompt = m["content"]
        for _ in m.get("images") or []:
            tag = f"[img-{counter}]"
            counter += 1
            if "[img]" not in prompt:
                prefix += tag
            else:
                prompt = prompt.replace("[img]", tag, 1)
        m["content"] = prefix + prompt


def _collate(msgs: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    system: list[str] = []
    collated: list[dict[str, Any]] = []
    for m in msgs:
        if m["role"] == "system":
            system.append(m["content"])
        if collated and collated[-1]["role"] == m["role"] and m["role"] != "tool":
            collated[-1]["content"] += "\n\n" + m["content"]
        else:
            collated.append(m)
    return "\n\n".join(system), collated


_RESPONSE_NODE_LINE = 0


def _response_action() -> ActionNode:
    pipe = PipeNode(_RESPONSE_NODE_LINE)
    pipe.cmds = [CommandNode(_RESPONSE_NODE_LINE, [FieldNode(_RESPONSE_NODE_LINE, ["Response"])])]
    return ActionNode(_RESPONSE_NODE_LINE, pipe)


class _OllamaPanic(Exception):
    pass


def _cut_after_response(root: ListNode) -> ListNode:
    """template.go deleteNode on a copy of the tree: keep everything up to and including the
    first ``.Response`` field, drop what follows.  Ollama's implementation panics (nil
    interface conversion) when that field sits in an if/with/range body that has an else
    branch; that is reported as an execution error."""
    cut = False

    def fn(n: Any) -> bool:
        nonlocal cut
        if isinstance(n, FieldNode) and "Response" in n.ident:
            cut = True
            return False
        return cut

    def walk(n: Any) -> Any:
        if fn(n):
            return None
        if isinstance(n, ListNode):
            n.nodes = [c for c in (walk(c) for c in n.nodes) if c is not None]
            return n
        if isinstance(n, BranchNode):
            # IfNode/WithNode/RangeNode -> BranchNode (fn is evaluated on it too)
            if fn(n):
                raise _OllamaPanic("interface conversion: parse.Node is nil")
            lst = walk(n.list)
            if lst is None:
                raise _OllamaPanic("interface conversion: parse.Node is nil")
            n.list = lst
            if n.else_list is not None:
                el = walk(n.else_list)
                if el is None:
                    raise _OllamaPanic(
                        "interface conversion: parse.Node is nil, not *parse.ListNode"
                    )
                n.else_list = el
            return n
        if isinstance(n, ActionNode):
            p = walk(n.pipe)
            if p is None:
                return None
            n.pipe = p
            return n
        if isinstance(n, PipeNode):
            cmds = []
            for c in n.cmds:
                args = [a for a in (walk(a) for a in c.args) if a is not None]
                if not args:
                    return None
                c.args = args
                cmds.append(c)
            if not cmds:
                return None
            n.cmds = cmds
            return n
        return n

    res = walk(_copy_node(root))
    if res is None:  # cannot happen: the root list is visited before anything is cut
        return ListNode(root.line)
    return res


def ollama_template_data(
    messages: list[dict[str, Any]],
    *,
    system: str | None = None,
    tools: list[Any] | None = None,
    modelfile_messages: list[dict[str, Any]] | None = None,
    think: bool | str | None = None,
    endpoint: str = "/api/chat",
) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """The request side of :func:`render_ollama`: (collated system text, collated messages as
    api.Message-like dicts, the ``.Messages``-template data map)."""
    req_msgs = _normalize_messages(list(messages), endpoint)
    mf_msgs = _normalize_messages(list(modelfile_messages or []), "/api/chat")
    # routes.go ChatHandler: msgs = m.Messages + req.Messages; if req.Messages[0].Role !=
    # "system" && m.System != "" -> prepend {system, m.System}.
    msgs = mf_msgs + req_msgs
    if req_msgs and system and req_msgs[0]["role"] != "system":
        msgs = [
            {
                "role": "system",
                "content": system,
                "thinking": "",
                "images": [],
                "tool_calls": [],
                "tool_name": "",
                "tool_call_id": "",
            }
        ] + msgs
    _image_tags(msgs)
    sys_text, collated = _collate(msgs)
    think_val, think_level = _think_values(think)
    data = {
        "System": sys_text,
        "Messages": GoSlice(
            [_template_message(m) for m in collated],
            type_name="[]*template.templateMessage",
            nil=not collated,
        ),
        "Tools": _tools_value(tools),
        "Response": "",
        "Think": think_val,
        "ThinkLevel": think_level,
        "IsThinkSet": think is not None,
    }
    return sys_text, collated, data


def _think_values(think: bool | str | None) -> tuple[bool, str]:
    if think is None:
        return False, ""
    if isinstance(think, bool):
        return think, "medium" if think else ""
    if isinstance(think, str):
        return think in ("high", "medium", "low", "max"), think
    raise ValueError("think must be a bool, a level string or None")


def render_ollama(
    template: str,
    messages: list[dict[str, Any]],
    *,
    system: str | None = None,
    tools: list[Any] | None = None,
    current_date: str = "2026-01-01",
    add_generation_prompt: bool = True,
    modelfile_messages: list[dict[str, Any]] | None = None,
    think: bool | str | None = None,
    endpoint: str = "/api/chat",
    max_steps: int = 2_000_000,
    max_output: int = 4_000_000,
    timeout: float | None = 10.0,
) -> str:
    """The prompt Ollama builds for a chat request with a Modelfile ``TEMPLATE``.

    ``template``: the TEMPLATE text (``DEFAULT_TEMPLATE`` when a model has none and no template
    was autodetected).  ``messages``: the request's messages, shaped for ``endpoint``
    (``"/api/chat"``: string content, ``tool_calls[].function.arguments`` objects, ``images``,
    ``tool_name``; ``"/v1/chat/completions"``: OpenAI shapes, content parts, JSON-string
    arguments).  ``system``: the Modelfile ``SYSTEM``.  ``modelfile_messages``: Modelfile
    ``MESSAGE`` lines.  ``think``: the request's ``think`` (None = not set).  ``current_date``
    is what ``currentDate`` returns (``yesterdayDate`` is the day before).

    ``add_generation_prompt`` exists for parity with the other renderers; Ollama has no such
    switch (the template alone decides whether an assistant header ends the prompt), so it has
    no effect here.

    Raises :class:`GoTemplateError` where Ollama fails to parse or execute the template, and
    ``ValueError`` for request shapes the endpoint rejects."""
    del add_generation_prompt  # Ollama has no equivalent; see docstring
    _dt.date.fromisoformat(current_date)
    t = parse(template)
    names = t.identifiers()
    root = t.root
    if "messages" not in names and "response" not in names:
        # template.go Parse: touch up the template and append {{ .Response }}
        root = ListNode(root.line, [*root.nodes, _response_action()])
        names = sorted({*names, "response"})
    _, collated, data = ollama_template_data(
        messages,
        system=system,
        tools=tools,
        modelfile_messages=modelfile_messages,
        think=think,
        endpoint=endpoint,
    )
    limits = Limits(max_steps, max_output, timeout)
    if "messages" in names:
        return t.execute(data, current_date=current_date, limits=limits, root=root)

    think_val, think_level = data["Think"], data["ThinkLevel"]
    out: list[str] = []
    sys_text = prompt = response = ""

    def values() -> dict[str, Any]:
        return {
            "System": sys_text,
            "Prompt": prompt,
            "Response": response,
            "Think": think_val,
            "ThinkLevel": think_level,
            "IsThinkSet": think is not None,
        }

    def execute() -> None:
        nonlocal sys_text, prompt, response
        out.append(t.execute(values(), current_date=current_date, limits=limits, root=root))
        sys_text = prompt = response = ""

    for m in collated:
        role = m["role"]
        if role == "system":
            if prompt or response:
                execute()
            sys_text = m["content"]
        elif role == "user":
            if response:
                execute()
            prompt = m["content"]
        elif role == "assistant":
            response = m["content"]
    try:
        cut_root = _cut_after_response(root)
    except _OllamaPanic as e:
        raise GoTemplateError(
            "exec", f"Ollama panics cutting the template after .Response: {e}", None
        ) from None
    # The last execution uses a fresh template built from the cut tree: no FuncMap, no
    # {{define}}d templates, Go's default missingkey.
    out.append(
        t.execute(
            values(),
            missingkey="invalid",
            ollama_funcs_enabled=False,
            limits=limits,
            root=cut_root,
            trees={},
        )
    )
    return "".join(out)
