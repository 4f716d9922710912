"""Generic runner over testdata/cases/<name>/: scan repo/ and compare with expected.txt exactly.

expected.txt holds one finding per line: `PATH[:LINE] CODE SEVERITY` (PATH relative to repo/;
no LINE for a finding about a whole directory). An empty file means: no findings at all.
"""

from __future__ import annotations

import pytest

from .conftest import TESTDATA
from .helpers import keys, run_scan

CASES = sorted(p for p in (TESTDATA / "cases").iterdir() if (p / "repo").is_dir())


def _expected(case) -> list[str]:
    lines = (case / "expected.txt").read_text().splitlines()
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case):
    result = run_scan(case / "repo")
    assert not result.internal_errors, result.internal_errors
    assert keys(result, severity=True) == _expected(case)
