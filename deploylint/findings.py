"""Findings: what a rule reports, and their stable identity."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .location import Loc

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}


@dataclass
class Suppression:
    kind: str  # "inSource" (a comment) | "external" (baseline)
    justification: str
    loc: Loc | None = None


@dataclass
class Finding:
    code: str
    name: str
    severity: str
    loc: Loc
    message: str
    fix: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    # Text the finding is about (the flag, the YAML value...): part of the fingerprint so that it
    # survives line moves.
    anchor: str = ""
    path: str = ""  # display path, filled in by the runner
    fingerprint: str = ""
    suppression: Suppression | None = None
    # `--verify`: {"status", "backend", "device", "seconds", "reason", "evidence"} (JSON-ready)
    verification: dict[str, Any] | None = None
    # The fix that resolves it (deploylint/fix): computed when asked (--fix, --fix-preview, and
    # the formats that carry fixes: json, sarif, rdjson).
    autofix: Any = None

    def sort_key(self) -> tuple:
        return (
            self.path,
            self.loc.line if self.loc.line is not None else -1,
            self.code,
            self.loc.col or 0,
            self.message,
        )

    def to_json(self) -> dict[str, Any]:
        loc = self.loc
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "path": self.path,
            "line": loc.line,
            "column": loc.col,
            "end_line": loc.end_line,
            "end_column": loc.end_col,
            "message": self.message,
            "fix": self.fix,
            "evidence": self.evidence,
            "fingerprint": self.fingerprint,
            **({"verification": self.verification} if self.verification is not None else {}),
        }


_WS = re.compile(r"\s+")


def assign_fingerprints(findings: list[Finding]) -> None:
    """Line-independent identity: code + path + normalised anchor text + occurrence index.

    Two findings with the same code, path and anchor get distinct fingerprints in file order.
    """
    seen: dict[tuple[str, str, str], int] = {}
    for f in sorted(findings, key=lambda f: f.sort_key()):
        anchor = _WS.sub(" ", f.anchor or f.message).strip()
        key = (f.code, f.path, anchor)
        n = seen.get(key, 0)
        seen[key] = n + 1
        h = hashlib.sha256(f"{f.code}\0{f.path}\0{anchor}\0{n}".encode()).hexdigest()
        f.fingerprint = h[:16]
