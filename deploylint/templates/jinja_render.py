"""A faithful, bounded renderer of Hugging Face chat templates.

The rendering environment reproduces what ``transformers`` (5.x,
``utils/chat_template_utils.py`` and ``PreTrainedTokenizerBase.apply_chat_template``) sets up:

* ``ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)`` with the
  ``loopcontrols`` extension and a ``{% generation %}…{% endgeneration %}`` tag (the body is
  rendered; no assistant mask is computed);
* the ``tojson`` filter replaced by ``json.dumps(x, ensure_ascii=False, indent=None,
  separators=None, sort_keys=False)`` (no HTML escaping; the same keyword arguments);
* the globals ``raise_exception``, ``strftime_now``, a restricted ``dict`` and a ``namespace``
  that refuses underscore-prefixed attribute names;
* the render variables ``messages``, ``tools``, ``documents``, ``add_generation_prompt`` plus the
  special tokens and any extra keyword arguments (extra wins on a name clash). ``tools`` and
  ``documents`` are always passed, as ``None`` when absent, so ``tools is defined`` is true as it is
  in transformers;
* the input normalisation ``apply_chat_template`` does: message keys whose value is ``None`` are
  dropped, every input is rebuilt out of plain JSON types, and a message's reasoning given as
  ``reasoning_content``/``thinking``/``reasoning`` is copied under ``thinking`` and
  ``reasoning_content``.

On top of that, rendering is bounded so that a hostile template can neither hang, exhaust memory
nor escape the sandbox (all in-process, no threads or signals):

* a step count (every hook below and every loop item; ``max_steps``, by default a million or
  what is left of the scan's ``renders-steps``: deploylint/budget.py) and a wall-clock deadline
  (``time_limit``), checked in the sandbox's ``call``/``getattr``/``getitem``
  and binary-operator hooks, in every filter, in ``range()``, in a guard put around every
  ``{% for %}`` iterable (every 256 items for long ones), at namespace writes and after every
  output chunk; ``urlize``/``wordwrap`` refuse inputs over 100 000 characters up front. The check
  runs between operations, so one filter call on a value near the size cap can overrun the
  deadline by up to about a second;
* ``range()`` keeps the sandbox's 100 000-item cap (``OverflowError``, as in transformers);
* a value cap of ``max(max_output, 100_000)`` characters/items: ``*``, ``**``, ``+`` and ``%`` are
  intercepted and refused when the result would exceed it, and so are ``~`` concatenations,
  block/macro output buffers, filter and call results, values read through attributes/items and
  the amplifying filters/methods (``replace``, ``center``, ``indent``, ``format``, ``join``,
  ``slice``, ``tojson(indent=…)``, ``str.ljust``, ``lipsum``…); every value produced counts
  against a per-render budget of 64 times the cap;
* filters never run at compile time (jinja2 would otherwise fold ``{{ [1]|slice(10**9) }}`` while
  compiling, outside any limit);
* the output is consumed from ``Template.generate()`` chunk by chunk and refused past
  ``max_output`` characters;
* macro recursion (macros, ``caller()``, recursive loops) is limited to ``MAX_MACRO_DEPTH``
  nested calls.

``strftime_now`` is deterministic by default: it formats ``FIXED_NOW`` (2024-07-26 00:00, the
date Llama 3.1 templates fall back to), so deploylint output is byte-identical across runs. Pass
``extra={"strftime_now": <datetime or ISO-8601 string>}`` to use another date for one render
(the key is consumed, not passed to the template), or set the module attribute ``FIXED_NOW`` (to
``None`` for the wall clock).

Deliberate differences from transformers: limits (above); ``tools`` must be JSON schemas (no
conversion of Python callables); :func:`select_template` raises on an unknown template name
instead of using the name as template text; special tokens given as plain ``{"content": …}`` dicts
(no ``__type``) are accepted (transformers 5 fails to load such a config); like transformers 5,
jinja2 older than 3.1.6 is refused (kind ``"security"``).

This module imports only the standard library and jinja2; it never imports transformers.
"""

from __future__ import annotations

import dataclasses
import json
import re
import string
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.exceptions
import jinja2.ext
import jinja2.nodes as nodes
import jinja2.runtime
import jinja2.utils
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

__all__ = [
    "FIXED_NOW",
    "MAX_MACRO_DEPTH",
    "TemplateError",
    "classify_exception",
    "compile_template",
    "is_vision_template",
    "render",
    "select_template",
    "special_tokens_from_tokenizer_config",
]

#: Date ``strftime_now`` formats unless a render passes its own; ``None`` means the wall clock.
FIXED_NOW: datetime | None = datetime(2024, 7, 26, 0, 0, 0)

#: Most nested macro calls (``{% macro %}``, ``caller()``, recursive loops) one render may make.
MAX_MACRO_DEPTH = 100

#: The sandbox's own cap on ``range()`` (``jinja2.sandbox.MAX_RANGE``); transformers has it too.
MAX_RANGE = 100_000

