"""DPL801 tool-calls-not-parsed: a client sends ``tools`` to a launch that cannot return tool
calls (flags missing for the engine at its version, a template without tools), or whose tool
parser does not read the served model's call format."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engines.base import NotApplicable, Problem
from ..facts import ClientCall, Value
from ..findings import Finding
from ..location import Loc
from . import Context, Deployment


def tool_requests(d: Deployment) -> list[tuple[ClientCall, dict[str, Any]]]:
    """Chat requests to ``d`` that send tools, one per client (LangChain model or call site)."""
    seen: set[Any] = set()
    out = []
    for call in d.chat_calls():
        req = call.extra.get("tool_request")
        if not isinstance(req, dict):
            continue
        tools = req.get("tools")
        key = call.extra.get("constructed_at") or (
            tools.loc if isinstance(tools, Value) else call.loc
        )
        if key in seen:
            continue
        seen.add(key)
        out.append((call, req))
    return out


def _choice(req: dict[str, Any]) -> str | None:
    """ "auto" (also when not given), "none", "forced", or None (not known)."""
    v = req.get("tool_choice")
    if v is None:
        return "auto"
    val = v.value if isinstance(v, Value) else None
    if not getattr(v, "resolved", False):
        return None
    if val in ("auto", None):
        return "auto"
    if val == "none":
        return "none"
    if val == "required" or isinstance(val, dict):
        return "forced"
    return None


def _where(call: ClientCall, req: dict[str, Any]) -> Loc:
    """Where the request is made (the tools themselves may be defined elsewhere)."""
    if call.api == "payload-file":
        tools = req.get("tools")
        if isinstance(tools, Value) and tools.loc.line:
            return tools.loc
    return call.loc


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        if d.in_process or d.chat_route is None:
            continue
        reqs = tool_requests(d)
        family = getattr(d.model.info, "family", None) if d.model is not None else None
        tc = d.engine.tool_calling(d.launch, family)
        if isinstance(tc, NotApplicable) or not (reqs or tc.configured):
            continue
        reported: set[str] = set()
        for call, req in reqs:
            choice = _choice(req)
            if choice == "none":
                continue
            problem: Problem | None
            if choice is None:
                # tool_choice not known: only what fails for every choice
                problem = tc.auto if tc.auto is not None and tc.forced is not None else None
            else:
                problem = tc.auto if choice == "auto" else tc.forced
            if problem is None or problem.anchor in reported:
                continue
            reported.add(problem.anchor)
            ev = d.evidence()
            ev.update(problem.evidence)
            ev.update(
                {
                    "tool_call_parser": tc.parser,
                    "tool_call_parser_source": tc.source,
                    "request": _where(call, req),
                    "tools_location": req["tools"].loc
                    if isinstance(req.get("tools"), Value)
                    else None,
                    "tool_choice": "auto (default)" if req.get("tool_choice") is None else choice,
                    "link": call.link,
                }
            )
            w = _where(call, req)
            sent = f"{w.path.name}:{w.line}" if w.line else w.path.name
            how = {"bind_tools": " (bind_tools)", "agent": " (an agent that calls tools)"}.get(
                req.get("via", ""), ""
            )
            yield ctx.finding(
                problem.loc,
                f"{sent} sends `tools`{how} to this deployment, but {problem.message}",
                fix=problem.fix,
                evidence=ev,
                anchor=problem.anchor,
            )
        if tc.mismatch is not None:
            m = tc.mismatch
            ev = d.evidence()
            ev.update(m.evidence)
            ev["tool_call_parser"] = tc.parser
            if reqs:
                ev["request"] = _where(*reqs[0])
            yield ctx.finding(
                m.loc,
                f"{d.phrase} serves `{d.model.ref if d.model else '?'}`, and {m.message}",
                fix=m.fix,
                evidence=ev,
                severity="warning",
                anchor=m.anchor,
            )
