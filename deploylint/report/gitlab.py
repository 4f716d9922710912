"""`--format gitlab`: a GitLab Code Quality report (a JSON array; declare it as
``artifacts: reports: codequality:``).

Each finding: ``description`` (the code is repeated there, since the merge-request widget does not
show ``check_name``), ``check_name`` (the code), ``fingerprint`` (deploylint's line-independent
fingerprint, made unique within the report), ``severity`` (error → major, warning → minor,
info → info), ``location.path`` and ``location.lines.begin``/``end``. Directory-level findings
are placed on line 1 of a file in the directory (``regions.py``). Suppressed findings are left out.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..escape import visible
from .regions import Sources, shown_message

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def build(result, cwd: Path) -> list[dict]:
    sources = Sources(cwd)
    out: list[dict] = []
    used: set[str] = set()
    for f in result.findings:
        region = sources.region(f.loc)
        fp = f.fingerprint or hashlib.sha256(f"{f.code}\0{f.path}".encode()).hexdigest()[:16]
        salt = 0
        while fp in used:  # identical fingerprints collapse in GitLab: keep each one unique
            salt += 1
            fp = hashlib.sha256(f"{f.fingerprint}\0{salt}".encode()).hexdigest()[:16]
        used.add(fp)
        # repository text with control, bidi and line-separator characters escaped (escape.py)
        description = f"{f.code} ({f.name}): {visible(shown_message(f, region))}"
        if f.fix:
            description += f" — fix: {visible(f.fix)}"
        out.append(
            {
                "type": "issue",
                "description": description,
                "check_name": f.code,
                "fingerprint": fp,
                "severity": SEVERITY.get(f.severity, "minor"),
                "categories": ["Bug Risk"],
                "location": {
                    "path": visible(region.path),
                    "lines": {"begin": region.start_line, "end": region.end_line},
                },
            }
        )
    return out


def render(result, cwd: Path, **_: object) -> str:
    return json.dumps(build(result, cwd), indent=2, ensure_ascii=False) + "\n"
