"""Every rule document has the required sections, and its examples run: the files of a
"Fires" example give exactly the findings in its `expect` block; a "Does not fire" example gives
none of that rule's findings."""

from __future__ import annotations

import re

import pytest

from deploylint.catalog import SECTIONS, catalog
from deploylint.checks import CHECKS

from .helpers import keys, run_scan, write_tree

RULES = sorted(catalog().values(), key=lambda r: r.code)
_FENCE = re.compile(r"```([^\n]*)\n(.*?)```", re.S)


def examples(rule):
    text = rule.sections.get("Example", "")
    parts = re.split(r"^### (.+)$", text, flags=re.M)
    out = []
    for title, body in zip(parts[1::2], parts[2::2], strict=False):
        files, expect = {}, None
        for info, content in _FENCE.findall(body):
            m = re.search(r"file=(\S+)", info)
            if m:
                files[m.group(1)] = content
            elif info.strip() == "expect":
                expect = sorted(line.strip() for line in content.splitlines() if line.strip())
        out.append((title.strip(), files, expect))
    return out


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_document_structure(rule):
    for section in ("What it finds", "Why it matters", "Example", "Fix", "Verify", "References"):
        assert section in rule.sections and rule.sections[section], f"{rule.code}: {section}"
    assert set(rule.sections) <= set(SECTIONS)
    assert rule.severity in ("error", "warning", "info")
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.summary
    # DPL000 (unparseable input) and DPL001 (unused suppressions) are reported by the runner
    assert rule.code in ("DPL000", "DPL001") or rule.code in CHECKS
    titles = [t for t, _, _ in examples(rule)]
    assert "Fires" in titles and "Does not fire" in titles


CASES = [(r, t, f, e) for r in RULES for (t, f, e) in examples(r)]


@pytest.mark.parametrize(
    "rule,title,files,expect", CASES, ids=[f"{r.code}-{t}" for r, t, _, _ in CASES]
)
def test_rule_document_example(tmp_path, rule, title, files, expect):
    write_tree(tmp_path, files)
    result = run_scan(tmp_path, select=[rule.code])
    got = keys(result)
    if title == "Fires":
        assert expect, "a Fires example needs an expect block"
        assert got == expect
    else:
        assert got == []


def test_every_check_has_a_document():
    assert set(CHECKS) <= set(catalog())
