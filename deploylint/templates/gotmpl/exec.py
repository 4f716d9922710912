"""Executing a parsed template: the evaluator state, :class:`GoTemplate`, :func:`parse` and
:func:`render`."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from .fmt import _format, _printable, _sort_key
from .funcs import (
    _BUILTINS,
    _PARAM_TYPE_NAMES,
    BUILTIN_FUNCS,
    OLLAMA_FUNCS,
    _Func,
    _FuncError,
    ollama_funcs,
)
from .lexer import _Lexer
from .limits import MAX_STEPS, MAX_TEMPLATE_DEPTH, GoTemplateError, Limits
from .parser import (
    ActionNode,
    BoolNode,
    BranchNode,
    BreakNode,
    ChainNode,
    CommandNode,
    ContinueNode,
    DotNode,
    FieldNode,
    IdentifierNode,
    IfNode,
    ListNode,
    NilNode,
    Node,
    NumberNode,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateNode,
    TextNode,
    VariableNode,
    WithNode,
    _Parser,
)
from .values import (
    _MISSING,
    INVALID,
    GoNilPtr,
    GoStruct,
    _indirect,
    _indirect_interface,
    _is_true,
    _kind,
    _truth,
    go_type_name,
)


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _State:
    def __init__(
        self,
        tmpl: GoTemplate,
        funcs: dict[str, _Func],
        trees: dict[str, ListNode],
        missingkey: str,
        limits: Limits,
        out: list[str],
    ) -> None:
        self.tmpl = tmpl
        self.funcs = funcs
        self.trees = trees
        self.missingkey = missingkey
        self.limits = limits
        self.out = out
        self.vars: list[list[Any]] = []
        self.node: Node | None = None
        self.depth = 0

    # errors / bounds ---------------------------------------------------------------------------
    def errorf(self, msg: str) -> GoTemplateError:
        line = self.node.line if self.node is not None else None
        return GoTemplateError("exec", msg, line)

    def step(self) -> None:
        lim = self.limits
        lim.steps += 1
        if lim.steps > lim.max_steps:
            raise GoTemplateError(
                "limit",
                f"execution exceeded {lim.max_steps} steps",
                self.node.line if self.node else None,
            )
        if lim.deadline is not None and (lim.steps & 1023) == 0 and time.monotonic() > lim.deadline:
            raise GoTemplateError(
                "limit", "execution exceeded its time limit", self.node.line if self.node else None
            )

    def write(self, s: str) -> None:
        if not s:
            return
        lim = self.limits
        lim.output += len(s)
        if lim.output > lim.max_output:
            raise GoTemplateError(
                "limit",
                f"output exceeded {lim.max_output} characters",
                self.node.line if self.node else None,
            )
        self.out.append(s)

    # variables -------------------------------------------------------------------------------
    def push(self, name: str, value: Any) -> None:
        self.vars.append([name, value])

    def mark(self) -> int:
        return len(self.vars)

    def pop(self, mark: int) -> None:
        del self.vars[mark:]

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i][1] = value
                return
        raise self.errorf(f"undefined variable: {name}")

    def set_top_var(self, n: int, value: Any) -> None:
        self.vars[len(self.vars) - n][1] = value

    def var_value(self, name: str) -> Any:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                return self.vars[i][1]
        raise self.errorf(f"undefined variable: {name}")

    # walking ---------------------------------------------------------------------------------
    def walk(self, dot: Any, node: Node) -> None:
        self.node = node
        self.step()
        if isinstance(node, ActionNode):
            val = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, val)
        elif isinstance(node, TextNode):
            self.write(node.text)
        elif isinstance(node, ListNode):
            for n in node.nodes:
                self.walk(dot, n)
        elif isinstance(node, IfNode) or isinstance(node, WithNode):
            self.walk_if_or_with(node, dot)
        elif isinstance(node, RangeNode):
            self.walk_range(dot, node)
        elif isinstance(node, TemplateNode):
            self.walk_template(dot, node)
        elif isinstance(node, BreakNode):
            raise _Break()
        elif isinstance(node, ContinueNode):
            raise _Continue()
        else:  # pragma: no cover
            raise self.errorf(f"unknown node: {node!r}")

    def walk_if_or_with(self, node: BranchNode, dot: Any) -> None:
        mark = self.mark()
        try:
            val = self.eval_pipeline(dot, node.pipe)
            truth, ok = _is_true(_indirect_interface(val))
            if not ok:
                raise self.errorf(f"if/with can't use {_format(val, 'v', None, 0)}")
            if truth:
                self.walk(val if isinstance(node, WithNode) else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            self.pop(mark)

    def walk_range(self, dot: Any, r: RangeNode) -> None:
        self.node = r
        outer = self.mark()
        try:
            val, _ = _indirect(self.eval_pipeline(dot, r.pipe))
            if val is None:
                val = INVALID
            mark = self.mark()
            decl = r.pipe.decl

            def one(index: Any, elem: Any) -> None:
                self.step()
                if decl:
                    if r.pipe.is_assign:
                        if len(decl) > 1:
                            self.set_var(decl[0].ident[0], index)
                        else:
                            self.set_var(decl[0].ident[0], elem)
                    else:
                        self.set_top_var(1, elem)
                if len(decl) > 1:
                    if r.pipe.is_assign:
                        self.set_var(decl[1].ident[0], elem)
                    else:
                        self.set_top_var(2, index)
                try:
                    self.walk(elem, r.list)
                except _Continue:
                    pass
                finally:
                    self.pop(mark)

            ran = False
            k = _kind(val)
            try:
                if k == "int":
                    if len(decl) > 1:
                        raise self.errorf(f"can't use {val} to iterate over more than one variable")
                    for i in range(val):
                        ran = True
                        one(INVALID, i)
                elif k == "slice":
                    items = list(val) if type(val) is bytes else val
                    for i, e in enumerate(items):
                        ran = True
                        one(i, e)
                elif k == "map":
                    for key in sorted(val, key=_sort_key):
                        ran = True
                        one(key, val[key])
                elif k == "invalid":
                    pass
                else:
                    self.node = r
                    raise self.errorf(f"range can't iterate over {_format(val, 'v', None, 0)}")
            except _Break:
                return
            if not ran and r.else_list is not None:
                self.walk(dot, r.else_list)
        finally:
            self.pop(outer)

    def walk_template(self, dot: Any, t: TemplateNode) -> None:
        self.node = t
        tree = self.trees.get(t.name)
        if tree is None:
            raise self.errorf(f'template "{t.name}" not defined')
        if self.depth >= MAX_TEMPLATE_DEPTH:
            raise GoTemplateError(
                "limit", f"exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})", t.line
            )
        new_dot = self.eval_pipeline(dot, t.pipe) if t.pipe is not None else INVALID
        saved_vars = self.vars
        self.vars = [["$", new_dot]]
        self.depth += 1
        try:
            self.walk(new_dot, tree)
        finally:
            self.depth -= 1
            self.vars = saved_vars

    # evaluation ------------------------------------------------------------------------------
    def eval_pipeline(self, dot: Any, pipe: PipeNode | None) -> Any:
        if pipe is None:
            return INVALID
        self.node = pipe
        value: Any = _MISSING
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            if value is None:  # interface{} holding nil: dig down -> no value
                value = INVALID
        for v in pipe.decl:
            if pipe.is_assign:
                self.set_var(v.ident[0], value)
            else:
                self.push(v.ident[0], value)
        return value

    def not_a_function(self, args: list[Node], final: Any) -> None:
        if len(args) > 1 or final is not _MISSING:
            raise self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: CommandNode, final: Any) -> Any:
        self.step()
        first = cmd.args[0]
        if isinstance(first, FieldNode):
            self.node = first
            return self.eval_field_chain(dot, dot, first, first.ident, cmd.args, final)
        if isinstance(first, ChainNode):
            return self.eval_chain(dot, first, cmd.args, final)
        if isinstance(first, IdentifierNode):
            return self.eval_function(dot, first, cmd.args, final)
        if isinstance(first, PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, VariableNode):
            return self.eval_variable(dot, first, cmd.args, final)
        self.node = first
        self.not_a_function(cmd.args, final)
        if isinstance(first, BoolNode):
            return first.value
        if isinstance(first, DotNode):
            return dot
        if isinstance(first, NilNode):
            raise self.errorf("nil is not a command")
        if isinstance(first, NumberNode):
            return first.num.ideal(first.line)
        if isinstance(first, StringNode):
            return first.text
        raise self.errorf(f"can't evaluate command {first!r}")

    def eval_chain(self, dot: Any, chain: ChainNode, args: list[Node], final: Any) -> Any:
        self.node = chain
        if isinstance(chain.node, NilNode):
            raise self.errorf(f"indirection through explicit nil in {chain}")
        base = self.eval_arg(dot, None, chain.node)
        return self.eval_field_chain(dot, base, chain, chain.field, args, final)

    def eval_variable(self, dot: Any, v: VariableNode, args: list[Node], final: Any) -> Any:
        self.node = v
        value = self.var_value(v.ident[0])
        if len(v.ident) == 1:
            self.not_a_function(args, final)
            return value
        return self.eval_field_chain(dot, value, v, v.ident[1:], args, final)

    def eval_field_chain(
        self,
        dot: Any,
        receiver: Any,
        node: Node,
        ident: list[str],
        args: list[Node] | None,
        final: Any,
    ) -> Any:
        for name in ident[:-1]:
            receiver = self.eval_field(dot, name, node, None, _MISSING, receiver)
        return self.eval_field(dot, ident[-1], node, args, final, receiver)

    def eval_field(
        self,
        dot: Any,
        name: str,
        node: Node,
        args: list[Node] | None,
        final: Any,
        receiver: Any,
    ) -> Any:
        if receiver is INVALID:
            if self.missingkey == "error":
                raise self.errorf(f'nil data; no entry for key "{name}"')
            return INVALID
        typ = go_type_name(receiver)
        rcv, is_nil = _indirect(receiver)
        if rcv is None:
            raise self.errorf(f"nil pointer evaluating interface {{}}.{name}")
        methods = getattr(rcv, "methods", None)
        if methods and name in methods:
            f = _Func(name, (), None, methods[name], builtin=False)
            return self.eval_call(dot, f, node, args, final, bound=rcv)
        has_args = (args is not None and len(args) > 1) or final is not _MISSING
        if isinstance(rcv, GoStruct):
            if name in rcv.fields:
                if has_args:
                    raise self.errorf(f"{name} has arguments but cannot be invoked as function")
                return rcv.fields[name]
        elif isinstance(rcv, dict):
            if has_args:
                raise self.errorf(f"{name} is not a method but has arguments")
            if name in rcv:
                return rcv[name]
            if self.missingkey == "zero":
                ez = getattr(rcv, "elem_zero", None)
                return ez() if ez is not None else None
            if self.missingkey == "error":
                raise self.errorf(f'map has no entry for key "{name}"')
            return INVALID
        elif isinstance(rcv, GoNilPtr):
            if name in rcv.elem_fields:
                raise self.errorf(f"nil pointer evaluating {typ}.{name}")
        raise self.errorf(f"can't evaluate field {name} in type {typ}")

    def eval_function(
        self, dot: Any, node: IdentifierNode, args: list[Node] | None, final: Any
    ) -> Any:
        self.node = node
        f = self.funcs.get(node.name)
        if f is None:
            raise self.errorf(f'"{node.name}" is not a defined function')
        return self.eval_call(dot, f, node, args, final)

    def eval_call(
        self,
        dot: Any,
        f: _Func,
        node: Node,
        args: list[Node] | None,
        final: Any,
        bound: Any = _MISSING,
    ) -> Any:
        arg_nodes = args[1:] if args is not None else []
        num_in = len(arg_nodes) + (0 if final is _MISSING else 1)
        nparams = len(f.params)
        if f.variadic is not None:
            num_fixed = nparams
            if num_in < num_fixed:
                raise self.errorf(
                    f"wrong number of args for {f.name}: want at least {nparams} got "
                    f"{len(arg_nodes)}"
                )
        else:
            num_fixed = len(arg_nodes)
            if num_in != nparams:
                raise self.errorf(f"wrong number of args for {f.name}: want {nparams} got {num_in}")

        if f.builtin and f.name in ("and", "or"):
            v: Any = INVALID
            for a in arg_nodes:
                v = self.eval_arg(dot, "value", a)
                if _truth(v) == (f.name == "or"):
                    return v
            if final is not _MISSING:
                v = self.validate_type(final, "value")
            return v

        argv: list[Any] = []
        i = 0
        while i < num_fixed and i < len(arg_nodes):
            argv.append(self.eval_arg(dot, f.params[i], arg_nodes[i]))
            i += 1
        if f.variadic is not None:
            while i < len(arg_nodes):
                argv.append(self.eval_arg(dot, f.variadic, arg_nodes[i]))
                i += 1
        if final is not _MISSING:
            if f.variadic is not None and num_in - 1 >= num_fixed:
                t = f.variadic
            else:
                t = f.params[num_in - 1] if num_in - 1 < nparams else (f.variadic or "any")
            argv.append(self.validate_type(final, t))
        self.step()
        try:
            if bound is not _MISSING:
                result = f.impl(bound, *argv)
            else:
                result = f.impl(*argv)
            if type(result) is str and len(result) > self.limits.max_output:
                # a value that could never be printed (printf "%s%s" doubling a variable)
                raise GoTemplateError(
                    "limit",
                    f"{f.name} made a value longer than {self.limits.max_output} characters",
                    node.line,
                )
            return result
        except _FuncError as e:
            self.node = node
            raise self.errorf(f"error calling {f.name}: {e}") from None
        except RecursionError:
            raise GoTemplateError("limit", "value nesting too deep", node.line) from None

    def validate_type(self, value: Any, typ: str | None) -> Any:
        if value is INVALID:
            if typ is None:
                return INVALID
            if typ == "any":
                return None
            if typ == "value":
                return INVALID
            raise self.errorf(f"invalid value; expected {_PARAM_TYPE_NAMES[typ]}")
        if typ in (None, "value", "any"):
            return value
        if typ == "string":
            if type(value) is str:
                return value
        elif typ == "int":
            if type(value) is int:
                return value
        raise self.errorf(
            f"wrong type for value; expected {_PARAM_TYPE_NAMES[typ]}; got {go_type_name(value)}"
        )

    def eval_arg(self, dot: Any, typ: str | None, n: Node) -> Any:
        self.node = n
        if isinstance(n, DotNode):
            return self.validate_type(dot, typ)
        if isinstance(n, NilNode):
            if typ in ("value", None):
                return INVALID
            if typ == "any":
                return None
            raise self.errorf(f"cannot assign nil to {_PARAM_TYPE_NAMES[typ]}")
        if isinstance(n, FieldNode):
            return self.validate_type(
                self.eval_field_chain(dot, dot, n, n.ident, [n], _MISSING), typ
            )
        if isinstance(n, VariableNode):
            return self.validate_type(self.eval_variable(dot, n, [], _MISSING), typ)
        if isinstance(n, PipeNode):
            return self.validate_type(self.eval_pipeline(dot, n), typ)
        if isinstance(n, IdentifierNode):
            return self.validate_type(self.eval_function(dot, n, None, _MISSING), typ)
        if isinstance(n, ChainNode):
            return self.validate_type(self.eval_chain(dot, n, [], _MISSING), typ)
        if typ == "string":
            if isinstance(n, StringNode):
                return n.text
            raise self.errorf(f"expected string; found {n}")
        if typ == "int":
            if isinstance(n, NumberNode) and n.num.is_int:
                return n.num.int_val
            raise self.errorf(f"expected integer; found {n}")
        # interface{} / reflect.Value
        if isinstance(n, BoolNode):
            return n.value
        if isinstance(n, NumberNode):
            return n.num.ideal(n.line)
        if isinstance(n, StringNode):
            return n.text
        raise self.errorf(f"can't handle assignment of {n} to empty interface argument")

    def print_value(self, node: Node, v: Any) -> None:
        self.node = node
        p = _printable(v)
        try:
            self.write(_format(p, "v", None, 0) if type(p) is not str else p)
        except RecursionError:
            raise GoTemplateError("limit", "value nesting too deep", node.line) from None


class GoTemplate:
    """A parsed Go template: ``root`` (the main tree) and ``trees`` ({{define}}/{{block}})."""

    def __init__(self, source: str, root: ListNode, trees: dict[str, ListNode]) -> None:
        self.source = source
        self.root = root
        self.trees = trees

    def execute(
        self,
        data: Any,
        *,
        missingkey: str = "zero",
        current_date: str = "2026-01-01",
        ollama_funcs_enabled: bool = True,
        limits: Limits | None = None,
        root: ListNode | None = None,
        trees: dict[str, ListNode] | None = None,
    ) -> str:
        """Execute with ``data`` as dot.  ``missingkey`` is Go's option ("zero" is what Ollama
        sets; "invalid" is Go's default; "error").  Raises :class:`GoTemplateError`."""
        if missingkey not in ("zero", "invalid", "error"):
            raise ValueError(f"bad missingkey {missingkey!r}")
        funcs = dict(_BUILTINS)
        if ollama_funcs_enabled:
            funcs.update(ollama_funcs(current_date))
        out: list[str] = []
        st = _State(
            self,
            funcs,
            self.trees if trees is None else trees,
            missingkey,
            limits or Limits(),
            out,
        )
        st.vars = [["$", data]]
        try:
            st.walk(data, self.root if root is None else root)
        except RecursionError:
            raise GoTemplateError("limit", "recursion too deep", None) from None
        return "".join(out)

    def identifiers(self) -> list[str]:
        """Ollama's ``Template.Vars()``: field and variable identifiers of every tree,
        lower-cased, sorted, unique.  Raises GoTemplateError("syntax") where Ollama's
        ``Identifiers`` fails (a ``{{template}}`` call without a pipeline)."""
        names: list[str] = []
        for tree in [self.root, *self.trees.values()]:
            for n in tree.nodes:
                names.extend(_identifiers(n))
        return sorted({n.lower() for n in names})


