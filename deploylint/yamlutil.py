"""YAML with positions: PyYAML's composer (C-accelerated when available) gives nodes with marks.

Nodes are navigated directly; values are converted to Python with a budget so alias bombs cannot
expand. Input is checked for nesting depth before parsing (libyaml's composer recurses).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .location import Aligner, Loc

try:
    _Loader: type = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _Loader = yaml.SafeLoader

MAX_DEPTH = 200
MAX_NODES = 200_000


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None, col: int | None):
        super().__init__(message)
        self.line = line
        self.col = col


_FLOW_OPEN = re.compile(r"[\[{]")


def _depth_guard(text: str) -> None:
    """Reject pathological nesting before handing the text to the (recursive) composer."""
    depth = max_depth = 0
    in_sq = in_dq = False
    prev = ""
    for ch in text:
        if in_sq:
            if ch == "'":
                in_sq = False
        elif in_dq:
            if ch == '"' and prev != "\\":
                in_dq = False
        elif ch == "'":
            in_sq = True
        elif ch == '"':
            in_dq = True
        elif ch in "[{":
            depth += 1
            if depth > max_depth:
                max_depth = depth
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch == "\n":
            in_sq = in_dq = False
        prev = ch
    if max_depth > MAX_DEPTH:
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", None, None)
    # Block nesting: indentation levels.
    widest = 0
    for line in text.splitlines():
        stripped = line.lstrip(" -")
        if stripped and not stripped.startswith("#"):
            widest = max(widest, len(line) - len(stripped))
    if widest > MAX_DEPTH * 4:
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", None, None)


def compose_all(text: str) -> list[Node]:
    """All documents of a YAML stream as nodes (None documents dropped)."""
    if not _FLOW_OPEN.search(text) and len(text) < 1_000_000:
        pass
    _depth_guard(text)
    try:
        docs = [d for d in yaml.compose_all(text, Loader=_Loader) if d is not None]
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        msg = e.problem or str(e)
        if e.context and e.problem:
            msg = f"{e.problem} ({e.context})"
        raise YamlError(
            msg.strip(), mark.line + 1 if mark else None, mark.column + 1 if mark else None
        ) from None
    except yaml.YAMLError as e:
        raise YamlError(str(e).strip(), None, None) from None
    except RecursionError:
        raise YamlError("nesting too deep", None, None) from None
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


def items(node: Node | None) -> Iterator[tuple[str, Node, Node]]:
    """(key, key_node, value_node) of a mapping, with ``<<`` merge keys expanded one level."""
    if not isinstance(node, MappingNode):
        return
    merged: list[tuple[str, Node, Node]] = []
    own: list[tuple[str, Node, Node]] = []
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.tag == "tag:yaml.org,2002:merge":
            sources = v.value if isinstance(v, SequenceNode) else [v]
            for src in sources:
                if isinstance(src, MappingNode):
                    for k2, v2 in src.value:
                        if isinstance(k2, ScalarNode):
                            merged.append((k2.value, k2, v2))
            continue
        if isinstance(k, ScalarNode):
            own.append((k.value, k, v))
    seen = {k for k, _, _ in own}
    yield from ((k, kn, v) for k, kn, v in merged if k not in seen)
    yield from own


def get(node: Node | None, *keys: str | int) -> Node | None:
    cur = node
    for key in keys:
        if isinstance(key, int):
            if not isinstance(cur, SequenceNode) or key >= len(cur.value):
                return None
            cur = cur.value[key]
            continue
        found = None
        for k, _, v in items(cur):
            if k == key:
                found = v  # last wins, like PyYAML
        if found is None:
            return None
        cur = found
    return cur


def key_node(node: Node | None, key: str) -> Node | None:
    found = None
    for k, kn, _ in items(node):
        if k == key:
            found = kn
    return found


def seq(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def scalar(node: Node | None) -> str | None:
    """The scalar's text (for null → None)."""
    if not isinstance(node, ScalarNode):
        return None
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return node.value


class TooComplex(ValueError):
    pass


_BOOL_TRUE = {"yes", "true", "on", "y"}
_BOOL_FALSE = {"no", "false", "off", "n"}


def scalar_value(node: ScalarNode) -> Any:
    tag, v = node.tag, node.value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return v.lower() in _BOOL_TRUE
    if tag == "tag:yaml.org,2002:int":
        try:
            return int(v.replace("_", ""), 0) if not v.startswith("0") or v == "0" else int(v, 0)
        except ValueError:
            try:
                return int(v.replace("_", ""))
            except ValueError:
                return v
    if tag == "tag:yaml.org,2002:float":
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
