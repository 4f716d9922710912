"""DPL804 thinking-default-differs: a client switches a hybrid model's thinking in a place the
serving engine does not read, so the engine's side resolves ``enable_thinking`` to the template's
default while the client believes it set the other value."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engines.base import NotApplicable
from ..findings import Finding
from . import Context
from .thinking_common import template_thinking, thinking_model, thinking_switches


def _tail(text: str | None, n: int = 60) -> str | None:
    return None if text is None else text[-n:]


def check(ctx: Context) -> Iterator[Finding]:
    seen: set[Any] = set()
    for d in ctx.deployments:
        if d.in_process:
            continue
        tm = thinking_model(d)
        if tm is None or tm.thinking not in ("default-on", "default-off"):
            continue
        kw = d.engine.chat_template_kwargs(d.launch)
        if isinstance(kw, NotApplicable) or not kw.ignored:
            continue
        default = tm.thinking == "default-on"
        s = kw.defaults.get("enable_thinking")
        if s is not None and isinstance(s.value, bool):
            default = s.value
        tt = template_thinking(d)
        for call in d.chat_calls():
            for sw in thinking_switches(call):
                last = sw.field.rsplit(".", 1)[-1]
                name = "chat_template_kwargs" if "chat_template_kwargs" in sw.field else last
                if name not in kw.ignored or sw.on is None or sw.on == default:
                    continue
                loc = sw.value.loc if sw.value is not None else call.loc
                if (loc, name) in seen:
                    continue
                seen.add((loc, name))
                wanted = "on" if sw.on else "off"
                got = "on" if default else "off"
                ev = d.evidence()
                ev.update(
                    {
                        "field": sw.field,
                        "client_value": sw.on,
                        "engine_default": default,
                        "engine": kw.source,
                        "why": tm.why,
                        "link": call.link,
                    }
                )
                if tt is not None:
                    ev["prompt_end_default"] = _tail(tt.default_renders)
                    ev["prompt_end_thinking_off"] = _tail(tt.off_renders)
                right = (
                    f"`{kw.request_field}`"
                    if kw.request_field
                    else (f"`{kw.thinking_field}`" if kw.thinking_field else "")
                )
                fix = (
                    f"send it as {right}"
                    + (
                        ' (e.g. extra_body={"chat_template_kwargs": {"enable_thinking": '
                        f"{sw.on}" + "}})"
                        if kw.request_field == "chat_template_kwargs"
                        else ""
                    )
                    if right
                    else "switch thinking where the engine reads it"
                )
                yield ctx.finding(
                    loc,
                    f"this request sets `{sw.field}` to switch thinking {wanted} for "
                    f"`{tm.model}` ({tm.why}), but {kw.ignored[name]}; {d.phrase} renders the "
                    f"template with thinking {got}",
                    fix=fix,
                    evidence=ev,
                    anchor=f"{sw.field} ignored",
                )
