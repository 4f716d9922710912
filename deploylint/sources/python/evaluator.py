"""A small evaluator of Python modules: statements, bindings and scopes.

It follows the module body in order, then every function and method not called from it, with
values from ``values.py``: constants, names, f-strings and concatenation, dict and list literals
(also built up with ``append``/``+=``/``insert``/``update``), ``os.environ`` reads and writes,
argument defaults of ``argparse``, ``self.x`` set in a class, and the single return value of a
local function. Branches and loops merge what they bind: a variable that differs between paths
becomes unknown. Expressions are in ``expressions.py``, calls in ``calls.py``; what a call to a
library means is decided by the recognisers in ``registry.py``.
"""

from __future__ import annotations

import ast
from typing import Any

from ...launch_details import PythonArgs
from ...location import SourceFile
from .. import FileFacts
from . import calls
from .astutil import assigned_names, changed_names, dotted, is_generator, src
from .context import Context
from .expressions import EXPRESSIONS, binop
from .values import (
    AMBIG,
    MORE,
    Ambig,
    CallArgs,
    ClassV,
    DictV,
    FuncV,
    Instance,
    KwargsObj,
    LaunchObj,
    ListV,
    Member,
    Obj,
    Ref,
    Sc,
    Scope,
    Val,
    merge_vars,
    same,
    squash,
    str_value,
    truth,
)

BUILTINS = frozenset(
    {"dict", "list", "tuple", "str", "int", "float", "bool", "len", "print", "open", "sorted"}
)


