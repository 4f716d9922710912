"""DPL505 engine-setting-not-read: an option or environment variable the launch's engine release
does not read (removed, not yet added, or misspelt), asked of the engine
(``Engine.settings_not_read``)."""

from __future__ import annotations

from collections.abc import Iterator

from ..deployment import Deployment
from ..engines.base import NotApplicable, Problem
from ..findings import Finding
from . import Context


def _certain(d: Deployment) -> bool:
    """The release is known: an exact pin or tag, or the engine's own image tagged `latest`."""
    from ..engines.settings import release_known

    return release_known(d.launch)


def _severity(d: Deployment, p: Problem) -> str:
    if p.kind == "option-not-read":
        return "error" if _certain(d) else "warning"
    if "refuses to start" in p.message:
        return "error"
    return "warning"


def check(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple] = set()
    for d in ctx.deployments:
        problems = d.engine.settings_not_read(d.launch)
        if isinstance(problems, NotApplicable):
            continue
        for p in problems:
            key = (p.loc.path, p.loc.line, p.loc.col, p.anchor)
            if key in seen:
                continue  # one variable shared by several launches of a file
            seen.add(key)
            ev = d.evidence()
            ev.update(p.evidence)
            msg = p.message
            if not _certain(d) and p.kind == "option-not-read":
                msg += f" (the version is not pinned: {d.version.source})"
            yield ctx.finding(
                p.loc,
                msg,
                fix=p.fix,
                evidence=ev,
                severity=_severity(d, p),
                anchor=p.anchor or p.kind,
            )
