"""Baselines: record today's findings once (`--write-baseline FILE`), then report only new ones
(`--baseline FILE`).

A baseline is a JSON file meant to be committed::

    {
      "version": 1,
      "tool": "deploylint",
      "entries": {
        "3f9c2a0b7d1e4c55": {"code": "DPL201", "path": "deploy/compose.yml",
                             "message": "…", "anchor": "Qwen/Qwen2.5-14B"}
      }
    }

Entries are keyed by deploylint's line-independent fingerprint (code, path, the normalised text the
finding is about, occurrence index: ``findings.assign_fingerprints``), computed with paths relative
to the baseline file's directory, so the file does not depend on where deploylint runs (the key
equals the JSON ``fingerprint`` when deploylint runs in that directory). Inserting lines above a
finding keeps it baselined; editing the flagged text makes it new. Matched findings are moved to the
suppressed list with an ``external`` suppression (SARIF keeps them as suppressed results); entries
that no longer match a finding are returned so the caller can report them for pruning.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

from .findings import Finding, Suppression, assign_fingerprints
from .location import display_path

VERSION = 1


class BaselineError(Exception):
    pass


@dataclass
class Baseline:
    path: Path
    entries: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.absolute().parent


class BaselineSuppression(Suppression):
    """A finding matched by the baseline (``kind`` is ``external``)."""


def baseline_keys(findings: list[Finding], base_dir: Path) -> dict[int, str]:
    """Fingerprints of the findings with paths relative to ``base_dir``, by ``id(finding)``."""
    copies = []
    for f in findings:
        c = copy.copy(f)
        c.path = display_path(f.loc.path, base_dir)
        copies.append(c)
    assign_fingerprints(copies)
    return {id(f): c.fingerprint for f, c in zip(findings, copies, strict=True)}


def _entry(f: Finding, base_dir: Path) -> dict[str, str]:
    return {
        "code": f.code,
        "path": display_path(f.loc.path, base_dir),
        "message": f.message,
        "anchor": " ".join((f.anchor or f.message).split()),
    }


def load(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise BaselineError(f"cannot read baseline {path}: {e.strerror or e}") from None
    except ValueError as e:
        raise BaselineError(f"baseline {path} is not valid JSON: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
        raise BaselineError(f"baseline {path}: expected an object with `entries`")
    if data.get("version") != VERSION:
        raise BaselineError(
            f"baseline {path}: version {data.get('version')!r} is not supported "
            f"(expected {VERSION})"
        )
    entries = {str(k): v for k, v in data["entries"].items() if isinstance(v, dict)}
    return Baseline(path, entries)


def render(entries: dict[str, dict[str, str]]) -> str:
    ordered = sorted(
        entries.items(), key=lambda kv: (kv[1].get("path", ""), kv[1].get("code", ""), kv[0])
    )
    doc = {"version": VERSION, "tool": "deploylint", "entries": dict(ordered)}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(path: Path, result, *, keep_only: Baseline | None = None) -> int:
    """Write the baseline for a scan's reported findings; with ``keep_only`` (the baseline the scan
    was run against), only its entries that still match are kept: pruning, never adding."""
    base_dir = path.absolute().parent
    everything = list(result.findings) + list(result.suppressed)
    keys = baseline_keys(everything, base_dir)
    entries: dict[str, dict[str, str]] = {}
    if keep_only is not None:
        for f in everything:
            if isinstance(f.suppression, BaselineSuppression):
                entries[keys[id(f)]] = _entry(f, base_dir)
    else:
        for f in result.findings:
            entries[keys[id(f)]] = _entry(f, base_dir)
    path.write_text(render(entries), encoding="utf-8")
    return len(entries)


def apply(result, baseline: Baseline, cwd: Path, in_scope=None) -> tuple[int, list[dict]]:
    """Move findings whose key is in the baseline to ``result.suppressed``. Returns the number
    matched and the entries that matched nothing (only those ``in_scope(entry)`` says were
    checked by this scan)."""
    everything = list(result.findings) + list(result.suppressed)
    keys = baseline_keys(everything, baseline.base_dir)
    justification = f"baseline {display_path(baseline.path.absolute(), cwd)}"
    matched: set[str] = set()
    kept: list[Finding] = []
    for f in result.findings:
        key = keys[id(f)]
        if key in baseline.entries:
            matched.add(key)
            f.suppression = BaselineSuppression("external", justification)
            result.suppressed.append(f)
        else:
            kept.append(f)
    for f in result.suppressed:  # a finding suppressed in source is still "present"
        key = keys[id(f)]
        if key in baseline.entries:
            matched.add(key)
    result.findings = kept
    result.suppressed.sort(key=lambda f: f.sort_key())
    stale = [
        {"fingerprint": k, **v}
        for k, v in baseline.entries.items()
        if k not in matched and (in_scope is None or in_scope(v))
    ]
    stale.sort(key=lambda e: (str(e.get("path", "")), str(e.get("code", "")), e["fingerprint"]))
    n_matched = sum(1 for f in result.suppressed if isinstance(f.suppression, BaselineSuppression))
    return n_matched, stale
