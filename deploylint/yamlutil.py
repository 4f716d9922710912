"""YAML with positions: PyYAML's composer (C-accelerated when available) gives nodes with marks.

Nodes are navigated directly; values are converted to Python with a budget so alias bombs cannot
expand. Hostile input is refused before it can hurt: nesting deep enough to overflow libyaml's
recursive composer is measured first (exactly, from the non-recursive event parser, whenever a cheap
bound cannot rule it out), and a document whose aliases expand it far beyond its written size
(billion laughs) or refer to themselves is refused after composing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.events import CollectionEndEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .location import Aligner, Loc

try:
    _Base: type = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _Base = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
#: The tag of a plain scalar until someone asks for it (see ``tag``).
_PLAIN = "tag:deploylint,2025:plain"
_RESOLVERS = _Base.yaml_implicit_resolvers  # the safe loader's: first character -> [(tag, re)]


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader, resolving plain scalars' implicit tags (null, bool, int …) lazily.

    The stock resolver runs a regular expression for most plain scalars while composing; most
    of those scalars are never looked at, so their tag is worked out only when read (``tag``).
    """

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0] and (value[:1] in _RESOLVERS):
                return _PLAIN
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


def tag(node: Node) -> str:
    """A node's tag (a plain scalar's implicit one resolved as PyYAML's safe loader does)."""
    t = node.tag
    if t != _PLAIN:
        return t
    value = node.value
    t = _STR
    for candidate, regexp in _RESOLVERS.get(value[:1], ()):
        if regexp.match(value):
            t = candidate
            break
    node.tag = t
    return t


MAX_DEPTH = 200
MAX_NODES = 200_000
#: Most collections nested in one document. libyaml's composer recurses in C: around 100 000
#: levels overflow the stack and kill the process, so deeper input must never reach it.
MAX_NESTING = 500
#: Most nodes aliases may add to a stream beyond the nodes written in it.
MAX_ALIAS_EXPANSION = MAX_NODES


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None, col: int | None):
        super().__init__(message)
        self.line = line
        self.col = col


# A line whose indentation and block indicators ("- ", "? ", ": ") are this long may nest block
# collections deeply (each level needs a wider prefix); otherwise block nesting is bounded by it.
_DEEP_PREFIX = re.compile(r"^(?:[ \t]|[-?:](?=[ \t])){" + str(MAX_DEPTH * 4) + "}", re.M)
# (Such a prefix is a run of those characters: a plain search for one rules most texts out fast.)
_BLANK_RUN = re.compile(r"[ \t?:-]{" + str(MAX_DEPTH * 4) + "}")
# An anchor (`&name` at the start of a node): only then can aliases share nodes.
_ANCHOR = re.compile(r"(?<![^\s\[{,])&[^\s\[\]{},&]")


def _yaml_error(e: yaml.YAMLError) -> YamlError:
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        msg = e.problem or str(e)
        if e.context and e.problem:
            msg = f"{e.problem} ({e.context})"
        return YamlError(
            msg.strip(), mark.line + 1 if mark else None, mark.column + 1 if mark else None
        )
    return YamlError(str(e).strip(), None, None)


