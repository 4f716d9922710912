"""Questions answered from the syntax tree alone, before or beside evaluation."""

from __future__ import annotations

import ast
from collections.abc import Iterator

# Calls that read their arguments without changing a list or dict passed to them.
NON_MUTATING = frozenset(
    {
        "print",
        "len",
        "str",
        "repr",
        "format",
        "dumps",
        "dump",
        "pformat",
        "pprint",
        "info",
        "debug",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "write",
        "deepcopy",
        "copy",
        "list",
        "tuple",
        "dict",
        "sorted",
        "enumerate",
        "zip",
        "isinstance",
        "type",
        "id",
        "hash",
        "create",
        "parse",
        "stream",
        "post",
        "request",
        "invoke",
        "ainvoke",
        "astream",
        "batch",
        "abatch",
        "apply_chat_template",
        "chat",
        "generate",
        "stream_infer",
        "infer",
        "encode",
        "tokenize",
        "append",
        "echo",
        "secho",
        "display",
        "Markdown",
    }
)
# Methods that return the object they are called on (a model moved to a device ...).
SAME_OBJECT_METHODS = frozenset(
    {"to", "eval", "cuda", "cpu", "half", "float", "bfloat16", "train", "requires_grad_"}
)
_DESTRUCTIVE = frozenset(
    {"clear", "insert", "pop", "remove", "sort", "reverse", "popitem", "__setitem__"}
)
_MUTATORS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "sort",
        "reverse",
        "update",
        "setdefault",
        "popitem",
    }
)

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


def src(node: ast.AST, limit: int = 80) -> str:
    """The expression as source text, on one line, at most ``limit`` characters."""
    try:
        s = ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of odd trees
        return "<expression>"
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def dotted(node: ast.AST) -> str | None:
    """`a.b.c` of a name or attribute chain (the receiver of `x.to(device)`)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # model.to(device) / model.eval(): the receiver
        if node.func.attr in SAME_OBJECT_METHODS:
            return dotted(node.func.value)
    return None


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def changed_names(tree: ast.Module, lines: list[str]) -> tuple[set[str], set[str]]:
    """Names (last components) that some function changes in place other than by appending,
    plus `self.x` reassigned outside `__init__`; and names declared `global`/`nonlocal`.
    (Module-level code runs once, in order, before functions run, and is followed exactly.)

    ``lines`` is the module's text: a function whose text names none of the changing methods
    (``pop``, ``sort`` ...) is not searched for calls of them."""
    changed: set[str] = set()
    globals_: set[str] = set()

    def statements(body: list[ast.stmt], fn: str | None) -> None:
        # Statements only: assignments and `global` are statements, and so are function and
        # class definitions (expressions hold none).
        for st in body:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if fn is None:
                    _calls_in_function(st, lines, changed)
                statements(st.body, st.name)
                continue
            if fn is not None:
                if isinstance(st, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                    targets = (
                        st.targets if isinstance(st, (ast.Assign, ast.Delete)) else [st.target]
                    )
                    for t in targets:
                        if isinstance(t, ast.Subscript):
                            name = _last_name(t.value)
                            if name:
                                changed.add(name)
                        elif (
                            isinstance(t, ast.Attribute)
                            and isinstance(t.value, ast.Name)
                            and t.value.id == "self"
                            and fn != "__init__"
                        ):
                            changed.add(t.attr)
                elif isinstance(st, (ast.Global, ast.Nonlocal)):
                    globals_.update(st.names)
                    changed.update(st.names)
            for inner in _statement_lists(st):
                statements(inner, fn)

    statements(tree.body, None)
    return changed, globals_


def _statement_lists(st: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        v = getattr(st, name, None)
        if isinstance(v, list):
            yield v
    for h in getattr(st, "handlers", ()):
        yield h.body
    for c in getattr(st, "cases", ()):
        yield c.body


def _calls_in_function(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str], changed: set[str]
) -> None:
    """Receivers of `x.pop()`, `x.sort()` ... anywhere in a (top-level) function: its
    decorators, defaults, body and the functions inside it."""
    first = min([fn.lineno, *(d.lineno for d in fn.decorator_list)])
    text = "\n".join(lines[first - 1 : fn.end_lineno or fn.lineno])
    # A method name is written in the function's text (identifiers are NFKC-normalised, so a
    # text that is not ASCII is searched in the tree).
    if text.isascii() and not any(m in text for m in _DESTRUCTIVE):
        return
    for n in ast.walk(fn):
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr in _DESTRUCTIVE
        ):
            name = _last_name(n.func.value)
            if name:
                changed.add(name)


def assigned_names(stmts: list[ast.stmt]) -> set[str]:
    """Names assigned anywhere in the statements (not in nested definitions)."""
    out: set[str] = set()
    for st in stmts:
        for node in walk_no_defs(st):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                out.add(node.id)
    return out


def walk_no_defs(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` that does not enter function, class or lambda definitions."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for c in ast.iter_child_nodes(n):
            if isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            stack.append(c)


def is_generator(fn: FunctionNode) -> bool:
    body = fn.body if isinstance(fn.body, list) else []
    for st in body:
        for n in walk_no_defs(st):
            if isinstance(n, (ast.Yield, ast.YieldFrom)):
                return True
    return False


def may_mutate(fn: FunctionNode) -> bool:
    """Whether a local function may change a list or dict passed to it (syntactically)."""
    args = fn.args
    params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    body: list[ast.stmt] | list[ast.expr] = fn.body if isinstance(fn.body, list) else [fn.body]
    for st in body:
        for n in walk_no_defs(st):
            if isinstance(n, ast.Call):
                f = n.func
                if (
                    isinstance(f, ast.Attribute)
                    and isinstance(f.value, ast.Name)
                    and f.value.id in params
                    and f.attr in _MUTATORS
                ):
                    return True
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                if name not in NON_MUTATING:
                    for a in [*n.args, *(k.value for k in n.keywords)]:
                        if isinstance(a, ast.Name) and a.id in params:
                            return True
            elif isinstance(n, (ast.Assign, ast.AugAssign, ast.Delete)):
                targets = n.targets if isinstance(n, (ast.Assign, ast.Delete)) else [n.target]
                for t in targets:
                    if (
                        isinstance(t, ast.Subscript)
                        and isinstance(t.value, ast.Name)
                        and t.value.id in params
                    ):
                        return True
                    if isinstance(n, ast.AugAssign) and isinstance(t, ast.Name) and t.id in params:
                        return True
    return False