#: Oldest jinja2 without known sandbox escapes (transformers 5 refuses older ones as well).
MIN_JINJA2 = (3, 1, 6)

# Named special tokens of PreTrainedTokenizerBase (transformers 5.x SPECIAL_TOKENS_ATTRIBUTES).
_SPECIAL_TOKEN_ATTRIBUTES = (
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
)

# Names a message's reasoning is passed under (transformers 5.x ``_REASONING_FIELDS``).
_REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")

_NO_TEMPLATE_MESSAGE = (
    "Cannot use chat template functions because tokenizer.chat_template is not set and no "
    "template argument was passed! For information about writing templates and setting the "
    "tokenizer.chat_template attribute, please see the documentation at "
    "https://huggingface.co/docs/transformers/main/en/chat_templating"
)

_KINDS = ("syntax", "raised", "timeout", "output-limit", "security", "runtime")


class TemplateError(Exception):
    """Rendering failed.

    ``kind`` is one of ``"syntax"`` (the template does not parse), ``"raised"`` (the template
    called ``raise_exception``), ``"timeout"``, ``"output-limit"`` (output, a value or the
    allocation budget grew past its limit), ``"security"`` (the sandbox refused an operation) or
    ``"runtime"`` (any other error, e.g. an undefined variable used as a string, a type error, too
    deep recursion). ``message`` is the underlying error text, ``line`` the template line when
    known, ``exc_type`` the name of the underlying exception class.
    """

    def __init__(
        self, kind: str, message: str, line: int | None = None, exc_type: str | None = None
    ) -> None:
        if kind not in _KINDS:
            raise ValueError(f"unknown TemplateError kind {kind!r}")
        self.kind = kind
        self.message = message
        self.line = line
        self.exc_type = exc_type
        where = f" (line {line})" if line is not None else ""
        super().__init__(f"{kind}: {message}{where}")

    def __reduce__(self) -> tuple:
        return (type(self), (self.kind, self.message, self.line, self.exc_type))


