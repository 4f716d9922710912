"""A small, faithful implementation of .gitignore matching (gitignore(5)).

Each directory's ``.gitignore`` applies to paths below it; later patterns override earlier ones,
``!`` re-includes, a trailing ``/`` matches directories only, a pattern containing a ``/`` is
anchored to its file's directory, ``**`` matches across directories. A path inside an ignored
directory cannot be re-included (the walker never descends into it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _translate(glob: str) -> str:
    """Translate a gitignore glob (already stripped of anchoring) into a regex body."""
    i, n = 0, len(glob)
    out: list[str] = []
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
                    out.append("(?:.*/)?")
                    i = j + 1
                    continue
                if before_ok and at_end:
                    out.append(".*")
                    i = j
                    continue
                out.append("[^/]*")
                i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = i + 1
            if j < n and glob[j] in "!^":
                j += 1
            if j < n and glob[j] == "]":
                j += 1
            while j < n and glob[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape(c))
            else:
                body = glob[i + 1 : j]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(c))
        i += 1
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
        body = _translate(line)
        if anchored:
            rx = "^" + body + "$"
        else:
            rx = "^(?:.*/)?" + body + "$"
        try:
            pats.append(_Pattern(re.compile(rx, re.DOTALL), negate, dir_only))
        except re.error:
            continue
    return pats


class IgnoreStack:
    """The gitignore patterns in force for one directory (its own and its ancestors')."""

    def __init__(self, layers: tuple[tuple[Path, tuple[_Pattern, ...]], ...] = ()):
        self.layers = layers

    def push(self, directory: Path, patterns: list[_Pattern]) -> IgnoreStack:
        if not patterns:
            return self
        return IgnoreStack(self.layers + ((directory, tuple(patterns)),))

    def ignored(self, path: Path, is_dir: bool) -> bool:
        result = False
        for base, patterns in self.layers:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            for p in patterns:
                if p.dir_only and not is_dir:
                    continue
                if p.regex.match(rel):
                    result = not p.negate
        return result


def load_gitignore(directory: Path) -> list[_Pattern]:
    f = directory / ".gitignore"
    try:
        if not f.is_file():
            return []
        return parse_lines(f.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return []
