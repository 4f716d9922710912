"""Template functions: Go's builtins (``and or not eq … printf html js urlquery``) and
Ollama's FuncMap (``json``, ``currentDate``, ``yesterdayDate``, ``toTypeScriptType``), the
``text/template`` dialect Ollama's templates are written in."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from .fmt import (
    _format,
    _is_go_print,
    _JSONError,
    _printable,
    go_json,
    go_sprint,
    go_sprintf,
    go_sprintln,
)
from .values import (
    INVALID,
    GoSlice,
    GoStruct,
    _indirect,
    _indirect_interface,
    _is_int,
    _is_nil_value,
    _kind,
    _truth,
    go_type_name,
)

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
