"""Changed-lines mode (`--diff REF`, `--diff -`): which lines a change adds or touches, and which
findings fall on them; and the per-file filter of `deploylint check FILE…`.

The scan always reads the whole tree (cross-file rules need the context); only *reporting* is
filtered. A finding is kept when

- one of the lines it spans was added or modified by the change, or is next to lines the change
  deleted (the line before and the line after a deletion);
- it is about a whole file or directory (no line) and the change touches that file or any file
  under that directory (added, modified, deleted or renamed);
- or one of the locations its evidence cites (the launch, the chat UI wired to it, …) satisfies
  one of the above: the change touched what the finding is about, even if the flagged line is
  unchanged (adding an Open WebUI service in front of an existing base-model server).

Renames count only their edited lines; an untracked file (not ignored) counts as wholly added.
Diff paths are relative to the repository's top level (``git rev-parse --show-toplevel``), or to
the current directory outside a git repository.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .location import Loc

_HUNK = re.compile(r"^@@@* -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class DiffError(Exception):
    pass


@dataclass
class FileChange:
    path: str  # new path ('/' separators, relative to the diff's root); old path for deletions
    old_path: str | None = None
    status: str = "modified"  # added | modified | deleted | renamed | copied | untracked
    lines: set[int] = field(default_factory=set)  # new-side lines added or modified
    touched: set[int] = field(default_factory=set)  # new-side lines next to deleted lines
    whole: bool = False  # every line counts (an untracked file)
    binary: bool = False

    def covers(self, start: int, end: int) -> bool:
        if self.whole:
            return True
        for n in range(start, max(start, end) + 1):
            if n in self.lines or n in self.touched:
                return True
        return False


def _unquote(s: str) -> str:
    """Git's C-style quoting of unusual path names ("a/t\\303\\251st")."""
    if len(s) < 2 or not (s.startswith('"') and s.endswith('"')):
        return s
    body = s[1:-1]
    out = bytearray()
    i = 0
    simple = {"n": b"\n", "t": b"\t", '"': b'"', "\\": b"\\", "a": b"\a", "b": b"\b"}
    simple.update({"f": b"\f", "r": b"\r", "v": b"\v"})
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if re.match(r"[0-7]{3}", body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            if nxt in simple:
                out += simple[nxt]
                i += 2
                continue
        out += ch.encode("utf-8")
        i += 1
    return out.decode("utf-8", errors="replace")


def _header_path(raw: str) -> str | None:
    """A ---/+++ path: unquoted, without a trailing timestamp; None for /dev/null."""
    raw = raw.rstrip("\r")
    if raw.startswith('"'):
        end = raw.find('"', 1)
        while end != -1 and raw[end - 1] == "\\":
            end = raw.find('"', end + 1)
        path = _unquote(raw[: end + 1]) if end != -1 else raw
    else:
        path = raw.split("\t", 1)[0]
        if "\t" not in raw:
            path = path.rstrip()
    if path == "/dev/null":
        return None
    return path


def _split_git_header(rest: str) -> tuple[str | None, str | None]:
    """`diff --git a/X b/Y`: the two paths (X == Y unless renamed; renames also carry
    `rename from/to` lines, which win)."""
    rest = rest.rstrip("\r")
    if rest.startswith('"'):
        end = rest.find('" ', 1)
        if end != -1:
            return _unquote(rest[: end + 1]), _unquote(rest[end + 2 :].strip())
    parts = rest.split(" ")
    # Same path on both sides: find the split where the halves agree after their prefixes.
    for k in range(1, len(parts)):
        a, b = " ".join(parts[:k]), " ".join(parts[k:])
        if a[2:] == b[2:]:
            return a, b
    if len(parts) == 2:
        return parts[0], _unquote(parts[1])
    return None, None


def _strip_prefixes(old: str | None, new: str | None) -> tuple[str | None, str | None]:
    if (old is None or old.startswith("a/")) and (new is None or new.startswith("b/")):
        return (old[2:] if old else None), (new[2:] if new else None)
    return old, new


def parse_unified_diff(text: str) -> dict[str, FileChange]:
    """Files and lines changed by a unified diff (git's or plain `diff -u`), by new path."""
    changes: dict[str, FileChange] = {}
    cur: FileChange | None = None
    git_old = git_new = None
    minus: str | None = None
    minus_seen = False
    old_left = new_left = 0
    new_line = 0
    pending_delete = False

    def finish() -> None:
        nonlocal cur
        if cur is not None and cur.path:
            prev = changes.get(cur.path)
            if prev is not None:  # the same file twice (combined diffs): merge
                prev.lines |= cur.lines
                prev.touched |= cur.touched
            else:
                changes[cur.path] = cur
        cur = None

    def close_delete(line_before: int) -> None:
        nonlocal pending_delete
        if pending_delete and cur is not None:
            cur.touched.update(n for n in (line_before, line_before + 1) if n >= 1)
        pending_delete = False

    for raw in text.split("\n"):
        line = raw[:-1] if raw.endswith("\r") else raw
        if old_left > 0 or new_left > 0:
            tag = line[:1]
            if tag == "+":
                if cur is not None:
                    cur.lines.add(new_line)
                pending_delete = False
                new_line += 1
                new_left -= 1
                continue
            if tag == "-":
                pending_delete = True
                old_left -= 1
                continue
            if tag == "\\":  # "\ No newline at end of file"
                continue
            if tag in (" ", ""):
                close_delete(new_line - 1)
                new_line += 1
                old_left -= 1
                new_left -= 1
                continue
            # A header where a hunk line was expected: the hunk was shorter than announced.
            old_left = new_left = 0
        if line.startswith("\\"):
            continue
        m = _HUNK.match(line)
        if m and cur is not None:
            close_delete(new_line - 1)
            old_left = int(m.group(2)) if m.group(2) is not None else 1
            start = int(m.group(3))
            new_left = int(m.group(4)) if m.group(4) is not None else 1
            if new_left == 0:
                # A pure deletion: git names the line *before* the deleted block.
                cur.touched.update(n for n in (start, start + 1) if n >= 1)
                new_line = start + 1
            else:
                new_line = start
            continue
        if pending_delete:
            close_delete(new_line - 1)
        if line.startswith("diff --git "):
            finish()
            git_old, git_new = _split_git_header(line[len("diff --git ") :])
            o, n = _strip_prefixes(git_old, git_new)
            cur = FileChange(path=n or o or "", old_path=o)
            minus, minus_seen = None, False
            continue
        if line.startswith("diff ") and not line.startswith("diff --git"):
            # `diff -u OLD NEW` / `diff -ruN`: the ---/+++ lines that follow name the file.
            finish()
            minus, minus_seen = None, False
            continue
        if cur is not None and line.startswith("new file mode"):
            cur.status = "added"
            continue
        if cur is not None and line.startswith("deleted file mode"):
            cur.status = "deleted"
            continue
        if cur is not None and line.startswith(("rename from ", "copy from ")):
            cur.old_path = _unquote(line.split(" ", 2)[2])
            cur.status = "renamed" if line.startswith("rename") else "copied"
            continue
        if cur is not None and line.startswith(("rename to ", "copy to ")):
            cur.path = _unquote(line.split(" ", 2)[2])
            continue
        if line.startswith("Binary files ") or line.startswith("GIT binary patch"):
            if cur is not None:
                cur.binary = True
            continue
        if line.startswith("--- "):
            if cur is not None and (cur.lines or cur.touched or minus_seen):
                finish()
            minus, minus_seen = _header_path(line[4:]), True
            continue
        if line.startswith("+++ ") and minus_seen:
            plus = _header_path(line[4:])
            o, n = _strip_prefixes(minus, plus)
            if cur is None:
                cur = FileChange(path=n or o or "", old_path=o)
            else:
                if n is not None:
                    cur.path = n
                if o is not None and cur.old_path is None:
                    cur.old_path = o
            if o is None:
                cur.status = "added"
            elif n is None:
                cur.status = "deleted"
                cur.path = o
            elif o != n and cur.status == "modified":
                cur.status = "renamed"
            minus_seen = False
            continue
    close_delete(new_line - 1)
    finish()
    return changes


@dataclass
class ChangeSet:
    root: Path
    files: dict[str, FileChange] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_path: dict[Path, FileChange] = {}
        self._touched: list[Path] = []
        root = _resolve(self.root)
        for fc in self.files.values():
            new = _resolve(root / fc.path)
            if fc.status != "deleted":
                self._by_path[new] = fc
            self._touched.append(new)
            if fc.old_path:
                self._touched.append(_resolve(root / fc.old_path))

    def touches(self, path: Path) -> bool:
        """The change touches this file, or a file under this directory."""
        p = _resolve(path)
        for t in self._touched:
            if t == p or p in t.parents:
                return True
        return False

    def covers_loc(self, loc: Loc) -> bool:
        if loc.line is None:
            return self.touches(loc.path)
        fc = self._by_path.get(_resolve(loc.path))
        if fc is None:
            return False
        end = loc.end_line if loc.end_line is not None else loc.line
        return fc.covers(loc.line, end)

    def covers(self, finding) -> bool:
        if self.covers_loc(finding.loc):
            return True
        return any(self.covers_loc(loc) for loc in _locs(finding.evidence))


def _locs(value: object) -> Iterable[Loc]:
    if isinstance(value, Loc):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _locs(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _locs(v)


def _resolve(p: Path) -> Path:
    try:
        return p.resolve()
    except OSError:
        return p.absolute()


#: Configuration that would make git run a command, or pager it, overridden on git's command line
#: (highest precedence, and passed on to any git process it starts): the scanned repository's
#: ``.git/config`` is the repository's author's, not the user's. ``core.fsmonitor=`` (empty: off,
#: in both the old hook form and the new daemon form), no hooks, no external diff, no pager, no
#: submodule recursion. Filter and diff drivers (``filter.X.clean``, ``diff.X.textconv``…) have
#: names of their own: ``_driver_overrides`` blanks every one the configuration defines.
SAFE_CONFIG = (
    "core.fsmonitor=",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.untrackedCache=false",
    "diff.external=",
    "diff.submodule=short",
    "submodule.recurse=false",
    "core.sshCommand=",
    "core.askPass=",
    "credential.helper=",
    "protocol.allow=never",
)
#: Seconds a git command may take (a hostile diff driver's funcname regex, a huge repository).
GIT_TIMEOUT = 60


def _git_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GIT_EXTERNAL_DIFF", "GIT_PAGER", "PAGER", "GIT_ASKPASS", "SSH_ASKPASS")
    }
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",  # never write the index (no post-index-change hook, no lock)
        LC_ALL="C",
    )
    return env


