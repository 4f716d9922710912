"""What every part of the Python source shares about the file being read: locations of syntax
nodes, and turning evaluated values into facts (``Value``, ``Messages``, ``ClientCall`` ...)."""

from __future__ import annotations

import ast
import re

from ...facts import ClientCall, Messages, PeftOp, Value
from ...location import Loc, SourceFile
from .. import FileFacts
from .astutil import src
from .keys import CHAT_MARKUP, SAMPLING_KEYS, TUPLE_ROLES
from .values import (
    MORE,
    CallArgs,
    ChatText,
    DictV,
    Item,
    ListV,
    Member,
    Obj,
    Ref,
    Sc,
    Tokens,
    Val,
    plain,
)

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


class Context:
    def __init__(self, sf: SourceFile, text: str, facts: FileFacts):
        self.sf = sf
        self.path = sf.path
        self.fname = sf.path.name
        self.facts = facts
        self.lines = re.split(r"\r\n|\r|\n", text)
        self.ascii = text.isascii()

    # -- locations ------------------------------------------------------------------------------
    def _col(self, line: int, byte_off: int) -> int:
        s = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if s.isascii():
            return byte_off + 1
        return len(s.encode("utf-8")[:byte_off].decode("utf-8", "replace")) + 1

    def loc(self, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", None)
        if line is None:
            return Loc(self.path)
        off = getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", None) or line
        end_off = getattr(node, "end_col_offset", None)
        if self.ascii:  # columns are byte offsets + 1
            col = off + 1
            end_col = end_off + 1 if end_off is not None else col + 1
        else:
            col = self._col(line, off)
            end_col = self._col(end_line, end_off) if end_off is not None else col + 1
        return Loc(self.path, line, col, end_line, end_col)

    def name_loc(self, kw: ast.keyword) -> Loc:
        base = self.loc(kw)
        if base.line is None or base.col is None:
            return base
        return Loc(self.path, base.line, base.col, base.line, base.col + len(kw.arg or ""))

    def has_text(self, node: ast.AST, word: str) -> bool:
        start = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", None) or start
        return any(word in line for line in self.lines[start - 1 : end])

    def unknown(self, node: ast.AST, origin: str | None = None) -> Sc:
        return Sc(None, self.loc(node), False, origin, node=None if origin else node)

    def origin_of(self, x: Sc) -> str | None:
        if x.origin is None and x.node is not None:
            x.origin = f"`{src(x.node)}`"
            x.node = None
        return x.origin

    def src_of(self, node: ast.expr | None) -> str | None:
        return f"`{src(node)}`" if node is not None else None

    # -- values out -----------------------------------------------------------------------------
    def value(self, x: Item | None, at: Loc | None = None) -> Value:
        if isinstance(x, Sc):
            v = Value(x.value if x.resolved else None, x.loc, x.resolved, self.origin_of(x))
            if x.alts is not None and not x.resolved:
                v.alternatives = list(x.alts)
            return v
        if isinstance(x, Ref):
            if x.qual.startswith("torch."):
                return Value(x.qual, at or Loc(self.path), True, f"name {x.qual}")
            return Value(None, at or Loc(self.path), False, f"imported name {x.qual}")
        if isinstance(x, (DictV, ListV)):
            data, ok = plain(x)
            return Value(data, x.loc, ok, None)
        if isinstance(x, Obj):
            return Value(None, x.loc, False, f"object from {x.cls or x.kind}(...)")
        if isinstance(x, Member):
            return Value(None, x.loc, False, f"`{x.base_name or '…'}.{'.'.join(x.attrs)}`")
        return Value(None, at or Loc(self.path), False, "not resolved")

    def values_of(self, d: Val | None) -> dict[str, Value]:
        if not isinstance(d, DictV):
            return {}
        return {k: self.value(v, d.key_locs.get(k, d.loc)) for k, v in d.entries.items()}

    def kw_values(self, ca: CallArgs, skip: tuple[str, ...] = ()) -> dict[str, Value]:
        return {k: self.value(v, ca.kw_locs.get(k)) for k, v in ca.kwargs.items() if k not in skip}

    def sampling(self, src: dict[str, Val], locs: dict[str, Loc]) -> dict[str, Value]:
        return {k: self.value(v, locs.get(k)) for k, v in src.items() if k in SAMPLING_KEYS}

    def messages(self, x: Val | None, at: Loc) -> Messages:
        if isinstance(x, ChatText):
            if isinstance(x.messages, Messages):
                return x.messages
        if not isinstance(x, ListV):
            return Messages(x.loc if isinstance(x, (Sc, DictV)) else at, [], None, None, False)
        roles: list[str] = []
        complete = True
        first_role: str | None | bool = False  # False: not looked at yet
        system_text = None
        for i, item in enumerate(x.items):
            role, content = _role_of(item)
            if item is MORE or role is None:
                roles.append("?")
                complete = False
            else:
                roles.append(role)
            if i == 0:
                first_role = None if item is MORE else role
                if role == "system" and isinstance(content, Sc) and content.resolved:
                    if isinstance(content.value, str):
                        system_text = content.value
        if not x.items:
            has_system: bool | None = False
        elif first_role is None:
            has_system = None
        else:
            has_system = first_role == "system"
        return Messages(x.loc, roles, has_system, system_text, complete)

    def conversation(self, x: Val | None, at: Loc) -> Messages:
        """Messages of a chat call that takes one conversation or a batch of them. For a batch,
        the first conversation without a system message represents it (else the first)."""
        if isinstance(x, ListV):
            known = [i for i in x.items if i is not MORE]
            if known and all(isinstance(i, ListV) for i in known):
                convs = [self.messages(i, at) for i in known]
                rep = next((c for c in convs if c.has_system is False), None)
                if rep is None:
                    rep = next((c for c in convs if c.has_system is None), convs[0])
                has = rep.has_system
                if MORE in x.items and has is True:
                    has = None
                complete = all(c.complete for c in convs) and MORE not in x.items
                return Messages(rep.loc, rep.roles, has, rep.system_text, complete)
            if not known and isinstance(x.elem, ListV):
                m = self.messages(x.elem, at)
                return Messages(m.loc, m.roles, m.has_system, m.system_text, False)
        if x is None:
            return Messages(at, [], None, None, False)
        return self.messages(x, at)

    def prompt_source(self, x: Item | None) -> tuple[str, Messages | None, bool]:
        """('raw' | 'chat' | 'unknown', messages, has chat markup) of a prompt argument."""
        if isinstance(x, Obj):
            if isinstance(x, ChatText):
                return "chat", x.messages, x.markup
            if isinstance(x, Tokens):
                return x.source, x.messages, False
            return "unknown", None, False
        if isinstance(x, Sc):
            t = x.text
            if t is None or not t.strip() or _PLACEHOLDER.fullmatch(t.strip()):
                return "unknown", None, False
            return "raw", None, has_markup(t)
        if isinstance(x, DictV):
            if "prompt" in x.entries:
                return self.prompt_source(x.entries["prompt"])
            return "unknown", None, False
        if isinstance(x, ListV):
            parts = [self.prompt_source(i) for i in x.items if i is not MORE]
            if x.elem is not None:
                parts.append(self.prompt_source(x.elem))
            kinds = {p[0] for p in parts}
            markup = any(p[2] for p in parts)
            msgs = next((p[1] for p in parts if p[1] is not None), None)
            if kinds == {"raw"}:
                return "raw", None, markup
            if kinds == {"chat"}:
                return "chat", msgs, markup
            return "unknown", msgs, markup
        return "unknown", None, False

    # -- facts out ------------------------------------------------------------------------------
    def add_call(self, call: ClientCall) -> ClientCall:
        self.facts.clients.append(call)
        return call

    def add_op(self, op: PeftOp) -> PeftOp:
        self.facts.peft_ops.append(op)
        return op

    def note_spreads(self, call: ClientCall, ca: CallArgs) -> None:
        if ca.spreads or ca.star:
            call.extra["unresolved_kwargs"] = list(ca.spread_texts) or ["*args"]

    def copy_request_keys(
        self, call: ClientCall, src: dict[str, Val], locs: dict[str, Loc], keys: tuple[str, ...]
    ) -> None:
        """``call.extra[k]`` for each of ``keys`` given in the request."""
        for k in keys:
            if k in src:
                call.extra[k] = self.value(src[k], locs.get(k))


def has_markup(text: str | None) -> bool:
    if not text:
        return False
    return any(m in text for m in CHAT_MARKUP)


def markup_of(x: Item) -> bool:
    """The prompt's text already holds chat-template turn markers."""
    if isinstance(x, Sc):
        return has_markup(x.text)
    if isinstance(x, ListV):
        return any(markup_of(i) for i in x.items if i is not MORE)
    if isinstance(x, ChatText):
        return True
    return False


def _role_of(item: Item) -> tuple[str | None, Item | None]:
    if isinstance(item, DictV):
        role = item.entries.get("role")
        if isinstance(role, Sc) and role.resolved and isinstance(role.value, str):
            return role.value, item.entries.get("content")
        return None, None
    if isinstance(item, ListV) and item.is_tuple and len(item.items) == 2:
        r = item.items[0]
        if isinstance(r, Sc) and r.resolved and isinstance(r.value, str):
            tuple_role = TUPLE_ROLES.get(r.value)
            if tuple_role is not None:
                return tuple_role, item.items[1]
    return None, None
