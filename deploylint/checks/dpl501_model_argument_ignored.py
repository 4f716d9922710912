"""DPL501 model-argument-ignored: the model the launch means is not the model the engine serves."""

from __future__ import annotations

from collections.abc import Iterator

from ..engines.base import NotApplicable
from ..findings import Finding
from . import Context


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        arg = d.model_arg
        if isinstance(arg, NotApplicable):
            continue
        for p in arg.problems:
            ev = d.evidence()
            ev.update(p.evidence)
            yield ctx.finding(p.loc, p.message, fix=p.fix, evidence=ev, anchor=p.anchor or p.kind)
