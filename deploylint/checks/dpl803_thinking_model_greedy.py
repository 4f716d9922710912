"""DPL803 thinking-model-greedy: a reasoning model that thinks is sampled greedily (or near it),
which its authors advise against (it loops until ``max_tokens``), or with a ``max_tokens`` budget
too small for the thinking to end (the answer is cut inside the thoughts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engines.base import NotApplicable
from ..facts import ClientCall, Value
from ..findings import Finding
from ..location import Loc
from . import Context, Deployment
from .thinking_common import ThinkingModel, thinking_model, thinking_switches

#: A `max_tokens` below this leaves a thinking model little room to finish its thoughts. Qwen
#: recommends 16,384 output tokens for most queries (QwenLM/Qwen3@7a2f61ff
#: docs/source/getting_started/quickstart.md); 1,024 is far below that on purpose.
THINKING_BUDGET = 1024
_BUDGET_KEYS = ("max_tokens", "max_completion_tokens", "max_new_tokens", "num_predict")


def _num(v: Any) -> float | None:
    val = getattr(v, "value", v)
    if isinstance(val, bool) or not getattr(v, "resolved", True):
        return None
    if isinstance(val, (int, float)):
        return float(val)
    if isinstance(val, str) and len(val) < 40:
        try:
            return float(val)
        except ValueError:
            return None
    return None


def _server_thinking(d: Deployment) -> bool | None:
    kw = d.engine.chat_template_kwargs(d.launch)
    if isinstance(kw, NotApplicable):
        return None
    s = kw.defaults.get("enable_thinking")
    return s.value if s is not None and isinstance(s.value, bool) else None


def request_thinks(d: Deployment, tm: ThinkingModel, call: ClientCall | None) -> bool | None:
    """Whether the model thinks for this request (None: cannot tell)."""
    if tm.thinking == "always":
        return True
    on: bool | None = {"default-on": True, "default-off": False}.get(tm.thinking or "")
    server = _server_thinking(d)
    if server is not None:
        on = server
    if call is not None:
        for sw in thinking_switches(call):
            if sw.field.endswith("chat_template_kwargs.enable_thinking") or sw.field in (
                "/no_think",
                "/think",
                "think",
            ):
                on = sw.on
            elif sw.on is None and "enable_thinking" in sw.field:
                return None  # set to something we cannot read
    return on


def _describe(temp: float | None, budget: float | None, tm: ThinkingModel) -> tuple[str, str]:
    parts = []
    if temp is not None:
        parts.append("greedy decoding (temperature 0)" if temp == 0 else f"temperature {temp:g}")
    if budget is not None:
        parts.append(f"max_tokens {budget:g}")
    what = " and ".join(parts)
    why = []
    if temp is not None:
        if tm.advice:
            why.append(f'the model\'s authors advise against it ("{tm.advice}")')
        else:
            why.append("near-greedy decoding makes thinking models repeat themselves")
        why.append("the thoughts loop until max_tokens")
    if budget is not None:
        why.append(
            f"{budget:g} tokens end the answer inside the thinking (empty content, "
            'finish_reason "length")'
        )
    return what, "; ".join(why)


def check(ctx: Context) -> Iterator[Finding]:
    threshold = ctx.config.low_temperature
    seen: set[Any] = set()
    for d in ctx.deployments:
        tm = thinking_model(d)
        if tm is None or tm.reasoning_format not in (None, "think-tags"):
            continue
        # server-side defaults (a launch flag, a Modelfile PARAMETER)
        temp = d.sampling.get("temperature")
        value = _num(temp) if temp is not None else None
        if (
            temp is not None
            and temp.loc is not None
            and value is not None
            and value < threshold
            and tm.advice
            and request_thinks(d, tm, None)
            and (temp.loc, tm.model) not in seen
        ):
            seen.add((temp.loc, tm.model))
            ev = d.evidence()
            ev.update(
                {
                    "temperature": value,
                    "temperature_source": temp.source,
                    "why": tm.why,
                    "advice_source": tm.advice_source,
                }
            )
            what, why = _describe(value, None, tm)
            yield ctx.finding(
                temp.loc,
                f"{d.phrase} samples the reasoning model `{tm.model}` ({tm.why}) with {what} by "
                f"default ({temp.source}): {why}",
                fix="use the authors' sampling settings (e.g. temperature 0.6, top_p 0.95) for "
                "thinking, or switch thinking off for greedy use",
                evidence=ev,
                anchor=f"{tm.model} default temperature",
            )
        for call in d.clients:
            if call.kind != "chat" and call.extra.get("prompt_is_raw_text") is not False:
                continue  # a raw completion prompt: no chat template opens the thinking
            if d.selects_adapter(call):
                continue
            t = call.sampling.get("temperature")
            tv = _num(t) if t is not None else None
            greedy = tv is not None and tv < threshold and bool(tm.advice)
            budget_v = None
            budget_loc: Loc | None = None
            for k in _BUDGET_KEYS:
                b = call.sampling.get(k)
                bv = _num(b) if b is not None else None
                if bv is not None and 0 < bv < THINKING_BUDGET:
                    budget_v, budget_loc = bv, b.loc if isinstance(b, Value) else None
                    break
            if not greedy and budget_v is None:
                continue
            if request_thinks(d, tm, call) is not True:
                continue
            where = (t.loc if greedy and isinstance(t, Value) else budget_loc) or call.loc
            key = call.extra.get("constructed_at") or where
            if (key, tm.model) in seen:
                continue
            seen.add((key, tm.model))
            what, why = _describe(tv if greedy else None, budget_v, tm)
            ev = d.evidence()
            ev.update(
                {
                    "why": tm.why,
                    "link": call.link,
                    "thinking": tm.thinking,
                    "advice_source": tm.advice_source,
                    "thinking_budget": THINKING_BUDGET,
                }
            )
            if greedy:
                ev["temperature"] = tv
            if budget_v is not None:
                ev["max_tokens"] = budget_v
            fixes = []
            if greedy:
                fixes.append("sample at the authors' settings (e.g. temperature 0.6, top_p 0.95)")
            if budget_v is not None:
                fixes.append("leave room for the thinking (thousands of tokens)")
            fixes.append("or switch thinking off where the model allows it")
            yield ctx.finding(
                where,
                f"this client samples the reasoning model `{tm.model}` ({tm.why}; "
                f"{call.link or d.phrase}) with {what} while it thinks: {why}",
                fix=", ".join(fixes[:-1]) + (", " if len(fixes) > 2 else " ") + fixes[-1],
                evidence=ev,
                anchor=f"thinking {tm.model} {what}",
            )
