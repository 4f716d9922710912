"""Suppression comments: what they cover, which findings they suppress, which are unused, and
writing them (`--add-suppressions`).

Forms, in every format with `#` comments (shell, YAML, Dockerfile, Python, Modelfile, .env,
requirements, TOML)::

    # deploylint: ignore[DPL201] reason        the next statement (or, after code, this one)
    # deploylint: ignore-file[DPL201] reason   the whole file

The codes are selectors as on the command line (a code, a prefix such as ``DPL2``, a rule name,
``ALL``); no codes means every rule. A comment on its own line covers the *statement* that starts
on the next line — the whole of it: a shell or Dockerfile command with backslash continuations, a
YAML entry with everything nested under it (a block scalar, a block or flow sequence spanning
lines), a Python logical line, a Modelfile instruction with a triple-quoted value. Several
suppression comments may be stacked above one statement. A comment after code covers the statement
that starts on its line.

A suppression that suppresses nothing is reported as DPL001 (unused-suppression), as is a code in
``ignore[...]`` that names no rule; a code is only called unused when its rule ran.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .findings import Finding, Suppression
from .location import Loc, SourceFile, display_path

DIRECTIVE = re.compile(
    r"#\s*deploylint:\s*(?P<kind>ignore-file|ignore|noqa)(?![\w-])"
    r"(?:\[(?P<codes>[^\]\n]*)\])?(?P<reason>[^\n]*)",
    re.I,
)
UNUSED_CODE = "DPL001"
REASON_PLACEHOLDER = "TODO: say why this is intended"

# Kinds whose statements continue with a trailing backslash.
_BACKSLASH_KINDS = {"shell", "dockerfile", "dotenv", "requirements", "modelfile"}
_YAML_KINDS = {"yaml", "compose"}


# -- reading ------------------------------------------------------------------------------------


def parse(sf: SourceFile) -> list:
    """The suppression comments of a file, each with the lines it covers."""
    from .sources import Suppress

    text = sf.text
    if "deploylint:" not in text:
        return []
    lines = sf.lines
    comments = _python_comment_starts(text) if sf.kind == "python" else None
    found = []
    for m in DIRECTIVE.finditer(text):
        line, col = sf.offset_to_linecol(m.start())
        before = sf.line_text(line)[: col - 1]
        if before and not before[-1].isspace():
            continue  # `#` inside a word (a URL fragment …) is not a comment
        if comments is not None and (line, col - 1) not in comments:
            continue  # inside a Python string
        codes = tuple(
            c.strip().upper() if re.fullmatch(r"[A-Za-z]+\d+", c.strip()) else c.strip()
            for c in (m.group("codes") or "").split(",")
            if c.strip()
        )
        reason = m.group("reason").strip().lstrip(":-— ").strip()
        loc = Loc(sf.path, line, col, line, col + len(m.group(0).rstrip()))
        file_level = m.group("kind").lower() == "ignore-file"
        found.append((line, not before.strip(), codes, reason, loc, file_level))
    own_lines = {line for line, own, *_ in found if own}
    out = []
    for line, own, codes, reason, loc, file_level in found:
        if file_level:
            end = len(lines)
        elif own:
            nxt = line + 1
            while nxt in own_lines:
                nxt += 1
            end = statement_end(sf.kind, lines, nxt) if nxt <= len(lines) else line
        else:
            end = statement_end(sf.kind, lines, line)
        out.append(Suppress(line, codes, reason, loc, end_line=end, file_level=file_level))
    return out


def _python_comment_starts(text: str) -> set[tuple[int, int]] | None:
    """(line, 0-based column) of every comment token; None when the file does not tokenize."""
    import tokenize

    out = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out.add(tok.start)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return out


def _indent(s: str) -> int:
    return len(s) - len(s.lstrip(" \t"))


def _continues(s: str) -> bool:
    """The line ends with an unescaped backslash (a continuation)."""
    stripped = s.rstrip("\r")
    n = len(stripped) - len(stripped.rstrip("\\"))
    return n % 2 == 1


def statement_end(kind: str, lines: list[str], start: int) -> int:
    """The last line (1-based) of the statement that starts on line ``start``."""
    n = len(lines)
    if start < 1 or start > n:
        return start
    if kind in _YAML_KINDS:
        return _yaml_end(lines, start)
    if kind == "python":
        return _python_end(lines, start)
    end = start
    if kind in _BACKSLASH_KINDS:
        if kind == "modelfile" and lines[start - 1].count('"""') % 2 == 1:
            end = start + 1
            while end <= n and '"""' not in lines[end - 1]:
                end += 1
            return min(end, n)
        while end < n and _continues(lines[end - 1]):
            end += 1
    return end


