"""A finding's fix in the report formats: SARIF ``fixes`` (artifactChanges with replacements,
columns in code points as the run's columnKind says), reviewdog rdjson ``suggestions`` (columns in
UTF-8 bytes; only for edits in the diagnostic's own file, which is all a suggestion can say), and
the JSON ``autofix`` object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..location import display_path
from . import Fix


def json_autofix(fx: Fix | None, cwd: Path) -> dict[str, Any] | None:
    if fx is None:
        return None
    return {
        "applicability": fx.applicability,
        "description": fx.description,
        "edits": [e.to_json(display_path(e.path, cwd)) for e in fx.edits],
        "creates": [
            {"path": display_path(p, cwd), "text": text} for p, text in sorted(fx.creates.items())
        ],
    }


def sarif_fixes(fx: Fix | None, cwd: Path) -> list[dict[str, Any]] | None:
    from ..report.sarif import artifact_location

    if fx is None:
        return None
    changes: dict[Path, list[dict[str, Any]]] = {}
    for e in fx.edits:
        changes.setdefault(e.path, []).append(
            {
                "deletedRegion": {
                    "startLine": e.line,
                    "startColumn": e.col,
                    "endLine": e.end_line,
                    "endColumn": e.end_col,
                },
                "insertedContent": {"text": e.text},
            }
        )
    for path, text in sorted(fx.creates.items()):
        changes.setdefault(path, []).append(
            {
                "deletedRegion": {"charOffset": 0, "charLength": 0},
                "insertedContent": {"text": text},
            }
        )
    return [
        {
            "description": {"text": fx.description},
            "artifactChanges": [
                {"artifactLocation": artifact_location(display_path(p, cwd)), "replacements": r}
                for p, r in sorted(changes.items())
            ],
            "properties": {"applicability": fx.applicability},
        }
    ]


def rdjson_suggestions(fx: Fix | None, path: Path, sources) -> list[dict[str, Any]] | None:
    """reviewdog ``Suggestion``s: a range in the diagnostic's file and its replacement text."""
    if fx is None or fx.creates or any(e.path != path for e in fx.edits):
        return None
    out = []
    for e in fx.edits:
        out.append(
            {
                "range": {
                    "start": {"line": e.line, "column": _byte_col(sources, path, e.line, e.col)},
                    "end": {
                        "line": e.end_line,
                        "column": _byte_col(sources, path, e.end_line, e.end_col),
                    },
                },
                "text": e.text,
            }
        )
    return out or None


def _byte_col(sources, path: Path, line: int, col: int) -> int:
    text = sources.line(path, line)
    if text is None:
        return col
    return len(text[: col - 1].encode("utf-8")) + 1
