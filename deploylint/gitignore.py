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

from .location import read_bytes, split_lines


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool = True  # False: matched against the last path component only
    literal: str = ""  # text every match contains: a path without it is rejected at once


#: Most patterns read from one ignore file; the rest are not applied (and reported). Thousands of
#: patterns would cost thousands of matches for every path of the tree.
MAX_PATTERNS = 2000


def _required_literal(glob: str) -> str:
    """The longest run of literal characters of a glob: a substring of every text it matches."""
    best = cur = ""
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if c == "\\" and i + 1 < n:
            cur += glob[i + 1]
            i += 2
            continue
        if c in "*?[":
            best = max(best, cur, key=len)
            cur = ""
            if c == "[":
                j = glob.find("]", i + 2)
                i = n if j == -1 else j + 1
            elif glob.startswith("**/", i):
                i += 3  # "**/" may match nothing, its "/" included
            else:
                i += 1
            continue
        cur += c
        i += 1
    return max(best, cur, key=len)


# Wildcards, by what they may match: "seg" (`*`: within one path component), "segs" (`**/`: any
# number of whole components), "any" (`/**` at the end, or wildcards merged together).
_GREEDY = {"seg": "[^/]*", "segs": "(?:.*/)?", "any": ".*"}
_LAZY = {"seg": "[^/]*?", "segs": "(?:.*?/)??", "any": ".*?"}


def _merge(a: str, b: str) -> str:
    """Adjacent wildcards as one (`**/*` is anything; `**/**/` is `**/`)."""
    return a if a == b else "any"


# POSIX character classes git's wildmatch knows, as Python class bodies (ASCII, as in git).
_POSIX = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "\\x21-\\x7e",
    "lower": "a-z",
    "print": "\\x20-\\x7e",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9a-fA-F",
}


def _class_body(body: str) -> str:
    """A gitignore bracket expression's body (without ``[``, ``!`` and ``]``) as the body of a
    Python character class: every character escaped (so that ``[[``, ``--``, ``&&``, ``~~`` or
    ``||`` are literal, as in git, and never Python's set operations), ranges kept, POSIX classes
    (``[:alpha:]``) expanded. A reversed range matches nothing (git) instead of being an error."""
    out: list[str] = []
    i, n = 0, len(body)

    def char(k: int) -> tuple[str, int]:
        if body[k] == "\\" and k + 1 < n:
            return body[k + 1], k + 2
        return body[k], k + 1

    while i < n:
        if body.startswith("[:", i):
            end = body.find(":]", i + 2)
            if end != -1 and body[i + 2 : end] in _POSIX:
                out.append(_POSIX[body[i + 2 : end]])
                i = end + 2
                continue
        lo, k = char(i)
        if k + 1 < n and body[k] == "-":
            hi, k2 = char(k + 1)
            if lo <= hi:
                out.append(re.escape(lo) + "-" + re.escape(hi))
            i = k2
            continue
        out.append(re.escape(lo))
        i = k
    return "".join(out)


def _translate(glob: str, groups: list[int] | None = None) -> str:
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
                if glob.startswith("[:", j) and glob.find(":]", j + 2) != -1:
                    j = glob.find(":]", j + 2) + 2  # a POSIX class: its "]" does not close
                    continue
                j += 2 if glob[j] == "\\" and j + 1 < n else 1
            if j >= n:
                items.append(("lit", re.escape(c)))
            else:
                body = glob[i + 1 : j]
                negated = body[:1] in ("!", "^")
                cls = _class_body(body[1:] if negated else body)
                if negated:
                    cls = "^/" + cls  # a negated class never matches "/" (as in git)
                items.append(("lit", "[" + cls + "]" if cls else "(?!)"))
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            items.append(("lit", re.escape(glob[i])))
        elif c == "/":
            items.append(("lit", "/"))
        else:
            items.append(("lit", re.escape(c)))
        i += 1
    return _assemble(items, 0, len(items), groups if groups is not None else [0])


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


def parse_lines(lines: list[str], notes: list[str] | None = None) -> list[_Pattern]:
    """The patterns of an ignore file's lines (at most MAX_PATTERNS; ``notes`` gets a message
    when there are more)."""
    pats: list[_Pattern] = []
    groups = [0]
    for raw in lines:
        if len(pats) >= MAX_PATTERNS:
            if notes is not None:
                notes.append(
                    f"more than {MAX_PATTERNS} patterns: only the first {MAX_PATTERNS} are applied"
                )
            break
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
        rx = "^" + _translate(line, groups) + "$"
        try:
            regex = re.compile(rx, re.DOTALL)
        except re.error:
            continue
        pats.append(_Pattern(regex, negate, dir_only, anchored, _required_literal(line)))
    return pats


class IgnoreStack:
    """The gitignore patterns in force for one directory (its own and its ancestors')."""

    def __init__(self, layers: tuple[tuple[Path, tuple[_Pattern, ...]], ...] = ()):
        self.layers = layers
        # (the directory as a "/"-terminated prefix, its patterns): paths are matched as text
        self._prefixes = tuple((_prefix(base), pats) for base, pats in layers)
        # the deepest layer first, each layer's last pattern first: the first match decides
        self._reversed = tuple((prefix, pats[::-1]) for prefix, pats in reversed(self._prefixes))

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
        for prefix, patterns in self._reversed:
            if not text.startswith(prefix) or (not prefix and text.startswith("/")):
                continue
            rel = text[len(prefix) :]
            name = rel.rsplit("/", 1)[-1]
            for p in patterns:
                if p.dir_only and not is_dir:
                    continue
                subject = rel if p.anchored else name
                if p.literal not in subject:
                    continue
                if p.regex.match(subject):
                    return not p.negate
        return False


def _prefix(directory: Path) -> str:
    """``directory`` as the text its descendants start with ("" for ".": any relative path)."""
    text = os.fspath(directory)
    if os.sep != "/":  # pragma: no cover - Windows
        text = text.replace(os.sep, "/")
    if text in (".", ""):
        return ""
    return text if text.endswith("/") else text + "/"


def load_gitignore(directory: Path, notes: list[str] | None = None) -> list[_Pattern]:
    f = directory / ".gitignore"
    try:
        if not f.is_file():
            return []
        data = read_bytes(f)  # bounded; a FIFO or device is refused
    except OSError:
        return []
    return parse_lines(split_lines(data.decode("utf-8", errors="replace")), notes)
