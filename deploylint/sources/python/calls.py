"""Calls: arguments, local functions and classes, methods of lists/dicts/strings, and the
hand-off to the recognisers (``registry.py``) for imported names and library objects."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from . import containers, stdlib
from .astutil import NON_MUTATING, SAME_OBJECT_METHODS, may_mutate, src
from .registry import (
    INSTANCE_ATTRIBUTE_HOOKS,
    LIBRARY_CALLS,
    METHODS,
    OBJECT_CALLS,
    UNKNOWN_RECEIVER_HOOKS,
)
from .values import (
    MORE,
    CallArgs,
    ChatText,
    ClassV,
    DictV,
    FuncV,
    Instance,
    ListV,
    Member,
    Obj,
    Ref,
    Sc,
    Scope,
    Tokens,
    Val,
    copy_value,
    same,
    squash,
)

if TYPE_CHECKING:
    from .evaluator import Evaluator


def call(ev: Evaluator, node: ast.Call, scope: Scope) -> Val:
    callee = ev.ev(node.func, scope)
    ca = call_args(ev, node, scope)
    result = dispatch(ev, callee, ca)
    user_fn = _user_function(callee)
    if result is None or user_fn is not None:
        _unknown_call_effects(callee, ca, user_fn)
    return result if result is not None else ev.unknown(node)


def call_args(ev: Evaluator, node: ast.Call, scope: Scope) -> CallArgs:
    ca = CallArgs(node, [], [], {}, {}, {}, [], [])
    for a in node.args:
        if isinstance(a, ast.Starred):
            v = ev.ev(a.value, scope)
            if isinstance(v, ListV) and MORE not in v.items and not ca.star:
                ca.args.extend(i for i in v.items if i is not MORE)
                ca.arg_nodes.extend([a] * len(v.items))
            else:
                ca.star = True
            continue
        v = ev.ev(a, scope)
        if not ca.star:  # positions after an unknown *args are unknown
            ca.args.append(v)
            ca.arg_nodes.append(a)
    for kw in node.keywords:
        v = ev.ev(kw.value, scope)
        if kw.arg is None:
            if isinstance(v, DictV):
                for k, e in v.entries.items():
                    ca.kwargs[k] = e
                    ca.kw_locs[k] = v.key_locs.get(k, ev.loc(kw))
                if not v.complete:
                    ca.spreads.append(v)
                    ca.spread_texts.append(src(kw.value))
            else:
                ca.spreads.append(v)
                ca.spread_texts.append(src(kw.value))
            continue
        ca.kwargs[kw.arg] = v
        ca.kw_nodes[kw.arg] = kw.value
        ca.kw_locs[kw.arg] = ev.name_loc(kw)
    return ca


def _user_function(callee: Val) -> FuncV | None:
    """The local function (or method of a local class) a call runs, if any."""
    if isinstance(callee, FuncV):
        return callee
    if isinstance(callee, ClassV):
        return callee.methods.get("__init__")
    if isinstance(callee, Member) and isinstance(callee.base, Instance) and len(callee.attrs) == 1:
        return callee.base.klass.methods.get(callee.attrs[0])
    return None


def _unknown_call_effects(callee: Val, ca: CallArgs, fn: FuncV | None) -> None:
    """A call we do not know may change the lists and dicts passed to it."""
    if fn is not None:
        if fn.mutates is None:
            fn.mutates = may_mutate(fn.node)
        if not fn.mutates:
            return
    else:
        name = None
        if isinstance(callee, Ref):
            name = callee.qual.rsplit(".", 1)[-1]
        elif isinstance(callee, Member):
            name = callee.attrs[-1]
        if name in NON_MUTATING:
            return
    for v in [*ca.args, *ca.kwargs.values()]:
        if isinstance(v, ListV):
            v.items = squash([MORE, *v.items, MORE])
        elif isinstance(v, DictV):
            v.complete = False


def dispatch(ev: Evaluator, callee: Val, ca: CallArgs) -> Val | None:
    if isinstance(callee, Ref):
        return call_ref(ev, callee.qual, ca)
    if isinstance(callee, Member):
        return call_member(ev, callee, ca)
    if isinstance(callee, Obj):
        return call_obj(ev, callee, ca)
    if isinstance(callee, FuncV):
        return call_func(ev, callee, ca)
    if isinstance(callee, ClassV):
        if ca.args or ca.kwargs or ca.spreads or ca.star:
            callee.ctor_args = True
        inst = ev.instance_of(callee)
        init = callee.methods.get("__init__")
        if init is not None:
            ev.run_func(init)
        return inst
    return None


def call_func(ev: Evaluator, f: FuncV, ca: CallArgs) -> Val | None:
    """A local function's single return value (a copy, for a list or dict)."""
    if f.state == 0:
        ev.run_func(f)
    if f.state != 2 or f.generator or not f.returns:
        return None
    vals = f.returns
    first = vals[0]
    if all(v is first or same(v, first) for v in vals[1:]):
        return copy_value(first, ev.here)
    return None


def call_ref(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    """A call of an imported name: the standard library's, else the recognisers'."""
    lib = qual.split(".", 1)[0]
    if lib in stdlib.MODULES:
        return stdlib.call(ev, qual, ca)
    for handler in LIBRARY_CALLS.get(lib, ()):
        got = handler(ev, qual, ca)
        if got is not None:
            return got
    return None


def call_member(ev: Evaluator, m: Member, ca: CallArgs) -> Val | None:
    """``base.a.b(...)``: a method of a list, dict, string or library object."""
    base, attrs = m.base, m.attrs
    meth = attrs[-1]
    if isinstance(base, ListV) and len(attrs) == 1:
        return containers.list_method(ev, base, meth, ca)
    if isinstance(base, DictV) and len(attrs) == 1:
        return containers.dict_method(ev, base, meth, ca)
    if isinstance(base, Sc) and len(attrs) == 1 and base.resolved:
        return containers.str_method(ev, base, meth, ca)
    if isinstance(base, Obj):
        return obj_method(ev, base, attrs, ca, m)
    # An object we cannot see (a parameter, an attribute of an unknown object ...)
    for hook in UNKNOWN_RECEIVER_HOOKS:
        got = hook(ev, attrs, ca, m.base_name)
        if got is not None:
            return got
    return None


def obj_method(
    ev: Evaluator, obj: Obj, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    """``obj.a(...)`` (or ``obj.a.b(...)``) for an object the evaluator or a recogniser made."""
    if isinstance(obj, Instance):
        c = obj.klass
        meth = attrs[-1]
        if len(attrs) == 1 and meth in c.methods:
            return call_func(ev, c.methods[meth], ca)
        if len(attrs) > 1:
            # `self.client.chat.completions.create(...)` with `self.client` not known
            for hook in INSTANCE_ATTRIBUTE_HOOKS:
                got = hook(ev, attrs[1:], ca, f"{m.base_name}.{attrs[0]}")
                if got is not None:
                    return got
        return None
    if isinstance(obj, (Tokens, ChatText)):
        return obj if len(attrs) == 1 and attrs[0] in SAME_OBJECT_METHODS else None
    for handler in METHODS.get(type(obj), ()):
        got = handler(ev, obj, attrs, ca, m)
        if got is not None:
            return got
    return None


def call_obj(ev: Evaluator, obj: Obj, ca: CallArgs) -> Val | None:
    """``obj(...)``."""
    if isinstance(obj, Instance):
        c = obj.klass
        if "__call__" in c.methods:
            return call_func(ev, c.methods["__call__"], ca)
        return None
    handler = OBJECT_CALLS.get(type(obj))
    return handler(ev, obj, ca) if handler is not None else None
