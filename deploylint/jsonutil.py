"""JSON documents with positions for keys (computed lazily, only when a finding needs one)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .location import Loc

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


class JsonDoc:
    """A parsed JSON file. ``data`` is the decoded value; ``loc(*keys)`` finds a key's position."""

    def __init__(self, path: Path, text: str, data: Any):
        self.path = path
        self.text = text
        self.data = data
        self._positions: dict[tuple, tuple[int, int, int]] | None = None

    def get(self, key: str, default: Any = None) -> Any:
        if isinstance(self.data, dict):
            return self.data.get(key, default)
        return default

    def __contains__(self, key: str) -> bool:
        return isinstance(self.data, dict) and key in self.data

    def _index(self) -> dict[tuple, tuple[int, int, int]]:
        """Map key paths to (line, col, end_col) of the key string. Iterative; bounded."""
        if self._positions is not None:
            return self._positions
        pos: dict[tuple, tuple[int, int, int]] = {}
        text = self.text
        stack: list[list[Any]] = []  # each: [kind, current_key_or_index]
        line, line_start = 1, 0
        i, n = 0, len(text)
        expect_key = False
        limit = 200_000  # keys recorded
        while i < n:
            c = text[i]
            if c == "\n":
                line += 1
                line_start = i + 1
                i += 1
                continue
            if c == '"':
                m = _STRING.match(text, i)
                if not m:
                    break
                s = m.group(0)
                nl = s.count("\n")
                if expect_key and stack and stack[-1][0] == "obj":
                    try:
                        key = json.loads(s)
                    except ValueError:
                        key = s[1:-1]
                    stack[-1][1] = key
                    kp = tuple(_current_path(stack))
                    if len(pos) < limit and kp not in pos:
                        col = i - line_start + 1
                        pos[kp] = (line, col, col + len(s))
                    expect_key = False
                if nl:
                    line += nl
                    line_start = i + s.rfind("\n") + 1
                i = m.end()
                continue
            if c == "{":
                stack.append(["obj", None])
                expect_key = True
            elif c == "[":
                stack.append(["arr", 0])
                if len(pos) < limit:
                    kp = tuple(_current_path(stack))
                    col = i - line_start + 1
                    pos.setdefault(kp, (line, col, col + 1))
            elif c in "}]":
                if stack:
                    stack.pop()
                expect_key = False
            elif c == ",":
                if stack and stack[-1][0] == "obj":
                    expect_key = True
                elif stack and stack[-1][0] == "arr":
                    stack[-1][1] += 1
                    kp = tuple(_current_path(stack))
                    j = i + 1
                    while j < n and text[j] in " \t\r":
                        j += 1
                    if j < n and text[j] != "\n" and len(pos) < limit:
                        col = j - line_start + 1
                        pos.setdefault(kp, (line, col, col + 1))
            i += 1
        self._positions = pos
        return pos

    def loc(self, *keys: Any) -> Loc:
        """Location of the key at ``keys`` (e.g. ``loc("eos_token_id")``); the file if not found."""
        if not keys:
            return Loc(self.path, 1, 1, 1, 2)
        idx = self._index()
        k = tuple(keys)
        while k:
            if k in idx:
                line, col, end = idx[k]
                return Loc(self.path, line, col, line, end)
            k = k[:-1]
        return Loc(self.path, 1, 1, 1, 2)


def _current_path(stack: list[list[Any]]) -> list[Any]:
    return [entry[1] for entry in stack if entry[1] is not None]


class JsonError(ValueError):
    def __init__(self, message: str, line: int, col: int):
        super().__init__(message)
        self.line = line
        self.col = col


def parse(path: Path, text: str) -> JsonDoc:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise JsonError(e.msg, e.lineno, e.colno) from None
    except RecursionError:
        raise JsonError("nesting too deep", 1, 1) from None
    except ValueError:  # an integer longer than sys.get_int_max_str_digits() digits
        raise JsonError("a number is too long to read", 1, 1) from None
    return JsonDoc(path, text, data)
