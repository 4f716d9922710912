"""`--format json`: the stable contract bots and tests depend on (docs/json-format.md)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from .. import __version__
from . import plain

SCHEMA_VERSION = 1


def finding_json(f, cwd: Path) -> dict:
    d = f.to_json()
    d["evidence"] = plain(d["evidence"], cwd)
    if getattr(f, "autofix", None) is not None:
        from ..fix.formats import json_autofix

        d["autofix"] = json_autofix(f.autofix, cwd)
    else:
        d["autofix"] = None
    return d


def render(result, cwd: Path, **_: object) -> str:
    findings = [finding_json(f, cwd) for f in result.findings]
    by_sev = Counter(f.severity for f in result.findings)
    by_code = Counter(f.code for f in result.findings)
    doc: dict[str, Any] = {
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
        "findings": findings,
        "summary": {
            "files_scanned": result.files_scanned,
            "findings": len(findings),
            "by_severity": {k: by_sev[k] for k in ("error", "warning", "info") if by_sev[k]},
            "by_code": dict(sorted(by_code.items())),
            "suppressed": len(result.suppressed),
            "internal_errors": len(result.internal_errors),
        },
    }
    vsum = getattr(result, "verification_summary", None)
    if vsum is not None:  # --verify (docs/json-format.md)
        doc["summary"]["verification"] = vsum
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