def _run_git(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            ["git", "--no-pager", *argv],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=_git_env(),
            stdin=subprocess.DEVNULL,
            timeout=GIT_TIMEOUT,
        )
    except FileNotFoundError:
        raise DiffError("--diff needs git on PATH") from None
    except subprocess.TimeoutExpired:
        raise DiffError(f"git {' '.join(argv[-2:])} took longer than {GIT_TIMEOUT} s") from None


_DRIVER_KEYS = {"filter": ("clean", "smudge", "process"), "diff": ("command", "textconv")}


def _driver_overrides(cwd: Path) -> list[str]:
    """``-c`` settings that blank every filter and diff driver command the configuration (any
    scope, includes followed) defines. Reading configuration runs nothing."""
    base = [a for kv in SAFE_CONFIG for a in ("-c", kv)]
    p = _run_git(
        [*base, "config", "--null", "--name-only", "--get-regexp", r"^(filter|diff)\."], cwd
    )
    if p.returncode not in (0, 1):  # 1: no such key
        return base
    out = list(base)
    seen: set[tuple[str, str]] = set()
    for key in filter(None, p.stdout.split("\0")):
        section, _, rest = key.strip().partition(".")
        name, _, _var = rest.rpartition(".")
        section = section.lower()
        if section not in _DRIVER_KEYS or not name or (section, name) in seen:
            continue
        seen.add((section, name))
        for var in _DRIVER_KEYS[section]:
            out += ["-c", f"{section}.{name}.{var}="]
        if section == "filter":
            out += ["-c", f"{section}.{name}.required=false"]
    return out


