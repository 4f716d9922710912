"""Fixes: text edits that resolve a finding, carried on it (``Finding.autofix``).

A fix is a list of edits (path, start line/column, end line/column — 1-based, columns in code
points, the end exclusive as in SARIF — and the replacement text), maybe new files it creates (a
chat template exported beside a launch script), a description, and its *applicability*:

- ``safe``: it makes the configuration do what it evidently means, with nothing chosen for the
  user (``--enable-lora`` where ``--lora-modules`` is given, a ``--max-lora-rank`` the adapter
  fits, the missing ``PARAMETER stop``, an unused suppression removed). ``--fix`` applies these.
- ``unsafe``: it changes behaviour in a way a reviewer should look at (another backend, a system
  message or chat template written in, generation defaults dropped). Also with ``--unsafe-fixes``.

Each rule's fix lives in ``deploylint/fix/rules/dplNNN.py``: one function ``fix(finding, ctx)``
that computes the edits from the finding's location and evidence, the files' text and the linked
project. The checks only describe; nothing here changes what a rule reports. ``engine.py``
applies fixes, re-scans, and rolls back a fix that does not remove its finding or adds another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAFE, UNSAFE = "safe", "unsafe"


@dataclass(frozen=True)
class Edit:
    path: Path
    line: int
    col: int
    end_line: int
    end_col: int
    text: str  # the replacement ("" deletes; start == end inserts)

    def to_json(self, display: str) -> dict[str, Any]:
        return {
            "path": display,
            "line": self.line,
            "column": self.col,
            "end_line": self.end_line,
            "end_column": self.end_col,
            "text": self.text,
        }


@dataclass
class Fix:
    description: str
    edits: list[Edit]
    applicability: str = SAFE
    creates: dict[Path, str] = field(default_factory=dict)  # new files and their text

    @property
    def paths(self) -> set[Path]:
        return {e.path for e in self.edits} | set(self.creates)


def attach(result, project) -> None:
    """Compute the fix of every reported finding whose rule has one (``Finding.autofix``)."""
    from .context import FixContext
    from .rules import fixer

    if project is None:
        return
    ctx = FixContext(project)
    for f in result.findings:
        fn = fixer(f.code)
        if fn is None:
            continue
        try:
            fx = fn(f, ctx)
        except Exception:  # noqa: BLE001 - a fix that cannot be computed is not offered
            fx = None
        if fx is not None and (fx.edits or fx.creates):
            f.autofix = fx
