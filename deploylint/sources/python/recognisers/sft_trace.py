"""Tracing a data-formatting function: what one training example looks like after it.

A formatting function (TRL's ``formatting_func``, the function given to ``Dataset.map``, a torch
``Dataset.__getitem__``) is run once more, symbolically, with its first argument bound to a *row*
whose fields are placeholders (``example["instruction"]`` → ``{instruction}``). The evaluator does
the expressions (f-strings, concatenation, ``str.format``, ``apply_chat_template``, the tokenizer
call); this module walks the statements the way one example goes through them:

* a loop body runs once, for one element (``for i in range(len(batch["text"]))`` formats one
  example; what it appends is kept, where the evaluator would give up on a list changed in a loop);
* an ``if`` whose test is not known is followed both ways: each combination of such decisions is
  one *path* (at most ``MAX_PATHS``), and each path's return value is one alternative format;
* facts found on the way (the ``ClientCall`` of ``apply_chat_template`` ...) are collected apart,
  never added to the file's facts (the regular evaluation of the function reports them).

Nothing is guessed: a path that returns something unknown gives an unknown alternative.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ....facts import ClientCall
from ....location import Loc
from ... import FileFacts
from ..values import (
    MORE,
    ClassV,
    FuncV,
    Instance,
    ListV,
    Obj,
    Sc,
    Scope,
    Val,
    truth,
)

if TYPE_CHECKING:
    from ..evaluator import Evaluator

MAX_PATHS = 8
MAX_STATEMENTS = 400  # statements walked per path
FIELD = "\x1f"  # marks a row field in a placeholder: "{\x1finstruction}"


@dataclass(eq=False, kw_only=True)
class RowObj(Obj):
    """One training example (or a batch of them) handed to a formatting function."""

    kind = "training-example"
    columns: dict[str, Val] = field(default_factory=dict)  # known fields → one example's value
    batched: bool = False

    def item(self, key: Val) -> Val | None:
        name = key.value if isinstance(key, Sc) and key.resolved else None
        if not isinstance(name, str):
            return None
        value = self.columns.get(name)
        if value is None:
            value = field_sc_at(self.loc, name)
        if self.batched:
            return ColumnObj(self.loc, name, elem=value)
        return value


def field_sc_at(loc: Loc, name: str) -> Sc:
    """A placeholder for a row's field (a string known only as "that field")."""
    return Sc(None, loc, False, f"field `{name}` of a training example", "{" + FIELD + name + "}")


@dataclass(eq=False, kw_only=True)
class ColumnObj(Obj):
    """A batch's column: indexing or iterating it gives one example's value."""

    kind = "column"
    elem: Val

    def item(self, key: Val) -> Val | None:
        return self.elem


@dataclass
class Traced:
    """The return value of each path, and the facts the trace saw."""

    results: list[Val | None]  # None: the path returned nothing (fell off the end, raised)
    clients: list[ClientCall]
    scopes: list[Scope]  # each path's scope at its end (to look receivers up again)


class _Stop(Exception):
    """The path ends here (return, raise)."""


class _Break(Exception):
    pass


class _Budget(Exception):
    pass


def trace(ev: Evaluator, f: FuncV, args: list[Val], self_obj: Instance | None = None) -> Traced:
    """Run ``f`` once per path with ``args`` as its positional arguments."""
    out = Traced([], [], [])
    node = f.node
    decisions: list[int] = []
    seen_paths = 0
    while seen_paths < MAX_PATHS:
        seen_paths += 1
        walker = _Walker(ev, decisions)
        scratch = FileFacts(ev.path, "python")
        saved = (ev.facts, ev.depth, ev.current, ev.func_depth, len(ev.funcs), len(ev.classes))
        ev.facts = scratch
        ev.depth += 1
        ev.func_depth = ev.depth
        ev.current = FuncV(node, f.scope, cls=f.cls, state=1)
        scope = Scope(f.scope, False, getattr(node, "name", "<lambda>"))
        try:
            _bind_params(ev, node, scope, args, self_obj)
            if isinstance(node, ast.Lambda):
                result: Val | None = ev.ev(node.body, scope)
            else:
                result = walker.run(node.body, scope)
        except _Budget:
            result = None
        except RecursionError:
            result = None
        finally:
            ev.facts, ev.depth, ev.current, ev.func_depth = saved[:4]
            del ev.funcs[saved[4] :]
            del ev.classes[saved[5] :]
        out.results.append(result)
        out.clients.extend(scratch.clients)
        out.scopes.append(scope)
        # the next combination of unknown-if decisions (depth-first, last decision first)
        taken = walker.taken
        while taken and taken[-1] == 1:
            taken.pop()
        if not taken:
            break
        taken[-1] = 1
        decisions = taken
    return out


