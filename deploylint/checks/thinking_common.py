"""What the DPL80x rules share: is the model a deployment serves a reasoning model, how is that
known, does its template open or switch ``<think>``, and how does one request set thinking.

Evidence, strongest first: the chat template the deployment renders (its generation prompt
already opens ``<think>``, or ``enable_thinking`` changes it), built-in knowledge of the checkpoint
(models.yaml ``thinking`` / ``reasoning_format`` / ``sampling_advice``), the base model of the
fine-tune it serves (lineage), and the name alone (said so in the finding).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..deployment import Deployment
from ..facts import ClientCall, Value

_USER = [{"role": "user", "content": "What is 2 + 2?"}]
_OPEN_THINK = re.compile(r"<think>\s*$")
_CLOSED_THINK = re.compile(r"<think>\s*</think>\s*$")


@dataclass(frozen=True)
class ThinkingModel:
    how: str  # "template" | "knowledge" | "lineage" | "name"
    why: str  # the reason, as a clause for messages
    family: str | None
    thinking: str | None  # "always" | "default-on" | "default-off" | None
    reasoning_format: str | None  # "think-tags" | "harmony" | None
    advice: str | None  # the authors' sampling advice (quoted), when known
    advice_source: str | None
    opens_think: bool | None  # the generation prompt ends inside an opened <think>
    switchable: bool | None  # the template reads enable_thinking (rendering differs)
    model: str
    closes_think: bool = False  # the default generation prompt ends with an empty, closed block

    @property
    def heuristic(self) -> bool:
        return self.how == "name"


def _render(text: str, special: dict[str, str], extra: dict[str, Any] | None) -> str | None:
    from ..templates.jinja_render import render

    try:
        return render(
            text, _USER, add_generation_prompt=True, special_tokens=special, extra=extra or None
        )
    except Exception:  # noqa: BLE001 - a template that does not render says nothing here
        return None


@dataclass(frozen=True)
class TemplateThinking:
    opens: bool  # default generation prompt ends with an open <think>
    closed: bool  # thinking is off by default (a closed think block, or only on when asked)
    closes_block: bool  # the default generation prompt ends with an empty, closed think block
    switchable: bool  # enable_thinking=False renders differently from the default
    off_renders: str | None
    default_renders: str | None
    source: str


def template_thinking(d: Deployment) -> TemplateThinking | None:
    """How the deployment's own template (as the engine resolves it, else the model's) treats
    thinking, read by rendering it with and without ``enable_thinking=False``."""
    for p in (d.prompting, d.reference):
        if p.kind != "jinja" or p.jinja is None:
            continue
        text = p.jinja.text
        if "think" not in text:
            return TemplateThinking(False, False, False, False, None, None, p.jinja.source)
        special = dict(p.jinja.special_tokens)
        default = _render(text, special, None)
        if default is None:
            return None
        off = _render(text, special, {"enable_thinking": False})
        on = _render(text, special, {"enable_thinking": True})
        return TemplateThinking(
            bool(_OPEN_THINK.search(default)),
            bool(_CLOSED_THINK.search(default)) or (on is not None and on != default),
            bool(_CLOSED_THINK.search(default)),
            (off is not None and off != default) or (on is not None and on != default),
            off,
            default,
            p.jinja.source,
        )
    return None


def _info_for(name: str):
    from ..knowledge import models

    return models.lookup(name)


def thinking_model(d: Deployment) -> ThinkingModel | None:
    """The served model as a reasoning model, or None when it is not one (or not known)."""
    mr = d.model
    if mr is None or not mr.resolved or mr.is_default:
        return None
    from ..knowledge import models

    tt = template_thinking(d)
    a = mr.info
    family = getattr(a, "family", None)
    info = None
    how = ""
    why = ""
    if a is not None and a.kind in ("reasoning", "hybrid") and a.confidence in ("known", "likely"):
        info = _info_for(a.name or mr.ref) or models.guess(a.name or mr.ref)
        how, why = "knowledge", a.describe()
    elif a is not None and a.kind in ("reasoning", "hybrid"):
        info = models.guess(a.name or mr.ref)
        how, why = "name", f"judged from its name only — {a.describe().rstrip('.')}"
    if info is not None and info.kind == "instruct":
        info = None
    lineage = None
    if info is None and d.training is not None:
        run, link = d.training
        base = run.get("model_name_or_path")
        if isinstance(base, str):
            binfo = _info_for(base)
            if binfo is not None and binfo.kind in ("reasoning", "hybrid"):
                info = binfo
                lineage = base
                family = binfo.family
                how = "lineage"
                why = f"it is a fine-tune of {base} ({link}), {binfo.reason}"
    if tt is not None:
        if tt.opens or tt.switchable:
            thinking = "always" if tt.opens and not tt.switchable else None
            if tt.switchable:
                thinking = "default-off" if tt.closed else "default-on"
            what = (
                "its chat template's generation prompt opens <think>"
                if tt.opens
                else "its chat template thinks unless enable_thinking is false"
                if thinking == "default-on"
                else "its chat template switches thinking with enable_thinking"
            )
            return ThinkingModel(
                "template",
                f"{what}; template: {tt.source}",
                family if info is None else info.family,
                thinking,
                "think-tags",
                info.sampling_advice if info is not None else None,
                info.sources.get("sampling_advice") if info is not None else None,
                tt.opens,
                tt.switchable,
                mr.ref,
                tt.closes_block,
            )
        if info is None or info.thinking != "always":
            # A hybrid's thinking lives in its template; this one neither opens nor switches it.
            return None
    if info is None or info.thinking is None:
        return None
    return ThinkingModel(
        how,
        why,
        info.family,
        info.thinking,
        info.reasoning_format,
        info.sampling_advice,
        info.sources.get("sampling_advice"),
        (True if info.thinking == "always" else None) if tt is None else False,
        (True if info.thinking == "default-on" else None) if tt is None else False,
        lineage or mr.ref,
    )


# -- one request ---------------------------------------------------------------------------


def _bool(v: Any) -> bool | None:
    val = v.value if isinstance(v, Value) else v
    if isinstance(val, bool):
        return val
    if isinstance(val, str) and val.lower() in ("true", "false"):
        return val.lower() == "true"
    return None


@dataclass(frozen=True)
class Switch:
    field: str
    on: bool | None  # None: set, value not known
    value: Value | None


def thinking_switches(call: ClientCall) -> list[Switch]:
    out = []
    for s in call.extra.get("thinking_switches") or []:
        field = s.get("field", "")
        v = s.get("value")
        on: bool | None
        if field in ("/no_think", "/think"):
            on = field == "/think"
        elif field.endswith("reasoning_effort"):
            val = v.value if isinstance(v, Value) else None
            on = None if not isinstance(val, str) else val != "none"
        elif field.endswith("think") and not field.endswith("enable_thinking"):
            b = _bool(v)
            val = v.value if isinstance(v, Value) else None
            on = b if b is not None else (True if isinstance(val, str) and val else None)
        else:
            on = _bool(v)
        out.append(Switch(field, on, v if isinstance(v, Value) else None))
    return out


__all__ = [
    "Switch",
    "TemplateThinking",
    "ThinkingModel",
    "template_thinking",
    "thinking_model",
    "thinking_switches",
]
