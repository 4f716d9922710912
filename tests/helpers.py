"""Shared test helpers: run a scan in-process and read findings as (path, line, code)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from deploylint import config as config_mod
from deploylint.runner import scan


@contextmanager
def chdir(path: Path):
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_scan(root: Path, *paths: str, select=None, cfg=None):
    with chdir(root):
        cfg = cfg or config_mod.load(None, Path("."))
        return scan([Path(p) for p in (paths or (".",))], cfg, select=select)


def keys(result, *, severity: bool = False) -> list[str]:
    out = []
    for f in result.findings:
        k = f.path + (f":{f.loc.line}" if f.loc.line is not None else "") + f" {f.code}"
        if severity:
            k += f" {f.severity}"
        out.append(k)
    return sorted(out)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root
