"""The ``text/template`` parse tree and parser."""

from __future__ import annotations

from typing import Any

from .lexer import (
    T_ASSIGN,
    T_BOOL,
    T_CHAR,
    T_CHARCONST,
    T_DECLARE,
    T_DOT,
    T_EOF,
    T_FIELD,
    T_IDENT,
    T_LEFT,
    T_LPAREN,
    T_NIL,
    T_NUMBER,
    T_PIPE,
    T_RAWSTRING,
    T_RIGHT,
    T_RPAREN,
    T_SPACE,
    T_STRING,
    T_TEXT,
    T_VAR,
    _Number,
    _Tok,
    _unquote,
)
from .limits import MAX_NESTING, GoTemplateError


class Node:
    __slots__ = ("line",)
    kind = "node"

    def __init__(self, line: int) -> None:
        self.line = line


class ListNode(Node):
    __slots__ = ("nodes",)
    kind = "list"

    def __init__(self, line: int, nodes: list[Node] | None = None) -> None:
        super().__init__(line)
        self.nodes: list[Node] = nodes if nodes is not None else []


class TextNode(Node):
    __slots__ = ("text",)
    kind = "text"

    def __init__(self, line: int, text: str) -> None:
        super().__init__(line)
        self.text = text


class FieldNode(Node):
    __slots__ = ("ident",)
    kind = "field"

    def __init__(self, line: int, ident: list[str]) -> None:
        super().__init__(line)
        self.ident = ident

    def __str__(self) -> str:
        return "".join("." + i for i in self.ident)


class VariableNode(Node):
    __slots__ = ("ident",)
    kind = "variable"

    def __init__(self, line: int, ident: list[str]) -> None:
        super().__init__(line)
        self.ident = ident

    def __str__(self) -> str:
        return ".".join(self.ident)


class ChainNode(Node):
    __slots__ = ("node", "field")
    kind = "chain"

    def __init__(self, line: int, node: Node, field: list[str]) -> None:
        super().__init__(line)
        self.node = node
        self.field = field

    def __str__(self) -> str:
        base = str(self.node)
        if isinstance(self.node, PipeNode):
            base = "(" + base + ")"
        return base + "".join("." + f for f in self.field)


class IdentifierNode(Node):
    __slots__ = ("name",)
    kind = "identifier"

    def __init__(self, line: int, name: str) -> None:
        super().__init__(line)
        self.name = name

    def __str__(self) -> str:
        return self.name


class DotNode(Node):
    __slots__ = ()
    kind = "dot"

    def __str__(self) -> str:
        return "."


class NilNode(Node):
    __slots__ = ()
    kind = "nil"

    def __str__(self) -> str:
        return "nil"


class BoolNode(Node):
    __slots__ = ("value",)
    kind = "bool"

    def __init__(self, line: int, value: bool) -> None:
        super().__init__(line)
        self.value = value

    def __str__(self) -> str:
        return "true" if self.value else "false"


class NumberNode(Node):
    __slots__ = ("num",)
    kind = "number"

    def __init__(self, line: int, num: _Number) -> None:
        super().__init__(line)
        self.num = num

    def __str__(self) -> str:
        return self.num.text


class StringNode(Node):
    __slots__ = ("quoted", "text")
    kind = "string"

    def __init__(self, line: int, quoted: str, text: str) -> None:
        super().__init__(line)
        self.quoted = quoted
        self.text = text

    def __str__(self) -> str:
        return self.quoted


class CommandNode(Node):
    __slots__ = ("args",)
    kind = "command"

    def __init__(self, line: int, args: list[Node] | None = None) -> None:
        super().__init__(line)
        self.args: list[Node] = args if args is not None else []

    def __str__(self) -> str:
        return " ".join(
            "(" + str(a) + ")" if isinstance(a, PipeNode) else str(a) for a in self.args
        )


class PipeNode(Node):
    __slots__ = ("is_assign", "decl", "cmds")
    kind = "pipe"

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.is_assign = False
        self.decl: list[VariableNode] = []
        self.cmds: list[CommandNode] = []

    def __str__(self) -> str:
        s = ""
        if self.decl:
            s = ", ".join(str(d) for d in self.decl) + (" = " if self.is_assign else " := ")
        return s + " | ".join(str(c) for c in self.cmds)


class ActionNode(Node):
    __slots__ = ("pipe",)
    kind = "action"

    def __init__(self, line: int, pipe: PipeNode) -> None:
        super().__init__(line)
        self.pipe = pipe