class _Abort(BaseException):
    """Raised inside a render when a limit is hit.

    A ``BaseException`` so that no ``except Exception`` in jinja2 or in a filter can swallow it.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class _RaisedByTemplate(jinja2.exceptions.TemplateError):
    """What ``raise_exception`` raises: a ``jinja2.exceptions.TemplateError`` as in transformers."""


# --------------------------------------------------------------------------------------------
# Per-render state (the environment is shared, so the limits live in a thread-local).


@dataclasses.dataclass
class _RenderState:
    deadline: float
    time_limit: float
    max_output: int
    value_cap: int
    alloc_budget: int
    now: datetime | None
    allocated: int = 0
    depth: int = 0
    max_steps: int = 1_000_000
    steps: int = 0


_LOCAL = threading.local()


def _state() -> _RenderState | None:
    return getattr(_LOCAL, "state", None)


def _tick(st: _RenderState) -> None:
    st.steps += 1
    if st.steps > st.max_steps:
        raise _Abort("timeout", f"rendering took more than {st.max_steps} steps")
    if time.monotonic() > st.deadline:
        raise _Abort("timeout", f"rendering took longer than {st.time_limit:g} s")


def _charge(st: _RenderState, size: int, what: str) -> None:
    """Refuse a value of ``size`` items/characters, and count it against the budget."""
    if size > st.value_cap:
        raise _Abort(
            "output-limit", f"{what} would have {size} items, over the limit of {st.value_cap}"
        )
    st.allocated += size
    if st.allocated > st.alloc_budget:
        raise _Abort(
            "output-limit",
            f"the template allocated more than {st.alloc_budget} characters/items in total",
        )


def _refuse_if_over(st: _RenderState, estimate: int, what: str) -> None:
    """Refuse an operation whose result would be larger than the value cap (a pre-check; the
    actual result is charged once it exists)."""
    if estimate > st.value_cap:
        raise _Abort(
            "output-limit", f"{what} would have {estimate} items, over the limit of {st.value_cap}"
        )


def _size(value: Any) -> int:
    if isinstance(value, (str, list, tuple, dict, bytes, bytearray)):
        return len(value)
    return 0


def _check_value(st: _RenderState, value: Any) -> Any:
    if isinstance(value, (str, bytes, bytearray, list, tuple, dict)) and len(value) > st.value_cap:
        raise _Abort(
            "output-limit", f"a value has {len(value)} items, over the limit of {st.value_cap}"
        )
    return value


# --------------------------------------------------------------------------------------------
# Size estimates for operations that can blow up before they return.

_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACE_DIGITS = re.compile(r"\d+")
_INT_BITS_CAP = 1_000_000


def _too_big_int(st: _RenderState, n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n > st.value_cap


def _check_percent_format(st: _RenderState, fmt: str, args: Any) -> None:
    star = False
    for match in _PERCENT_SPEC.finditer(fmt):
        for group in match.groups():
            if group == "*":
                star = True
            elif group and int(group) > st.value_cap:
                raise _Abort("output-limit", f"format width {group} is over the limit")
    if star:
        values = args if isinstance(args, tuple) else (args,)
        if any(_too_big_int(st, v) for v in values):
            raise _Abort("output-limit", "format width is over the limit")


def _check_brace_format(st: _RenderState, fmt: str, args: tuple, kwargs: Mapping) -> None:
    nested = False
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # the real call raises the same error
    for _literal, _field, spec, _conversion in parsed:
        if not spec:
            continue
        if "{" in spec:
            nested = True
        for digits in _BRACE_DIGITS.findall(spec):
            if int(digits) > st.value_cap:
                raise _Abort("output-limit", f"format width {digits} is over the limit")
    if nested:
        values = list(args) + list(kwargs.values())
        if any(_too_big_int(st, v) for v in values):
            raise _Abort("output-limit", "format width is over the limit")


_SEQUENCES = (str, bytes, bytearray, list, tuple)


def _binop_size(st: _RenderState, op: str, left: Any, right: Any) -> int:
    """Estimated size of ``left <op> right``; raises when it is out of bounds."""
    if op == "*":
        if isinstance(left, int) and isinstance(right, _SEQUENCES):
            left, right = right, left
        if isinstance(left, _SEQUENCES) and isinstance(right, int):
            return len(left) * max(right, 0)
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > _INT_BITS_CAP:
                raise _Abort("output-limit", "integer product is too large")
        return 0
    if op == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            return len(left) + len(right)
        return 0
    if op == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0:
            if abs(left) > 1 and right * max(left.bit_length(), 1) > _INT_BITS_CAP:
                raise _Abort("output-limit", "integer power is too large")
        return 0
    if op == "%" and isinstance(left, str):
        _check_percent_format(st, left, right)
        return len(left)
    return 0


def _materialize(value: Any) -> Any:
    if isinstance(value, (list, tuple, str, jinja2.runtime.Undefined)):
        return value
    return list(value)


def _joined_size(sep: str, items: Any) -> int:
    if isinstance(items, str):
        return len(items) + len(sep) * max(len(items) - 1, 0)
    if not isinstance(items, (list, tuple)):
        return 0
    total = sum(len(x) if isinstance(x, str) else len(str(x)) for x in items)
    return total + len(sep) * max(len(items) - 1, 0)


def _replace_size(s: Any, old: Any, new: Any, count: Any) -> int:
    # (str, bytes or bytearray alike: the caller checked that old and new are of one type)
    if len(new) <= len(old):
        return len(s)
    hits = s.count(old) if old else len(s) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(s) + hits * (len(new) - len(old))


def _str_method_size(st: _RenderState, method: Any, args: tuple, kwargs: dict) -> tuple:
    """Pre-check the ``str`` (and ``bytes``) methods whose result can be much larger than their
    input.

    Returns the (possibly materialized) ``args``.
    """
    s = method.__self__
    name = method.__name__
    if name == "replace" and len(args) >= 2 and isinstance(args[0], (str, bytes, bytearray)):
        if isinstance(args[1], (str, bytes, bytearray)) and type(args[0]) is type(args[1]):
            count = args[2] if len(args) > 2 else kwargs.get("count", -1)
            _refuse_if_over(st, _replace_size(s, args[0], args[1], count), "str.replace()")
    elif name in ("center", "ljust", "rjust", "zfill") and args:
        if isinstance(args[0], int):
            _refuse_if_over(st, max(args[0], len(s)), f"str.{name}()")
    elif name == "expandtabs":
        tab = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(tab, int):
            tabs = s.count(b"\t" if isinstance(s, (bytes, bytearray)) else "\t")
            _refuse_if_over(st, len(s) + tabs * max(tab, 0), "str.expandtabs()")
    elif name == "join" and args:
        items = _materialize(args[0])
        args = (items, *args[1:])
        _refuse_if_over(st, _joined_size(s, items), "str.join()")
    elif name == "translate" and args:
        _refuse_if_over(st, _translated_size(s, args[0]), "str.translate()")
    return args


def _translated_size(s: str | bytes, table: Any) -> int:
    """Size of ``s.translate(table)``: each character's replacement counted once per
    occurrence (a one-character string mapped to a megabyte, a megabyte of times). A table of a
    kind the sandbox cannot build is refused."""
    if isinstance(s, (bytes, bytearray)):
        return len(s)  # a bytes table maps byte to byte
    if not isinstance(table, (dict, list, tuple, str)):
        raise _Abort("security", f"str.translate() with a {type(table).__name__} table")
    total = 0
    for ch, n in Counter(s).items():
        o = ord(ch)
        try:
            v = table[o]
        except (LookupError, TypeError):
            v = ch
        total += n * (len(v) if isinstance(v, str) else 1 if v is not None else 0)
    return total


# --------------------------------------------------------------------------------------------
# Globals, filters and the extension, as transformers defines them.


def _raise_exception(message: Any) -> None:
    raise _RaisedByTemplate(message)


def _tojson(
    x: Any,
    ensure_ascii: bool = False,
    indent: Any = None,
    separators: Any = None,
    sort_keys: bool = False,
) -> str:
    st = _state()
    if st is not None:
        width = indent if isinstance(indent, int) else _size(indent)
        if width > 10_000:
            raise _Abort("output-limit", f"tojson indent {indent!r} is over the limit")
        _refuse_expansion(st, x, "tojson")
    return json.dumps(
        x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _expanded_size(value: Any, cap: int) -> int:
    """Items and characters ``value`` has when written out (``str()``, JSON), counting a
    container reached twice twice — as writing it out does: ``[d, d]`` nested 30 deep is a
    billion items in a few hundred bytes of memory. Stops counting past ``cap``."""
    total = 0
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (str, bytes)):
            total += len(v)
        elif isinstance(v, dict):
            total += len(v) + 1
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            total += len(v) + 1
            stack.extend(v)
        else:
            total += 1
        if total > cap:
            return total
    return total


def _refuse_expansion(st: _RenderState, value: Any, what: str) -> None:
    if isinstance(value, (list, tuple, dict)):
        size = _expanded_size(value, st.value_cap)
        if size > st.value_cap:
            raise _Abort(
                "output-limit", f"{what} would write more than {st.value_cap} items or characters"
            )


def _finalize(value: Any) -> Any:
    """Every ``{{ … }}`` value before it is written out: a container is measured first (its
    ``str()`` would expand shared references)."""
    st = _state()
    if st is not None and isinstance(value, (list, tuple, dict)):
        _refuse_expansion(st, value, "printing this value")
    return value


def _strftime_now(format: str) -> str:
    st = _state()
    now = st.now if st is not None else None
    if now is None:
        now = FIXED_NOW if FIXED_NOW is not None else datetime.now()
    return now.strftime(format)


class _TemplateDict:
    """``dict`` for templates: callable and ``fromkeys``, nothing else (as transformers)."""

    def __call__(self, *args: Any, **kwargs: Any) -> dict:
        return dict(*args, **kwargs)

    def fromkeys(self, *args: Any, **kwargs: Any) -> dict:
        return dict.fromkeys(*args, **kwargs)


class _TemplateNamespace(jinja2.utils.Namespace):
    """A ``namespace`` that refuses underscore-prefixed attribute names (as transformers)."""

    def __init__(*args: Any, **kwargs: Any) -> None:  # jinja2 Namespace signature trick
        self, args = args[0], args[1:]
        attrs = dict(*args, **kwargs)
        for key in attrs:
            _TemplateNamespace._check_name(key)
        jinja2.utils.Namespace.__init__(self, attrs)

    def __setitem__(self, name: str, value: Any) -> None:
        _TemplateNamespace._check_name(name)
        st = _state()
        if st is not None:
            _tick(st)
            _check_value(st, value)
        jinja2.utils.Namespace.__setitem__(self, name, value)

    @staticmethod
    def _check_name(name: Any) -> None:
        if isinstance(name, str) and name.startswith("_"):
            raise jinja2.exceptions.SecurityError(
                "Chat templates cannot store underscore-prefixed attributes on a namespace, but "
                f"got {name!r}. Please rename the attribute."
            )


def _guarded_range(*args: Any) -> range:
    st = _state()
    if st is not None:
        _tick(st)
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise OverflowError(
            f"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MAX_RANGE})."
        )
    return rng


class _GenerationExtension(Extension):
    """``{% generation %}…{% endgeneration %}``: renders its body (transformers tracks the span
    for ``return_assistant_tokens_mask``; the text is the same)."""

    tags = {"generation"}

    def parse(self, parser: Any) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        call = self.call_method("_render_generation")
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render_generation(self, caller: Any) -> str:
        return caller()


_ITER_FILTER = "__deploylint_iter"
_CONCAT_FILTER = "__deploylint_concat"
_ITER_CHECK_EVERY = 256
_SMALL_SEQUENCE = 10_000


def _guarded_iteration(it: Any, st: _RenderState) -> Any:
    n = 0
    for item in it:
        n += 1
        if n % _ITER_CHECK_EVERY == 0:
            st.steps += _ITER_CHECK_EVERY - 1  # (and one more in _tick): a step per item
            _tick(st)
        yield item


@jinja2.pass_context
def _iter_guard(context: Any, value: Any) -> Any:
    st = _state()
    if st is None:
        return value
    _tick(st)
    try:
        small = len(value) <= _SMALL_SEQUENCE
    except TypeError:
        small = False
    if small:
        st.steps += len(value)
        return value
    return _guarded_iteration(iter(value), st)


@jinja2.pass_context
def _concat_guard(context: Any, value: Any) -> Any:
    st = _state()
    if st is not None:
        _tick(st)
        _charge(st, _size(value), "a ~ concatenation")
    return value


class _Guarder(NodeTransformer):
    """Puts the iteration guard around every ``for`` iterable and the size guard around ``~``."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _ITER_FILTER, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(node, _CONCAT_FILTER, [], [], None, None, lineno=node.lineno)


