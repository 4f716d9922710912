"""Python fixes through libcst (the `fix` extra), which keeps the file's formatting: only the nodes
a fix changes are printed anew. libcst is imported here alone, so a scan that computes no Python
fix never loads it (tests/test_light_imports.py)."""

from __future__ import annotations

import json
from pathlib import Path

from ..location import Loc
from . import Edit


def _libcst():
    try:
        import libcst
        from libcst.metadata import MetadataWrapper, PositionProvider
    except ImportError:  # the `fix` extra is not installed: no Python fixes
        return None
    return libcst, MetadataWrapper, PositionProvider


def _source(ctx, path: Path) -> str | None:
    lines = ctx.lines(path)
    if lines is None:
        return None
    from ..location import read_text

    try:
        return read_text(path)
    except (OSError, ValueError):
        return None


def prepend_system_message(ctx, call_loc: Loc, text: str) -> Edit | None:
    """An edit adding ``{"role": "system", "content": text}`` as the first element of the
    ``messages`` list of the call whose callee starts at ``call_loc``: a list literal given as the
    argument, or the one list literal assigned once to the variable given."""
    mods = _libcst()
    src = _source(ctx, call_loc.path)
    if mods is None or src is None or call_loc.line is None or call_loc.col is None:
        return None
    cst, MetadataWrapper, PositionProvider = mods
    try:
        wrapper = MetadataWrapper(cst.parse_module(src))
    except Exception:  # noqa: BLE001 - libcst cannot parse it: no fix
        return None
    positions = wrapper.resolve(PositionProvider)
    module = wrapper.module
    target = None
    for node, pos in positions.items():
        if (
            isinstance(node, cst.Call)
            and pos.start.line == call_loc.line
            and pos.start.column == call_loc.col - 1
        ):
            target = node
            break
    if target is None:
        return None
    arg = next(
        (a for a in target.args if a.keyword is not None and a.keyword.value == "messages"), None
    )
    if arg is None:
        return None
    value = arg.value
    if isinstance(value, cst.Name):
        assigned = [
            n.value
            for n in positions
            if isinstance(n, cst.Assign)
            and len(n.targets) == 1
            and isinstance(n.targets[0].target, cst.Name)
            and n.targets[0].target.value == value.value
        ]
        if len(assigned) != 1 or not isinstance(assigned[0], cst.List):
            return None
        value = assigned[0]
    if not isinstance(value, cst.List) or not value.elements:
        return None
    first = value.elements[0]
    if _is_system(cst, first.value):
        return None
    after_bracket = value.lbracket.whitespace_after
    if isinstance(after_bracket, cst.ParenthesizedWhitespace):
        sep = cst.Comma(whitespace_after=after_bracket)
    else:
        sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    system = cst.parse_expression(
        '{"role": "system", "content": ' + json.dumps(text, ensure_ascii=False) + "}"
    )
    new_list = value.with_changes(elements=[cst.Element(system, comma=sep), *value.elements])
    new_module = module.deep_replace(value, new_list)
    return _diff_edit(call_loc.path, src, new_module.code)


def _is_system(cst, node) -> bool:
    if not isinstance(node, cst.Dict):
        return False
    for el in node.elements:
        if (
            isinstance(el, cst.DictElement)
            and isinstance(el.key, cst.SimpleString)
            and el.key.evaluated_value == "role"
            and isinstance(el.value, cst.SimpleString)
            and el.value.evaluated_value == "system"
        ):
            return True
    return False


def _diff_edit(path: Path, old: str, new: str) -> Edit | None:
    """The one edit turning ``old`` into ``new`` (the changed middle)."""
    if old == new:
        return None
    i = 0
    n = min(len(old), len(new))
    while i < n and old[i] == new[i]:
        i += 1
    j = 0
    while j < n - i and old[len(old) - 1 - j] == new[len(new) - 1 - j]:
        j += 1
    start, end = i, len(old) - j

    def linecol(offset: int) -> tuple[int, int]:
        line = old.count("\n", 0, offset) + 1
        col = offset - (old.rfind("\n", 0, offset) + 1) + 1
        return line, col

    (sl, sc), (el, ec) = linecol(start), linecol(end)
    return Edit(path, sl, sc, el, ec, new[i : len(new) - j])
