"""DPL102 chat-template-drift: the serving template formats conversations differently from the
fine-tuning template (or, with an override, from the model's own template)."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..templates.resolve import RenderError, first_difference
from . import Context
from .templates_common import lf_version_phrase, strip_bos, training_prompting

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


def _compare(a, b):
    """First probe where the two render differently: (name, text_a, text_b) or None."""
    for name, msgs in PROBES.items():
        try:
            ra = strip_bos(a.render([dict(m) for m in msgs]), a)
            rb = strip_bos(b.render([dict(m) for m in msgs]), b)
        except RenderError:
            continue
        if ra != rb:
            return name, ra, rb
    return None


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        mr = d.model
        if mr is None or not mr.resolved:
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
        diff = _compare(serving, own)
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