def _wrap_filter(name: str, func: Any, precheck: Any = None) -> Any:
    """Run ``func`` only at render time, behind the deadline and an optional size pre-check.

    The wrapper takes the render context, which keeps jinja2 from evaluating the filter on
    constant arguments at compile time (``{{ [1]|slice(10**9) }}`` would otherwise run, unbounded,
    inside ``compile``). ``func`` still gets the argument it asked for.
    """
    pass_arg = getattr(func, "jinja_pass_arg", None)
    wants = pass_arg.name if pass_arg is not None else None

    @jinja2.pass_context
    def wrapper(context: Any, *args: Any, **kwargs: Any) -> Any:
        st = _state()
        if st is not None:
            _tick(st)
            if precheck is not None:
                args = precheck(st, args, kwargs)
        if wants == "context":
            result = func(context, *args, **kwargs)
        elif wants == "eval_context":
            result = func(context.eval_ctx, *args, **kwargs)
        elif wants == "environment":
            result = func(context.environment, *args, **kwargs)
        else:
            result = func(*args, **kwargs)
        if st is not None:
            _charge(st, _size(result), f"the result of the {name!r} filter")
        return result

    wrapper.__name__ = getattr(func, "__name__", "filter")
    wrapper.__doc__ = getattr(func, "__doc__", None)
    return wrapper


