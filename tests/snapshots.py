"""Snapshots of whole findings (message, fix, evidence), reviewed like code.

``render`` writes every finding of a scan as Markdown with one YAML block per finding: where it
is, its code, name and severity, message, fix, fingerprint and evidence. Values are normalised so
the text is the same on every machine: locations and paths relative to the scanned repository
(``deploylint.report.plain``, as ``--format json`` shows them), dictionary keys sorted, and any
absolute path of the scanned copy, of this checkout or of the home directory replaced by
``<repo>``, ``<deploylint>`` or ``~``. Multi-line text (prompts, templates) is written as YAML
block scalars, so a changed prompt shows as changed lines in a diff.

``check`` compares with the file and fails with a unified diff; with ``--update-snapshots`` (or
``DEPLOYLINT_UPDATE_SNAPSHOTS=1``) it rewrites the file instead.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploylint.report import plain

from .conftest import ROOT

UPDATE_HINT = (
    "pytest tests/test_cases.py --update-snapshots (or DEPLOYLINT_UPDATE_SNAPSHOTS=1), "
    "then review the diff"
)


class _Dumper(yaml.SafeDumper):
    """Block style, no line folding, multi-line strings as ``|`` blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _replacements(root: Path) -> list[tuple[str, str]]:
    out = []
    for path, name in ((root, "<repo>"), (ROOT, "<deploylint>"), (Path.home(), "~")):
        for p in {str(path), str(path.resolve())}:
            if len(p) > 1:
                out.append((p, name))
    return sorted(out, key=lambda kv: -len(kv[0]))  # longest first: <repo> before ~


def normalise(value: Any, subs: list[tuple[str, str]]) -> Any:
    if isinstance(value, dict):
        return {k: normalise(value[k], subs) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [normalise(v, subs) for v in value]
    if isinstance(value, str):
        for old, new in subs:
            value = value.replace(old, new)
        return value
    return value


def finding_record(f, root: Path) -> dict[str, Any]:
    subs = _replacements(root)
    loc = f.loc
    rec: dict[str, Any] = {
        "path": f.path,
        "line": loc.line,
        "column": loc.col,
        "end_line": loc.end_line,
        "end_column": loc.end_col,
        "code": f.code,
        "name": f.name,
        "severity": f.severity,
        "message": f.message,
        "fix": f.fix,
        "fingerprint": f.fingerprint,
        "evidence": plain(f.evidence, root),
    }
    out = {k: normalise(v, subs) for k, v in rec.items()}
    out["evidence"] = normalise(rec["evidence"], subs)
    return out


def render(case: str, findings: list, root: Path) -> str:
    """The snapshot text for ``findings`` of a scan of ``root`` (the copy of ``case``/repo)."""
    lines = [
        f"# Findings of `{case}`",
        "",
        "Every finding of a scan of `repo/` in full, written by tests/test_cases.py (do not edit).",
        f"Regenerate with `{UPDATE_HINT}`.",
        "",
    ]
    records = [finding_record(f, root) for f in findings]
    records.sort(key=lambda r: (r["path"], r["line"] or -1, r["code"], r["column"] or 0))
    if not records:
        lines += ["No findings.", ""]
    for i, rec in enumerate(records, 1):
        where = rec["path"] + (f":{rec['line']}" if rec["line"] is not None else "")
        body = yaml.dump(
            rec,
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=1_000_000,
        )
        lines += [
            f"## {i}. {where} {rec['code']} {rec['severity']}",
            "",
            "```yaml",
            body.rstrip("\n"),
            "```",
            "",
        ]
    return "\n".join(lines)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def check(path: Path, text: str, update: bool) -> None:
    """Compare ``text`` with the snapshot at ``path`` (or write it when ``update``)."""
    if update:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {_shown(path)}; create it with {UPDATE_HINT}")
    old = path.read_text(encoding="utf-8")
    if old != text:
        diff = difflib.unified_diff(
            old.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{_shown(path)} (snapshot)",
            tofile="this scan",
        )
        pytest.fail(
            "the findings differ from the snapshot:\n"
            + "".join(diff)
            + f"\nIf intended: {UPDATE_HINT}",
            pytrace=False,
        )
