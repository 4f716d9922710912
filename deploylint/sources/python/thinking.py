"""Tools and thinking switches of a request (issue 13, DPL801-DPL804), shared by the OpenAI SDK,
LangChain and raw-HTTP recognisers. What they add to ``ClientCall.extra``:

* ``tool_request``: ``{"tools": Value, "tool_choice": Value (only when given), "via": how}`` —
  ``via`` is ``"tools"`` (a request's ``tools=``), ``"functions"`` (the legacy field),
  ``"bind_tools"`` (LangChain) or ``"agent"`` (a LangChain/LangGraph agent built with tools);
* ``thinking_switches``: ``[{"field": where it is written, "value": Value}, ...]`` — the places a
  request sets a reasoning model's thinking: ``chat_template_kwargs.enable_thinking`` (top level
  or inside ``extra_body``/``model_kwargs``), a bare ``enable_thinking`` (``extra_body.`` or
  body level), Ollama's ``think``, ``reasoning_effort``, and Qwen3's ``/no_think`` / ``/think``
  soft switch found in a message's literal text (field ``"/no_think"`` / ``"/think"``);
* ``constructed_at``: where the client object the request goes through was made (a LangChain
  chat model), so that a rule reports a client once, not once per use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...facts import ClientCall
from ...location import Loc
from .values import MORE, DictV, ListV, Sc, Val

if TYPE_CHECKING:
    from .evaluator import Evaluator

_SWITCH_KEYS = ("enable_thinking", "thinking")
_BODY_KEYS = ("enable_thinking", "think", "reasoning_effort")


def _empty(x: Val | None) -> bool:
    if x is None:
        return True
    if isinstance(x, Sc):
        return x.resolved and not x.value
    if isinstance(x, ListV):
        return not x.items and x.elem is None
    return False


def record_tools(
    ev: Evaluator,
    call: ClientCall,
    kw: dict[str, Val],
    locs: dict[str, Loc],
    via: str | None = None,
) -> None:
    """``tools=`` / ``functions=`` (and ``tool_choice``) of a request."""
    for key in ("tools", "functions"):
        tools = kw.get(key)
        if tools is None or _empty(tools):
            continue
        req: dict[str, Any] = {
            "tools": ev.value(tools, locs.get(key)),
            "via": via or key,
        }
        choice = kw.get("tool_choice") if key == "tools" else kw.get("function_call")
        if choice is not None:
            req["tool_choice"] = ev.value(
                choice, locs.get("tool_choice" if key == "tools" else "function_call")
            )
        call.extra["tool_request"] = req
        return


def _switches_in(ev: Evaluator, d: DictV, prefix: str, out: list[dict[str, Any]]) -> None:
    ctk = d.entries.get("chat_template_kwargs")
    if isinstance(ctk, DictV):
        for k in _SWITCH_KEYS:
            if k in ctk.entries:
                out.append(
                    {
                        "field": f"{prefix}chat_template_kwargs.{k}",
                        "value": ev.value(ctk.entries[k], ctk.key_locs.get(k, ctk.loc)),
                    }
                )
    for k in _BODY_KEYS:
        if k in d.entries:
            out.append(
                {"field": f"{prefix}{k}", "value": ev.value(d.entries[k], d.key_locs.get(k, d.loc))}
            )


def record_thinking(
    ev: Evaluator, call: ClientCall, kw: dict[str, Val], locs: dict[str, Loc]
) -> None:
    """Where a request (or a client's defaults) switches thinking."""
    out: list[dict[str, Any]] = list(call.extra.get("thinking_switches") or [])
    top = DictV(dict(kw), Loc(ev.path), dict(locs))
    _switches_in(ev, top, "", out)
    for key in ("extra_body", "model_kwargs"):
        inner = kw.get(key)
        if isinstance(inner, DictV):
            _switches_in(ev, inner, f"{key}.", out)
    msgs = kw.get("messages")
    if msgs is not None:
        soft = soft_switch(msgs)
        if soft is not None:
            out.append({"field": soft[0], "value": ev.value(soft[1])})
    if out:
        call.extra["thinking_switches"] = out


def soft_switch(x: Val | None) -> tuple[str, Sc] | None:
    """Qwen3's ``/no_think`` or ``/think`` in the literal text of the last message that has one."""
    if not isinstance(x, ListV):
        return None
    found: tuple[str, Sc] | None = None
    for item in x.items:
        if item is MORE or not isinstance(item, DictV):
            continue
        content = item.entries.get("content")
        if not isinstance(content, Sc):
            continue
        text = content.text
        if not text:
            continue
        i, j = text.rfind("/no_think"), text.rfind("/think")
        if i >= 0 and i > j:
            found = ("/no_think", content)
        elif j >= 0:
            found = ("/think", content)
    return found


def record_request(
    ev: Evaluator, call: ClientCall, kw: dict[str, Val], locs: dict[str, Loc]
) -> None:
    """Both of the above, for a request's keywords (or a JSON body's entries)."""
    record_tools(ev, call, kw, locs)
    record_thinking(ev, call, kw, locs)