def _pre_replace(st: _RenderState, args: tuple, kwargs: dict) -> tuple:
    if len(args) >= 3:
        count = args[3] if len(args) > 3 else kwargs.get("count")
        _refuse_if_over(
            st, _replace_size(str(args[0]), str(args[1]), str(args[2]), count), "replace"
        )
    return args


def _pre_center(st: _RenderState, args: tuple, kwargs: dict) -> tuple:
    width = args[1] if len(args) > 1 else kwargs.get("width", 80)
    if isinstance(width, int):
        _refuse_if_over(st, width, "center")
    return args


def _pre_indent(st: _RenderState, args: tuple, kwargs: dict) -> tuple:
    width = args[1] if len(args) > 1 else kwargs.get("width", 4)
    step = width if isinstance(width, int) else len(str(width))
    text = str(args[0]) if args else ""
    _refuse_if_over(st, len(text) + (text.count("\n") + 1) * max(step, 0), "indent")
    return args


def _pre_format(st: _RenderState, args: tuple, kwargs: dict) -> tuple:
    if args:
        _check_percent_format(st, str(args[0]), tuple(args[1:]) or tuple(kwargs.values()))
    return args


def _pre_join(st: _RenderState, args: tuple, kwargs: dict) -> tuple:
    if args:
        items = _materialize(args[0])
        args = (items, *args[1:])
        sep = args[1] if len(args) > 1 else kwargs.get("d", "")
        _refuse_if_over(st, _joined_size(str(sep), items), "join")
    return args


_SLOW_FILTER_INPUT = 100_000


def _pre_slow_text(st: _RenderState, args: tuple, kwargs: dict) -> tuple:
    """``urlize`` and ``wordwrap`` do Python-level work per word: a long input would overrun the
    deadline inside one call, so it is refused up front."""
    if args and isinstance(args[0], str) and len(args[0]) > _SLOW_FILTER_INPUT:
        raise _Abort(
            "timeout",
            f"a {len(args[0])}-character input is too long for this filter within the time limit",
        )
    return args


def _pre_slice(st: _RenderState, args: tuple, kwargs: dict) -> tuple:
    slices = args[1] if len(args) > 1 else kwargs.get("slices")
    if _too_big_int(st, slices):
        raise _Abort("output-limit", f"slice count {slices} is over the limit")
    return args


