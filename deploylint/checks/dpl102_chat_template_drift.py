"""DPL102 chat-template-drift: the serving template formats conversations differently from the
fine-tuning template (or, with an override, from the model's own template)."""

from __future__ import annotations

from collections.abc import Generator, Iterator

from ..findings import Finding
from ..templates.resolve import first_difference
from . import Context
from .templates_common import (
    PythonTraining,
    chat_use,
    compare_prompts,
    lf_version_phrase,
    python_training,
    training_prompting,
)

# With an explicit system message, so a difference in default system prompts (DPL101) does not
# count as drift.
PROBES = {
    "system + user": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
    "multi-turn": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Germany?"},
    ],
}


# Used only when a template refuses a system message (Gemma, Mistral v0.1): the same turns
# without it, compared without the default system prompts a deployment sets on purpose.
PROBES_NO_SYSTEM = {
    "user": [{"role": "user", "content": "What is the capital of France?"}],
    "multi-turn": [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Germany?"},
    ],
}


def _compare(a, b, b_alternatives: bool = False):
    """First probe where the two render differently: (name, text_a, text_b) or None."""
    return compare_prompts(a, b, PROBES, PROBES_NO_SYSTEM, b_alternatives=b_alternatives)


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        mr = d.model
        if mr is None or not mr.resolved:
            continue
        handled = yield from _python_drift(ctx, d)
        if handled:
            continue
        serving = d.prompting
        if not serving.renders:
            continue
        override = serving.source_loc_if_override()
        # the template as the launch's own files set it (a config file's `template:`), else the
        # model argument
        own_files = {d.loc.path, d.launch.config_file}
        configured = (
            serving.loc if serving.loc is not None and serving.loc.path in own_files else None
        )
        anchor_loc = override or configured or d.model_loc
        tr = training_prompting(d)
        if tr is not None:
            training, run, how = tr
            diff = _compare(serving, training)
            if diff is None:
                continue
            name, rs, rt = diff
            ev = d.evidence()
            ev.update(
                {
                    "serving_template": f"{serving.label}: {serving.source}",
                    "training_template": f"{run.get('template')} ({lf_version_phrase(run)})",
                    "training_config": run.loc,
                    "lineage": how,
                    "probe": name,
                    "prompt_serving": rs,
                    "prompt_training": rt,
                    "first_difference": first_difference(rs, rt),
                }
            )
            spec = f"llamafactory:{run.get('template')}"
            if run.version is not None and run.version.version:
                spec += f"@{run.version.version}"
            ev["training_template_spec"] = spec  # for the fix (deploylint/fix/rules/dpl102.py)
            ds = run.get("default_system")
            ev["training_default_system"] = ds if isinstance(ds, str) else None
            msg = (
                f"{serving.label} formats conversations with {serving.source}, but this model was "
                f"fine-tuned with LLaMA-Factory's `{run.get('template')}` template "
                f"({lf_version_phrase(run)}; {how}); the {name} probe renders differently, so the "
                "model is served a prompt format it was not trained on"
            )
            fix = (
                f"serve with the training template: `deploylint export-template --from {spec}` "
                f"> train.jinja, then {d.fix('chat-template-file')} (train.jinja)"
            )
            yield ctx.finding(
                anchor_loc, msg, fix=fix, evidence=ev, anchor=f"drift training {mr.ref}"
            )
            continue
        if override is None:
            continue
        own = d.reference
        if own.kind != "jinja":
            continue  # the model has no template of its own (or we cannot read it)
        diff = _compare(serving, own, b_alternatives=True)
        if diff is None:
            continue
        name, rs, ro = diff
        ev = d.evidence()
        ev.update(
            {
                "serving_template": serving.source,
                "model_template": own.source,
                "probe": name,
                "prompt_serving": rs,
                "prompt_model": ro,
                "first_difference": first_difference(rs, ro),
            }
        )
        if own.knowledge is not None:
            ev["model_template_confidence"] = own.knowledge.confidence
            ev["model_template_reason"] = own.knowledge.reason
            ev["model_template_citation"] = own.knowledge.format.citation
        for note in serving.notes:
            ev.setdefault("serving_notes", []).append(note)
        msg = (
            f"{serving.source} replaces the model's own template ({own.source}) with one that "
            f"renders the {name} probe differently: the model receives turns in a format it was "
            "not tuned on"
        )
        yield ctx.finding(
            override,
            msg,
            fix="drop the template override to use the model's own template, or make "
            "the override match it",
            evidence=ev,
            anchor=f"drift override {mr.ref}",
        )


# -- fine-tunes written in Python ---------------------------------------------------------------