def _yaml_end(lines: list[str], start: int) -> int:
    first = lines[start - 1]
    ind = _indent(first)
    body = first.split(" #", 1)[0].rstrip()
    opens_block = body.endswith(":")  # `key:` with its value below (maybe a same-indent list)
    end = start
    i = start  # 0-based index of the line after `start`
    while i < len(lines):
        s = lines[i]
        stripped = s.strip()
        if stripped and not stripped.startswith("#"):
            if stripped in ("---", "...") and _indent(s) == 0:
                break
            d = _indent(s)
            if d > ind or (opens_block and d == ind and stripped.startswith("-")):
                end = i + 1
            else:
                break
        i += 1
    return end


def _python_end(lines: list[str], start: int) -> int:
    import tokenize

    text = "\n".join(lines[start - 1 :]) + "\n"
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                return start + tok.start[0] - 1
    except (tokenize.TokenError, SyntaxError, ValueError, IndentationError):
        pass
    return start


# -- applying -----------------------------------------------------------------------------------


def _token_matches(f: Finding, token: str) -> bool:
    cu = token.upper()
    return cu == "ALL" or f.code.startswith(cu) or token == f.name


def apply(findings: list[Finding], project, config, cwd: Path, result) -> None:
    """Mark suppressed findings (comments, then per-file-ignores) and split them into
    ``result.findings`` / ``result.suppressed``; then report unused suppressions (DPL001) when
    that rule is selected."""
    by_file: dict[Path, list] = {}
    for path, ff in project.files.items():
        if ff.suppressions:
            for s in ff.suppressions:
                s.used = set()
            # a statement's own comments first, then the file-level ones
            by_file[path] = sorted(ff.suppressions, key=lambda s: s.file_level)
    for f in findings:
        _suppress_one(f, by_file, config, cwd, result)
    if UNUSED_CODE in result.selected:
        for f in unused(by_file, findings, result.selected):
            f.path = display_path(f.loc.path, cwd)
            _suppress_one(f, by_file, config, cwd, result)


def _suppress_one(f: Finding, by_file, config, cwd: Path, result) -> None:
    sup = None
    line = f.loc.line
    for s in by_file.get(f.loc.path, ()):
        covered = s.file_level or (line is not None and s.line <= line <= _end(s))
        if not covered:
            continue
        if f.code == UNUSED_CODE and f.loc == s.loc:
            continue  # a blanket comment does not silence the report about itself
        if not s.codes:
            s.used.add("")
            sup = Suppression("inSource", s.reason, s.loc)
            break
        hit = [c for c in s.codes if _token_matches(f, c)]
        if hit:
            s.used.update(hit)
            sup = Suppression("inSource", s.reason, s.loc)
            break
    if sup is None and config.per_file_ignores:
        cfg_base = config.base_dir or cwd
        rel = display_path(f.loc.path, cfg_base)
        codes = config.file_ignores(rel)
        if codes and any(_token_matches(f, c) for c in codes):
            src = display_path(config.source, cwd) if config.source else "the configuration"
            sup = Suppression("external", f"per-file-ignores in {src}")
    if sup is not None:
        f.suppression = sup
        result.suppressed.append(f)
    else:
        result.findings.append(f)


def _end(s) -> int:
    end = getattr(s, "end_line", None)
    return end if end is not None else s.line + 1


