"""DPL206 truncated-output-default: a request (or an offline vLLM call) that sets no output
limit where the engine's default is tiny — vLLM's SamplingParams() and /v1/completions stop after
16 tokens. The cap is asked of the engine (``Engine.output_budget``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engines.base import NotApplicable
from ..facts import ClientCall, Value
from ..findings import Finding
from ..location import Loc
from . import Context

#: A default at or below this many tokens cuts ordinary answers short.
TINY = 64


def _open_request(call: ClientCall) -> bool:
    """The code shows everything the request sends (no ``**kwargs``, no body built elsewhere);
    requests made through a framework with its own default (LangChain's OpenAI class sends 256)
    do not count."""
    x = call.extra
    if x.get("unresolved_kwargs") or x.get("body") == "unresolved" or x.get("body_incomplete"):
        return False
    if x.get("extra_body_incomplete") or x.get("framework"):
        return False
    eb = x.get("extra_body")
    if isinstance(eb, Value) and not eb.resolved:
        return False
    if x.get("client") == "unresolved" and call.api == "openai" and call.launch is None:
        return False
    return True


def _where(call: ClientCall) -> tuple[Loc, str]:
    loc = call.extra.get("sampling_params_loc")
    if isinstance(loc, Loc):
        return loc, "SamplingParams"
    return call.loc, "call"


def _what(call: ClientCall, kind: str) -> str:
    if kind == "SamplingParams":
        sp = call.extra.get("sampling_params") or {}
        args = ", ".join(f"{k}={getattr(v, 'value', v)!r}" for k, v in sp.items())
        return f"`SamplingParams({args})` sets no max_tokens"
    if call.api == "vllm-offline":
        meth = "chat" if call.kind == "chat" else "generate"
        return f"`{call.engine_var or 'llm'}.{meth}(...)` passes no sampling params"
    route = "/v1/completions" if call.kind != "chat" else "/v1/chat/completions"
    return f"this {route} request sets no max_tokens"


def check(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple[Any, ...]] = set()
    for d in ctx.deployments:
        for call in d.clients:
            if not _open_request(call):
                continue
            budget = d.engine.output_budget(d.project, d.launch, call)
            if isinstance(budget, NotApplicable) or budget.max_tokens is None:
                continue
            if budget.max_tokens > TINY:
                continue
            loc, kind = _where(call)
            key = (loc.path, loc.line, loc.col)
            if key in seen:
                continue
            seen.add(key)
            msg = (
                f"{_what(call, kind)}: {d.phrase} stops every answer after "
                f"{budget.max_tokens} tokens ({budget.source})"
            )
            if budget.unless:
                msg += f", unless {budget.unless}"
            ev = d.evidence()
            ev.update(
                {
                    "max_tokens_default": budget.max_tokens,
                    "setting": budget.setting,
                    "fact": budget.source,
                    "call": call.loc,
                }
            )
            if budget.unless:
                ev["unless"] = budget.unless
            yield ctx.finding(
                loc,
                msg,
                fix=budget.fix or f"set {budget.setting} explicitly",
                evidence=ev,
                anchor=f"{kind} max_tokens {budget.max_tokens}",
            )
