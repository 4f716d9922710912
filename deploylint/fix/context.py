"""What a rule's fix may read: the text of the scanned files (as lines, split on "\\n" only, the
way line numbers are counted) and their kinds, and the linked project."""

from __future__ import annotations

from pathlib import Path

from ..location import Loc


class FixContext:
    def __init__(self, project):
        self.project = project
        self._lines: dict[Path, list[str] | None] = {}

    def kind(self, path: Path) -> str | None:
        ff = self.project.files.get(path) if self.project is not None else None
        if ff is not None:
            return ff.kind
        from ..discover import classify

        return classify(path)

    def lines(self, path: Path) -> list[str] | None:
        """The file's lines without line endings; None when it cannot be read."""
        if path not in self._lines:
            from ..location import read_text

            try:
                text = read_text(path)
            except (OSError, ValueError):
                self._lines[path] = None
            else:
                self._lines[path] = [ln.rstrip("\r") for ln in text.split("\n")]
        return self._lines[path]

    def line(self, path: Path, n: int | None) -> str | None:
        lines = self.lines(path)
        if lines is None or n is None or not 1 <= n <= len(lines):
            return None
        return lines[n - 1]

    def launch_at(self, loc: Loc):
        """The launch whose command contains ``loc`` (a finding's or an evidence location)."""
        for launch in self.project.launches if self.project is not None else ():
            if launch.loc.path != loc.path:
                continue
            for tok in launch.tokens:
                t = tok.loc
                if t.path == loc.path and t.line == loc.line and t.col == loc.col:
                    return launch
            if launch.model is not None and launch.model.token is not None:
                t = launch.model.token.loc
                if t.line == loc.line and t.col == loc.col:
                    return launch
        return None