def unused(by_file, findings: list[Finding], selected: set[str]) -> list[Finding]:
    """DPL001 findings: suppression codes that suppressed nothing while their rule ran, and codes
    that name no rule. Files that could not be parsed (DPL000) are not judged: no rule read them."""
    from .catalog import SelectorError, catalog, expand_selector

    unreadable = {f.loc.path for f in findings if f.code == "DPL000"}
    cat = catalog()
    rule = cat[UNUSED_CODE]
    default = {c for c, r in cat.items() if r.status != "preview"}
    out = []
    for path, sups in by_file.items():
        if path in unreadable:
            continue
        for s in sups:
            if any(c.upper() == UNUSED_CODE or c == rule.name for c in s.codes):
                continue  # `ignore[…, DPL001]`: kept on purpose (ruff's `noqa: …, RUF100`)
            unknown, idle = [], []
            if not s.codes:
                if "" not in s.used and default <= selected:
                    idle.append("")
            for c in s.codes:
                if c in s.used:
                    continue
                try:
                    codes = expand_selector(c)
                except SelectorError:
                    unknown.append(c)
                    continue
                if codes <= selected:
                    idle.append(c)
            if not unknown and not idle:
                continue
            out.append(_unused_finding(s, unknown, idle, rule))
    return out


def _unused_finding(s, unknown: list[str], idle: list[str], rule) -> Finding:
    scope = "this file" if s.file_level else _lines(s)
    parts = []
    if unknown:
        names = ", ".join(f"`{c}`" for c in unknown)
        parts.append(
            f"{names} {'is' if len(unknown) == 1 else 'are'} not a rule (a code like DPL201, a "
            "prefix like DPL2, a rule name, or ALL), so nothing is suppressed by "
            f"{'it' if len(unknown) == 1 else 'them'}"
        )
    if idle == [""]:
        parts.append(f"this suppression of every rule suppresses nothing on {scope}")
    elif idle:
        names = ", ".join(f"`{c}`" for c in idle)
        parts.append(f"{names} suppresses nothing: no such finding on {scope}")
    everything = set(unknown) | set(idle)
    whole = not s.codes or everything >= set(s.codes)
    fix = (
        "remove the suppression comment"
        if whole
        else "remove " + ", ".join(f"`{c}`" for c in unknown + idle) + " from the comment"
    )
    return Finding(
        UNUSED_CODE,
        rule.name,
        rule.severity,
        s.loc,
        "unused suppression: " + "; ".join(parts),
        fix=fix,
        evidence={
            "unknown": unknown,
            "unused": [c or "every rule" for c in idle],
            "covers": "file" if s.file_level else [s.line, _end(s)],
            "remove_comment": whole,
        },
        anchor=f"suppression {','.join(s.codes) or '*'} {'file' if s.file_level else ''}",
    )


def _lines(s) -> str:
    end = _end(s)
    return f"line {s.line}" if end <= s.line else f"lines {s.line}–{end}"


# -- writing (`--add-suppressions`) ----------------------------------------------------------------

COMMENTABLE = {
    "shell",
    "dockerfile",
    "compose",
    "yaml",
    "requirements",
    "pyproject",
    "dotenv",
    "python",
    "modelfile",
}


@dataclass
class AddReport:
    added: int = 0
    files: list[Path] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)  # no line, or a file without comments
    errors: list[str] = field(default_factory=list)  # files that could not be written


