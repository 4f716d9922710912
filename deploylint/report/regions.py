"""Where a finding is shown, for formats that need a file and a full region (SARIF, GitHub
annotations, GitLab Code Quality, reviewdog).

A finding with a position keeps it; missing parts are filled from the source line (no column: the
whole line; no end: the end of the start line). A finding about a whole file or directory
(``loc.line is None``) is shown on line 1 of a *representative file*: the file itself, or for a
directory its ``config.json`` (then ``adapter_config.json``, ``generation_config.json``,
``tokenizer_config.json``, then the first other file by name). The region then covers the whole
first line. Weight files are never opened; a directory with no files at all is shown as the
directory itself at line 1, column 1. ``Region.scope`` keeps the directory's display path so
formats can say what the finding is really about.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..location import Loc, SourceFile, display_path, read_head
from ..safefs import may_read

PREFERRED_IN_DIRECTORY = (
    "config.json",
    "adapter_config.json",
    "generation_config.json",
    "tokenizer_config.json",
)
_FIRST_LINE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Region:
    path: str  # display path of the file shown ('/' separators)
    abs_path: Path
    start_line: int
    start_col: int  # 1-based, Unicode code points
    end_line: int
    end_col: int  # exclusive
    whole: bool = False  # the finding has no position of its own
    scope: str | None = None  # display path of the directory a directory-level finding is about
    is_dir: bool = False  # the path shown is a directory (one with no files at all)


def _is_weight(name: str) -> bool:
    from ..discover import is_weight_file

    return is_weight_file(name)


def representative_file(directory: Path) -> Path | None:
    """The file a directory-level finding is shown on (see the module docstring)."""
    if not may_read(directory):  # a directory symlink out of the tree is not listed
        return None
    try:
        names = sorted(
            e.name for e in os.scandir(directory) if e.is_file() and not e.name.startswith(".")
        )
    except OSError:
        return None
    for name in PREFERRED_IN_DIRECTORY:
        if name in names:
            return directory / name
    for name in names:
        if not _is_weight(name):
            return directory / name
    return directory / names[0] if names else None


class Sources:
    """Line text of the files findings point at, each read once; weights are never opened."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self._files: dict[Path, SourceFile | None] = {}
        self._first: dict[Path, str | None] = {}

    def line(self, path: Path, n: int | None) -> str | None:
        if n is None or n < 1:
            return None
        if path not in self._files:
            sf: SourceFile | None = None
            if not _is_weight(path.name):
                try:
                    sf = SourceFile(path, "")
                    _ = sf.lines
                except (OSError, ValueError):
                    sf = None
            self._files[path] = sf
        sf = self._files[path]
        if sf is None or n > len(sf.lines):
            return None
        return sf.lines[n - 1]

    def first_line(self, path: Path) -> str | None:
        """Line 1 of a file, read with a bounded read (the file may be over the size limit)."""
        if path not in self._first:
            text: str | None = None
            if not _is_weight(path.name):
                try:
                    # non-blocking (a FIFO is reported, never read) and jailed (safefs.py)
                    data = read_head(path, _FIRST_LINE_BYTES)
                    if b"\x00" not in data:
                        text = data.decode("utf-8", errors="replace")
                        if text.startswith("\ufeff"):
                            text = text[1:]
                        text = text.split("\n", 1)[0].rstrip("\r")
                except OSError:
                    text = None
            self._first[path] = text
        return self._first[path]

    def region(self, loc: Loc) -> Region:
        """The full region of a location (a finding's or an evidence location)."""
        if loc.line is None:
            return self._whole(loc.path)
        line = loc.line
        text = self.line(loc.path, line)
        col = loc.col or 1
        end_line = loc.end_line if loc.end_line is not None and loc.end_line >= line else line
        if loc.end_col is not None and loc.col is not None:
            end_col = loc.end_col
        elif loc.col is None and end_line == line:
            end_col = (len(text) + 1) if text is not None else col
        else:
            end_text = self.line(loc.path, end_line)
            end_col = (len(end_text) + 1) if end_text is not None else col + 1
        if end_line == line and end_col < col:
            end_col = col
        return Region(
            display_path(loc.path, self.cwd), loc.path, line, col, end_line, max(end_col, 1)
        )

    def _whole(self, path: Path) -> Region:
        scope = None
        shown = path
        is_dir = False
        if path.is_dir():
            scope = display_path(path, self.cwd)
            rep = representative_file(path)
            if rep is None:
                is_dir = True
            else:
                shown = rep
        first = None if is_dir else self.first_line(shown)
        end_col = len(first) + 1 if first is not None else 1
        return Region(display_path(shown, self.cwd), shown, 1, 1, 1, end_col, True, scope, is_dir)

    def byte_col(self, path: Path, line: int, col: int) -> int:
        """A code-point column as a UTF-8 byte column (1-based; also for exclusive ends)."""
        text = self.line(path, line)
        if text is None:
            if line == 1:
                text = self.first_line(path)
            if text is None:
                return col
        prefix = text[: max(col - 1, 0)]
        extra = max(col - 1 - len(text), 0)  # a column past the end of the line
        return len(prefix.encode("utf-8", errors="replace")) + extra + 1


def evidence_locs(evidence: object, label: str = "") -> list[tuple[str, Loc]]:
    """Every ``Loc`` in a finding's evidence, with a short label (the key, or the `what` next to
    it), in evidence order, without duplicates."""
    out: list[tuple[str, Loc]] = []
    seen: set[Loc] = set()

    def walk(value: object, label: str) -> None:
        if isinstance(value, Loc):
            if value not in seen:
                seen.add(value)
                out.append((label.replace("_", " "), value))
        elif isinstance(value, dict):
            what = value.get("what")
            for k, v in value.items():
                if isinstance(v, Loc) and isinstance(what, str) and what:
                    walk(v, what)
                else:
                    walk(v, label or str(k))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, label)

    walk(evidence, label)
    return out


def shown_message(f, region: Region) -> str:
    """The finding's message, naming the directory when it is shown on a file inside it."""
    if region.scope is not None:
        return f"{region.scope}/: {f.message}"
    return f.message
