"""A scan: discover → parse each file → link → run the selected checks → suppress → sort."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import catalog, selected_codes
from .checks import CHECKS, Context, load_check
from .config import Config
from .discover import discover
from .findings import Finding, Suppression, assign_fingerprints
from .location import Loc, SourceFile, display_path
from .project import Project
from .sources import FileFacts, Suppress, parse_file

INTERNAL = "internal error"


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)  # reported (not suppressed)
    suppressed: list[Finding] = field(default_factory=list)
    project: Project | None = None
    files_scanned: int = 0
    internal_errors: list[str] = field(default_factory=list)
    selected: set[str] = field(default_factory=set)


def _dpl000(loc: Loc, message: str, anchor: str = "") -> Finding:
    rule = catalog()["DPL000"]
    return Finding("DPL000", rule.name, rule.severity, loc, message, anchor=anchor or message)


def scan(
    paths: list[Path],
    config: Config,
    *,
    select: list[str] | None = None,
    extend_select: list[str] | None = None,
    ignore: list[str] | None = None,
    force_exclude: bool = False,
    only_files: set[Path] | None = None,
    cwd: Path | None = None,
    jobs: int = 1,
) -> ScanResult:
    cwd = cwd or Path.cwd()
    result = ScanResult()
    codes = selected_codes(
        select if select is not None else config.select,
        list(config.extend_select) + list(extend_select or []),
        list(config.ignore) + list(ignore or []),
    )
    result.selected = codes
    abs_paths = [p if p.is_absolute() else (cwd / p) for p in paths]
    disc = discover(abs_paths, config, force_exclude=force_exclude)
    project = Project(config, abs_paths)
    result.project = project
    findings: list[Finding] = []
    for sk in disc.skipped:
        findings.append(_dpl000(Loc(sk.path), f"not scanned: {sk.reason}", sk.reason))
    facts_list = _parse_all(disc.files, config, jobs, result)
    for ff in facts_list:
        project.files[ff.path] = ff
        for d in ff.diagnostics:
            findings.append(_dpl000(d.loc, d.message, d.anchor))
    result.files_scanned = len(disc.files)
    try:
        project.link()
    except Exception as e:  # noqa: BLE001 - a bug must not hide the other findings
        result.internal_errors.append(f"linking: {e!r}\n{traceback.format_exc()}")
    for code in sorted(codes):
        if code not in CHECKS:
            continue
        ctx = Context(project, config, code)
        try:
            findings.extend(load_check(code)(ctx))
        except Exception as e:  # noqa: BLE001
            result.internal_errors.append(f"{code}: {e!r}\n{traceback.format_exc()}")
    if "DPL000" not in codes:
        findings = [f for f in findings if f.code != "DPL000"]
    for f in findings:
        f.path = display_path(f.loc.path, cwd)
    _suppress(findings, project, config, cwd, result)
    if only_files is not None:
        keep = {p.resolve() for p in only_files}
        result.findings = [f for f in result.findings if _resolved(f.loc.path) in keep]
        result.suppressed = [f for f in result.suppressed if _resolved(f.loc.path) in keep]
    assign_fingerprints(result.findings + result.suppressed)
    result.findings.sort(key=lambda f: f.sort_key())
    result.suppressed.sort(key=lambda f: f.sort_key())
    return result


def _resolved(p: Path) -> Path:
    try:
        return p.resolve()
    except OSError:
        return p


def _parse_one(item, max_size: int) -> FileFacts:
    sf = SourceFile(item.path, item.kind, item.size)
    return parse_file(sf, max_size)


def _parse_all(files, config: Config, jobs: int, result: ScanResult) -> list[FileFacts]:
    out: list[FileFacts] = []
    for item in files:
        try:
            out.append(_parse_one(item, config.max_file_size))
        except Exception as e:  # noqa: BLE001 - report, keep scanning
            ff = FileFacts(item.path, item.kind)
            result.internal_errors.append(f"{item.path}: {e!r}\n{traceback.format_exc()}")
            from .facts import Diagnostic

            ff.diagnostics.append(
                Diagnostic(Loc(item.path), f"{INTERNAL} while reading this file: {e!r}", INTERNAL)
            )
            out.append(ff)
    return out


def _suppress(
    findings: list[Finding], project: Project, config: Config, cwd: Path, result: ScanResult
) -> None:
    by_file: dict[Path, list[Suppress]] = {}
    for path, ff in project.files.items():
        if ff.suppressions:
            by_file[path] = ff.suppressions
    cfg_base = config.base_dir or cwd
    for f in findings:
        sup = None
        line = f.loc.line
        if line is not None:
            for s in by_file.get(f.loc.path, []):
                if s.line in (line, line - 1) and (not s.codes or _code_matches(f, s.codes)):
                    sup = Suppression("inSource", s.reason, s.loc)
                    break
        if sup is None and config.per_file_ignores:
            rel = display_path(f.loc.path, cfg_base)
            codes = config.file_ignores(rel)
            if codes and _code_matches(f, tuple(codes)):
                src = display_path(config.source, cwd) if config.source else "the configuration"
                sup = Suppression("external", f"per-file-ignores in {src}")
        if sup is not None:
            f.suppression = sup
            result.suppressed.append(f)
        else:
            result.findings.append(f)


def _code_matches(f: Finding, codes: tuple[str, ...]) -> bool:
    for c in codes:
        cu = c.upper()
        if cu == "ALL" or f.code.startswith(cu) or c == f.name:
            return True
    return False
