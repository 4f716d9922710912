"""The static path stays light: a scan of YAML/shell/JSON files imports none of the heavy
libraries (torch, transformers, vllm, libcst)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT, TESTDATA

HEAVY = ("torch", "transformers", "vllm", "libcst", "numpy")


def test_static_scan_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from deploylint.cli import main\n"
        f"main(['scan', '--exit-zero', {str(TESTDATA / 'cases')!r}])\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 0, p.stderr
    assert "HEAVY []" in p.stdout, p.stdout[-500:]
