"""`--format rdjson`: reviewdog's Diagnostic Format (one ``DiagnosticResult``), for
``reviewdog -f=rdjson``; ``--format rdjsonl`` writes one ``Diagnostic`` per line.

Positions follow reviewdog (``proto/rdf/reviewdog.proto``): lines and columns are 1-based,
**columns count UTF-8 bytes**, and ``end`` is exclusive — deploylint's code-point columns are
converted with the source line. Each diagnostic has ``code`` (value + documentation URL),
``severity`` (ERROR / WARNING / INFO) and the evidence's locations as ``related_locations``.
A finding about a whole file or directory has a line-wise range on line 1 of a representative
file (``regions.py``). Suppressed findings are left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import HOMEPAGE, rule_url
from .regions import Region, Sources, evidence_locs, shown_message

SEVERITY = {"error": "ERROR", "warning": "WARNING", "info": "INFO"}
SOURCE = {"name": "deploylint", "url": HOMEPAGE}


def _location(region: Region, sources: Sources, *, positioned: bool = True) -> dict[str, Any]:
    loc: dict[str, Any] = {"path": region.path}
    if not positioned:
        return loc
    if region.whole:
        loc["range"] = {"start": {"line": region.start_line}}
        return loc
    p = region.abs_path
    loc["range"] = {
        "start": {
            "line": region.start_line,
            "column": sources.byte_col(p, region.start_line, region.start_col),
        },
        "end": {
            "line": region.end_line,
            "column": sources.byte_col(p, region.end_line, region.end_col),
        },
    }
    return loc


def diagnostic(f, sources: Sources, *, with_source: bool = False) -> dict[str, Any]:
    region = sources.region(f.loc)
    message = shown_message(f, region)
    if f.fix:
        message += f"\n\nfix: {f.fix}"
    d: dict[str, Any] = {
        "message": message,
        "location": _location(region, sources),
        "severity": SEVERITY.get(f.severity, "WARNING"),
    }
    if with_source:
        d["source"] = SOURCE
    d["code"] = {"value": f.code, "url": rule_url(f.code)}
    related = []
    for label, loc in evidence_locs(f.evidence):
        if loc == f.loc:
            continue
        related.append(
            {
                "message": label or "evidence",
                "location": _location(
                    sources.region(loc), sources, positioned=loc.line is not None
                ),
            }
        )
    if related:
        d["related_locations"] = related
    if getattr(f, "autofix", None) is not None and region.abs_path == f.loc.path:
        from ..fix.formats import rdjson_suggestions

        suggestions = rdjson_suggestions(f.autofix, f.loc.path, sources)
        if suggestions:
            d["suggestions"] = suggestions
    return d


def build(result, cwd: Path) -> dict[str, Any]:
    sources = Sources(cwd)
    return {
        "source": SOURCE,
        "diagnostics": [diagnostic(f, sources) for f in result.findings],
    }


def render(result, cwd: Path, **_: object) -> str:
    return json.dumps(build(result, cwd), indent=2, ensure_ascii=False) + "\n"


def render_lines(result, cwd: Path, **_: object) -> str:
    sources = Sources(cwd)
    return "".join(
        json.dumps(diagnostic(f, sources, with_source=True), ensure_ascii=False) + "\n"
        for f in result.findings
    )
