"""DPL203 eos-token-mismatch: the missing `PARAMETER stop "<end of turn>"` in an Ollama
Modelfile (after its last PARAMETER, else after FROM)."""

from __future__ import annotations

import re

from .. import SAFE, Fix
from ..text import append_line


def fix(finding, ctx) -> Fix | None:
    ev = finding.evidence
    eot = ev.get("end_of_turn")
    path = finding.loc.path
    if ev.get("engine") != "ollama" or not isinstance(eot, str) or '"' in eot or "\n" in eot:
        return None
    if ctx.kind(path) != "modelfile":
        return None
    lines = ctx.lines(path)
    if lines is None:
        return None
    after = None
    quoted = False
    for n, line in enumerate(lines, start=1):
        if line.count('"""') % 2 == 1:
            quoted = not quoted
            continue
        if quoted:
            continue
        word = line.strip().split(" ", 1)[0].upper()
        if word == "PARAMETER" or (word == "FROM" and after is None):
            after = n
    if after is None or re.search(r"\s", eot):
        return None
    edit = append_line(ctx, path, after, f'PARAMETER stop "{eot}"')
    return Fix(f'add PARAMETER stop "{eot}"', [edit], SAFE) if edit else None
