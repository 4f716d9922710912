#!/usr/bin/env python3
"""Scaffold a new rule: its document, its check module, and its registration.

    python scripts/new_rule.py DPL9NN my-rule-name "One-line summary" [--severity warning]

Writes rules/DPL9NN.md and deploylint/checks/dpl9nn_my_rule_name.py and adds the module to
CHECKS in deploylint/checks/__init__.py. Nothing is overwritten. The document's examples run as
tests (tests/test_rule_docs.py): fill them in before the test suite passes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DOC = """---
code: {code}
name: {name}
severity: {severity}
status: preview
summary: {summary}
engines: []
inputs: [launch]
facts:
  - fact: >-
      The engine behaviour this rule relies on, as it is at the versions it applies to.
    source: upstream file at a tag, an issue or a release note (public sources only)
---
## What it finds

What the rule reports, where the finding is anchored, and what it does not report.

## Why it matters

What the user sees when this mistake ships (the quiet failure), with a public source.

## Example

### Fires

```sh file=serve.sh
#!/bin/sh
vllm serve Qwen/Qwen2.5-7B-Instruct
```

```expect
serve.sh:2 {code}
```

### Does not fire

```sh file=serve.sh
#!/bin/sh
vllm serve Qwen/Qwen2.5-7B-Instruct
```

## Fix

What to change, in the engine's own terms.

## Verify

How `--verify` confirms it (or why it cannot).

## References

- Public sources.
"""

CHECK = '''"""{code} {name}: {summary}"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from . import Context


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        # Ask the deployment (and through it, its engine); never compare engine names.
        if False:  # replace with the rule's condition
            yield ctx.finding(d.model_loc, "message", fix=d.fix("missing-chat-template"))
'''


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("code", help="DPLnnn")
    ap.add_argument("name", help="kebab-case name")
    ap.add_argument("summary")
    ap.add_argument("--severity", choices=("error", "warning", "info"), default="warning")
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout (default: this one)")
    a = ap.parse_args(argv)
    root = a.root
    if not re.fullmatch(r"DPL\d{3}", a.code) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a.name):
        ap.error("CODE must be DPLnnn and NAME kebab-case")
    doc = root / "rules" / f"{a.code}.md"
    mod_name = f"{a.code.lower()}_{a.name.replace('-', '_')}"
    mod = root / "deploylint" / "checks" / f"{mod_name}.py"
    for p in (doc, mod):
        if p.exists():
            print(f"{p} exists: nothing written", file=sys.stderr)
            return 1
    fields = {"code": a.code, "name": a.name, "summary": a.summary, "severity": a.severity}
    doc.write_text(DOC.format(**fields), encoding="utf-8")
    mod.write_text(CHECK.format(**fields), encoding="utf-8")
    reg = root / "deploylint" / "checks" / "__init__.py"
    text = reg.read_text(encoding="utf-8")
    entry = f'    "{a.code}": "deploylint.checks.{mod_name}",\n'
    text = text.replace("CHECKS = {\n", "CHECKS = {\n" + entry, 1)
    reg.write_text(text, encoding="utf-8")
    print(f"wrote {doc.relative_to(root)} and {mod.relative_to(root)}; registered {a.code}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