def _depth_guard(text: str) -> None:
    """Refuse nesting deeper than MAX_NESTING before the (recursive) composer sees the text.

    Cheap bounds first: flow nesting cannot exceed the number of ``[``/``{`` characters, and block
    nesting is bounded by the widest indentation-and-indicator prefix of a line. Only when those
    cannot rule deep nesting out is the text run through libyaml's event parser (a state machine:
    it does not recurse) to measure the depth exactly.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH and (
        not _BLANK_RUN.search(text) or not _DEEP_PREFIX.search(text)
    ):
        return
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    mark = event.start_mark
                    raise YamlError(
                        f"nesting deeper than {MAX_NESTING} levels",
                        mark.line + 1 if mark else None,
                        mark.column + 1 if mark else None,
                    )
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as e:
        raise _yaml_error(e) from None


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        out: list[Node] = []
        for k, v in node.value:
            out.append(k)
            out.append(v)
        return out
    return []


def _alias_guard(docs: list[Node]) -> None:
    """Refuse aliases that refer to themselves, or that expand the stream far past its size.

    Aliases share node objects, so a navigation that follows them visits a node once per path to
    it; the number of paths (the expanded tree size) is computed here, once per distinct node.
    """
    cap = 1 << 40
    memo: dict[int, int] = {}
    active: set[int] = set()
    distinct = 0
    total = 0
    for root in docs:
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            nid = id(node)
            if done:
                active.discard(nid)
                size = 1
                for c in _children(node):
                    size += memo[id(c)]
                memo[nid] = min(size, cap)
                continue
            if nid in memo:
                continue
            active.add(nid)
            distinct += 1
            stack.append((node, True))
            for c in _children(node):
                cid = id(c)
                if cid in active:
                    m = c.start_mark
                    raise YamlError(
                        "an alias refers to a node that contains it (recursive structure)",
                        m.line + 1 if m else None,
                        m.column + 1 if m else None,
                    )
                if cid not in memo:
                    stack.append((c, False))
        total += memo[id(root)]
        if total - distinct > MAX_ALIAS_EXPANSION:
            raise YamlError(
                f"aliases expand the document to more than {distinct + MAX_ALIAS_EXPANSION} "
                f"nodes ({distinct} written); an alias bomb is not expanded",
                None,
                None,
            )


#: Most nodes a stream may have to be composed (a 4 MB line of `a,a,a…` is two million): counted
#: with the event parser, which builds nothing, when a cheap bound cannot rule it out.
MAX_STREAM_NODES = 500_000


def _size_guard(text: str) -> None:
    if text.count(",") + 2 * text.count("\n") + text.count("[") + text.count("{") < (
        MAX_STREAM_NODES
    ):
        return
    n = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.ScalarEvent, CollectionStartEvent, yaml.AliasEvent)):
                n += 1
                if n > MAX_STREAM_NODES:
                    raise YamlError(
                        f"more than {MAX_STREAM_NODES} YAML nodes; not read", None, None
                    )
    except yaml.YAMLError as e:
        raise _yaml_error(e) from None


def compose_all(text: str) -> list[Node]:
    """All documents of a YAML stream as nodes (None documents dropped)."""
    _depth_guard(text)
    _size_guard(text)
    try:
        docs = [d for d in yaml.compose_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as e:
        raise _yaml_error(e) from None
    except RecursionError:
        raise YamlError("nesting too deep", None, None) from None
    if docs and "&" in text and _ANCHOR.search(text):
        _alias_guard(docs)
    return docs


def loc(path: Path, node: Node | None) -> Loc:
    if node is None:
        return Loc(path)
    s, e = node.start_mark, node.end_mark
    if isinstance(node, ScalarNode) and s.line == e.line:
        return Loc(path, s.line + 1, s.column + 1, e.line + 1, e.column + 1)
    return Loc(path, s.line + 1, s.column + 1, s.line + 1, s.column + 2)


def is_map(node: Node | None) -> bool:
    return isinstance(node, MappingNode)


def is_seq(node: Node | None) -> bool:
    return isinstance(node, SequenceNode)


def is_scalar(node: Node | None) -> bool:
    return isinstance(node, ScalarNode)


_INDEX = "_deploylint_index"  # attribute caching a mapping's entries and lookup table


def _entries(node: MappingNode) -> list[tuple[str, Node, Node]]:
    merged: list[tuple[str, Node, Node]] = []
    own: list[tuple[str, Node, Node]] = []
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == "<<" and tag(k) == _MERGE:
            sources = v.value if isinstance(v, SequenceNode) else [v]
            for src in sources:
                if isinstance(src, MappingNode):
                    for k2, v2 in src.value:
                        if isinstance(k2, ScalarNode):
                            merged.append((k2.value, k2, v2))
            continue
        if isinstance(k, ScalarNode):
            own.append((k.value, k, v))
    if not merged:
        return own
    seen = {k for k, _, _ in own}
    return [e for e in merged if e[0] not in seen] + own


def _index(node: MappingNode) -> tuple[list[tuple[str, Node, Node]], dict[str, tuple[Node, Node]]]:
    """A mapping's entries and a key → (key node, value node) table (the last entry of a key
    wins, like PyYAML), computed once per node: nodes are never changed after composing."""
    idx = node.__dict__.get(_INDEX)
    if idx is None:
        entries = _entries(node)
        table = {k: (kn, v) for k, kn, v in entries}
        idx = (entries, table)
        node.__dict__[_INDEX] = idx
    return idx


def items(node: Node | None) -> Iterator[tuple[str, Node, Node]]:
    """(key, key_node, value_node) of a mapping, with ``<<`` merge keys expanded one level."""
    if not isinstance(node, MappingNode):
        return iter(())
    return iter(_index(node)[0])


def get(node: Node | None, *keys: str | int) -> Node | None:
    cur = node
    for key in keys:
        if isinstance(key, int):
            if not isinstance(cur, SequenceNode) or key >= len(cur.value):
                return None
            cur = cur.value[key]
            continue
        if not isinstance(cur, MappingNode):
            return None
        hit = _index(cur)[1].get(key)
        if hit is None:
            return None
        cur = hit[1]
    return cur


def key_node(node: Node | None, key: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    hit = _index(node)[1].get(key)
    return hit[0] if hit is not None else None


def seq(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def scalar(node: Node | None) -> str | None:
    """The scalar's text (for null → None)."""
    if not isinstance(node, ScalarNode):
        return None
    value = node.value
    if value and value[0] not in _NULL_FIRST and node.tag == _PLAIN:
        return value  # a plain scalar null cannot start with this: no tag to resolve
    if tag(node) == _NULL:
        return None
    return value


