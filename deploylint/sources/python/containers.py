"""Methods of lists, dicts and strings the evaluator follows.

A change to a list or dict is applied only where it certainly happens once (``Evaluator.certain``);
elsewhere the list gains unknown elements (``MORE``) or the dict's keys become unknown."""

from __future__ import annotations

from string import Formatter
from typing import TYPE_CHECKING, Any

from .astutil import src
from .values import MORE, CallArgs, DictV, Item, ListV, Sc, Val, squash, str_value

if TYPE_CHECKING:
    from .evaluator import Evaluator

_STR_METHODS = frozenset(
    {"strip", "rstrip", "lstrip", "lower", "upper", "replace", "removesuffix", "removeprefix"}
)


def list_method(ev: Evaluator, lst: ListV, meth: str, ca: CallArgs) -> Val:
    node = ca.node
    certain = ev.certain(lst)
    if meth == "append" and ca.args:
        lst.items = squash(lst.items + ([ca.args[0]] if certain else [MORE]))
        return Sc(None, ev.loc(node))
    if meth == "extend" and ca.args:
        ev.list_extend(lst, ca.args[0])
        return Sc(None, ev.loc(node))
    if meth == "insert" and len(ca.args) >= 2:
        idx = ca.args[0]
        i = idx.value if isinstance(idx, Sc) and idx.resolved else None
        if not isinstance(i, int) or isinstance(i, bool):
            lst.items = [MORE]
        elif i == 0:
            lst.items = squash([ca.args[1] if certain else MORE, *lst.items])
        elif certain and 0 < i <= len(lst.items) and MORE not in lst.items[:i]:
            lst.items.insert(i, ca.args[1])
        else:
            head: list[Item] = (
                lst.items[:1] if lst.items and lst.items[0] is not MORE and i > 0 else []
            )
            lst.items = squash([*head, MORE])
        return Sc(None, ev.loc(node))
    if meth == "copy":
        return ListV(list(lst.items), ev.loc(node), ev.here, lst.elem)
    if meth in ("index", "count"):
        return ev.unknown(node)
    if meth == "pop" and certain and not ca.args and lst.items:
        last = lst.items[-1]
        if last is not MORE:
            lst.items.pop()
            return last
    if meth == "clear" and certain:
        lst.items = []
        return Sc(None, ev.loc(node))
    lst.items = [MORE]
    return ev.unknown(node)


def dict_method(ev: Evaluator, d: DictV, meth: str, ca: CallArgs) -> Val:
    node = ca.node
    if meth == "get" and ca.args:
        key = str_value(ca.args[0])
        if key is not None:
            if key in d.entries:
                return d.entries[key]
            if d.complete and len(ca.args) > 1:
                return ca.args[1]
        return ev.unknown(node)
    if meth == "copy":
        return DictV(dict(d.entries), ev.loc(node), dict(d.key_locs), d.complete, ev.here)
    if meth == "update":
        certain = ev.certain(d)
        src = ca.args[0] if ca.args else None
        items: dict[str, Val] = {}
        if isinstance(src, DictV):
            items.update(src.entries)
            d.complete = d.complete and src.complete
        elif src is not None:
            d.complete = False
        items.update(ca.kwargs)
        for k, v in items.items():
            d.entries[k] = v if certain else Sc(None, ev.loc(node), False, "set on some paths")
            d.key_locs[k] = ca.kw_locs.get(k, ev.loc(node))
        return Sc(None, ev.loc(node))
    if meth == "setdefault" and ca.args:
        key = str_value(ca.args[0])
        if key is not None:
            if key not in d.entries and len(ca.args) > 1 and d.complete:
                d.entries[key] = ca.args[1]
            return d.entries.get(key) or ev.unknown(node)
    if meth in ("pop", "popitem", "clear"):
        d.complete = False
        if meth == "pop" and ca.args and isinstance(ca.args[0], Sc):
            k = ca.args[0].value
            if isinstance(k, str):
                return d.entries.pop(k, None) or ev.unknown(node)
        if meth == "clear":
            d.entries.clear()
        return ev.unknown(node)
    if meth in ("items", "keys", "values"):
        return ev.unknown(node)
    d.complete = False
    return ev.unknown(node)


def str_method(ev: Evaluator, s: Sc, meth: str, ca: CallArgs) -> Val | None:
    if not isinstance(s.value, str):
        return None
    if meth in _STR_METHODS:
        args: list[Any] = []
        for a in ca.args:
            if not (isinstance(a, Sc) and a.resolved):
                return None
            args.append(a.value)
        try:
            return Sc(getattr(s.value, meth)(*args), s.loc, True, s.origin)
        except (TypeError, ValueError, AttributeError):
            return None
    if meth == "format":
        args = []
        for a in ca.args:
            if not (isinstance(a, Sc) and a.resolved):
                return _format_partial(ev, s.value, ca)
            args.append(a.value)
        kwargs: dict[str, Any] = {}
        for k, a in ca.kwargs.items():
            if not (isinstance(a, Sc) and a.resolved):
                return _format_partial(ev, s.value, ca)
            kwargs[k] = a.value
        try:
            return Sc(s.value.format(*args, **kwargs), ev.loc(ca.node), True, s.origin)
        except (IndexError, KeyError, ValueError, AttributeError):
            return None
    return None


def _format_partial(ev: Evaluator, template: str, ca: CallArgs) -> Val | None:
    """``template.format(...)`` with arguments not all known: a string known in part, each
    unknown field written as ``{expression}`` (as an f-string with unknown parts is)."""
    if ca.star or ca.spreads:
        return None
    out: list[str] = []
    auto = 0
    try:
        fields = list(Formatter().parse(template))
    except ValueError:
        return None
    for literal, name, spec, conv in fields:
        out.append(literal)
        if name is None:
            continue
        key, _, rest = name.partition(".")
        key, _, _ = key.partition("[")
        arg: Val | None
        node = None
        if key == "":
            if auto >= len(ca.args):
                return None
            arg, node = ca.args[auto], ca.arg_nodes[auto]
            auto += 1
        elif key.isdigit():
            i = int(key)
            if i >= len(ca.args):
                return None
            arg, node = ca.args[i], ca.arg_nodes[i]
        else:
            if key not in ca.kwargs:
                return None
            arg, node = ca.kwargs[key], ca.kw_nodes.get(key)
        if isinstance(arg, Sc) and arg.resolved and arg.value is not None and not rest:
            try:
                val: Any = arg.value
                if conv == "r":
                    val = repr(val)
                elif conv == "a":
                    val = ascii(val)
                out.append(format(val, spec or ""))
                continue
            except (ValueError, TypeError):
                pass
        inner = arg.partial if isinstance(arg, Sc) and arg.partial is not None else None
        out.append(inner if inner is not None else "{" + (src(node, 40) if node else "…") + "}")
    text = "".join(out)
    return Sc(None, ev.loc(ca.node), False, f"str.format with unresolved parts: {text!r}", text)
