"""`--format text`: compiler-style diagnostics with the source line and a marker."""

from __future__ import annotations

from pathlib import Path

from ..escape import visible
from ..location import SourceFile

_COLORS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _source_line(path: Path, line: int, cache: dict[Path, SourceFile | None]) -> str | None:
    if path not in cache:
        try:
            sf = SourceFile(path, "")
            _ = sf.lines
            cache[path] = sf
        except (OSError, ValueError):
            cache[path] = None
    sf = cache[path]
    if sf is None:
        return None
    text = sf.line_text(line)
    return text if text or line <= len(sf.lines) else None


def render(
    result,
    cwd: Path,
    *,
    color: bool = False,
    show_source: bool = True,
    summary_line: bool = True,
    **_: object,
) -> str:
    out: list[str] = []
    cache: dict[Path, SourceFile | None] = {}

    def c(code: str, s: str) -> str:
        return f"{code}{s}{_RESET}" if color else s

    for f in result.findings:
        loc = f.loc
        where = f.path
        if loc.line is not None:
            where += f":{loc.line}"
            if loc.col is not None:
                where += f":{loc.col}"
        sev = c(_COLORS.get(f.severity, ""), f"[{f.severity}]")
        # Paths, messages and source lines come from the scanned repository: control, bidi and
        # line-separator characters are shown as escapes (escape.py), never sent raw.
        out.append(f"{c(_BOLD, visible(where))}: {c(_BOLD, f.code)} {sev} {visible(f.message)}")
        if show_source and loc.line is not None:
            src = _source_line(loc.path, loc.line, cache)
            if src is not None:
                gutter = str(loc.line)
                pad = " " * len(gutter)
                raw = src.replace("\t", " ")
                if len(raw) > 200:
                    raw = raw[:200]
                shown = visible(raw) + ("…" if len(src) > 200 else "")
                out.append(f" {pad} |")
                out.append(f" {gutter} | {shown}")
                if loc.col is not None:
                    # columns count characters of the raw line: measured on the escaped one
                    start = len(visible(raw[: loc.col - 1])) + max(loc.col - 1 - len(raw), 0)
                    end_raw = (
                        loc.end_col - 1 if (loc.end_col and loc.end_line == loc.line) else loc.col
                    )
                    end = len(visible(raw[:end_raw])) + max(end_raw - len(raw), 0)
                    width = max(1, min(end, len(shown) + 1) - start)
                    out.append(
                        f" {pad} | " + " " * start + c(_COLORS.get(f.severity, ""), "^" * width)
                    )
        if f.fix:
            out.append(f"  = fix: {visible(f.fix)}")
        if f.verification is not None:
            from ..verify.run import text_lines

            out.extend(visible(line) for line in text_lines(f.verification))
        out.append("")
    if not summary_line:  # --quiet: the findings and nothing else
        return "\n".join(out) + "\n" if out else ""
    from .concise import counts_line

    out.append(counts_line(result))
    vsum = getattr(result, "verification_summary", None)
    if vsum is not None:
        from ..verify.run import summary_line

        out.append(summary_line(vsum))
    if result.internal_errors:
        out.append(
            f"{len(result.internal_errors)} internal error(s): run with --verbose for details."
        )
    return "\n".join(out) + "\n"