def _python_drift(ctx: Context, d) -> Generator[Finding, None, bool]:
    """A deployment serving a fine-tune trained by Python code (TRL / transformers / Unsloth):
    the serving template against the format the training code built its examples in. Returns
    whether the deployment was compared (the override check below is then not needed)."""
    py = python_training(d)
    if py is None:
        return False
    fmt = py.served.run.format
    if fmt.kind == "text":
        use = chat_use(d)
        if not use:
            return True  # a hand-written format may be sent as raw completions: no chat, no claim
        f = _text_finding(ctx, d, py, use)
    else:
        f = _template_finding(ctx, d, py)
    if f is not None:
        yield f
    return True


def _common_evidence(d, py: PythonTraining) -> dict:
    run = py.served.run
    fmt = run.format
    ev = d.evidence()
    ev.update(
        {
            "training_script": run.loc,
            "training_format": training_label(py),
            "training_format_location": fmt.loc,
            "training_data": fmt.how,
            "lineage": py.served.how,
        }
    )
    if run.base is not None and run.base.value is not None:
        ev["base_model"] = run.base.value
    if py.serving is not None:
        ev["serving_template"] = f"{py.serving.label}: {py.serving.source}"
    if py.serving_note:
        ev["serving_template_note"] = py.serving_note
    return ev


def training_label(py: PythonTraining) -> str:
    fmt = py.served.run.format
    if fmt.kind == "text":
        return f"the hand-written format `{_short(fmt.text or '')}`"
    return py.training.source


def _short(text: str, n: int = 100) -> str:
    """The format as one line; a long one by its end (where the turns are)."""
    t = text.replace("\n", "\\n")
    return t if len(t) <= n else "…" + t[-(n - 1) :]


def _serving_phrase(d, py: PythonTraining) -> str:
    if py.serving is None:
        return f"{d.phrase} applies the model's own chat template"
    if py.serving_note:
        return f"{d.phrase} applies {py.serving_note}"
    return f"{py.serving.label} formats conversations with {py.serving.source}"


def _text_finding(ctx: Context, d, py: PythonTraining, use) -> Finding | None:
    from ..templates.learned import text_drift

    fmt = py.served.run.format
    run = py.served.run
    ev = _common_evidence(d, py)
    ev["chat_use"] = [{"what": w, "location": loc} for w, loc in use]
    severity = None
    if py.serving is not None:
        drift = text_drift(py.serving, fmt)
        if drift is None:
            return None
        ev.update(
            {
                "probe": drift.probe,
                "prompt_serving": drift.prompt_serving,
                "prompt_training": drift.prompt_training,
                "first_difference": first_difference(drift.prompt_serving, drift.prompt_training),
            }
        )
        if drift.where == "after":
            what = (
                f"after the user's message the model learned {drift.learned!r} but receives "
                f"{drift.served!r}"
            )
        else:
            what = (
                f"the user's message was introduced by {drift.learned!r} in training, not by "
                f"what the serving template writes ({drift.served!r})"
            )
    else:
        assert py.knowledge_only is not None
        marker, source = py.knowledge_only
        ev["end_of_turn"] = marker
        what = (
            f"{source} closes every turn, the user's included, with {marker!r}, while in "
            "training the user's message was never closed with it (the model's template files "
            "are not in the repository)"
        )
        severity = "warning"
    where = f"{fmt.loc.path.name}:{fmt.loc.line}"
    msg = (
        f"{_serving_phrase(d, py)}, but this model was fine-tuned on a hand-written prompt format "
        f"({where}: `{_short(fmt.text or '')}`; {py.served.how}); {what}, so chat requests reach "
        "it in a format it was not trained on"
    )
    fix = (
        "serve a chat template that renders the training format "
        f"({d.fix('chat-template-file')}), or send completion requests with the prompt written "
        f"exactly as in {run.loc.path.name}"
    )
    return ctx.finding(
        d.prompting.source_loc_if_override() or d.model_loc,
        msg,
        fix=fix,
        evidence=ev,
        severity=severity,
        anchor=f"drift python {d.model.ref if d.model else ''}",
    )


def _template_finding(ctx: Context, d, py: PythonTraining) -> Finding | None:
    if py.serving is None:
        return None
    diff = _compare(py.serving, py.training)
    if diff is None:
        return None
    name, rs, rt = diff
    ev = _common_evidence(d, py)
    ev.update(
        {
            "probe": name,
            "prompt_serving": rs,
            "prompt_training": rt,
            "first_difference": first_difference(rs, rt),
        }
    )
    kwargs = py.training.extra
    extra = (
        " with " + ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if k != "system_message")
        if kwargs
        else ""
    )
    msg = (
        f"{_serving_phrase(d, py)}, but this model was fine-tuned on examples formatted with "
        f"{py.training.source}{extra} ({py.served.how}); the {name} probe renders differently, "
        "so the model is served a prompt format it was not trained on"
    )
    return ctx.finding(
        d.prompting.source_loc_if_override() or d.model_loc,
        msg,
        fix=f"serve with the template used in training: {d.fix('chat-template-file')}",
        evidence=ev,
        anchor=f"drift python {d.model.ref if d.model else ''}",
    )
