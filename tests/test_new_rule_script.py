"""scripts/new_rule.py scaffolds a rule whose document the catalog reads and whose check module
imports, and never overwrites."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

from .conftest import ROOT


def test_scaffold_writes_a_document_a_check_and_registers_it(tmp_path):
    (tmp_path / "rules").mkdir()
    checks = tmp_path / "deploylint" / "checks"
    checks.mkdir(parents=True)
    shutil.copy(ROOT / "deploylint" / "checks" / "__init__.py", checks / "__init__.py")
    cmd = [sys.executable, str(ROOT / "scripts" / "new_rule.py"), "DPL999", "demo-rule", "A demo."]
    p = subprocess.run([*cmd, "--root", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    doc = (tmp_path / "rules" / "DPL999.md").read_text()
    assert doc.startswith("---\ncode: DPL999\nname: demo-rule\n")
    for section in ("What it finds", "Why it matters", "Example", "Fix", "Verify", "References"):
        assert f"## {section}" in doc
    mod = checks / "dpl999_demo_rule.py"
    assert '"DPL999": "deploylint.checks.dpl999_demo_rule"' in (checks / "__init__.py").read_text()
    spec = importlib.util.spec_from_file_location("deploylint.checks.dpl999_demo_rule", mod)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.check)
    again = subprocess.run([*cmd, "--root", str(tmp_path)], capture_output=True, text=True)
    assert again.returncode == 1 and "exists" in again.stderr