def add(result, roots: list[Path], reason: str = REASON_PLACEHOLDER) -> AddReport:
    """Insert `# deploylint: ignore[CODES] reason` above the statement of every reported finding
    (one comment per statement, codes sorted). Findings already suppressed are left alone, so a
    second run adds nothing. Only files the scan read are written."""
    report = AddReport()
    project = result.project
    files = project.files if project is not None else {}
    wanted: dict[Path, dict[int, set[str]]] = {}
    for f in result.findings:
        ff = files.get(f.loc.path)
        if f.loc.line is None or ff is None or ff.kind not in COMMENTABLE:
            report.skipped.append(f)
            continue
        wanted.setdefault(f.loc.path, {}).setdefault(f.loc.line, set()).add(f.code)
    from .writeback import WriteRefused, read_for_edit, split_lines, write_text

    for path, by_line in sorted(wanted.items()):
        kind = files[path].kind
        try:
            text, bom = read_for_edit(path)
        except (OSError, ValueError):
            report.skipped.extend(f for f in result.findings if f.loc.path == path)
            continue
        lines = split_lines(text)
        plain = [s.rstrip("\n").rstrip("\r") for s in lines]
        newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        inserts: dict[int, set[str]] = {}
        for line, codes in by_line.items():
            start = statement_start(kind, plain, line, text)
            inserts.setdefault(start, set()).update(codes)
        for start in sorted(inserts, reverse=True):
            target = plain[start - 1] if start - 1 < len(plain) else ""
            indent = target[: _indent(target)]
            listed = ",".join(sorted(inserts[start]))
            lines.insert(start - 1, f"{indent}# deploylint: ignore[{listed}] {reason}{newline}")
        try:
            write_text(path, "".join(lines), roots, bom)
        except (OSError, WriteRefused) as e:
            report.errors.append(str(e))
            report.skipped.extend(f for f in result.findings if f.loc.path == path)
            continue
        report.added += len(inserts)
        report.files.append(path)
    return report


def statement_start(kind: str, lines: list[str], line: int, text: str = "") -> int:
    """The first line of the statement that line ``line`` belongs to: where a suppression comment
    placed on the line above covers ``line`` (``statement_end`` of it reaches ``line``)."""
    if line < 1 or line > len(lines):
        return max(1, min(line, len(lines)))
    if kind in _YAML_KINDS:
        start = _yaml_start(text or "\n".join(lines), line)
    elif kind == "python":
        start = _python_start(text or "\n".join(lines), line)
    elif kind in _BACKSLASH_KINDS:
        start = line
        if kind == "modelfile":
            opened = None
            for i, s in enumerate(lines[:line], start=1):
                if s.count('"""') % 2 == 1:
                    opened = None if opened is not None else i
            if opened is not None and opened < line:
                return opened
            # the line that closes a triple-quoted value belongs to the instruction that opened it
            if lines[line - 1].count('"""') % 2 == 1:
                for i in range(line - 1, 0, -1):
                    if lines[i - 1].count('"""') % 2 == 1:
                        return i
        while start > 1 and _continues(lines[start - 2]):
            start -= 1
    else:
        start = line
    # never return a line whose statement does not reach `line` (a parse we misread)
    return start if statement_end(kind, lines, start) >= line else line


def _yaml_start(text: str, line: int) -> int:
    """The line of the innermost multi-line scalar or flow collection containing ``line`` (a
    comment cannot go inside those), else ``line`` itself."""
    from .yamlutil import compose_all

    try:
        docs = compose_all(text)
    except Exception:  # noqa: BLE001 - an unreadable document: the finding's own line
        return line
    best = line
    stack = list(docs)
    while stack:
        node = stack.pop()
        if node is None:
            continue
        first, last = node.start_mark.line + 1, node.end_mark.line + 1
        if node.end_mark.column == 0:
            last -= 1
        multi = last > first
        if not (first <= line <= last):
            continue
        value = getattr(node, "value", None)
        is_flow = getattr(node, "flow_style", False)
        is_scalar = isinstance(value, str)
        if multi and (is_scalar or is_flow) and first < line:
            best = min(best, first)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, tuple):
                    stack.extend(item)
                else:
                    stack.append(item)
    return best


def _python_start(text: str, line: int) -> int:
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return line
    best = None
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            end = getattr(node, "end_lineno", None) or node.lineno
            if node.lineno <= line <= end:
                if best is None or node.lineno >= best.lineno:
                    best = node
                stack.extend(ast.iter_child_nodes(node))
        else:
            stack.extend(ast.iter_child_nodes(node))
    return best.lineno if best is not None else line
