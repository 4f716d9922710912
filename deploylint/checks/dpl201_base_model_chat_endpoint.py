"""DPL201 base-model-chat-endpoint: a base (pretrained) model behind a chat endpoint."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..assess import assess, has_chat_template
from ..facts import ModelRef
from ..findings import Finding
from . import Context, Deployment

_WITH_TEMPLATE = (
    "the chat template wraps every conversation in turn markers this model was never trained "
    "to answer, so it echoes or continues the prompt instead of replying"
)
_UNKNOWN_TEMPLATE = (
    "the model was never trained to answer chat turns: with a chat template it echoes or "
    "continues the prompt instead of replying, and without one the engine refuses chat requests"
)
_NO_TEMPLATE = (
    'the model has no chat template, so chat requests are refused (vLLM: HTTP 400 "default chat '
    'template is no longer allowed"), and adding one only makes a base model echo the prompt'
)


# Tiny base models that engines' own docs, charts and tests use as stand-ins (vLLM's old default
# model facebook/opt-125m, GPT-2). A deployment of one is a demo or a test harness far more often
# than a product, so it is reported at `info` whatever the evidence.
PLACEHOLDERS = re.compile(
    r"^(?:facebook/opt-(?:125m|350m)|(?:openai-community/|distilbert/)?(?:distil)?gpt2|"
    r"hf-internal-testing/.*|.*tiny-random.*|sshleifer/tiny-.*)$",
    re.I,
)


def instruct_sibling(model_id: str) -> str | None:
    """The instruct checkpoint of a base id, when built-in knowledge lists it."""
    from ..knowledge import models

    org, _, name = model_id.rpartition("/")
    cands = []
    if name.endswith("-Base"):
        cands.append(name[: -len("-Base")])
    cands += [name + "-Instruct", name + "-it", name + "-Chat", name + "-chat"]
    if name.endswith("-hf"):
        cands.append(name[: -len("-hf")] + "-chat-hf")
    if "-v0." in name:
        head, _, tail = name.partition("-v0.")
        cands.append(f"{head}-Instruct-v0.{tail}")
    for c in cands:
        full = f"{org}/{c}" if org else c
        info = models.lookup(full)
        if info is not None and info.kind in ("instruct", "hybrid"):
            return info.id
    return None


def _fix(ref: str, evidence: bool) -> str:
    sibling = instruct_sibling(ref)
    fix = (
        f"serve the instruction-tuned checkpoint `{sibling}`"
        if sibling
        else "serve an instruction-tuned (chat) checkpoint"
    ) + ", or keep the base model and call /v1/completions with raw text prompts"
    if not evidence:
        fix += " (then suppress this finding with a reason)"
    return fix


def _consequence(template: bool | None) -> str:
    if template is False:
        return _NO_TEMPLATE
    return _WITH_TEMPLATE if template else _UNKNOWN_TEMPLATE


def _why(mr: ModelRef) -> tuple[str, bool]:
    a = mr.info
    heuristic = a.confidence == "heuristic"
    why = a.reasons[0] if a.reasons else "base model"
    return (" (judged from the name alone)" if heuristic else "") + f" ({why})", heuristic


def _calls_to(d: Deployment) -> tuple[list, list]:
    chat, completion = [], []
    for call in d.clients:
        if d.selects_adapter(call):
            continue  # the request selects a fine-tuned adapter, not the base model
        (chat if call.kind == "chat" else completion).append(call)
    return chat, completion


def _launch_findings(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        endpoint = d.chat_route
        mr = d.model
        if mr is None or not mr.resolved or mr.is_default:
            continue
        a = mr.info
        if a is None or not a.is_base:
            continue
        chat_calls, completion_calls = _calls_to(d)
        override = d.prompting.override
        template = True if override else has_chat_template(mr)
        sure, heuristic = _why(mr)
        engine = d.phrase
        for call in chat_calls:
            yield _call_finding(ctx, call, d, mr, template, sure, heuristic)
        if endpoint is None:
            continue
        evidence = []
        if override and d.prompting.loc is not None:
            evidence.append(
                (f"a chat template is given explicitly ({d.prompting.source})", d.prompting.loc)
            )
        for link in d.chat_uis:
            evidence.append(
                (f"Open WebUI ({link.ui.context}) sends chat requests to {link.url}", link.loc)
            )
        if chat_calls and not evidence:
            continue  # reported at the calls
        if completion_calls and not evidence:
            continue  # the repository shows completion-only use
        if PLACEHOLDERS.match(mr.ref) and not d.chat_uis:
            # A tiny stand-in (opt-125m, gpt2) that no chat UI reaches: a demo or a test harness
            # (an explicit chat template for it is deliberate), not a deployment to users.
            continue
        ev = d.evidence()
        ev["chat_endpoint"] = endpoint
        if evidence:
            ev["chat_use"] = [{"what": w, "location": loc} for w, loc in evidence]
            msg = (
                f"`{mr.ref}` is a base model{sure}, served by {engine} behind {endpoint}, and "
                f"{evidence[0][0]}: " + _consequence(template)
            )
            severity = "error" if not heuristic else "warning"
            if PLACEHOLDERS.match(mr.ref):
                severity = "info"
                msg += (
                    " (a tiny placeholder model common in demos and tests; if this is a "
                    "test harness, suppress with a reason)"
                )
        else:
            msg = (
                f"`{mr.ref}` is a base model{sure}, served by {engine}, which exposes "
                f"{endpoint} for it; nothing in the repository shows chat use, but "
                + (
                    "chat requests fail: it has no chat template"
                    if template is False
                    else "a chat request gets a chat template applied to a model that was not "
                    "trained on it"
                    if template
                    else "it was never trained to answer chat requests"
                )
            )
            severity = "info"
        yield ctx.finding(
            d.model_loc,
            msg,
            fix=_fix(mr.ref, bool(evidence)),
            evidence=ev,
            severity=severity,
            anchor=f"{d.form} {mr.ref}",
        )


def _call_finding(ctx, call, d: Deployment, mr, template, sure, heuristic) -> Finding:
    ev = d.evidence()
    ev["call"] = call.api
    ev["link"] = call.link
    model_name = call.model.value if call.model is not None else None
    what = {
        "openai": "a chat completion request",
        "http": "a POST to the chat completions endpoint",
        "vllm-offline": "`LLM.chat`",
        "lmdeploy": "a chat request to the LMDeploy pipeline",
        "ollama": "an Ollama chat request",
        "payload-file": "a chat request payload",
    }.get(call.api, "a chat request")
    target = f"`{model_name}`, which is" if isinstance(model_name, str) and model_name else "it"
    msg = (
        f"{what} goes to {target} the base model `{mr.ref}`{sure}, served by "
        f"{d.phrase} ({call.link}): " + _consequence(template)
    )
    return ctx.finding(
        call.loc,
        msg,
        fix=_fix(mr.ref, True),
        evidence=ev,
        severity="warning" if heuristic else "error",
        anchor=f"chat call {mr.ref}",
    )


def _transformers_findings(ctx: Context) -> Iterator[Finding]:
    """`tokenizer.apply_chat_template(...)` with a base model's tokenizer (transformers)."""
    project = ctx.project
    loads: dict[tuple, list] = {}
    for op in project.peft_ops:
        if op.op == "load-base" and op.var and op.model is not None:
            loads.setdefault((op.loc.path, op.var), []).append(op)
    training_calls = {
        (c.path, c.line, c.col)
        for run in project.sft_runs
        if run.format is not None
        for c in run.format.calls
    }
    for call in project.clients:
        if call.api != "transformers" or call.kind != "chat" or not call.engine_var:
            continue
        if "add_generation_prompt" not in call.extra:
            continue  # `generate` on a templated prompt: reported at apply_chat_template
        if (call.loc.path, call.loc.line, call.loc.col) in training_calls:
            continue  # formats the examples of a fine-tune: nothing is asked to answer
        if _formats_a_finished_conversation(call):
            continue
        before = [
            o
            for o in loads.get((call.loc.path, call.engine_var), [])
            if (o.loc.line or 0) <= (call.loc.line or 0)
        ]
        op = before[-1] if before else None
        if op is None or not isinstance(op.model.value, str) or not op.model.resolved:
            continue
        ref = op.model.value
        mr = ModelRef(ref, None)
        from ..facts import Launch, ParsedArgs

        fake = Launch(
            "transformers", "from_pretrained", op.loc, [], ParsedArgs(), "", op.loc.path.parent
        )
        mr = project.resolve_ref(fake, None, ref)
        mr.info = assess(mr)
        if mr.info is None or not mr.info.is_base:
            continue
        sure, heuristic = _why(mr)
        template = has_chat_template(mr)
        msg = (
            f"`{call.engine_var}.apply_chat_template(...)` formats a chat for `{ref}`, a base "
            f"model{sure} loaded at line {op.loc.line}: "
            + (
                'it has no chat template (transformers raises "Cannot use chat template '
                'functions because tokenizer.chat_template is not set")'
                if template is False
                else _WITH_TEMPLATE
            )
        )
        yield ctx.finding(
            call.loc,
            msg,
            fix=_fix(ref, True),
            evidence={"model": ref, "model_kind_reasons": mr.info.reasons, "loaded_at": op.loc},
            severity="warning" if heuristic else "error",
            anchor=f"apply_chat_template {ref}",
        )


def _formats_a_finished_conversation(call) -> bool:
    """`apply_chat_template` of a conversation that already ends with the assistant's answer and
    asks for no generation prompt: training or scoring text, not a request for an answer."""
    m = call.messages
    agp = call.extra.get("add_generation_prompt")
    asks = agp is not None and agp.resolved and agp.value is True
    return (
        m is not None and m.complete and bool(m.roles) and m.roles[-1] == "assistant" and not asks
    )


def check(ctx: Context) -> Iterator[Finding]:
    yield from _launch_findings(ctx)
    yield from _transformers_findings(ctx)
