"""DPL103 missing-chat-template: chat is used, and the engine finds no template where it looks."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from . import Context


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        mr = d.model
        if mr is None or not mr.resolved:
            continue
        p = d.prompting
        if p.kind != "none" and not p.silent:
            continue
        if p.fatal and p.loc is not None:
            ev = d.evidence()
            ev["template_resolution"] = p.source
            ev["template_notes"] = list(p.notes)
            yield ctx.finding(
                p.loc,
                f"{d.phrase} cannot open its chat template ({'; '.join(p.notes) or p.source}): "
                f"{p.failure or 'the server does not start'}",
                fix="give the template as the option expects it (the file name the chart "
                "prefixes with its mount point, or a path that exists in the container)",
                evidence=ev,
                severity="error",
                anchor=f"template unopenable {mr.ref}",
            )
            continue
        calls = d.chat_calls()
        uis = d.chat_uis
        kind = mr.info.kind if mr.info is not None else None
        if not calls and not uis and kind in (None, "base"):
            continue  # no sign of chat use, and no reason to expect a template (DPL201 covers
            # base models)
        ev = d.evidence()
        ev["template_resolution"] = p.source
        if p.notes:
            ev["template_notes"] = list(p.notes)
        consequence = p.failure or "no chat template"
        where = p.notes[0] if p.notes else p.source
        msg = (
            f"{d.phrase} finds no chat template for `{mr.ref}` ({where}): chat requests get "
            f"{consequence}"
        )
        if p.silent:
            msg = (
                f"{d.phrase} has no chat template for `{mr.ref}` ({p.source}): chat requests "
                f"are answered anyway, but {consequence}"
            )
        severity = "error" if (calls or uis) else "warning"
        targets = [(c.loc, f"chat call {c.loc.line}") for c in calls] or [(d.model_loc, "launch")]
        for loc, anchor in targets:
            yield ctx.finding(
                loc,
                msg,
                fix=d.fix("missing-chat-template"),
                evidence=ev,
                severity=severity,
                anchor=f"no template {mr.ref} {anchor}",
            )
