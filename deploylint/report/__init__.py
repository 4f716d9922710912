"""Reporters: one module per output format. Each takes a ScanResult and returns text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..location import Loc, display_path

FORMATS = {
    "text": "deploylint.report.text",
    "concise": "deploylint.report.concise",
    "json": "deploylint.report.json_format",
    "sarif": "deploylint.report.sarif",
    "github": "deploylint.report.github",
    "gitlab": "deploylint.report.gitlab",
    "rdjson": "deploylint.report.rdjson",
    "rdjsonl": "deploylint.report.rdjsonl",
}

HOMEPAGE = "https://github.com/deploylint/deploylint"


def rule_url(code: str) -> str:
    """The rule's document in the repository (rules/CODE.md)."""
    return f"{HOMEPAGE}/blob/main/rules/{code}.md"


def plain(value: Any, cwd: Path) -> Any:
    """Evidence → JSON-ready data: locations and paths become display paths; stable ordering."""
    if isinstance(value, Loc):
        out: dict[str, Any] = {"path": display_path(value.path, cwd), "line": value.line}
        if value.col is not None:
            out["column"] = value.col
        return out
    if isinstance(value, Path):
        return display_path(value, cwd)
    if isinstance(value, dict):
        return {str(k): plain(v, cwd) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, cwd) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v, cwd) for v in value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
