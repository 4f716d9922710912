"""Calls of the standard library the evaluator follows: the environment (``os.getenv``,
``os.environ.get/setdefault/update``), path joining, ``json.dumps``, copies and the ``dict``,
``list``, ``tuple`` and ``str`` constructors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .astutil import src
from .values import CallArgs, ChatText, DictV, JsonText, ListV, Sc, Val, copy_value, str_value

if TYPE_CHECKING:
    from .evaluator import Evaluator

MODULES = frozenset({"os", "posixpath", "pathlib", "json", "copy", "builtins"})


def call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    node = ca.node
    if qual in ("os.getenv", "os.environ.get"):
        return ev.env_read(ca.get(None, 0), ca.get("default", 1), node)
    if qual == "os.environ.setdefault":
        key = str_value(ca.get(None, 0))
        if key is not None:
            if key not in ev.env_writes:
                ev.env_write(key, ca.get(None, 1), node, "os.environ.setdefault")
            return ev.env_writes[key]
        return None
    if qual == "os.environ.update":
        src = ca.get(None, 0)
        items = dict(src.entries) if isinstance(src, DictV) else {}
        items.update(ca.kwargs)
        for k, v in items.items():
            ev.env_write(k, v, node, "os.environ.update")
        return Sc(None, ev.loc(node))
    if qual in ("os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath"):
        return _path_join(ev, ca)
    if qual == "json.dumps":
        return JsonText(ev.loc(node), body=ca.get(None, 0))
    if qual in ("copy.deepcopy", "copy.copy", "builtins.list", "builtins.tuple"):
        src = ca.get(None, 0)
        if isinstance(src, (ListV, DictV)):
            return copy_value(src, ev.here)
        if qual in ("builtins.list", "builtins.tuple") and src is None:
            return ListV([], ev.loc(node), ev.here)
        return None
    if qual == "builtins.dict":
        d = DictV({}, ev.loc(node), depth=ev.here)
        src = ca.get(None, 0)
        if isinstance(src, DictV):
            d.entries.update(src.entries)
            d.key_locs.update(src.key_locs)
            d.complete = src.complete
        elif src is not None:
            d.complete = False
        d.entries.update(ca.kwargs)
        d.key_locs.update(ca.kw_locs)
        if ca.spreads:
            d.complete = False
        return d
    if qual == "builtins.str":
        src = ca.get(None, 0)
        if isinstance(src, Sc):
            if src.resolved and src.value is not None:
                return Sc(str(src.value), src.loc, True, src.origin)
            return src
        if isinstance(src, ChatText):
            return src
        return None
    return None


def _path_join(ev: Evaluator, ca: CallArgs) -> Val | None:
    parts = []
    known = True
    for a, node in zip(ca.args, ca.arg_nodes, strict=False):
        s = str_value(a)
        if s is None:
            # known in part: an unknown component is written {expression}
            known = False
            s = a.partial if isinstance(a, Sc) and a.partial is not None else None
            if s is None:
                s = "{" + src(node, 40) + "}"
        parts.append(s)
    if not parts or ca.star:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = p if p.startswith("/") else (out.rstrip("/") + "/" + p if out else p)
    if not known:
        return Sc(None, ev.loc(ca.node), False, f"joined path with unresolved parts: {out!r}", out)
    return Sc(out, ev.loc(ca.node), True, "joined path")
