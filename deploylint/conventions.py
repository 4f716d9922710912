"""What `scan`'s convention options print: `--statistics`, `--show-settings`, `--show-files`, and
the person-readable rule document of `explain`."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .location import display_path


def statistics(result, fmt: str) -> str:
    """Findings counted by rule, most frequent first (ruff's `--statistics`)."""
    from .catalog import catalog

    cat = catalog()
    counts = Counter(f.code for f in result.findings)
    fixable = Counter(f.code for f in result.findings if getattr(f, "edits", None))
    rows = []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = cat.get(code)
        sev = Counter(f.severity for f in result.findings if f.code == code)
        rows.append(
            {
                "code": code,
                "name": rule.name if rule else "",
                "count": n,
                "fixable": fixable[code],
                "by_severity": {k: sev[k] for k in ("error", "warning", "info") if sev[k]},
            }
        )
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    if not rows:
        return "No findings.\n"
    width = max(len(str(r["count"])) for r in rows)
    lines = []
    for r in rows:
        severities = ", ".join(
            f"{v} {k}{'s' if v != 1 and k != 'info' else ''}" for k, v in r["by_severity"].items()
        )
        fix = " [*]" if r["fixable"] else ""
        lines.append(f"{r['count']:>{width}}\t{r['code']}\t{r['name']}{fix} ({severities})")
    if any(r["fixable"] for r in rows):
        lines.append("[*] fixable with `deploylint scan --fix` (see --fix-preview)")
    return "\n".join(lines) + "\n"


def settings(cfg, codes: set[str], args, cwd: Path) -> str:
    """The configuration in force for this run, resolved (ruff's `--show-settings`)."""
    from .config import DEFAULT_FAIL_ON

    def rel(p: Path | None) -> str | None:
        return display_path(p, cwd) if p is not None else None

    data: dict[str, Any] = {
        "config-file": rel(cfg.source),
        "base-directory": rel(cfg.base_dir) or ".",
        "rules": sorted(codes),
        "select": cfg.select,
        "extend-select": cfg.extend_select,
        "ignore": cfg.ignore,
        "per-file-ignores": cfg.per_file_ignores,
        "exclude": [p for p in cfg.exclude if p not in getattr(cfg, "extend_exclude", [])],
        "extend-exclude": list(getattr(cfg, "extend_exclude", [])),
        "respect-gitignore": cfg.respect_gitignore,
        "fail-on": getattr(args, "fail_on", None) or cfg.fail_on or DEFAULT_FAIL_ON,
        "low-temperature": cfg.low_temperature,
        "max-file-size": cfg.max_file_size,
        "engines": cfg.engines,
        "models": cfg.models,
    }
    cli = {
        "select": getattr(args, "select", None),
        "extend-select": getattr(args, "extend_select", None),
        "ignore": getattr(args, "ignore", None),
    }
    lines = ["# deploylint settings (resolved: configuration file, then command line)"]
    for key, value in data.items():
        lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    given = {k: v for k, v in cli.items() if v}
    if given:
        lines.append("# from the command line: " + json.dumps(given))
    return "\n".join(lines) + "\n"


def files(disc, cwd: Path, verbose: bool = False) -> str:
    """The files a scan would read (ruff's `--show-files`), one per line."""
    from .report.concise import clean

    lines = []
    for item in sorted(disc.files, key=lambda i: display_path(i.path, cwd)):
        shown = clean(display_path(item.path, cwd))
        lines.append(f"{shown}\t{item.kind}" if verbose else shown)
    return "\n".join(lines) + ("\n" if lines else "")


# -- explain ------------------------------------------------------------------------------------

_EXPECT = re.compile(r"^```expect\n.*?^```\n?", re.S | re.M)
_HEADING = re.compile(r"^(#{2,4}) (.+?)\s*$", re.M)
_FENCE_INFO = re.compile(r"^```(\w+)[^\n]*?file=(\S+)[^\n]*$", re.M)


def explain(rule) -> str:
    """A rule document for a person: a header (code, name, severity, status, engines, summary),
    the sections without the test-only `expect` blocks, and the engine facts with sources."""
    from .report.sarif import rule_markdown

    engines = ", ".join(rule.engines) or "all"
    head = [
        f"{rule.code} {rule.name}",
        "=" * len(f"{rule.code} {rule.name}"),
        f"severity: {rule.severity}    status: {rule.status}    engines: {engines}",
    ]
    if rule.summary:
        head += ["", rule.summary]
    body = _EXPECT.sub("", rule_markdown(rule))
    body = _FENCE_INFO.sub(lambda m: f"```{m.group(1)}  # {m.group(2)}", body)

    def heading(m: re.Match) -> str:
        title = m.group(2)
        under = "-" if len(m.group(1)) == 2 else "~"
        return f"{title}\n{under * len(title)}"

    body = _HEADING.sub(heading, body)
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    out = "\n".join(head) + "\n\n" + body + "\n"
    facts = rule.meta.get("facts") or []
    if facts:
        out += "\nEngine facts\n------------\n"
        for fact in facts:
            if not isinstance(fact, dict):
                continue
            text = " ".join(str(fact.get("fact", "")).split())
            out += f"\n- {text}\n"
            if fact.get("source"):
                out += f"  source: {' '.join(str(fact['source']).split())}\n"
    return out
