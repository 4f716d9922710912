"""Go ``text/template`` for Ollama chat templates: lexer, parser, evaluator, ``fmt`` printing.

Stdlib only. :func:`parse` / :class:`GoTemplate` — a parser and evaluator for Go's
``text/template`` (semantics of the Go 1.26/1.27 standard library, the toolchain Ollama builds
with): text and actions with trim markers ``{{-``/``-}}``, comments, ``if``/``else
if``/``else``/``end``, ``range`` (``$i, $x :=`` / ``=``, ``else``, ``break``, ``continue``, ranging
over slices, maps in sorted key order and integers), ``with``/``else with``,
``define``/``template``/``block``, variables (``$``, ``$x :=``, ``$x =``, lexically scoped), field
chains on maps and structs, parenthesised pipelines and ``(pipe).Field`` chains, ``|`` pipelines,
the builtin functions (``and or not eq ne lt le gt ge len index slice print printf println html js
urlquery``; ``call`` always fails as no function values exist here) and Ollama's FuncMap (``json``,
``currentDate``, ``yesterdayDate``, ``toTypeScriptType``). Go semantics that matter for chat
templates are mirrored: truthiness, ``and``/``or`` short-circuiting and returning an operand,
``eq`` with several operands and its "incompatible types" errors, ``len`` counting UTF-8 bytes,
``missingkey`` behaviour (``<no value>`` for absent map keys, an error for absent struct fields),
``fmt``'s ``%v`` printing of Go values (``[a b]``, ``map[k:v]``, ``{f1 f2}``, floats as ``%g``,
``fmt.Stringer`` values), ``encoding/json`` output (sorted map keys, HTML-safe escaping).

Go values are modelled with plain Python values — ``str`` (string), ``bool``, ``int`` (int),
``float`` (float64), ``list`` ([]interface{}), ``dict`` (map[string]interface{}), ``None`` (a nil
interface) — plus :class:`GoStruct`, :class:`GoSlice`, :class:`GoMap` and :class:`GoNilPtr` for
typed values (struct fields, ``String()`` methods, typed nils).

Ollama's prompt building (request -> template data -> prompt) is engine behaviour and lives in
:mod:`deploylint.engines.ollama_prompt`.

Modules: :mod:`.lexer` (tokens, Go literals), :mod:`.parser` (parse tree), :mod:`.exec`
(evaluator, :class:`GoTemplate`, :func:`parse`, :func:`render`), :mod:`.funcs` (builtins and
Ollama's FuncMap), :mod:`.fmt` (``fmt`` and ``encoding/json`` printing), :mod:`.values` (the Go
value model), :mod:`.limits` (errors and execution bounds).

Verification: ``tests/test_gotmpl.py`` compares this package byte for byte with real Go
(``testdata/gotmpl/goldens.json``, made by ``scripts/make_gotmpl_goldens.sh``; the Go version is
recorded there).  Known differences from Go: complex-number literals are rejected; values are
untyped, so a few error messages name a dynamic type where Go names ``interface {}``; pointers
nested inside printed values print a fixed fake address; nesting is capped (see limits).

Every execution is bounded (steps, output size, optional wall time, nesting depth); errors raise
:class:`GoTemplateError` with ``kind`` ``"syntax"``, ``"exec"`` or ``"limit"``.
"""

from __future__ import annotations

from .exec import GoTemplate, parse, render
from .limits import MAX_NESTING, MAX_TEMPLATE_DEPTH, GoTemplateError, Limits
from .values import INVALID, GoMap, GoNilPtr, GoSlice, GoStruct

__all__ = [
    "INVALID",
    "MAX_NESTING",
    "MAX_TEMPLATE_DEPTH",
    "GoMap",
    "GoNilPtr",
    "GoSlice",
    "GoStruct",
    "GoTemplate",
    "GoTemplateError",
    "Limits",
    "parse",
    "render",
]
