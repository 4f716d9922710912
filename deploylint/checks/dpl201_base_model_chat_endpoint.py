"""DPL201 base-model-chat-endpoint: a base (pretrained) model behind a chat endpoint."""

from __future__ import annotations

from collections.abc import Iterator

from ..engines.registry import module
from ..findings import Finding
from . import Context, launch_evidence, model_loc, version_phrase

_WITH_TEMPLATE = (
    "the chat template wraps every conversation in turn markers this model was never trained "
    "to answer, so it echoes or continues the prompt instead of replying"
)
_NO_TEMPLATE = (
    'the model has no chat template, so chat requests are refused (vLLM: HTTP 400 "default chat '
    'template is no longer allowed"), and adding one only makes a base model echo the prompt'
)


def chat_endpoint(launch) -> str | None:
    fn = getattr(module(launch.engine), "chat_endpoint", None)
    return fn(launch.form) if fn else None


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


def chat_evidence(ctx: Context, launch) -> list[tuple[str, object]]:
    ev: list[tuple[str, object]] = []
    occ = launch.args.last("chat_template")
    if occ is not None:
        ev.append(("a chat template is given with --chat-template", occ.loc))
    for ui, url, loc, target in ctx.project.ui_links:
        if target is launch:
            ev.append((f"Open WebUI ({ui.context}) sends chat requests to {url}", loc))
    return ev


def check(ctx: Context) -> Iterator[Finding]:
    for launch in ctx.project.launches:
        endpoint = chat_endpoint(launch)
        mr = launch.model
        if endpoint is None or mr is None or not mr.resolved or mr.is_default:
            continue
        a = mr.info
        if a is None or not a.is_base:
            continue
        evidence = chat_evidence(ctx, launch)
        ev = launch_evidence(launch)
        ev["chat_endpoint"] = endpoint
        from ..assess import has_chat_template

        override = launch.args.last("chat_template") is not None
        template = True if override else has_chat_template(mr)
        heuristic = a.confidence == "heuristic"
        why = a.reasons[0] if a.reasons else "base model"
        sure = " (judged from the name alone)" if heuristic else ""
        engine = version_phrase(launch)
        if evidence:
            ev["chat_use"] = [{"what": w, "location": loc} for w, loc in evidence]
            msg = (
                f"`{mr.ref}` is a base model{sure} ({why}), served by {engine} behind "
                f"{endpoint}, and {evidence[0][0]}: "
                + (_NO_TEMPLATE if template is False else _WITH_TEMPLATE)
            )
            severity = "error" if not heuristic else "warning"
        else:
            msg = (
                f"`{mr.ref}` is a base model{sure} ({why}), served by {engine}, which exposes "
                f"{endpoint} for it; nothing in the repository shows chat use, but "
                + (
                    "chat requests fail: it has no chat template"
                    if template is False
                    else "a chat request gets a chat template applied to a model that was not "
                    "trained on it"
                )
            )
            severity = "info"
        sibling = instruct_sibling(mr.ref)
        fix = (
            f"serve the instruction-tuned checkpoint `{sibling}`"
            if sibling
            else "serve an instruction-tuned (chat) checkpoint"
        ) + ", or keep the base model and call /v1/completions with raw text prompts"
        if not evidence:
            fix += " (then suppress this finding with a reason)"
        yield ctx.finding(
            model_loc(launch),
            msg,
            fix=fix,
            evidence=ev,
            severity=severity,
            anchor=f"{launch.form} {mr.ref}",
        )