def _identifiers(n: Node) -> list[str]:
    if isinstance(n, ListNode):
        out: list[str] = []
        for c in n.nodes:
            out.extend(_identifiers(c))
        return out
    if isinstance(n, TemplateNode):
        if n.pipe is None:
            raise GoTemplateError("syntax", "undefined template specified", n.line)
        return _identifiers(n.pipe)
    if isinstance(n, ActionNode):
        return _identifiers(n.pipe)
    if isinstance(n, BranchNode):
        out = _identifiers(n.pipe)
        out.extend(_identifiers(n.list))
        if n.else_list is not None:
            out.extend(_identifiers(n.else_list))
        return out
    if isinstance(n, PipeNode):
        out = []
        for c in n.cmds:
            for a in c.args:
                out.extend(_identifiers(a))
        return out
    if isinstance(n, (FieldNode, VariableNode)):
        return list(n.ident)
    return []


def parse(src: str, *, funcs: Iterable[str] | None = None) -> GoTemplate:
    """Parse Go ``text/template`` source.  Functions known at parse time are Go's builtins plus
    Ollama's FuncMap (or ``funcs`` when given); an unknown function is a syntax error, as in Go.
    Raises :class:`GoTemplateError` (kind ``syntax``, or ``limit`` for excessive nesting)."""
    if not isinstance(src, str):
        raise TypeError("template source must be str")
    names = frozenset(BUILTIN_FUNCS) | frozenset(OLLAMA_FUNCS if funcs is None else funcs)
    toks = _Lexer(src).run()
    p = _Parser(toks, names)
    try:
        root = p.parse()
    except RecursionError:
        raise GoTemplateError("limit", "template nesting too deep", None) from None
    return GoTemplate(src, root, p.trees)


def render(
    src: str | GoTemplate,
    data: Any,
    *,
    missingkey: str = "zero",
    current_date: str = "2026-01-01",
    max_steps: int = MAX_STEPS,
    max_output: int = 4_000_000,
    timeout: float | None = 10.0,
) -> str:
    """Parse (if needed) and execute a template with plain data (``dict``/``list``/scalars are
    Go ``map[string]interface{}``/``[]interface{}``/basic values).  Defaults match Ollama's
    template options (``missingkey=zero``, Ollama's FuncMap)."""
    t = parse(src) if isinstance(src, str) else src
    return t.execute(
        data,
        missingkey=missingkey,
        current_date=current_date,
        limits=Limits(max_steps, max_output, timeout),
    )