def _guarded_lipsum(*args: Any, **kwargs: Any) -> Any:
    params = dict(zip(("n", "html", "min", "max"), args, strict=False))
    params.update(kwargs)
    if int(params.get("n", 5)) > 1_000 or int(params.get("max", 100)) > 10_000:
        raise _Abort("output-limit", "lipsum() arguments are over the limit")
    return jinja2.utils.generate_lorem_ipsum(*args, **kwargs)


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """transformers' sandbox plus deadline and size checks in every hook."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        return _Guarder().visit(tree)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        st = _state()
        if st is None:
            return super().call_binop(context, operator, left, right)
        _tick(st)
        estimate = _binop_size(st, operator, left, right)
        if estimate > st.value_cap:
            raise _Abort(
                "output-limit",
                f"the result of {operator!r} would have {estimate} items, over the limit of "
                f"{st.value_cap}",
            )
        result = super().call_binop(context, operator, left, right)
        _charge(st, _size(result), f"the result of {operator!r}")
        return result

    def getattr(self, obj: Any, attribute: str) -> Any:
        st = _state()
        value = super().getattr(obj, attribute)
        if st is not None:
            _tick(st)
            _check_value(st, value)
        return value

    def getitem(self, obj: Any, argument: Any) -> Any:
        st = _state()
        value = super().getitem(obj, argument)
        if st is not None:
            _tick(st)
            _check_value(st, value)
        return value

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def bounded_format(*args: Any, **kwargs: Any) -> Any:
            st = _state()
            if st is not None:
                _tick(st)
                mapping = args[0] if value.__name__ == "format_map" and args else kwargs
                positional = () if value.__name__ == "format_map" else args
                if isinstance(mapping, Mapping):
                    _check_brace_format(st, fmt, tuple(positional), mapping)
            return wrapped(*args, **kwargs)

        bounded_format.__name__ = getattr(wrapped, "__name__", "format")
        return bounded_format

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        st = _state()
        if st is None:
            return super().call(context, obj, *args, **kwargs)
        _tick(st)
        if isinstance(getattr(obj, "__self__", None), (str, bytes, bytearray)) and callable(obj):
            args = _str_method_size(st, obj, args, kwargs)
        nested = isinstance(obj, (jinja2.runtime.Macro, jinja2.runtime.LoopContext))
        if not nested:
            result = super().call(context, obj, *args, **kwargs)
            _charge(st, _size(result), "a call result")
            return result
        st.depth += 1
        try:
            if st.depth > MAX_MACRO_DEPTH:
                raise _Abort(
                    "runtime", f"macro recursion deeper than {MAX_MACRO_DEPTH} nested calls"
                )
            result = super().call(context, obj, *args, **kwargs)
        finally:
            st.depth -= 1
        return _check_value(st, result)


def _guarded_concat(parts: Iterable[Any]) -> str:
    st = _state()
    if st is None:
        return "".join(parts)
    if not isinstance(parts, list):
        parts = list(parts)
    _tick(st)
    _charge(st, sum(len(p) for p in parts), "a block or macro output")
    return "".join(parts)


def _make_environment() -> _BoundedSandbox:
    env = _BoundedSandbox(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[_GenerationExtension, jinja2.ext.loopcontrols],
        finalize=_finalize,
    )
    env.concat = _guarded_concat  # type: ignore[method-assign]
    env.filters["tojson"] = _tojson
    prechecks = {
        "replace": _pre_replace,
        "center": _pre_center,
        "indent": _pre_indent,
        "format": _pre_format,
        "join": _pre_join,
        "slice": _pre_slice,
        "urlize": _pre_slow_text,
        "wordwrap": _pre_slow_text,
    }
    for name, func in list(env.filters.items()):
        env.filters[name] = _wrap_filter(name, func, prechecks.get(name))
    env.filters[_ITER_FILTER] = _iter_guard
    env.filters[_CONCAT_FILTER] = _concat_guard
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    env.globals["dict"] = _TemplateDict()
    env.globals["namespace"] = _TemplateNamespace
    env.globals["range"] = _guarded_range
    env.globals["lipsum"] = _guarded_lipsum
    return env


_ENV = _make_environment()


def _jinja2_is_safe() -> bool:
    parts = []
    for piece in jinja2.__version__.split(".")[:3]:
        digits = re.match(r"\d+", piece)
        parts.append(int(digits.group()) if digits else 0)
    return tuple(parts) >= MIN_JINJA2


@lru_cache(maxsize=512)
def _compile_cached(source: str) -> jinja2.Template:
    return _ENV.from_string(source)


def compile_template(source: str) -> jinja2.Template:
    """Compile (cached by source text) a chat template; raises ``TemplateError`` kind
    ``"syntax"`` with the line when it does not parse."""
    if not _jinja2_is_safe():
        raise TemplateError(
            "security",
            f"jinja2 {jinja2.__version__} has known sandbox escapes; rendering chat templates "
            "needs jinja2>=3.1.6",
        )
    try:
        return _compile_cached(source)
    except jinja2.exceptions.TemplateSyntaxError as exc:
        raise TemplateError(
            "syntax", exc.message or str(exc), exc.lineno, type(exc).__name__
        ) from None
    except RecursionError:
        raise TemplateError(
            "syntax", "template nests too deeply to compile", None, "RecursionError"
        ) from None


# --------------------------------------------------------------------------------------------
# Input normalisation (apply_chat_template + render_jinja_template in transformers 5.x).


def _plain(value: Any) -> Any:
    """Rebuild ``value`` out of plain JSON types; anything else becomes ``"<TypeName>"``."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):
        return _plain(model_dump())
    return f"<{type(value).__name__}>"


def _alias_reasoning(chat: list) -> list:
    out = []
    for message in chat:
        if isinstance(message, dict):
            reasoning = next(
                (message[k] for k in _REASONING_FIELDS if message.get(k) is not None), None
            )
            if reasoning is not None:
                message = {"thinking": reasoning, **message, "reasoning_content": reasoning}
        out.append(message)
    return out


