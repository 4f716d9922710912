"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

``::error file=PATH,line=L,endLine=E,col=C,endColumn=EC,title=deploylint (DPL201)::MESSAGE``.
Errors come first, then warnings, then notices (info): GitHub shows a limited number of
annotations per step, so the most important ones must not be crowded out. Messages escape ``%``,
CR and LF; property values also escape ``:`` and ``,`` (the actions/toolkit convention). ``col``
and ``endColumn`` are only given when the finding starts and ends on the same line. A finding about
a whole directory is annotated on line 1 of a file in it (``regions.py``) and names the directory.
Ends with a plain summary line.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..escape import visible
from .regions import Sources, shown_message

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
ORDER = {"error": 0, "warning": 1, "info": 2}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(f, sources: Sources) -> str:
    region = sources.region(f.loc)
    # repository text (the path, values quoted in the message) with control, bidi and line
    # separator characters as visible escapes (escape.py); newlines are GitHub's %0A
    props = [("file", visible(region.path)), ("line", str(region.start_line))]
    props.append(("endLine", str(region.end_line)))
    if not region.whole and region.start_line == region.end_line:
        props += [("col", str(region.start_col)), ("endColumn", str(region.end_col))]
    props.append(("title", f"deploylint ({f.code})"))
    message = visible(shown_message(f, region), newlines=False)  # "\n" is %0A below
    if f.fix:
        message += f"\n\nfix: {visible(f.fix, newlines=False)}"
    params = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMAND.get(f.severity, 'warning')} {params}::{escape_data(message)}"


def summary(result) -> str:
    n = len(result.findings)
    by_sev = Counter(f.severity for f in result.findings)
    if n:
        parts = ", ".join(
            f"{by_sev[s]} {s}{'s' if by_sev[s] != 1 and s != 'info' else ''}"
            for s in ("error", "warning", "info")
            if by_sev[s]
        )
        line = f"deploylint: {n} finding{'s' if n != 1 else ''} ({parts})"
    else:
        line = "deploylint: no findings"
    files = result.files_scanned
    line += f" in {files} file{'s' if files != 1 else ''} scanned"
    if result.suppressed:
        line += f"; {len(result.suppressed)} suppressed"
    if result.internal_errors:
        line += f"; {len(result.internal_errors)} internal error(s)"
    return line + "."


def render(result, cwd: Path, **_: object) -> str:
    sources = Sources(cwd)
    ordered = sorted(result.findings, key=lambda f: (ORDER.get(f.severity, 3), f.sort_key()))
    lines = [annotation(f, sources) for f in ordered]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
