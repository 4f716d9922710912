"""DPL103 missing-chat-template: chat is used, and the engine finds no template where it looks."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from . import Context, launch_evidence, model_loc, version_phrase
from .templates_common import chat_calls, ui_links


def check(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for launch in project.launches:
        mr = launch.model
        if mr is None or not mr.resolved:
            continue
        p = project.prompting(launch)
        if p.kind != "none" and not p.silent:
            continue
        calls = chat_calls(project, launch)
        uis = ui_links(project, launch)
        kind = mr.info.kind if mr.info is not None else None
        if not calls and not uis and kind in (None, "base"):
            continue  # no sign of chat use, and no reason to expect a template (DPL201 covers
            # base models)
        ev = launch_evidence(launch)
        ev["template_resolution"] = p.source
        if p.notes:
            ev["template_notes"] = list(p.notes)
        consequence = p.failure or "no chat template"
        where = p.notes[0] if p.notes else p.source
        engine = version_phrase(launch)
        msg = (
            f"{engine} finds no chat template for `{mr.ref}` ({where}): chat requests get "
            f"{consequence}"
        )
        if p.silent:
            msg = (
                f"{engine} has no chat template for `{mr.ref}` ({p.source}): chat requests "
                f"are answered anyway, but {consequence}"
            )
        fix = "add the model's chat template"
        if launch.engine == "tgi":
            fix = (
                "put the template into tokenizer_config.json (`chat_template`), or pass "
                "--tokenizer-config-path to a file that has it"
            )
        elif launch.engine == "vllm":
            fix = "pass --chat-template with the template the model was trained with"
        elif launch.engine == "ollama":
            fix = "add a TEMPLATE (and PARAMETER stop) to the Modelfile"
        elif launch.engine == "lmdeploy":
            fix = "pass --chat-template (a built-in name or a JSON file)"
        severity = "error" if (calls or uis) else "warning"
        targets = [(c.loc, f"chat call {c.loc.line}") for c in calls] or [
            (model_loc(launch), "launch")
        ]
        for loc, anchor in targets:
            yield ctx.finding(
                loc,
                msg,
                fix=fix,
                evidence=ev,
                severity=severity,
                anchor=f"no template {mr.ref} {anchor}",
            )