def _git(args: list[str], cwd: Path) -> str:
    """Run git read-only with the scanned repository's configuration defused (SAFE_CONFIG,
    ``_driver_overrides``; docs/security.md)."""
    p = _run_git([*_driver_overrides(cwd), *args], cwd)
    if p.returncode != 0:
        msg = (p.stderr.strip().splitlines() or ["git failed"])[0]
        raise DiffError(f"git {' '.join(args[:2])}: {msg}")
    return p.stdout


def git_toplevel(cwd: Path) -> Path | None:
    try:
        return Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    except DiffError:
        return None


_EMPTY_TREE_CMD = ["hash-object", "-t", "tree", os.devnull]


def git_changes(ref: str, cwd: Path, *, staged: bool = False) -> ChangeSet:
    """`git diff -U0 REF` (working tree, or the index with ``staged``) plus untracked files as
    wholly added; `A...B` / `A..B` compare commits and leave the working tree out."""
    root = git_toplevel(cwd)
    if root is None:
        raise DiffError(
            f"--diff {ref}: {cwd} is not inside a git repository (use --diff - to read a diff)"
        )
    is_range = ".." in ref
    if staged and is_range:
        raise DiffError(f"--staged compares the index with one commit, not a range ({ref})")
    rev = ref
    if not is_range:
        try:
            _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
        except DiffError:
            if ref == "HEAD":  # a repository without commits: everything is new
                rev = _git(_EMPTY_TREE_CMD, root).strip()
            else:
                raise DiffError(f"--diff {ref}: not a commit in this repository") from None
    args = [
        "-c",
        "core.quotePath=false",
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--ignore-submodules=all",
        "--no-relative",
        "-U0",
        "-M",
        "--src-prefix=a/",
        "--dst-prefix=b/",
    ]
    if staged:
        args.append("--cached")
    args += [rev, "--"]
    files = parse_unified_diff(_git(args, root))
    if not staged and not is_range:
        out = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
        for name in filter(None, out.split("\0")):
            files[name] = FileChange(path=name, status="untracked", whole=True)
    return ChangeSet(root, files)


def stdin_changes(text: str, cwd: Path) -> ChangeSet:
    return ChangeSet(git_toplevel(cwd) or cwd, parse_unified_diff(text))


def filter_result(result, changes: ChangeSet) -> int:
    """Keep only findings the change covers (reported and suppressed); returns how many of the
    reported ones were dropped."""
    before = len(result.findings)
    result.findings = [f for f in result.findings if changes.covers(f)]
    result.suppressed = [f for f in result.suppressed if changes.covers(f)]
    return before - len(result.findings)


def filter_to_files(result, files: Iterable[Path]) -> None:
    """`deploylint check FILE…`: keep findings in those files, and findings about a whole
    directory that contains one of them (a model directory whose config.json is committed)."""
    wanted = {_resolve(p) for p in files}
    parents = {d for p in wanted for d in p.parents}

    def keep(f) -> bool:
        p = _resolve(f.loc.path)
        return p in wanted or (f.loc.line is None and p in parents)

    result.findings = [f for f in result.findings if keep(f)]
    result.suppressed = [f for f in result.suppressed if keep(f)]