def _bind_params(
    ev: Evaluator,
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
    scope: Scope,
    args: list[Val],
    self_obj: Instance | None,
) -> None:
    a = node.args
    params = [*a.posonlyargs, *a.args]
    given = list(args)
    if self_obj is not None and params and params[0].arg in ("self", "cls"):
        scope.vars[params[0].arg] = (self_obj, params[0].lineno)
        params = params[1:]
    for i, p in enumerate([*params, *a.kwonlyargs]):
        if i < len(params) and i < len(given):
            scope.vars[p.arg] = (given[i], p.lineno)
        else:
            scope.vars[p.arg] = (
                Sc(None, ev.loc(p), False, f"parameter `{p.arg}`"),
                p.lineno,
            )
    for va in (a.vararg, a.kwarg):
        if va is not None:
            scope.vars[va.arg] = (Sc(None, ev.loc(va), False, f"parameter `{va.arg}`"), va.lineno)


class _Walker:
    def __init__(self, ev: Evaluator, decisions: list[int]):
        self.ev = ev
        self.decisions = decisions
        self.taken: list[int] = []  # the decisions of this path, in order
        self.steps = 0
        self.result: Val | None = None

    def run(self, body: list[ast.stmt], scope: Scope) -> Val | None:
        try:
            self.block(body, scope)
        except _Stop:
            pass
        except _Break:
            pass
        return self.result

    def decide(self) -> int:
        i = len(self.taken)
        d = self.decisions[i] if i < len(self.decisions) else 0
        self.taken.append(d)
        return d

    def block(self, stmts: list[ast.stmt], scope: Scope) -> None:
        for st in stmts:
            self.steps += 1
            if self.steps > MAX_STATEMENTS:
                raise _Budget
            self.stmt(st, scope)

    def stmt(self, st: ast.stmt, scope: Scope) -> None:
        ev = self.ev
        if isinstance(st, ast.Return):
            self.result = ev.ev(st.value, scope) if st.value is not None else None
            raise _Stop
        if isinstance(st, ast.Raise):
            self.result = None
            raise _Stop
        if isinstance(st, (ast.Break, ast.Continue)):
            raise _Break
        if isinstance(st, ast.If):
            t = truth(ev.ev(st.test, scope))
            if t is None:
                t = self.decide() == 0
            self.block(st.body if t else st.orelse, scope)
            return
        if isinstance(st, (ast.For, ast.AsyncFor)):
            it = ev.ev(st.iter, scope)
            ev.bind(st.target, element_of(ev, it, st.target), scope)
            try:
                self.block(st.body, scope)
            except _Break:
                pass
            return
        if isinstance(st, ast.While):
            ev.ev(st.test, scope)
            try:
                self.block(st.body, scope)
            except _Break:
                pass
            return
        if isinstance(st, (ast.With, ast.AsyncWith)):
            for item in st.items:
                v = ev.ev(item.context_expr, scope)
                if item.optional_vars is not None:
                    ev.bind(item.optional_vars, v, scope)
            self.block(st.body, scope)
            return
        if isinstance(st, ast.Try) or type(st).__name__ == "TryStar":
            self.block(st.body, scope)  # type: ignore[attr-defined]
            self.block(st.orelse, scope)  # type: ignore[attr-defined]
            self.block(st.finalbody, scope)  # type: ignore[attr-defined]
            return
        if isinstance(st, ast.Match):
            ev.ev(st.subject, scope)
            return
        ev.stmt(st, scope)


def element_of(ev: Evaluator, it: Val, target: ast.expr) -> Val:
    """One element of what a ``for`` loop iterates."""
    if isinstance(it, ColumnObj):
        return it.elem
    if isinstance(it, ListV):
        for i in it.items:
            if i is not MORE:
                return i
        if it.elem is not None:
            return it.elem
    return Sc(None, ev.loc(target), False, "loop variable")


def callable_of(x: Val | None) -> tuple[FuncV | None, Instance | None]:
    """The local function a value calls (a function, a lambda, a local class's ``__call__``)."""
    if isinstance(x, FuncV):
        return x, None
    if isinstance(x, Instance):
        f = x.klass.methods.get("__call__")
        return f, x
    if isinstance(x, ClassV):
        return None, None
    return None, None
