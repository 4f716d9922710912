"""`--format rdjsonl`: reviewdog's Diagnostic Format, one ``Diagnostic`` JSON object per line
(``reviewdog -f=rdjsonl``); see ``rdjson.py``."""

from __future__ import annotations

from pathlib import Path

from .rdjson import render_lines


def render(result, cwd: Path, **kw: object) -> str:
    return render_lines(result, cwd, **kw)
