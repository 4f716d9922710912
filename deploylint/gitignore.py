"""A small, faithful implementation of .gitignore matching (gitignore(5)).

Each directory's ``.gitignore`` applies to paths below it; later patterns override earlier ones,
``!`` re-includes, a trailing ``/`` matches directories only, a pattern containing a ``/`` is
anchored to its file's directory, ``**`` matches across directories. A path inside an ignored
directory cannot be re-included (the walker never descends into it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .location import read_bytes


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool = True  # False: matched against the last path component only


# Wildcards, by what they may match: "seg" (`*`: within one path component), "segs" (`**/`: any
# number of whole components), "any" (`/**` at the end, or wildcards merged together).
_GREEDY = {"seg": "[^/]*", "segs": "(?:.*/)?", "any": ".*"}
_LAZY = {"seg": "[^/]*?", "segs": "(?:.*?/)??", "any": ".*?"}


def _merge(a: str, b: str) -> str:
    """Adjacent wildcards as one (`**/*` is anything; `**/**/` is `**/`)."""
    return a if a == b else "any"


def _translate(glob: str) -> str:
    """Translate a gitignore glob (already stripped of anchoring) into a regex body.

    Matching stays linear-ish for any pattern, so that a hostile one such as
    ``*a*a*a*a*a*a*a*a*b`` cannot hang the scan: a wildcard that another wildcard of its kind
    follows (a `*` in the same path component, a `**/` anywhere after) matches the text after it at
    the *earliest* place and never backtracks (a lookahead with a back-reference: an atomic group
    that also works before Python 3.11). Earliest is always a correct choice there, because the
    next wildcard can absorb whatever lies between. The last wildcard of each kind is an ordinary
    greedy one.
    """
    i, n = 0, len(glob)
    items: list[tuple[str, str]] = []  # ("lit", regex) | ("star", kind); a "/" is ("lit", "/")

    def star(kind: str) -> None:
        if items and items[-1][0] == "star":
            items[-1] = ("star", _merge(items[-1][1], kind))
        else:
            items.append(("star", kind))

    while i < n:
        c = glob[i]
        if c == "*":
            if glob.startswith("**", i):
                # "**/" → any number of directories; "/**" at the end → everything inside.
                before_ok = i == 0 or glob[i - 1] == "/"
                j = i + 2
                after_slash = j < n and glob[j] == "/"
                at_end = j == n
                if before_ok and after_slash:
                    star("segs")
                    i = j + 1
                    continue
                if before_ok and at_end:
                    star("any")
                    i = j
                    continue
                star("seg")
                i = j
                continue
            star("seg")
        elif c == "?":
            items.append(("lit", "[^/]"))
        elif c == "[":
            j = i + 1
            if j < n and glob[j] in "!^":
                j += 1
            if j < n and glob[j] == "]":
                j += 1
            while j < n and glob[j] != "]":
                j += 1
            if j >= n:
                items.append(("lit", re.escape(c)))
            else:
                body = glob[i + 1 : j]
                if body[:1] in ("!", "^"):
                    body = "^/" + body[1:]  # a negated class never matches "/" (as in git)
                items.append(("lit", "[" + body.replace("\\", "\\\\") + "]"))
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            items.append(("lit", re.escape(glob[i])))
        elif c == "/":
            items.append(("lit", "/"))
        else:
            items.append(("lit", re.escape(c)))
        i += 1
    return _assemble(items, 0, len(items), [0])


def _assemble(items: list[tuple[str, str]], lo: int, hi: int, groups: list[int]) -> str:
    out: list[str] = []
    k = lo
    while k < hi:
        kind, text = items[k]
        if kind == "lit":
            out.append(text)
            k += 1
            continue
        # The text after this wildcard, up to the next wildcard that may absorb what lies between
        # (the next `*` in this component for `*`; the next `**/` or `/**` for `**/`).
        end = k + 1
        if text == "seg":
            while end < hi and items[end][0] == "lit" and items[end][1] != "/":
                end += 1
            atomic = end < hi and items[end] == ("star", "seg")
        else:
            while end < hi and not (items[end][0] == "star" and items[end][1] != "seg"):
                end += 1
            atomic = end < hi and text == "segs"
        if not atomic or end == k + 1:
            out.append(_GREEDY[text])
            k += 1
            continue
        groups[0] += 1
        name = f"g{groups[0]}"
        after = _assemble(items, k + 1, end, groups)
        out.append(f"(?=(?P<{name}>{_LAZY[text]}{after}))(?P={name})")
        k = end
    return "".join(out)


def parse_lines(lines: list[str]) -> list[_Pattern]:
    pats: list[_Pattern] = []
    for raw in lines:
        line = raw.rstrip("\n").rstrip("\r")
        # Trailing spaces are ignored unless escaped.
        while line.endswith(" ") and not line.endswith("\\ "):
            line = line[:-1]
        if not line or line.startswith("#"):
            continue
        negate = False
        if line.startswith("!"):
            negate = True
            line = line[1:]
        elif line.startswith("\\!") or line.startswith("\\#"):
            line = line[1:]
        dir_only = line.endswith("/")
        if dir_only:
            line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        if line.startswith("/"):
            line = line[1:]
        rx = "^" + _translate(line) + "$"
        try:
            pats.append(_Pattern(re.compile(rx, re.DOTALL), negate, dir_only, anchored))
        except re.error:
            continue
    return pats


class IgnoreStack:
    """The gitignore patterns in force for one directory (its own and its ancestors')."""

    def __init__(self, layers: tuple[tuple[Path, tuple[_Pattern, ...]], ...] = ()):
        self.layers = layers
        # (the directory as a "/"-terminated prefix, its patterns): paths are matched as text
        self._prefixes = tuple((_prefix(base), pats) for base, pats in layers)

    def push(self, directory: Path, patterns: list[_Pattern]) -> IgnoreStack:
        if not patterns:
            return self
        return IgnoreStack(self.layers + ((directory, tuple(patterns)),))

    def ignored(self, path: Path | str, is_dir: bool) -> bool:
        """Whether ``path`` (below the layers' directories, as a Path or its text) is ignored."""
        if not self._prefixes:
            return False
        text = os.fspath(path)
        if os.sep != "/":  # pragma: no cover - Windows
            text = text.replace(os.sep, "/")
        while text.startswith("./"):
            text = text[2:]
        result = False
        for prefix, patterns in self._prefixes:
            if not text.startswith(prefix) or (not prefix and text.startswith("/")):
                continue
            rel = text[len(prefix) :]
            name = rel.rsplit("/", 1)[-1]
            for p in patterns:
                if p.dir_only and not is_dir:
                    continue
                if p.regex.match(rel if p.anchored else name):
                    result = not p.negate
        return result


def _prefix(directory: Path) -> str:
    """``directory`` as the text its descendants start with ("" for ".": any relative path)."""
    text = os.fspath(directory)
    if os.sep != "/":  # pragma: no cover - Windows
        text = text.replace(os.sep, "/")
    if text in (".", ""):
        return ""
    return text if text.endswith("/") else text + "/"


def load_gitignore(directory: Path) -> list[_Pattern]:
    f = directory / ".gitignore"
    try:
        if not f.is_file():
            return []
        data = read_bytes(f)  # bounded; a FIFO or device is refused
    except OSError:
        return []
    return parse_lines(data.decode("utf-8", errors="replace").splitlines())
