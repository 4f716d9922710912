"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

One run. ``tool.driver.rules`` lists every enabled rule with its documentation from ``rules/``
(summary → shortDescription, "What it finds" → fullDescription, the document → help). Results
carry a relative ``artifactLocation.uri`` against ``%SRCROOT%`` (the directory deploylint ran in),
a full region in Unicode code points (``run.columnKind``), deploylint's line-independent
fingerprint under ``partialFingerprints["deploylintFingerprint/v1"]`` (``primaryLocationLineHash``
is left to ``upload-sarif``), the locations named in the evidence as ``relatedLocations``, and —
for suppressed findings, which are kept so code scanning closes rather than loses the alert —
``suppressions`` (``inSource`` for ``# deploylint: ignore[...]`` comments, ``external`` for
per-file-ignores and the baseline). A finding about a whole directory is shown on line 1 of the
directory's ``config.json`` (see ``regions.py``), with the directory in the message and in
``properties.scope``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..catalog import Rule, catalog
from . import HOMEPAGE, plain, rule_url
from .regions import Region, Sources, evidence_locs, shown_message

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "deploylintFingerprint/v1"
SRCROOT = "%SRCROOT%"
AUTOMATION_ID = "deploylint/"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}
MAX_DESCRIPTION = 1024  # GitHub's limit for short/full descriptions
MAX_RELATED = 100

_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)
_EXPECT_BLOCK = re.compile(r"^```expect\n.*?^```\n?", re.S | re.M)


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def rule_markdown(rule: Rule) -> str:
    """The rule document without its front matter and without the test-only `expect` blocks."""
    body = _FRONT.sub("", rule.body, count=1)
    body = _EXPECT_BLOCK.sub("", body)
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


def rule_text(rule: Rule) -> str:
    parts = []
    for title in ("What it finds", "Why it matters", "Fix"):
        sec = rule.sections.get(title)
        if sec:
            parts.append(f"{title}\n\n{sec}")
    parts.append(f"Documentation: {rule_url(rule.code)}")
    return "\n\n".join(parts) + "\n"


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    tags = ["deploylint"] + [e for e in rule.engines if e != "all"]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.summary or rule.name)},
        "fullDescription": {"text": _clip(rule.sections.get("What it finds") or rule.summary)},
        "help": {"text": rule_text(rule), "markdown": rule_markdown(rule)},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": LEVEL.get(rule.severity, "warning")},
        "properties": {
            "tags": tags[:20],
            "precision": str(rule.meta.get("precision", "high")),
            "problem.severity": PROBLEM_SEVERITY.get(rule.severity, "warning"),
        },
    }


def artifact_location(path: str, is_dir: bool = False) -> dict[str, Any]:
    p = PurePosixPath(path)
    if p.is_absolute():
        uri = Path(path).as_uri()
        return {"uri": uri + ("/" if is_dir and not uri.endswith("/") else "")}
    uri = quote(path, safe="/")
    if is_dir and not uri.endswith("/"):
        uri += "/"
    return {"uri": uri, "uriBaseId": SRCROOT}


def physical_location(region: Region, *, with_region: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"artifactLocation": artifact_location(region.path, region.is_dir)}
    if with_region:
        out["region"] = {
            "startLine": region.start_line,
            "startColumn": region.start_col,
            "endLine": region.end_line,
            "endColumn": region.end_col,
        }
    return out


def _result(f, rule_index: dict[str, int], sources: Sources, cwd: Path) -> dict[str, Any]:
    region = sources.region(f.loc)
    text = shown_message(f, region)
    if f.fix:
        text += f"\n\nfix: {f.fix}"
    res: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index[f.code],
        "level": LEVEL.get(f.severity, "warning"),
        "message": {"text": text},
        "locations": [{"physicalLocation": physical_location(region)}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
    }
    related = []
    for label, loc in evidence_locs(f.evidence):
        if loc == f.loc or len(related) >= MAX_RELATED:
            continue
        r = sources.region(loc)
        related.append(
            {
                "id": len(related) + 1,
                "physicalLocation": physical_location(r, with_region=loc.line is not None),
                "message": {"text": label or "evidence"},
            }
        )
    if related:
        res["relatedLocations"] = related
    if f.suppression is not None:
        sup: dict[str, Any] = {"kind": f.suppression.kind, "status": "accepted"}
        if f.suppression.justification:
            sup["justification"] = f.suppression.justification
        if f.suppression.loc is not None and f.suppression.kind == "inSource":
            sup["location"] = {
                "physicalLocation": physical_location(sources.region(f.suppression.loc))
            }
        res["suppressions"] = [sup]
    if getattr(f, "autofix", None) is not None:
        from ..fix.formats import sarif_fixes

        res["fixes"] = sarif_fixes(f.autofix, cwd)
    props: dict[str, Any] = {"name": f.name, "severity": f.severity}
    if region.scope is not None:
        props["scope"] = region.scope
    if f.fix:
        props["fix"] = f.fix
    if f.evidence:
        props["evidence"] = plain(f.evidence, cwd)
    res["properties"] = props
    return res


def build(result, cwd: Path) -> dict[str, Any]:
    cat = catalog()
    findings = sorted(list(result.findings) + list(result.suppressed), key=lambda f: f.sort_key())
    codes = sorted(
        {c for c in result.selected if c in cat} | {f.code for f in findings if f.code in cat}
    )
    rules = [rule_descriptor(cat[c]) for c in codes]
    rule_index = {c: i for i, c in enumerate(codes)}
    sources = Sources(cwd)
    results = [_result(f, rule_index, sources, cwd) for f in findings if f.code in rule_index]
    invocation: dict[str, Any] = {"executionSuccessful": not result.internal_errors}
    if result.internal_errors:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "error",
                "message": {"text": err.splitlines()[0] if err else "internal error"},
                "descriptor": {"id": "internal-error"},
            }
            for err in result.internal_errors
        ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "deploylint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": rules,
            }
        },
        "automationDetails": {"id": AUTOMATION_ID},
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": results,
        "properties": {"filesScanned": result.files_scanned},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result, cwd: Path, **_: object) -> str:
    return json.dumps(build(result, cwd), indent=2, ensure_ascii=False) + "\n"