def _parse_now(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    raise TypeError(f"strftime_now date must be a datetime or ISO-8601 string, got {value!r}")


def _template_line(exc: BaseException, template: jinja2.Template | None) -> int | None:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
            if isinstance(exc, _Abort) and template is not None:
                line = template.get_corresponding_lineno(line)
        tb = tb.tb_next
    return line


def classify_exception(exc: BaseException) -> str:
    """The ``TemplateError`` kind for an exception raised while rendering.

    Also classifies what transformers raises, which the parity tests compare against:
    ``raise_exception`` there raises a plain ``jinja2.exceptions.TemplateError``.
    """
    if isinstance(exc, TemplateError):
        return exc.kind
    if isinstance(exc, _Abort):
        return exc.kind
    if isinstance(exc, jinja2.exceptions.TemplateSyntaxError):
        return "syntax"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return "security"
    if isinstance(exc, _RaisedByTemplate) or type(exc) is jinja2.exceptions.TemplateError:
        return "raised"
    if isinstance(exc, jinja2.exceptions.TemplateRuntimeError) and "non-namespace" in str(exc):
        return "security"  # {% set obj.attr = … %} on anything but a namespace
    if isinstance(exc, MemoryError):
        return "output-limit"
    return "runtime"


def render(
    template: str,
    messages: list[dict],
    *,
    add_generation_prompt: bool = False,
    special_tokens: Mapping[str, str] | None = None,
    tools: list | None = None,
    documents: list | None = None,
    extra: Mapping[str, Any] | None = None,
    time_limit: float = 2.0,
    max_output: int = 1_000_000,
    max_steps: int | None = None,
) -> str:
    """Render ``template`` the way ``tokenizer.apply_chat_template(messages, tokenize=False,
    add_generation_prompt=…, tools=…, documents=…, **extra)`` does, within limits.

    ``special_tokens`` are the tokenizer's named special tokens (see
    :func:`special_tokens_from_tokenizer_config`); ``extra`` are further template variables such
    as ``enable_thinking`` and win over special tokens of the same name. Raises
    :class:`TemplateError` on any failure.
    """
    compiled = compile_template(template)
    if not messages:
        raise TemplateError(
            "runtime",
            "Cannot apply chat template to an empty conversation. Provide at least one message.",
            None,
            "ValueError",
        )
    extra = dict(extra or {})
    now = FIXED_NOW
    try:
        if "strftime_now" in extra and not callable(extra["strftime_now"]):
            now = _parse_now(extra.pop("strftime_now"))
        chat = [{k: v for k, v in message.items() if v is not None} for message in messages]
        if tools is not None:
            for tool in tools:
                if not isinstance(tool, Mapping):
                    raise ValueError(
                        "Tools should be JSON schemas (dicts); deploylint does not convert "
                        "callables."
                    )
        if documents is not None:
            for document in documents:
                if not isinstance(document, Mapping):
                    raise TypeError(
                        "Documents should be a list of dicts with 'title' and 'text' keys!"
                    )
        variables = _plain({**(special_tokens or {}), **extra})
        tool_schemas = _plain(list(tools)) if tools is not None else None
        docs = _plain(list(documents)) if documents is not None else None
        chat = _plain(chat)
        for message in chat:
            if not isinstance(message, dict):
                raise TypeError(
                    "Chat messages should be dicts, dataclasses or pydantic models, but got "
                    f"{message!r}."
                )
        chat = _alias_reasoning(chat)
    except (TypeError, ValueError, AttributeError) as exc:
        raise TemplateError("runtime", str(exc), None, type(exc).__name__) from None

    value_cap = max(max_output, 100_000)
    from ..budget import charge_render_steps, render_steps_cap

    state = _RenderState(
        deadline=time.monotonic() + time_limit,
        time_limit=time_limit,
        max_output=max_output,
        value_cap=value_cap,
        alloc_budget=64 * value_cap,
        now=now,
        max_steps=render_steps_cap() if max_steps is None else max_steps,
    )
    previous = _state()
    _LOCAL.state = state
    chunks: list[str] = []
    produced = 0
    stream = None
    try:
        stream = compiled.generate(
            messages=chat,
            tools=tool_schemas,
            documents=docs,
            add_generation_prompt=add_generation_prompt,
            **variables,
        )
        for chunk in stream:
            produced += len(chunk)
            if produced > max_output:
                raise _Abort("output-limit", f"output is longer than {max_output} characters")
            _tick(state)
            chunks.append(chunk)
    except TemplateError:
        raise
    except BaseException as exc:
        if not isinstance(exc, (Exception, _Abort)):
            raise  # KeyboardInterrupt, SystemExit, GeneratorExit
        kind = classify_exception(exc)
        message = (
            exc.message if isinstance(exc, (_Abort, jinja2.exceptions.TemplateError)) else None
        )
        if not isinstance(message, str):
            message = str(exc) if message is None else str(message)
        if isinstance(exc, RecursionError):
            message = f"recursion too deep: {exc}"
        raise TemplateError(
            kind, message, _template_line(exc, compiled), type(exc).__name__
        ) from None
    finally:
        if stream is not None:
            try:
                stream.close()
            except BaseException:  # only releasing the generator's frames
                pass
        _LOCAL.state = previous
        charge_render_steps(state.steps)
    return "".join(chunks)


# --------------------------------------------------------------------------------------------
# Template selection and special tokens from a tokenizer_config.json.


def select_template(
    chat_template: str | list | dict | None, *, name: str | None = None, has_tools: bool = False
) -> str:
    """The template text transformers would use.

    ``chat_template`` is the value of a ``tokenizer_config.json`` ``chat_template`` key (a string,
    or a list of ``{"name", "template"}`` entries, which transformers turns into a dict) or such a
    dict. With several templates: ``name`` selects one; otherwise ``tool_use`` when ``has_tools``
    (transformers: whenever ``tools`` is not ``None``, even an empty list) and it exists, else
    ``default``. Unlike transformers, an unknown ``name`` raises instead of being used as the
    template text itself.
    """
    if isinstance(chat_template, str):
        return chat_template
    if isinstance(chat_template, (list, tuple)):
        try:
            chat_template = {entry["name"]: entry["template"] for entry in chat_template}
        except (TypeError, KeyError) as exc:
            raise TemplateError(
                "runtime", f"malformed list of named chat templates: {exc!r}", None, "KeyError"
            ) from None
    if isinstance(chat_template, Mapping):
        if name is not None:
            if name in chat_template:
                return chat_template[name]
            raise TemplateError(
                "runtime",
                f"no chat template named {name!r}; available: {sorted(chat_template)}",
                None,
                "KeyError",
            )
        if has_tools and "tool_use" in chat_template:
            return chat_template["tool_use"]
        if "default" in chat_template:
            return chat_template["default"]
        raise TemplateError(
            "runtime",
            "This model has multiple chat templates with no default specified! Please either "
            "pass a chat template or the name of the template you wish to use to the "
            "`chat_template` argument. Available template names are "
            f"{sorted(chat_template)}.",
            None,
            "ValueError",
        )
    raise TemplateError("runtime", _NO_TEMPLATE_MESSAGE, None, "ValueError")


def _token_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("content"), str):
        return value["content"]
    return None


