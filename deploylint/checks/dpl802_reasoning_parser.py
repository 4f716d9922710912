"""DPL802 reasoning-parser: a reasoning model served without a reasoning parser (its thoughts come
back inside ``content``), or with a parser that does not take effect for this launch."""

from __future__ import annotations

from collections.abc import Iterator

from ..engines.base import NotApplicable
from ..findings import Finding
from . import Context, Deployment
from .thinking_common import ThinkingModel, thinking_model, thinking_switches


def thinking_requested(d: Deployment, tm: ThinkingModel) -> bool | None:
    """Whether requests to ``d`` make the model think: True, False (every linked request and the
    server's defaults switch it off), None (not known)."""
    if tm.thinking == "always":
        return True
    kwargs = d.engine.chat_template_kwargs(d.launch)
    server_default = None
    if not isinstance(kwargs, NotApplicable):
        s = kwargs.defaults.get("enable_thinking")
        if s is not None and isinstance(s.value, bool):
            server_default = s.value
    base = tm.thinking == "default-on" if server_default is None else server_default
    chats = d.chat_calls()
    if not chats:
        return base
    states = []
    for call in chats:
        on = None
        for sw in thinking_switches(call):
            if sw.field.endswith("chat_template_kwargs.enable_thinking") or sw.field in (
                "/no_think",
                "/think",
            ):
                on = sw.on
        states.append(base if on is None else on)
    if all(s is False for s in states):
        return False
    if any(s is True for s in states):
        return True
    return None


def _prompt_think(tm: ThinkingModel, d: Deployment) -> str | None:
    """ "open", "closed" (thinking off by default and no request or server default switching it
    explicitly), or None."""
    if tm.opens_think:
        return "open"
    if tm.closes_think:
        kwargs = d.engine.chat_template_kwargs(d.launch)
        if not isinstance(kwargs, NotApplicable) and "enable_thinking" in kwargs.defaults:
            return None
        for call in d.chat_calls():
            if any(
                sw.field.endswith("chat_template_kwargs.enable_thinking")
                for sw in thinking_switches(call)
            ):
                return None
        return "closed"
    return None


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        if d.in_process or d.chat_route is None:
            continue
        tm = thinking_model(d)
        if tm is None or tm.reasoning_format not in (None, "think-tags"):
            continue
        r = d.engine.reasoning(d.launch, tm.family, _prompt_think(tm, d))
        if isinstance(r, NotApplicable):
            continue
        ev = d.evidence()
        ev.update(
            {
                "reasoning_model": tm.why,
                "reasoning_evidence": tm.how,
                "thinking": tm.thinking,
                "reasoning_parser": r.parser,
                "reasoning_parser_source": r.source,
            }
        )
        if r.problem is not None:
            ev.update(r.problem.evidence)
            yield ctx.finding(
                r.problem.loc,
                f"`{tm.model}` is a reasoning model ({tm.why}), but {r.problem.message}",
                fix=r.problem.fix,
                evidence=ev,
                anchor=r.problem.anchor,
            )
            continue
        if r.separated is not False:
            continue
        if thinking_requested(d, tm) is False:
            continue
        # an option ("--reasoning-parser") is added; a phrase ("upgrade vLLM ... and add
        # --reasoning-parser") already says what to do
        verb = "add " if r.option.startswith("-") else ""
        if r.suggest:
            fix = f"{verb}{r.option} {r.suggest} ({r.suggest_source})"
        else:
            fix = f"{verb}{r.option} with the parser the engine documents for the model"
        yield ctx.finding(
            d.model_loc,
            f"`{tm.model}` is a reasoning model ({tm.why}), but {r.source}: clients "
            "get the <think>…</think> block inside the answer instead of a separate "
            "`reasoning_content`",
            fix=fix,
            evidence=ev,
            anchor=f"{tm.model} without reasoning parser",
        )
