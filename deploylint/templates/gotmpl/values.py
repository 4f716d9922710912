"""The Go value model: how Python values stand for Go values (typed structs, slices,
maps, nil pointers), and Go's kinds and truthiness."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


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