#: The first characters of a plain null (the safe resolver's ``~``, ``null``, ``Null``, ``NULL``).
_NULL_FIRST = frozenset("~nN")


class TooComplex(ValueError):
    pass


_BOOL_TRUE = {"yes", "true", "on", "y"}
_BOOL_FALSE = {"no", "false", "off", "n"}


def scalar_value(node: ScalarNode) -> Any:
    t, v = tag(node), node.value
    if t == _NULL:
        return None
    if t == "tag:yaml.org,2002:bool":
        return v.lower() in _BOOL_TRUE
    if t == "tag:yaml.org,2002:int":
        if len(v) > 128:
            return v  # not a count or a size; too long to convert back to text safely
        try:
            return int(v.replace("_", ""), 0) if not v.startswith("0") or v == "0" else int(v, 0)
        except ValueError:
            try:
                return int(v.replace("_", ""))
            except ValueError:
                return v
    if t == "tag:yaml.org,2002:float":
        try:
            return float(v.replace("_", ""))
        except ValueError:
            low = v.lower()
            if low in (".inf", "+.inf"):
                return float("inf")
            if low == "-.inf":
                return float("-inf")
            return v
    return v


def to_py(node: Node | None, budget: int = MAX_NODES) -> Any:
    """Convert a node to plain Python, refusing to expand more than ``budget`` nodes."""
    count = 0

    def conv(n: Node, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > budget:
            raise TooComplex(f"more than {budget} YAML nodes (alias expansion?)")
        if depth > MAX_DEPTH:
            raise TooComplex("nesting too deep")
        if isinstance(n, ScalarNode):
            return scalar_value(n)
        if isinstance(n, SequenceNode):
            return [conv(x, depth + 1) for x in n.value]
        if isinstance(n, MappingNode):
            out: dict[Any, Any] = {}
            for k, _kn, v in items(n):
                out[k] = conv(v, depth + 1)
            return out
        return None

    if node is None:
        return None
    return conv(node, 0)


def aligner(path: Path, text: str, node: ScalarNode) -> Aligner:
    """Offsets in the scalar's value → source positions."""
    s, e = node.start_mark, node.end_mark
    return Aligner(path, text, s.index, e.index, node.value)
