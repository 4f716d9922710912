"""Applying fixes: choose the fixes asked for, apply them in memory, re-scan the tree as it would
be (``location.file_overlay``), keep a fix only when its finding is gone and no other finding
appeared, and repeat while fixes remain (a fix may make another possible). Nothing is written
here: ``--fix`` writes the result, ``--fix-preview`` prints it as a unified diff."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..findings import Finding
from ..location import display_path, file_overlay
from . import SAFE, Edit, Fix

MAX_PASSES = 8


@dataclass
class Outcome:
    original: dict[Path, str] = field(default_factory=dict)  # files changed: text before
    current: dict[Path, str] = field(default_factory=dict)  # ... and after
    created: dict[Path, str] = field(default_factory=dict)  # files created
    applied: list[tuple[Finding, Fix]] = field(default_factory=list)
    rolled_back: list[tuple[Finding, Fix, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    result: Any = None  # the scan of the fixed tree (runner.ScanResult)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def key(f: Finding) -> tuple[str, str, str]:
    """A finding's identity across edits (line-independent, as its fingerprint)."""
    return (f.code, f.path, " ".join((f.anchor or f.message).split()))


def wanted(f: Finding, unsafe: bool) -> bool:
    fx = f.autofix
    return fx is not None and (unsafe or fx.applicability == SAFE)


def run(result, rescan: Callable[[dict[Path, str]], object], *, unsafe: bool) -> Outcome:
    """Fix what ``result`` offers; ``rescan(files)`` scans with ``files`` overlaid (fixes
    attached)."""
    out = Outcome(result=result)
    refused: set[tuple] = set()  # fixes rolled back: not tried again
    for _ in range(MAX_PASSES):
        todo = [
            f
            for f in out.result.findings
            if wanted(f, unsafe) and (key(f), _sig(f.autofix)) not in refused
        ]
        batch = _non_overlapping(todo, out)
        if not batch:
            break
        trial = _apply(out, batch)
        if trial is None:
            break
        after = rescan({**trial[0], **trial[1]})
        problems = _verify(out.result, after, batch)
        if not problems:
            _accept(out, batch, trial, after)
            continue
        # One at a time: keep each fix that passes alone.
        progressed = False
        for f in batch:
            trial = _apply(out, [f])
            if trial is None:
                continue
            after = rescan({**trial[0], **trial[1]})
            why = _verify(out.result, after, [f]).get(id(f))
            if why:
                out.rolled_back.append((f, f.autofix, why))
                refused.add((key(f), _sig(f.autofix)))
            else:
                _accept(out, [f], trial, after)
                progressed = True
        if not progressed:
            break
    return out


def _sig(fx: Fix) -> tuple:
    return tuple((str(e.path), e.line, e.col, e.end_line, e.end_col, e.text) for e in fx.edits)


def _non_overlapping(findings: list[Finding], out: Outcome) -> list[Finding]:
    taken: dict[Path, list[tuple[tuple[int, int], tuple[int, int]]]] = {}
    creating: set[Path] = set()
    batch = []
    for f in findings:
        fx = f.autofix
        spans = [(e.path, (e.line, e.col), (e.end_line, e.end_col)) for e in fx.edits]
        clash = any(
            not (end < s or start > e) for p, start, end in spans for s, e in taken.get(p, [])
        )
        if clash or any(p in creating or p in out.created for p in fx.creates):
            continue
        for p, start, end in spans:
            taken.setdefault(p, []).append((start, end))
        creating.update(fx.creates)
        batch.append(f)
    return batch


def _apply(out: Outcome, batch: list[Finding]):
    """(changed files' new text, created files) with ``batch`` applied on top of ``out``."""
    edits: dict[Path, list[Edit]] = {}
    created = dict(out.created)
    for f in batch:
        for e in f.autofix.edits:
            edits.setdefault(e.path, []).append(e)
        created.update(f.autofix.creates)
    texts = dict(out.current)
    for path, es in edits.items():
        base = texts.get(path)
        if base is None:
            base = _read(path, out)
            if base is None:
                return None
            out.original.setdefault(path, base)
        new = apply_edits(base, es)
        if new is None:
            return None
        texts[path] = new
    return texts, created


def _read(path: Path, out: Outcome) -> str | None:
    from ..location import read_text

    try:
        return read_text(path)
    except (OSError, ValueError) as e:
        out.unreadable.append(f"{path}: {e}")
        return None


def apply_edits(text: str, edits: list[Edit]) -> str | None:
    """``text`` with ``edits`` applied (positions as the file was before any of them)."""
    starts = [0]
    i = text.find("\n")
    while i != -1:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    crlf = "\r\n" in text

    def offset(line: int, col: int) -> int | None:
        if not 1 <= line <= len(starts) + 1:
            return None
        if line == len(starts) + 1:  # just past the last line
            return len(text) if col == 1 else None
        return starts[line - 1] + col - 1

    spans = []
    for e in edits:
        a, b = offset(e.line, e.col), offset(e.end_line, e.end_col)
        if a is None or b is None or b < a or b > len(text):
            return None
        replacement = e.text.replace("\n", "\r\n") if crlf else e.text
        spans.append((a, b, replacement))
    spans.sort(key=lambda s: (s[0], s[1]), reverse=True)
    for a, b, r in spans:
        text = text[:a] + r + text[b:]
    return text


def _verify(before, after, batch: list[Finding]) -> dict[int, str]:
    """Why each fix of ``batch`` fails (none: all pass): its finding is still reported, or a
    finding that was not there before appears."""
    was = Counter(key(f) for f in before.findings)
    now = Counter(key(f) for f in after.findings)
    fixed = Counter(key(f) for f in batch)
    problems: dict[int, str] = {}
    new = [k for k in now if now[k] > was[k]]
    if after.internal_errors:
        new.append(("internal error", "", after.internal_errors[0].splitlines()[0]))
    for f in batch:
        k = key(f)
        if now[k] > was[k] - fixed[k]:
            problems[id(f)] = "the finding is still reported after the fix"
        elif new:
            code, path, _ = new[0]
            problems[id(f)] = f"it would add {code} in {path}" if path else f"{code}: {new[0][2]}"
    return problems


def _accept(out: Outcome, batch: list[Finding], trial, after) -> None:
    texts, created = trial
    out.current = texts
    out.created = created
    out.applied.extend((f, f.autofix) for f in batch)
    out.result = after


def unified_diff(out: Outcome, cwd: Path) -> str:
    """The changes as a unified diff (``git apply``-able, paths relative to ``cwd``)."""
    parts: list[str] = []
    for path in sorted(out.current):
        old, new = out.original[path], out.current[path]
        if old == new:
            continue
        name = display_path(path, cwd)
        parts.extend(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                f"a/{name}",
                f"b/{name}",
            )
        )
    for path in sorted(out.created):
        name = display_path(path, cwd)
        parts.extend(
            difflib.unified_diff(
                [], out.created[path].splitlines(keepends=True), "/dev/null", f"b/{name}"
            )
        )
    text = "".join(p if p.endswith("\n") else p + "\n\\ No newline at end of file\n" for p in parts)
    return text


def rescanner(scan_once: Callable[[], object]) -> Callable[[dict[Path, str]], object]:
    """``rescan(files)``: ``scan_once()`` with ``files`` read from memory."""

    def rescan(files: dict[Path, str]):
        with file_overlay(files):
            return scan_once()

    return rescan
