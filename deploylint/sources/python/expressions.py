"""Expressions: one function per syntax node type, in ``EXPRESSIONS``.

Each takes the evaluator, the node and the scope and returns a value (``values.Val``); a node
without a function here is unknown (its sub-expressions are still evaluated, for their calls).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import calls
from .astutil import dotted, src
from .context import has_markup
from .registry import ATTRIBUTES
from .values import (
    MORE,
    ChatText,
    ClassV,
    DictV,
    FuncV,
    Instance,
    Item,
    ListV,
    Member,
    Obj,
    Ref,
    Sc,
    Scope,
    Tokens,
    Val,
    is_num,
    same,
    squash,
    str_value,
    truth,
)

if TYPE_CHECKING:
    from .evaluator import Evaluator


def ev_constant(ev: Evaluator, node: ast.Constant, scope: Scope) -> Val:
    v = node.value
    if isinstance(v, (str, int, float, bool)) or v is None:
        return Sc(v, ev.loc(node))
    return ev.unknown(node)


def ev_name(ev: Evaluator, node: ast.Name, scope: Scope) -> Val:
    return ev.lookup(node.id, node, scope)


def ev_await(ev: Evaluator, node: ast.Await | ast.Starred, scope: Scope) -> Val:
    return ev.ev(node.value, scope)


def ev_named_expr(ev: Evaluator, node: ast.NamedExpr, scope: Scope) -> Val:
    v = ev.ev(node.value, scope)
    ev.bind(node.target, v, scope)
    return v


def ev_dict(ev: Evaluator, node: ast.Dict, scope: Scope) -> Val:
    d = DictV({}, ev.loc(node), depth=ev.here)
    for k, v in zip(node.keys, node.values, strict=True):
        val = ev.ev(v, scope)
        if k is None:
            if isinstance(val, DictV):
                d.entries.update(val.entries)
                d.key_locs.update(val.key_locs)
                d.complete = d.complete and val.complete
            else:
                d.complete = False
            continue
        key = str_value(ev.ev(k, scope))
        if key is not None:
            d.entries[key] = val
            d.key_locs[key] = ev.loc(k)
        else:
            d.complete = False
    return d


def ev_list(ev: Evaluator, node: ast.List | ast.Tuple, scope: Scope) -> Val:
    items: list[Item] = []
    for e in node.elts:
        if isinstance(e, ast.Starred):
            v = ev.ev(e.value, scope)
            if isinstance(v, ListV):
                items.extend(v.items)
            else:
                items.append(MORE)
        else:
            items.append(ev.ev(e, scope))
    return ListV(squash(items), ev.loc(node), ev.here, is_tuple=isinstance(node, ast.Tuple))


def ev_set(ev: Evaluator, node: ast.Set, scope: Scope) -> Val:
    for e in node.elts:
        ev.ev(e, scope)
    return ev.unknown(node)


def _comprehension(
    ev: Evaluator, node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp, scope: Scope
) -> Scope:
    inner = Scope(scope, False, scope.name)
    for gen in node.generators:
        ev.ev(gen.iter, inner)
        ev.bind(
            gen.target,
            Sc(None, ev.loc(gen.target), False, f"loop variable `{src(gen.target)}`"),
            inner,
        )
        for cond in gen.ifs:
            ev.ev(cond, inner)
    return inner


def ev_list_comp(
    ev: Evaluator, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, scope: Scope
) -> Val:
    inner = _comprehension(ev, node, scope)
    ev.depth += 1
    try:
        elem = ev.ev(node.elt, inner)
    finally:
        ev.depth -= 1
    return ListV([MORE], ev.loc(node), ev.here, elem=elem)


def ev_dict_comp(ev: Evaluator, node: ast.DictComp, scope: Scope) -> Val:
    inner = _comprehension(ev, node, scope)
    ev.ev(node.key, inner)
    ev.ev(node.value, inner)
    return DictV({}, ev.loc(node), complete=False, depth=ev.here)


def ev_lambda(ev: Evaluator, node: ast.Lambda, scope: Scope) -> Val:
    f = FuncV(node, scope)
    ev.funcs.append(f)
    return f


def ev_if_exp(ev: Evaluator, node: ast.IfExp, scope: Scope) -> Val:
    t = truth(ev.ev(node.test, scope))
    if t is True:
        return ev.ev(node.body, scope)
    if t is False:
        return ev.ev(node.orelse, scope)
    a = ev.ev(node.body, scope)
    b = ev.ev(node.orelse, scope)
    if a is b or same(a, b):
        return a
    return ev.unknown(node, f"`{src(node)}` (conditional)")


def ev_bool_op(ev: Evaluator, node: ast.BoolOp, scope: Scope) -> Val:
    vals = [ev.ev(v, scope) for v in node.values]
    cur = vals[0]
    for nxt in vals[1:]:
        t = truth(cur)
        if isinstance(node.op, ast.Or):
            if t is True:
                return cur
            if t is False:
                cur = nxt
                continue
            if isinstance(cur, Sc) and cur.env_var and isinstance(nxt, Sc) and nxt.resolved:
                cur = Sc(
                    nxt.value,
                    nxt.loc,
                    True,
                    f"default when environment variable {cur.env_var} is unset or empty",
                    env_var=cur.env_var,
                )
                continue
            return ev.unknown(node)
        if t is False:
            return cur
        if t is True:
            cur = nxt
            continue
        return ev.unknown(node)
    return cur


def ev_unary_op(ev: Evaluator, node: ast.UnaryOp, scope: Scope) -> Val:
    v = ev.ev(node.operand, scope)
    if isinstance(node.op, ast.Not):
        t = truth(v)
        return Sc(not t, ev.loc(node)) if t is not None else ev.unknown(node)
    if isinstance(v, Sc) and v.resolved and isinstance(v.value, (int, float)):
        if isinstance(node.op, ast.USub):
            return Sc(-v.value, ev.loc(node), True, v.origin)
        if isinstance(node.op, ast.UAdd):
            return Sc(+v.value, ev.loc(node), True, v.origin)
    return ev.unknown(node)


def ev_compare(ev: Evaluator, node: ast.Compare, scope: Scope) -> Val:
    left = ev.ev(node.left, scope)
    rights = [ev.ev(c, scope) for c in node.comparators]
    if len(rights) != 1 or not isinstance(left, Sc) or not isinstance(rights[0], Sc):
        return ev.unknown(node)
    r = rights[0]
    if not (left.resolved and r.resolved):
        return ev.unknown(node)
    op = node.ops[0]
    a, b = left.value, r.value
    try:
        if isinstance(op, ast.Eq):
            res = a == b
        elif isinstance(op, ast.NotEq):
            res = a != b
        elif isinstance(op, ast.Is):
            res = a is None and b is None or (a is b and isinstance(a, bool))
        elif isinstance(op, ast.IsNot):
            res = not (a is None and b is None)
        elif isinstance(op, ast.In) and isinstance(b, str) and isinstance(a, str):
            res = a in b
        else:
            return ev.unknown(node)
    except Exception:  # noqa: BLE001
        return ev.unknown(node)
    return Sc(bool(res), ev.loc(node))


def ev_joined_str(ev: Evaluator, node: ast.JoinedStr, scope: Scope) -> Val:
    parts: list[str] = []
    resolved = True
    chat: ChatText | None = None
    origins: list[str] = []
    unresolved: list[str] = []
    for v in node.values:
        if isinstance(v, ast.Constant) and isinstance(v.value, str):
            parts.append(v.value)
            continue
        if not isinstance(v, ast.FormattedValue):
            resolved = False
            parts.append("{…}")
            continue
        x: Val | None = ev.ev(v.value, scope)
        if isinstance(x, ChatText):
            chat = x
        spec = ""
        if v.format_spec is not None:
            sx = str_value(ev.ev(v.format_spec, scope))
            if sx is not None:
                spec = sx
            else:
                x = None
        if isinstance(x, Sc) and x.resolved and x.value is not None:
            try:
                val = x.value
                if v.conversion == ord("r"):
                    val = repr(val)
                elif v.conversion == ord("a"):
                    val = ascii(val)
                parts.append(format(val, spec))
                if x.origin:
                    origins.append(x.origin)
                continue
            except (ValueError, TypeError):
                pass
        resolved = False
        if isinstance(x, Sc):
            why = ev.origin_of(x)
            if why:
                unresolved.append(why)
        inner = x.partial if isinstance(x, Sc) and x.partial is not None else None
        parts.append(inner if inner is not None else "{" + src(v.value, 40) + "}")
    text = "".join(parts)
    if chat is not None:
        return replace(chat, loc=ev.loc(node), markup=has_markup(text))
    origin = "; ".join(origins) if origins else None
    if resolved:
        return Sc(text, ev.loc(node), True, origin)
    note = f" ({'; '.join(unresolved)})" if unresolved else ""
    return Sc(
        None,
        ev.loc(node),
        False,
        f"f-string with unresolved parts: {text!r}{note}",
        partial=text,
    )


def ev_bin_op(ev: Evaluator, node: ast.BinOp, scope: Scope) -> Val:
    left = ev.ev(node.left, scope)
    right = ev.ev(node.right, scope)
    return binop(ev, node, left, right)


def binop(ev: Evaluator, node: ast.BinOp, left: Val, right: Val) -> Val:
    op = node.op
    loc = ev.loc(node)
    if isinstance(op, ast.Add):
        if isinstance(left, ListV) and isinstance(right, ListV):
            return ListV(squash(left.items + right.items), loc, ev.here)
        if isinstance(left, ListV):
            return ListV(squash(left.items + [MORE]), loc, ev.here)
        if isinstance(right, ListV):
            return ListV(squash([MORE] + right.items), loc, ev.here)
        chat = next((x for x in (left, right) if isinstance(x, ChatText)), None)
        if chat is not None:
            return replace(chat, loc=loc)
        lt = left.text if isinstance(left, Sc) else None
        rt = right.text if isinstance(right, Sc) else None
        if lt is not None or rt is not None:
            if (
                isinstance(left, Sc)
                and isinstance(right, Sc)
                and left.resolved
                and right.resolved
                and isinstance(left.value, str)
                and isinstance(right.value, str)
            ):
                origins = [o for o in (left.origin, right.origin) if o]
                return Sc(left.value + right.value, loc, True, "; ".join(origins) or None)
            text = (lt if lt is not None else "{…}") + (rt if rt is not None else "{…}")
            why: list[str] = []
            for x in (left, right):
                if isinstance(x, Sc) and not x.resolved:
                    o = ev.origin_of(x)
                    if o:
                        why.append(o)
            note = f" ({'; '.join(why)})" if why else ""
            return Sc(None, loc, False, f"string with unresolved parts: {text!r}{note}", text)
    if isinstance(left, Sc) and isinstance(right, Sc) and left.resolved and right.resolved:
        a, b = left.value, right.value
        try:
            if isinstance(a, str) and isinstance(op, ast.Mod):
                return Sc(a % b, loc, True, left.origin)
            if isinstance(a, str) and isinstance(b, str) and isinstance(op, ast.Add):
                return Sc(a + b, loc)
            if is_num(a) and is_num(b):
                if isinstance(op, ast.Add):
                    return Sc(a + b, loc)
                if isinstance(op, ast.Sub):
                    return Sc(a - b, loc)
                if isinstance(op, ast.Mult):
                    return Sc(a * b, loc)
                if isinstance(op, ast.Div):
                    return Sc(a / b, loc)
                if isinstance(op, ast.FloorDiv):
                    return Sc(a // b, loc)
        except Exception:  # noqa: BLE001 - division by zero, bad % format ...
            pass
    if isinstance(op, ast.Mod) and isinstance(left, Sc) and isinstance(left.value, str):
        return Sc(None, loc, False, "%-formatted string", left.value)
    return ev.unknown(node)


def ev_subscript(ev: Evaluator, node: ast.Subscript, scope: Scope) -> Val:
    base = ev.ev(node.value, scope)
    key = ev.ev(node.slice, scope)
    if isinstance(base, Ref):
        if base.qual == "os.environ":
            return ev.env_read(key, None, node)
        if base.qual == "sys.argv":
            return ev.unknown(node, f"command-line argument `{src(node)}`")
        return ev.unknown(node)
    kv = key.value if isinstance(key, Sc) and key.resolved else None
    if isinstance(base, DictV) and isinstance(kv, str):
        if kv in base.entries:
            return base.entries[kv]
        return ev.unknown(node)
    if isinstance(base, ListV):
        if isinstance(node.slice, ast.Slice):
            if node.slice.lower is None and node.slice.upper is None:
                return ListV(list(base.items), ev.loc(node), ev.here, base.elem)
            return ListV([MORE], ev.loc(node), ev.here, base.elem)
        if isinstance(kv, int) and not isinstance(kv, bool):
            items = base.items
            if (0 <= kv < len(items) and MORE not in items[: kv + 1]) or (
                kv < 0 and -kv <= len(items) and MORE not in items[kv:]
            ):
                item = items[kv]
                if item is not MORE:  # (it is not: no MORE up to it)
                    return item
        if base.elem is not None and not isinstance(base.elem, Sc):
            return base.elem
        return ev.unknown(node)
    if isinstance(base, (Tokens, ChatText)):
        return base
    if isinstance(base, Obj):
        got = base.item(key)
        if got is not None:
            return got
    return ev.unknown(node)


def ev_attribute(ev: Evaluator, node: ast.Attribute, scope: Scope) -> Val:
    base = ev.ev(node.value, scope)
    attr = node.attr
    if isinstance(base, Ref):
        return Ref(f"{base.qual}.{attr}")
    if isinstance(base, Member):
        return Member(base.base, base.attrs + (attr,), base.base_name, ev.loc(node))
    if isinstance(base, Obj):
        got = obj_attr(ev, base, attr, node)
        if got is not None:
            return got
    if isinstance(base, ClassV):
        got = ev.class_var(base, attr)
        if got is not None:
            return got
    return Member(base, (attr,), dotted(node.value), ev.loc(node))


def obj_attr(ev: Evaluator, obj: Obj, attr: str, node: ast.Attribute) -> Val | None:
    if isinstance(obj, Instance):
        return ev.instance_attr(obj, attr, node)
    if isinstance(obj, (Tokens, ChatText)):
        return obj if attr in ("input_ids", "attention_mask") else None
    handler = ATTRIBUTES.get(type(obj))
    return handler(ev, obj, attr, node) if handler is not None else None


def ev_call(ev: Evaluator, node: ast.Call, scope: Scope) -> Val:
    return calls.call(ev, node, scope)


EXPRESSIONS: dict[type[ast.expr], Callable[[Evaluator, Any, Scope], Val]] = {
    ast.Constant: ev_constant,
    ast.Name: ev_name,
    ast.Await: ev_await,
    ast.NamedExpr: ev_named_expr,
    ast.Starred: ev_await,  # *x evaluates to x
    ast.Dict: ev_dict,
    ast.List: ev_list,
    ast.Tuple: ev_list,
    ast.Set: ev_set,
    ast.ListComp: ev_list_comp,
    ast.GeneratorExp: ev_list_comp,
    ast.SetComp: ev_list_comp,
    ast.DictComp: ev_dict_comp,
    ast.Lambda: ev_lambda,
    ast.IfExp: ev_if_exp,
    ast.BoolOp: ev_bool_op,
    ast.UnaryOp: ev_unary_op,
    ast.Compare: ev_compare,
    ast.JoinedStr: ev_joined_str,
    ast.BinOp: ev_bin_op,
    ast.Subscript: ev_subscript,
    ast.Attribute: ev_attribute,
    ast.Call: ev_call,
}