def special_tokens_from_tokenizer_config(cfg: Mapping) -> dict[str, str]:
    """The special-token variables transformers 5.x passes to the template
    (``tokenizer.special_tokens_map``).

    That is the named tokens ``bos/eos/unk/sep/pad/cls/mask_token``, plus any other top-level key
    ending in ``_token`` whose value is a token (model-specific named tokens such as
    ``image_token``), plus the entries of an ``extra_special_tokens`` *dict*. Values given as
    ``AddedToken`` dicts (``{"__type": "AddedToken", "content": …}``) become their content;
    ``null`` tokens are left out. The list of ``additional_special_tokens`` (or a list-valued
    ``extra_special_tokens``) is not a template variable in transformers 5.
    """
    out: dict[str, str] = {}
    extra: dict[str, str] = {}
    for key, value in cfg.items():
        if not isinstance(key, str) or not key.endswith("_token"):
            continue
        text = _token_text(value)
        if text is None:
            continue
        if key in _SPECIAL_TOKEN_ATTRIBUTES:
            out[key] = text
        else:
            extra[key] = text
    named = cfg.get("extra_special_tokens")
    if isinstance(named, Mapping):
        for key, value in named.items():
            text = _token_text(value)
            if isinstance(key, str) and text is not None:
                extra[key] = text
    ordered = {key: out[key] for key in _SPECIAL_TOKEN_ATTRIBUTES if key in out}
    ordered.update(extra)
    return ordered


# --------------------------------------------------------------------------------------------
# Vision detection.

_VISION_CONSTANTS = frozenset({"image", "image_url", "input_image", "images"})
_VISION_MARKERS = (
    "<image>",
    "<|image",
    "<start_of_image>",
    "<|vision_start|>",
    "[IMG]",
    "<|img|>",
    "<image_soft_token>",
)


def is_vision_template(src: str) -> bool:
    """Whether the template handles image content parts (``{"type": "image"}`` and friends)."""
    try:
        tree = _ENV.parse(src)
    except jinja2.exceptions.TemplateSyntaxError:
        return False
    texts: list[str] = [node.data for node in tree.find_all(nodes.TemplateData)]
    for node in tree.find_all(nodes.Const):
        if isinstance(node.value, str):
            if node.value in _VISION_CONSTANTS:
                return True
            texts.append(node.value)
    return any(marker in text for text in texts for marker in _VISION_MARKERS)