class BranchNode(Node):
    __slots__ = ("pipe", "list", "else_list")
    kind = "branch"

    def __init__(
        self, line: int, pipe: PipeNode, list_: ListNode, else_list: ListNode | None
    ) -> None:
        super().__init__(line)
        self.pipe = pipe
        self.list = list_
        self.else_list = else_list


class IfNode(BranchNode):
    __slots__ = ()
    kind = "if"


class RangeNode(BranchNode):
    __slots__ = ()
    kind = "range"


class WithNode(BranchNode):
    __slots__ = ()
    kind = "with"


class TemplateNode(Node):
    __slots__ = ("name", "pipe")
    kind = "template"

    def __init__(self, line: int, name: str, pipe: PipeNode | None) -> None:
        super().__init__(line)
        self.name = name
        self.pipe = pipe


class BreakNode(Node):
    __slots__ = ()
    kind = "break"


class ContinueNode(Node):
    __slots__ = ()
    kind = "continue"


class _EndNode(Node):
    __slots__ = ()
    kind = "end"


class _ElseNode(Node):
    __slots__ = ()
    kind = "else"


def _copy_node(n: Any) -> Any:
    """Deep copy of a parse tree (parse.Node.Copy)."""
    if isinstance(n, ListNode):
        return ListNode(n.line, [_copy_node(c) for c in n.nodes])
    if isinstance(n, ActionNode):
        return ActionNode(n.line, _copy_node(n.pipe))
    if isinstance(n, PipeNode):
        p = PipeNode(n.line)
        p.is_assign = n.is_assign
        p.decl = [VariableNode(d.line, list(d.ident)) for d in n.decl]
        p.cmds = [_copy_node(c) for c in n.cmds]
        return p
    if isinstance(n, CommandNode):
        return CommandNode(n.line, [_copy_node(a) for a in n.args])
    if isinstance(n, BranchNode):
        return type(n)(
            n.line,
            _copy_node(n.pipe),
            _copy_node(n.list),
            _copy_node(n.else_list) if n.else_list is not None else None,
        )
    if isinstance(n, TemplateNode):
        return TemplateNode(n.line, n.name, _copy_node(n.pipe) if n.pipe is not None else None)
    if isinstance(n, ChainNode):
        return ChainNode(n.line, _copy_node(n.node), list(n.field))
    if isinstance(n, FieldNode):
        return FieldNode(n.line, list(n.ident))
    if isinstance(n, VariableNode):
        return VariableNode(n.line, list(n.ident))
    return n  # leaves are immutable