class Evaluator(Context):
    def __init__(self, sf: SourceFile, text: str, facts: FileFacts):
        super().__init__(sf, text, facts)
        self.depth = 0
        self.func_depth = 0
        self.funcs: list[FuncV] = []
        self.classes: list[ClassV] = []
        self.current: FuncV | None = None
        self.env_writes: dict[str, Sc] = {}  # os.environ[...] = ... in this module
        self.module_attrs: dict[str, Val] = {}  # openai.base_url = ... and the like
        self.python_vars: set[str] = set()
        self.changed_elsewhere: set[str] = set()
        self.global_names: set[str] = set()
        self.module_scope = Scope(None, True, "<module>")

    # -- where a list or dict is created ------------------------------------------------------
    @property
    def here(self) -> tuple[int, int]:
        """Where a list or dict is created: (function, control depth)."""
        return (self.frame, self.depth)

    def certain(self, x: ListV | DictV) -> bool:
        """A change to ``x`` here happens exactly once, after its creation: same function, not
        inside a branch or loop entered after it was created."""
        return x.depth[0] == self.frame and self.depth <= x.depth[1]

    @property
    def frame(self) -> int:
        return id(self.current) if self.current is not None else 0

    # -- driver ---------------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        self.changed_elsewhere, self.global_names = changed_names(tree, self.lines)
        self.block(tree.body, self.module_scope)
        progress = True
        while progress:  # functions and methods never called from module level
            progress = False
            for c in list(self.classes):
                if not c.done:
                    c.done = True
                    self.finish_class(c)
                    progress = True
            for f in list(self.funcs):
                if f.state == 0:
                    self.run_func(f)
                    progress = True

    def finish_class(self, c: ClassV) -> None:
        init = c.methods.get("__init__")
        if init is not None:
            self.run_func(init)
        for f in c.methods.values():
            self.run_func(f)

    def run_func(self, f: FuncV) -> None:
        if f.state != 0:
            return
        f.state = 1
        node = f.node
        scope = Scope(f.scope, False, getattr(node, "name", "<lambda>"))
        args = node.args
        params = [*args.posonlyargs, *args.args]
        is_method = f.cls is not None and not any(
            isinstance(d, ast.Name) and d.id == "staticmethod"
            for d in getattr(node, "decorator_list", [])
        )
        for i, a in enumerate([*params, *args.kwonlyargs]):
            if i == 0 and is_method and f.cls is not None and a.arg in ("self", "cls"):
                scope.vars[a.arg] = (self.instance_of(f.cls), a.lineno)
                continue
            scope.vars[a.arg] = (
                Sc(None, self.loc(a), False, f"parameter `{a.arg}` of {scope.name}()"),
                a.lineno,
            )
        for va in (args.vararg, args.kwarg):
            if va is not None:
                scope.vars[va.arg] = (
                    Sc(None, self.loc(va), False, f"parameter `{va.arg}` of {scope.name}()"),
                    va.lineno,
                )
        saved = (self.depth, self.current, self.func_depth)
        self.depth += 1
        self.func_depth = self.depth
        self.current = f
        try:
            if isinstance(node, ast.Lambda):
                f.returns.append(self.ev(node.body, scope))
            else:
                f.generator = self.has_text(node, "yield") and is_generator(node)
                self.block(node.body, scope)
        finally:
            self.depth, self.current, self.func_depth = saved
            f.state = 2

    def instance_of(self, c: ClassV) -> Instance:
        if c.instance is None:
            c.instance = Instance(self.loc(c.node), cls=c.node.name, klass=c)
        return c.instance

    # -- statements -----------------------------------------------------------------------------
    def block(self, stmts: list[ast.stmt], scope: Scope) -> None:
        for st in stmts:
            self.stmt(st, scope)

    def stmt(self, st: ast.stmt, scope: Scope) -> None:
        if isinstance(st, ast.Assign):
            val = self.ev(st.value, scope)
            for t in st.targets:
                self.bind(t, val, scope)
        elif isinstance(st, ast.AnnAssign):
            if st.value is not None:
                self.bind(st.target, self.ev(st.value, scope), scope)
        elif isinstance(st, ast.AugAssign):
            self.aug_assign(st, scope)
        elif isinstance(st, ast.Expr):
            self.ev(st.value, scope)
        elif isinstance(st, ast.Return):
            if st.value is not None:
                v = self.ev(st.value, scope)
                if self.current is not None:
                    self.current.returns.append(v)
            elif self.current is not None:
                self.current.returns.append(Sc(None, self.loc(st), True))
        elif isinstance(st, ast.If):
            self.if_stmt(st, scope)
        elif isinstance(st, (ast.For, ast.AsyncFor, ast.While)):
            self.loop(st, scope)
        elif isinstance(st, (ast.With, ast.AsyncWith)):
            for item in st.items:
                v = self.ev(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, v, scope)
            self.block(st.body, scope)
        elif isinstance(st, ast.Try) or type(st).__name__ == "TryStar":
            self.try_stmt(st, scope)
        elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # Decorators are not evaluated: `@app.post("/v1/chat/completions")` defines a route.
            cls = scope.vars.get("__class__", (None, 0))[0]
            if isinstance(cls, ClassV):
                f = FuncV(st, scope.parent or self.module_scope, cls=cls)
                cls.methods[st.name] = f
            else:
                f = FuncV(st, scope)
            self.funcs.append(f)
            scope.vars[st.name] = (f, st.lineno)
        elif isinstance(st, ast.ClassDef):
            cscope = Scope(scope, False, st.name)
            c = ClassV(st, cscope)
            cscope.vars["__class__"] = (c, st.lineno)
            self.classes.append(c)
            self.block(st.body, cscope)
            scope.vars[st.name] = (c, st.lineno)
        elif isinstance(st, ast.Import):
            for a in st.names:
                if a.asname:
                    scope.vars[a.asname] = (Ref(a.name), st.lineno)
                else:
                    top = a.name.split(".")[0]
                    scope.vars[top] = (Ref(top), st.lineno)
        elif isinstance(st, ast.ImportFrom):
            consts = (
                self._sibling_constants(st.module) if st.module and st.level in (0, 1) else None
            )
            if consts:
                # settings a script imports from a module beside it (`from config import *`,
                # `from .constants import MODEL_PATH`): its top-level literal constants
                for a in st.names:
                    if a.name == "*":
                        for name, val in consts.items():
                            scope.vars[name] = (val, st.lineno)
                    elif a.name in consts:
                        scope.vars[a.asname or a.name] = (consts[a.name], st.lineno)
                    else:
                        scope.vars[a.asname or a.name] = (
                            Sc(None, self.loc(st), False, f"imported `{a.name}`"),
                            st.lineno,
                        )
            elif st.level == 0 and st.module:
                for a in st.names:
                    if a.name != "*":
                        scope.vars[a.asname or a.name] = (Ref(f"{st.module}.{a.name}"), st.lineno)
            else:
                for a in st.names:
                    if a.name != "*":
                        scope.vars[a.asname or a.name] = (
                            Sc(None, self.loc(st), False, f"imported `{a.name}`"),
                            st.lineno,
                        )
        elif isinstance(st, ast.Delete):
            self.delete(st, scope)
        elif isinstance(st, (ast.Global, ast.Nonlocal)):
            for n in st.names:
                hit, owner = scope.find(n)
                if owner is not None and owner is not scope:
                    owner.vars[n] = (AMBIG, st.lineno)
        elif isinstance(st, ast.Match):
            self.ev(st.subject, scope)
            self.branches([[], *[c.body for c in st.cases]], scope)
        else:
            for child in ast.iter_child_nodes(st):
                if isinstance(child, ast.expr):
                    self.ev(child, scope)

    def _sibling_constants(self, module: str) -> dict[str, Sc] | None:
        """The top-level literal constants (``NAME = "text"``, a number, a boolean) of the module
        ``module`` when it is a file beside this one; None when there is no such file. A name
        also assigned anything else at the top level is left out (its value is not known)."""
        import warnings

        from ...location import Loc, read_text, safe_is_file

        if not module.isidentifier():
            return None
        path = self.sf.path.parent / f"{module}.py"
        if path == self.sf.path:
            return None
        if path not in self.facts.deps:
            self.facts.deps.append(path)  # a cached result is not reused once it changes
        if not safe_is_file(path):
            return None
        try:
            text = read_text(path, limit=512_000)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text)
        except (OSError, ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        # a name bound more than once anywhere in the module (branches, loops, functions,
        # imports) has no single value
        stores: dict[str, int] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                stores[node.id] = stores.get(node.id, 0) + 1
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for a in node.names:
                    name = (a.asname or a.name).split(".")[0]
                    stores[name] = stores.get(name, 0) + 2
        out: dict[str, Sc] = {}
        for st in tree.body:
            if not (isinstance(st, ast.Assign) and len(st.targets) == 1):
                continue
            t, v = st.targets[0], st.value
            if (
                isinstance(t, ast.Name)
                and stores.get(t.id) == 1
                and isinstance(v, ast.Constant)
                and isinstance(v.value, (str, int, float, bool))
            ):
                out[t.id] = Sc(
                    v.value,
                    Loc(
                        path,
                        v.lineno,
                        v.col_offset + 1,
                        v.end_lineno or v.lineno,
                        (v.end_col_offset or v.col_offset) + 1,
                    ),
                )
        return out

    def delete(self, st: ast.Delete, scope: Scope) -> None:
        for t in st.targets:
            if isinstance(t, ast.Name):
                scope.vars.pop(t.id, None)
            elif isinstance(t, ast.Subscript):
                base = self.ev(t.value, scope)
                if isinstance(base, ListV):
                    base.items = [MORE]
                elif isinstance(base, DictV):
                    key = str_value(self.ev(t.slice, scope))
                    if key is not None:
                        base.entries.pop(key, None)
                    else:
                        base.complete = False

    def if_stmt(self, st: ast.If, scope: Scope) -> None:
        test = self.ev(st.test, scope)
        t = truth(test)
        if t is True:
            self.block(st.body, scope)
            return
        if t is False:
            self.block(st.orelse, scope)
            return
        self.branches([st.body, st.orelse], scope)

    def branches(self, bodies: list[list[ast.stmt]], scope: Scope) -> None:
        before = dict(scope.vars)
        results = []
        self.depth += 1
        try:
            for body in bodies:
                scope.vars = dict(before)
                self.block(body, scope)
                results.append(scope.vars)
        finally:
            self.depth -= 1
        scope.vars = merge_vars(results)

    def loop(self, st: ast.For | ast.AsyncFor | ast.While, scope: Scope) -> None:
        if isinstance(st, ast.While):
            self.ev(st.test, scope)
        else:
            self.ev(st.iter, scope)
        assigned = assigned_names(st.body)
        before = dict(scope.vars)
        self.depth += 1
        try:
            for n in assigned:
                if n in scope.vars:
                    scope.vars[n] = (AMBIG, scope.vars[n][1])
            if not isinstance(st, ast.While):
                self.bind(
                    st.target,
                    Sc(None, self.loc(st.target), False, f"loop variable `{src(st.target)}`"),
                    scope,
                )
            self.block(st.body, scope)
            after = scope.vars
        finally:
            self.depth -= 1
        scope.vars = merge_vars([before, after])
        if st.orelse:
            self.block(st.orelse, scope)

    def try_stmt(self, st: Any, scope: Scope) -> None:  # ast.Try or ast.TryStar
        self.block(st.body, scope)
        if st.handlers:
            bodies = [[], *[h.body for h in st.handlers]]
            self.branches(bodies, scope)
        self.block(st.orelse, scope)
        self.block(st.finalbody, scope)

    def aug_assign(self, st: ast.AugAssign, scope: Scope) -> None:
        t = st.target
        rhs = self.ev(st.value, scope)
        if isinstance(t, ast.Name):
            cur = self.lookup(t.id, t, scope)
            if isinstance(cur, ListV) and isinstance(st.op, ast.Add):
                self.list_extend(cur, rhs)
                return
            fake = ast.BinOp(left=t, op=st.op, right=st.value)
            ast.copy_location(fake, st)
            fake.end_lineno, fake.end_col_offset = st.end_lineno, st.end_col_offset
            self.bind(t, binop(self, fake, cur, rhs), scope)
        elif isinstance(t, ast.Subscript):
            base = self.ev(t.value, scope)
            if isinstance(base, DictV):
                key = str_value(self.ev(t.slice, scope))
                if key is not None:
                    base.entries[key] = self.unknown(st)
                else:
                    base.complete = False
            elif isinstance(base, ListV):
                base.items = [MORE]
        elif isinstance(t, ast.Attribute):
            cur = self.ev(t, scope)
            if isinstance(cur, ListV) and isinstance(st.op, ast.Add):
                self.list_extend(cur, rhs)
            else:
                self.bind(t, self.unknown(st, f"`{src(t)}` changed with `{src(st)}`"), scope)

    def list_extend(self, lst: ListV, add: Val) -> None:
        new = add.items if isinstance(add, ListV) else [MORE]
        if not self.certain(lst):
            new = [MORE]
        lst.items = squash(lst.items + list(new))

    # -- binding --------------------------------------------------------------------------------
    def bind(self, target: ast.expr, val: Val, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.vars[target.id] = (val, target.lineno)
            self.on_bind(val, target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            items = val.items if isinstance(val, ListV) and MORE not in val.items else None
            star = any(isinstance(e, ast.Starred) for e in elts)
            for i, e in enumerate(elts):
                if isinstance(e, ast.Starred):
                    self.bind(e.value, ListV([MORE], self.loc(e), self.here), scope)
                elif items is not None and not star and len(items) == len(elts):
                    item = items[i]
                    assert item is not MORE
                    self.bind(e, item, scope)
                else:
                    self.bind(e, self.unknown(e, f"unpacked from `{src(target)}`"), scope)
        elif isinstance(target, ast.Attribute):
            self.bind_attribute(target, val, scope)
        elif isinstance(target, ast.Subscript):
            self.bind_item(target, val, scope)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, val, scope)

    def bind_attribute(self, target: ast.Attribute, val: Val, scope: Scope) -> None:
        base = self.ev(target.value, scope)
        if isinstance(base, KwargsObj):
            self.set_keyword(base, target, val)
            return
        if isinstance(base, Ref):
            self.module_attrs[f"{base.qual}.{target.attr}"] = val
        elif isinstance(base, Instance):
            c = base.klass
            prev = c.attrs.get(target.attr)
            in_init = (
                self.current is not None
                and getattr(self.current.node, "name", "") == "__init__"
                and self.depth == self.func_depth
            )
            if prev is None or prev is val or same(prev, val) or in_init:
                c.attrs[target.attr] = val
            else:
                c.attrs[target.attr] = AMBIG
            name = dotted(target)
            if name:
                self.on_bind(val, name)

    def bind_item(self, target: ast.Subscript, val: Val, scope: Scope) -> None:
        base = self.ev(target.value, scope)
        key = self.ev(target.slice, scope)
        if isinstance(base, Ref) and base.qual == "os.environ":
            name = str_value(key)
            if name is not None:
                self.env_write(name, val, target, "os.environ[...] =")
        elif isinstance(base, DictV):
            k = str_value(key)
            if k is not None:
                if not self.certain(base):
                    val = Sc(None, self.loc(target), False, f"`{src(target)}` set on some paths")
                base.entries[k] = val
                base.key_locs[k] = self.loc(target)
            else:
                base.complete = False
        elif isinstance(base, ListV):
            idx = key.value if isinstance(key, Sc) and key.resolved else None
            if (
                isinstance(idx, int)
                and self.certain(base)
                and 0 <= idx < len(base.items)
                and MORE not in base.items[: idx + 1]
            ):
                base.items[idx] = val
            else:
                base.items = [MORE]

    def set_keyword(self, obj: KwargsObj, target: ast.Attribute, val: Val) -> None:
        """``params.max_tokens = 512`` on a configuration object (SamplingParams ...): the
        keyword is set (to an unknown value when only some paths set it)."""
        if self.depth != self.func_depth:
            val = Sc(None, self.loc(target), False, f"`{src(target)}` set on some paths")
        obj.kwargs[target.attr] = val
        obj.locs[target.attr] = self.loc(target)

    def on_bind(self, val: Val, name: str) -> None:
        if isinstance(val, Obj):
            val.bound(name)
            pa = val.launch.args_of(PythonArgs) if isinstance(val, LaunchObj) else None
            if isinstance(val, LaunchObj) and pa is not None and pa.var is None:
                pv = name
                if pv in self.python_vars:
                    pv = f"{name}@{val.launch.loc.line}"
                self.python_vars.add(pv)
                pa.var = pv

    # -- the environment ------------------------------------------------------------------------
    def env_write(self, name: str, val: Val | None, node: ast.AST, how: str) -> None:
        if isinstance(val, Sc):
            sc = Sc(
                val.value,
                val.loc,
                val.resolved,
                f"os.environ[{name!r}] set at {self.fname}:{getattr(node, 'lineno', '?')}",
                val.partial,
            )
        else:
            sc = Sc(None, self.loc(node), False, f"os.environ[{name!r}] ({how})")
        self.env_writes[name] = sc

    def env_read(self, key: Val | None, default: Val | None, node: ast.AST) -> Sc:
        name = str_value(key)
        if name is None:
            return self.unknown(node, "an environment variable")
        if name in self.env_writes:
            w = self.env_writes[name]
            return Sc(w.value, w.loc, w.resolved, w.origin, w.partial, env_var=name)
        if isinstance(default, Sc) and (default.resolved or default.partial is not None):
            return Sc(
                default.value,
                default.loc,
                default.resolved,
                f"default of environment variable {name} (the environment may override it)",
                default.partial,
                env_var=name,
            )
        if default is not None and not isinstance(default, Sc):
            return self.unknown(node, f"environment variable {name}")
        return Sc(None, self.loc(node), False, f"environment variable {name}", env_var=name)

    def env_base_url(self, names: tuple[str, ...], reader: str) -> Sc | None:
        """The base URL a library reads from the environment, when this module sets it."""
        for n in names:
            w = self.env_writes.get(n)
            if w is not None:
                return Sc(
                    w.value,
                    w.loc,
                    w.resolved,
                    f"{w.origin}; {reader} reads {n} when no base URL is given",
                    w.partial,
                )
        return None

    # -- names ----------------------------------------------------------------------------------
    def lookup(self, name: str, node: ast.expr, scope: Scope) -> Val:
        hit, owner = scope.find(name)
        if hit is None or owner is None:
            if name in BUILTINS:
                return Ref(f"builtins.{name}")
            if name == "__name__":
                return Sc(None, self.loc(node), False, "`__name__`")
            return Sc(None, self.loc(node), False, f"`{name}` (not defined in this module)")
        val, line = hit
        if val is AMBIG:
            return Sc(
                None, self.loc(node), False, f"`{name}` is assigned differently on some paths"
            )
        if isinstance(val, Sc) and val.alts is not None:
            return Sc(None, self.loc(node), False, val.origin, alts=val.alts)
        if owner is not scope and self.current is not None:
            shared = self.shared(val, name)
            if shared is AMBIG:
                return Sc(None, self.loc(node), False, f"`{name}` is reassigned with `global`")
            val = shared
        if isinstance(val, Sc) and (val.resolved or val.partial is not None or val.env_var):
            kind = "constant" if owner.module else "variable"
            where = f"{kind} {name} at {self.fname}:{line}"
            origin = f"{val.origin} ({where})" if val.origin else where
            return Sc(val.value, val.loc, val.resolved, origin, val.partial, val.env_var)
        return val

    def shared(self, val: Val, name: str) -> Val | Ambig:
        """A value another function can also change (a module global, an instance attribute):
        if some code in the module changes `name` other than by appending, what this function
        sees is not known."""
        if name in self.global_names and isinstance(val, Sc):
            return AMBIG
        if name not in self.changed_elsewhere:
            return val
        if isinstance(val, ListV) and val.depth[0] != self.frame:
            val.items = squash([MORE, *val.items, MORE])
        elif isinstance(val, DictV) and val.depth[0] != self.frame:
            for k in val.entries:
                val.entries[k] = Sc(None, val.loc, False, f"`{name}[{k!r}]` is changed elsewhere")
            val.complete = False
        return val

    def class_var(self, c: ClassV, attr: str) -> Val | None:
        hit = c.scope.vars.get(attr)
        if hit is None:
            return None
        v = hit[0]
        if v is AMBIG or isinstance(v, (FuncV, ClassV)):
            return None
        if isinstance(v, Sc) and v.resolved:
            where = f"class attribute {c.node.name}.{attr} at {self.fname}:{hit[1]}"
            return Sc(v.value, v.loc, True, f"{v.origin} ({where})" if v.origin else where)
        return v

    def instance_attr(self, obj: Instance, attr: str, node: ast.Attribute) -> Val | None:
        c = obj.klass
        if attr in c.attrs:
            v = c.attrs[attr]
            if v is AMBIG:
                return self.unknown(node, f"`self.{attr}` is assigned differently")
            shared = self.shared(v, attr)
            if shared is AMBIG:  # a global of the same name
                return self.unknown(node, f"`self.{attr}` is assigned differently")
            return shared
        if attr in c.methods:
            return c.methods[attr]
        if "__init__" in c.methods or not c.ctor_args:
            # a dataclass / settings class called with arguments may override its defaults
            return self.class_var(c, attr)
        return None

    # -- expressions ----------------------------------------------------------------------------
    def obj_method(self, obj: Obj, attrs: tuple[str, ...], ca: CallArgs, m: Member) -> Val | None:
        """``obj.a(...)`` for a library object (see ``calls.obj_method``)."""
        return calls.obj_method(self, obj, attrs, ca, m)

    def ev(self, node: ast.expr, scope: Scope) -> Val:
        f = EXPRESSIONS.get(type(node))
        if f is not None:
            return f(self, node, scope)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.ev(child, scope)
        return self.unknown(node)
