"""Text edits on command lines, wherever they are written: a shell word (a script, a Dockerfile
shell form, a compose `command:` string, a YAML block scalar), an element of a flow sequence or a
JSON array (`["--model", "x"]`, a Dockerfile exec form), or an item of a YAML block sequence
(`- --model`). Words are inserted next to an existing word in the syntax of its container, and
quoted for it; a value is replaced inside its word."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from ..location import Loc
from . import Edit
from .context import FixContext

# Kinds whose files hold command lines deploylint reads (Helm values and KServe manifests are
# YAML; Python and JSON never hold a command line a fix rewrites).
COMMAND_KINDS = {"shell", "dockerfile", "compose", "yaml", "modelfile"}

_PLAIN_YAML = re.compile(r"(?:--?)?[A-Za-z][A-Za-z0-9_.=/@+:-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}
_QUOTES = "\"'"


def _prev_char(lines: list[str], ln: int, idx: int) -> str:
    """The last non-space character before column index ``idx`` of line ``ln`` (1-based), looking
    back over earlier lines; "" at the start of the file."""
    text = lines[ln - 1][:idx].rstrip()
    while not text and ln > 1:
        ln -= 1
        text = lines[ln - 1].split(" #", 1)[0].rstrip()
    return text[-1:] if text else ""


def _next_char(lines: list[str], ln: int, idx: int) -> str:
    text = lines[ln - 1][idx:].lstrip()
    while not text and ln < len(lines):
        ln += 1
        text = lines[ln - 1].lstrip()
    return text[:1]


def word_context(lines: list[str], loc: Loc) -> tuple[str, int, int] | None:
    """(syntax, start, end) of the word at ``loc``: syntax "shell", "flow" or "block"; start and end
    are 0-based indexes in the line of the word with its quotes."""
    if loc.line is None or loc.col is None or not 1 <= loc.line <= len(lines):
        return None
    line = lines[loc.line - 1]
    s = loc.col - 1
    e = loc.end_col - 1 if loc.end_col is not None and loc.end_line == loc.line else s + 1
    e = min(max(e, s + 1), len(line))
    if s >= len(line):
        return None
    qs, qe = s, e
    if s > 0 and line[s - 1] in _QUOTES and e < len(line) and line[e] == line[s - 1]:
        qs, qe = s - 1, e + 1
    elif line[s] in _QUOTES and line[e - 1] == line[s] and e - s >= 2:
        qs, qe = s, e
    before = line[:qs]
    after = line[qe:].strip()
    if before.strip() == "-" and (not after or after.startswith("#")):
        return "block", qs, qe
    if _prev_char(lines, loc.line, qs) in "[," and _next_char(lines, loc.line, qe) in ",]":
        if _prev_char(lines, loc.line, qs) != "" and _next_char(lines, loc.line, qe) != "":
            return "flow", qs, qe
    return "shell", qs, qe


def _yaml_word(w: str) -> str:
    plain = _PLAIN_YAML.fullmatch(w) and w.lower() not in _YAML_WORDS and ": " not in w
    return w if plain else json.dumps(w, ensure_ascii=False)


def insert_words(
    ctx: FixContext, loc: Loc, words: list[str], *, after: bool = False
) -> Edit | None:
    """An edit inserting command-line ``words`` before (or after) the word at ``loc``."""
    if ctx.kind(loc.path) not in COMMAND_KINDS:
        return None
    lines = ctx.lines(loc.path)
    if lines is None:
        return None
    found = word_context(lines, loc)
    if found is None:
        return None
    syntax, qs, qe = found
    ln = loc.line
    assert ln is not None
    line = lines[ln - 1]
    if syntax == "shell":
        text = " ".join(shlex.quote(w) for w in words)
        at = qe if after else qs
        text = " " + text if after else text + " "
    elif syntax == "flow":
        text = ", ".join(json.dumps(w, ensure_ascii=False) for w in words)
        at = qe if after else qs
        text = ", " + text if after else text + ", "
    else:
        prefix = line[:qs]  # the indentation and "- "
        items = [prefix + _yaml_word(w) for w in words]
        if after:
            return Edit(loc.path, ln, len(line) + 1, ln, len(line) + 1, "\n" + "\n".join(items))
        return Edit(loc.path, ln, 1, ln, 1, "\n".join(items) + "\n")
    return Edit(loc.path, ln, at + 1, ln, at + 1, text)


def replace_in_word(ctx: FixContext, loc: Loc, old: str, new: str) -> Edit | None:
    """An edit replacing ``old`` with ``new`` inside the span at ``loc`` (its last occurrence: the
    value of `--flag value` or `--flag=value`, whatever quoting surrounds it)."""
    if loc.line is None or loc.col is None:
        return None
    lines = ctx.lines(loc.path)
    if lines is None or not 1 <= loc.line <= len(lines):
        return None
    line = lines[loc.line - 1]
    end = loc.end_col - 1 if loc.end_col and loc.end_line == loc.line else len(line)
    span = line[loc.col - 1 : end]
    i = span.rfind(old)
    if i < 0:
        return None
    start = loc.col + i
    return Edit(loc.path, loc.line, start, loc.line, start + len(old), new)


def append_line(ctx: FixContext, path: Path, after_line: int, text: str) -> Edit | None:
    """An edit adding ``text`` as a new line after line ``after_line``."""
    lines = ctx.lines(path)
    if lines is None or not 1 <= after_line <= len(lines):
        return None
    line = lines[after_line - 1]
    return Edit(path, after_line, len(line) + 1, after_line, len(line) + 1, "\n" + text)