# --------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, toks: list[_Tok], funcs: frozenset[str]) -> None:
        self.toks = toks
        self.i = 0
        self.funcs = funcs
        self.vars: list[str] = ["$"]
        self.range_depth = 0
        self.nesting = 0
        self.trees: dict[str, ListNode] = {}

    # token helpers ---------------------------------------------------------------------------
    def next(self) -> _Tok:
        t = self.toks[self.i]
        if self.i < len(self.toks) - 1:
            self.i += 1
        return t

    def backup(self, n: int = 1) -> None:
        self.i -= n

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next_non_space(self) -> _Tok:
        while True:
            t = self.next()
            if t.typ != T_SPACE:
                return t

    def peek_non_space(self) -> _Tok:
        # Go's peekNonSpace: consume spaces, leave the next non-space token pending
        while self.toks[self.i].typ == T_SPACE:
            self.i += 1
        return self.toks[self.i]

    def error(self, msg: str, tok: _Tok | None = None) -> GoTemplateError:
        line = (tok or self.toks[max(self.i - 1, 0)]).line
        return GoTemplateError("syntax", msg, line)

    def unexpected(self, tok: _Tok, context: str) -> GoTemplateError:
        if tok.typ == T_EOF:
            return self.error(f"unexpected EOF in {context}", tok)
        return self.error(f"unexpected {tok.describe()} in {context}", tok)

    def expect(self, typ: str, context: str) -> _Tok:
        t = self.next_non_space()
        if t.typ != typ:
            raise self.unexpected(t, context)
        return t

    # structure -------------------------------------------------------------------------------
    def parse(self) -> ListNode:
        root = ListNode(self.peek().line)
        while self.peek().typ != T_EOF:
            if self.peek().typ == T_LEFT:
                save = self.i
                self.next()
                if self.next_non_space().typ == "define":
                    self.parse_definition()
                    continue
                self.i = save
            n = self.text_or_action()
            if isinstance(n, (_EndNode, _ElseNode)):
                raise self.error(f"unexpected {{{{{n.kind}}}}}")
            root.nodes.append(n)
        return root

    def parse_definition(self) -> None:
        context = "define clause"
        t = self.next_non_space()
        if t.typ not in (T_STRING, T_RAWSTRING):
            raise self.unexpected(t, context)
        name = _unquote(t.val, t.line)
        self.expect(T_RIGHT, context)
        saved_vars = self.vars
        self.vars = ["$"]
        body, end = self.item_list()
        self.vars = saved_vars
        if not isinstance(end, _EndNode):
            raise self.error(f"unexpected {{{{{end.kind}}}}} in {context}")
        self._add_tree(name, body)

    def _add_tree(self, name: str, body: ListNode) -> None:
        old = self.trees.get(name)
        if old is None or _is_empty_tree(old):
            self.trees[name] = body
            return
        if not _is_empty_tree(body):
            raise self.error(f"template: multiple definition of template {name!r}")

    def item_list(self) -> tuple[ListNode, Node]:
        lst = ListNode(self.peek_non_space().line)
        while self.peek_non_space().typ != T_EOF:
            n = self.text_or_action()
            if isinstance(n, (_EndNode, _ElseNode)):
                return lst, n
            lst.nodes.append(n)
        raise self.error("unexpected EOF", self.peek())

    def text_or_action(self) -> Node:
        t = self.next_non_space()
        if t.typ == T_TEXT:
            return TextNode(t.line, t.val)
        if t.typ == T_LEFT:
            return self.action()
        raise self.unexpected(t, "input")

    def action(self) -> Node:
        t = self.next_non_space()
        typ = t.typ
        if typ == "block":
            return self.block_control(t)
        if typ in ("break", "continue"):
            nt = self.next_non_space()
            if nt.typ != T_RIGHT:
                raise self.unexpected(nt, "{{" + typ + "}}")
            if self.range_depth == 0:
                raise self.error(f"{{{{{typ}}}}} outside {{{{range}}}}", t)
            return BreakNode(t.line) if typ == "break" else ContinueNode(t.line)
        if typ == "else":
            p = self.peek_non_space()
            if p.typ in ("if", "with"):
                return _ElseNode(p.line)
            self.expect(T_RIGHT, "else")
            return _ElseNode(t.line)
        if typ == "end":
            self.expect(T_RIGHT, "end")
            return _EndNode(t.line)
        if typ in ("if", "range", "with"):
            return self.control(typ, t.line)
        if typ == "template":
            return self.template_control(t)
        self.backup()
        line = self.peek().line
        return ActionNode(line, self.pipeline("command", T_RIGHT))

    def _enter(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise GoTemplateError(
                "limit", f"nesting deeper than {MAX_NESTING} levels", self.peek().line
            )

    def control(self, context: str, line: int) -> Node:
        self._enter()
        mark = len(self.vars)
        try:
            pipe = self.pipeline(context, T_RIGHT)
            if context == "range":
                self.range_depth += 1
            lst, nxt = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(nxt, _ElseNode):
                if context == "if" and self.peek().typ == "if":
                    self.next()
                    else_list = ListNode(nxt.line, [self.control("if", nxt.line)])
                elif context == "with" and self.peek().typ == "with":
                    self.next()
                    else_list = ListNode(nxt.line, [self.control("with", nxt.line)])
                else:
                    else_list, nxt2 = self.item_list()
                    if not isinstance(nxt2, _EndNode):
                        raise self.error(f"expected end; found {{{{{nxt2.kind}}}}}")
        finally:
            del self.vars[mark:]
            self.nesting -= 1
        cls = {"if": IfNode, "range": RangeNode, "with": WithNode}[context]
        return cls(pipe.line, pipe, lst, else_list)

    def block_control(self, t: _Tok) -> Node:
        context = "block clause"
        nt = self.next_non_space()
        if nt.typ not in (T_STRING, T_RAWSTRING):
            raise self.unexpected(nt, context)
        name = _unquote(nt.val, nt.line)
        pipe = self.pipeline(context, T_RIGHT)
        saved_vars, saved_depth = self.vars, self.range_depth
        self.vars, self.range_depth = ["$"], 0
        body, end = self.item_list()
        self.vars, self.range_depth = saved_vars, saved_depth
        if not isinstance(end, _EndNode):
            raise self.error(f"unexpected {{{{{end.kind}}}}} in {context}")
        self._add_tree(name, body)
        return TemplateNode(nt.line, name, pipe)

    def template_control(self, t: _Tok) -> Node:
        context = "template clause"
        nt = self.next_non_space()
        if nt.typ not in (T_STRING, T_RAWSTRING):
            raise self.unexpected(nt, context)
        name = _unquote(nt.val, nt.line)
        pipe = None
        if self.next_non_space().typ != T_RIGHT:
            self.backup()
            pipe = self.pipeline(context, T_RIGHT)
        return TemplateNode(nt.line, name, pipe)

    def pipeline(self, context: str, end: str) -> PipeNode:
        pipe = PipeNode(self.peek_non_space().line)
        while True:  # "decls:" label
            v = self.peek_non_space()
            if v.typ != T_VAR:
                break
            vi = self.i
            self.next()
            after_var = self.peek()
            nxt = self.peek_non_space()
            if nxt.typ in (T_ASSIGN, T_DECLARE):
                pipe.is_assign = nxt.typ == T_ASSIGN
                self.next_non_space()
                pipe.decl.append(VariableNode(v.line, [v.val]))
                self.vars.append(v.val)
                break
            if nxt.typ == T_CHAR and nxt.val == ",":
                self.next_non_space()
                pipe.decl.append(VariableNode(v.line, [v.val]))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (T_VAR, T_RIGHT, T_RPAREN):
                        continue
                    raise self.error("range can only initialize variables")
                raise self.error(f"too many declarations in {context}")
            del after_var  # Go's backup2/backup3: the variable is an operand after all
            self.i = vi
            break
        while True:
            t = self.next_non_space()
            if t.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if t.typ in (
                T_BOOL,
                T_CHARCONST,
                T_DOT,
                T_FIELD,
                T_IDENT,
                T_NUMBER,
                T_NIL,
                T_RAWSTRING,
                T_STRING,
                T_VAR,
                T_LPAREN,
            ):
                self.backup()
                pipe.cmds.append(self.command())
            else:
                raise self.unexpected(t, context)

    def check_pipeline(self, pipe: PipeNode, context: str) -> None:
        if not pipe.cmds:
            raise self.error(f"missing value for {context}")
        for i, c in enumerate(pipe.cmds[1:]):
            if isinstance(c.args[0], (BoolNode, DotNode, NilNode, NumberNode, StringNode)):
                raise self.error(f"non executable command in pipeline stage {i + 2}")

    def command(self) -> CommandNode:
        cmd = CommandNode(self.peek_non_space().line)
        while True:
            self.peek_non_space()
            op = self.operand()
            if op is not None:
                cmd.args.append(op)
            t = self.next()
            if t.typ == T_SPACE:
                continue
            if t.typ in (T_RIGHT, T_RPAREN):
                self.backup()
            elif t.typ == T_PIPE:
                pass
            else:
                raise self.unexpected(t, "operand")
            break
        if not cmd.args:
            raise self.error("empty command")
        return cmd

    def operand(self) -> Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().typ == T_FIELD:
            fields = []
            line = self.peek().line
            while self.peek().typ == T_FIELD:
                fields.append(self.next().val[1:])
            if isinstance(node, FieldNode):
                node = FieldNode(line, node.ident + fields)
            elif isinstance(node, VariableNode):
                node = VariableNode(line, node.ident + fields)
            elif isinstance(node, (BoolNode, StringNode, NumberNode, NilNode, DotNode)):
                raise self.error(f"unexpected . after term {str(node)!r}".replace("'", '"'))
            else:
                node = ChainNode(line, node, fields)
        return node

    def term(self) -> Node | None:
        t = self.next_non_space()
        typ = t.typ
        if typ == T_IDENT:
            if t.val not in self.funcs:
                raise self.error(f'function "{t.val}" not defined', t)
            return IdentifierNode(t.line, t.val)
        if typ == T_DOT:
            return DotNode(t.line)
        if typ == T_NIL:
            return NilNode(t.line)
        if typ == T_VAR:
            if t.val not in self.vars:
                raise self.error(f'undefined variable "{t.val}"', t)
            return VariableNode(t.line, [t.val])
        if typ == T_FIELD:
            return FieldNode(t.line, [t.val[1:]])
        if typ == T_BOOL:
            return BoolNode(t.line, t.val == "true")
        if typ in (T_CHARCONST, T_NUMBER):
            return NumberNode(t.line, _Number(t.val, t.line, char=typ == T_CHARCONST))
        if typ == T_LPAREN:
            self._enter()
            try:
                return self.pipeline("parenthesized pipeline", T_RPAREN)
            finally:
                self.nesting -= 1
        if typ in (T_STRING, T_RAWSTRING):
            return StringNode(t.line, t.val, _unquote(t.val, t.line))
        self.backup()
        return None


def _is_empty_tree(n: Node | None) -> bool:
    if n is None:
        return True
    if isinstance(n, ListNode):
        return all(_is_empty_tree(c) for c in n.nodes)
    if isinstance(n, TextNode):
        return n.text.strip(" \t\r\n\v\f\x85\xa0") == ""
    return False
