"""`--format concise`: one line per finding (`path:line:col: CODE [severity] message`), then the
summary line — for grep, editors' problem matchers and quick looks (ruff's `concise`)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: str) -> str:
    """One line of plain text: control characters escaped, line breaks as spaces."""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def where(f) -> str:
    loc = f.loc
    out = clean(f.path)
    if loc.line is not None:
        out += f":{loc.line}"
        if loc.col is not None:
            out += f":{loc.col}"
    return out


def summary(result) -> str:
    """The text report's last line(s): counts by severity, files scanned, suppressed."""
    line = counts_line(result)
    if result.internal_errors:
        line += (
            f"\n{len(result.internal_errors)} internal error(s): run with --verbose for details."
        )
    return line


def counts_line(result) -> str:
    """``Found N findings (…) in M files scanned; K suppressed.`` (or ``No findings …``)."""
    by_sev = Counter(f.severity for f in result.findings)
    n = len(result.findings)
    if n:
        parts = [
            f"{by_sev[s]} {s}{'s' if by_sev[s] != 1 and s != 'info' else ''}"
            for s in ("error", "warning", "info")
            if by_sev[s]
        ]
        line = f"Found {n} finding{'s' if n != 1 else ''} ({', '.join(parts)})"
    else:
        line = "No findings"
    line += f" in {result.files_scanned} file{'s' if result.files_scanned != 1 else ''} scanned"
    if result.suppressed:
        line += f"; {len(result.suppressed)} suppressed"
    return line + "."


def render(result, cwd: Path, *, summary_line: bool = True, **_: object) -> str:
    out = [f"{where(f)}: {f.code} [{f.severity}] {clean(f.message)}" for f in result.findings]
    if summary_line:
        out.append(summary(result))
    return "\n".join(out) + "\n" if out else ""
