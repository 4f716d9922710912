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


def changed_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names (last components) that some function changes in place other than by appending,
    plus `self.x` reassigned outside `__init__`; and names declared `global`/`nonlocal`.
    (Module-level code runs once, in order, before functions run, and is followed exactly.)"""
    changed: set[str] = set()
    globals_: set[str] = set()

    def visit(node: ast.AST, fn: str | None) -> None:
        for n in ast.iter_child_nodes(node):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(n, n.name)
                continue
            if fn is None:
                pass
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
                if n.func.attr in _DESTRUCTIVE:
                    name = _last_name(n.func.value)
                    if name:
                        changed.add(name)
            elif isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = n.targets if isinstance(n, (ast.Assign, ast.Delete)) else [n.target]
                for t in targets:
                    if isinstance(t, ast.Subscript):
                        name = _last_name(t.value)
                        if name:
                            changed.add(name)
                    elif (
                        isinstance(t, ast.Attribute)
                        and isinstance(t.value, ast.Name)
                        and t.value.id == "self"
                        and fn not in (None, "__init__")
                    ):
                        changed.add(t.attr)
            elif isinstance(n, (ast.Global, ast.Nonlocal)):
                globals_.update(n.names)
                changed.update(n.names)
            visit(n, fn)

    visit(tree, None)
    return changed, globals_


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
