"""DPL101 implicit-system-prompt: no system message is sent, and the system prompt the model
gets by default differs between the engine in use, the model's own template and the fine-tuning
template."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ..findings import Finding
from ..templates.resolve import (
    USER,
    RenderError,
    first_difference,
    injected_system,
    refuses_system,
)
from . import Context, Deployment
from .templates_common import lf_version_phrase, python_learned, training_prompting


def _fmt(text: str | None) -> str:
    if text is None:
        return "no system prompt"
    if text == "":
        return "an empty system block"
    return f'"{text}"'


class Party(NamedTuple):
    """One side of the comparison: whose default system prompt it is."""

    label: str  # "engine" | "model" | "training"
    source: str  # where the template comes from, as the finding says it
    system: str | None  # the default system text (None: none, "": an empty system block)
    prompt: str | None  # the prompt rendered without a system message (None: not rendered)


def _parties(d: Deployment) -> tuple[list[Party], bool]:
    """The parties whose default system prompts are compared, and whether a template refuses a
    system role."""
    out: list[Party] = []
    engine_p = d.prompting
    refused = False
    engine_default_known = (
        engine_p.knowledge is None or engine_p.knowledge.format.default_system_known
    )
    if engine_p.kind not in ("none", "unknown") and engine_default_known:
        r = injected_system(engine_p)
        if r is not None:
            out.append(Party("engine", f"{engine_p.label} ({engine_p.source})", r[0], r[1]))
        refused = refused or refuses_system(engine_p)
    model_p = d.reference
    known_default = model_p.knowledge is None or model_p.knowledge.format.default_system_known
    if model_p.kind == "jinja" and known_default:
        r = injected_system(model_p)
        if r is not None:
            out.append(Party("model", f"the model's own template ({model_p.source})", r[0], r[1]))
        refused = refused or refuses_system(model_p)
    elif d.model is not None:
        from ..knowledge import models

        info = models.lookup(d.model.ref)
        if (
            info is not None
            and info.states("default_system")
            and info.is_confirmed("default_system")
        ):
            if info.system_role is False:
                refused = True
            ds = info.default_system
            if ds is None or "{date_string}" not in ds:
                out.append(
                    Party("model", f"{info.id}'s own template (built-in knowledge)", ds, None)
                )
    tr = training_prompting(d)
    if tr is not None:
        p, run, how = tr
        r = injected_system(p)
        if r is not None:
            out.append(
                Party(
                    "training",
                    f"the fine-tuning template `{run.get('template')}` of "
                    f"{lf_version_phrase(run)} ({how})",
                    r[0],
                    r[1],
                )
            )
    else:
        py = python_learned(d)
        # a hand-written one-turn format has no default system prompt to compare (DPL102)
        if py is not None and py[0].run.format.kind != "text":
            served, learned = py
            r = injected_system(learned)
            if r is not None:
                source = f"the fine-tuning format, {learned.source} ({served.how})"
                out.append(Party("training", source, r[0], r[1]))
    return out, refused


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        mr = d.model
        if mr is None or not mr.resolved:
            continue
        calls = [
            c for c in d.chat_calls() if c.messages is not None and c.messages.has_system is False
        ]
        uis = d.chat_uis
        if not calls and not uis:
            continue
        if d.prompting.deliberate_system is not None:
            continue  # the deployment sets its default system prompt on purpose
        parties, refused = _parties(d)
        if refused:
            continue  # the template forbids a system role: do not ask for one
        by = {p.label: p for p in parties}
        # The reference is what the model was trained with: the fine-tuning template when the
        # served model is a fine-tune, else the model's own template.
        reference = by.get("training") or by.get("model")
        engine = by.get("engine")
        if engine is None and "training" in by:
            engine = by.get("model")  # the engine applies the model's own template
        if engine is None or reference is None or engine is reference:
            continue
        differing = [reference] if reference.system != engine.system else []
        if not differing:
            continue
        if (
            not reference.system
            and not engine.system
            and (d.prompting.knowledge is not None or d.reference.knowledge is not None)
        ):
            # An empty system turn against none, with a built-in format on one side (Llama 3.1
            # always writes a dated system turn): no default system text either way.
            continue
        other = differing[0]
        ev = d.evidence()
        ev["default_system"] = {p.source: p.system for p in parties}
        if engine.prompt is not None and other.prompt is not None:
            ev["prompt_engine"] = engine.prompt
            ev["prompt_reference"] = other.prompt
            ev["first_difference"] = first_difference(engine.prompt, other.prompt)
        elif engine.prompt is not None:
            ev["prompt_engine"] = engine.prompt
            if isinstance(other.system, str):
                # The reference's template text is not available (built-in knowledge only):
                # show the engine's format carrying the reference's default system prompt.
                engine_p = d.prompting
                try:
                    ref_prompt = engine_p.render(
                        [
                            {"role": "system", "content": other.system},
                            {"role": "user", "content": USER},
                        ]
                    )
                except RenderError:
                    ref_prompt = None
                if ref_prompt is not None:
                    ev["prompt_reference"] = ref_prompt
                    ev["prompt_reference_note"] = (
                        "the engine's prompt format with the reference's default system prompt "
                        "(the reference template's own text is not in the repository)"
                    )
                    ev["first_difference"] = first_difference(engine.prompt, ref_prompt)
        ref_system = other.system
        ev["reference_system"] = ref_system  # the fix sends it (deploylint/fix/rules/dpl101.py)
        fix = (
            d.fix("system-prompt")
            + (f' (the one the model was trained with: "{ref_system}")' if ref_system else "")
            + " so every engine builds the same prompt"
        )
        what = (
            f"the model gets {_fmt(engine.system)} from {engine.source}, while {other.source} "
            f"injects {_fmt(other.system)}"
        )
        if calls:
            for call in calls:
                msg = (
                    f"this chat request sends no system message, so {what}: the same request "
                    "is answered differently than under the reference template"
                )
                cev = dict(ev)
                cev["link"] = call.link
                yield ctx.finding(
                    call.loc, msg, fix=fix, evidence=cev, anchor=f"no system {d.form} {mr.ref}"
                )
        else:
            ui = uis[0]
            msg = (
                f"{ui.ui.context} sends chat requests without a system message to "
                f"{d.context}, so {what}"
            )
            yield ctx.finding(
                d.model_loc,
                msg,
                fix=fix + " (Open WebUI: set a default system prompt for the model)",
                evidence=ev,
                anchor=f"no system {d.form} {mr.ref}",
            )
