"""Request payload files: a JSON body for `/v1/chat/completions`, `/v1/completions` or Ollama's
`/api/chat` / `/api/generate`, kept in the repository (`curl -d @request.json`, load tests ...).

Only a top-level object that looks like a request becomes a fact:

* `"messages"`: a non-empty list of objects that all have a `"role"` → a chat request;
* `"prompt"`: a string (or a list of strings / token ids) next to a request key (`"model"`,
  `"max_tokens"`, `"temperature"` …) → a completion request. A bare `"prompt"` key alone is too
  common in other JSON (UI strings, datasets) to count.

Every other JSON file (package.json, tsconfig with comments, datasets, arbitrary config) is
ignored silently. A file that cannot be parsed is reported (DPL000) only when its text mentions
`"messages"` or `"prompt"` and it starts like an object.
"""

from __future__ import annotations

import re
from typing import Any

from .. import jsonutil
from ..facts import ClientCall, Diagnostic, Messages, Value
from ..location import Loc, SourceFile
from . import FileFacts
from .python.keys import REQUEST_EXTRA_KEYS, SAMPLING_KEYS

_REQUEST_KEYS = frozenset(
    {"model", "max_tokens", "temperature", "top_p", "stream", "stop", "n", "options", "suffix"}
)


def parse(sf: SourceFile, facts: FileFacts) -> None:
    text = sf.text
    if '"messages"' not in text and '"prompt"' not in text:
        return
    try:
        doc = jsonutil.parse(sf.path, text)
    except jsonutil.JsonError as e:
        if _looks_like_request(sf, text):
            facts.diagnostics.append(
                Diagnostic(
                    Loc(sf.path, e.line, e.col, e.line, e.col + 1),
                    f"invalid JSON in what looks like a request payload: {e}",
                    anchor=str(e),
                )
            )
        return
    call = payload_call(doc)
    if call is not None:
        facts.clients.append(call)


_JSONC_NAMES = re.compile(r"^(?:tsconfig|jsconfig)[\w.-]*\.json$|^(?:devcontainer|settings)\.json$")


def _looks_like_request(sf: SourceFile, text: str) -> bool:
    """An unparseable file is reported only when it is clearly meant as a request body."""
    if _JSONC_NAMES.match(sf.path.name) or not text.lstrip().startswith("{"):
        return False
    if '"messages"' in text and '"role"' in text:
        return True
    return '"prompt"' in text and '"model"' in text


def payload_call(doc: jsonutil.JsonDoc) -> ClientCall | None:
    data = doc.data
    if not isinstance(data, dict):
        return None
    msgs = data.get("messages")
    prompt = data.get("prompt")
    if isinstance(msgs, list) and msgs and all(isinstance(m, dict) and "role" in m for m in msgs):
        kind = "chat"
    elif _is_prompt(prompt) and _REQUEST_KEYS & set(data):
        kind = "completion"
    else:
        return None
    ollama = "options" in data and not any(k in data for k in ("max_tokens", "top_p"))
    anchor = doc.loc("messages" if kind == "chat" else "prompt")
    call = ClientCall(kind, "payload-file", anchor, context="request payload file")

    def val(*keys: Any) -> Value:
        node: Any = data
        for k in keys:
            node = node[k]
        return Value(node, doc.loc(*keys), True, None)

    if "model" in data:
        call.model = val("model")
    if kind == "chat":
        roles = [m["role"] if isinstance(m["role"], str) else "?" for m in msgs]
        first = msgs[0]
        sys_text = None
        if roles[0] == "system" and isinstance(first.get("content"), str):
            sys_text = first["content"]
        call.messages = Messages(
            doc.loc("messages"),
            roles,
            roles[0] == "system" if roles[0] != "?" else None,
            sys_text,
            "?" not in roles,
        )
    else:
        call.extra["prompt"] = val("prompt")
    for k in data:
        if k in SAMPLING_KEYS:
            call.sampling[k] = val(k)
    opts = data.get("options")
    if isinstance(opts, dict):
        call.extra["options"] = {k: val("options", k) for k in opts}
        for k in opts:
            if k in SAMPLING_KEYS:
                call.sampling.setdefault(k, val("options", k))
    for k in REQUEST_EXTRA_KEYS:
        if k in data:
            call.extra[k] = val(k)
    if ollama:
        call.extra["protocol"] = "ollama"
    _tools_and_thinking(call, data, val)
    return call


def _tools_and_thinking(call: ClientCall, data: dict[str, Any], val: Any) -> None:
    """`tools`/`tool_choice` and the thinking switches of a payload (issue 13; the same
    `ClientCall.extra` keys as the Python source, sources/python/thinking.py)."""
    tools = data.get("tools")
    if isinstance(tools, list) and tools:
        req: dict[str, Any] = {"tools": val("tools"), "via": "tools"}
        if "tool_choice" in data:
            req["tool_choice"] = val("tool_choice")
        call.extra["tool_request"] = req
    switches = []
    ctk = data.get("chat_template_kwargs")
    if isinstance(ctk, dict):
        for k in ("enable_thinking", "thinking"):
            if k in ctk:
                switches.append(
                    {"field": f"chat_template_kwargs.{k}", "value": val("chat_template_kwargs", k)}
                )
    for k in ("enable_thinking", "think", "reasoning_effort"):
        if k in data:
            switches.append({"field": k, "value": val(k)})
    msgs = data.get("messages")
    if isinstance(msgs, list):
        for i, m in enumerate(msgs):
            c = m.get("content") if isinstance(m, dict) else None
            if isinstance(c, str) and ("/no_think" in c or "/think" in c):
                a, b = c.rfind("/no_think"), c.rfind("/think")
                field = "/no_think" if a > b else "/think"
                switches = [s for s in switches if s["field"] not in ("/no_think", "/think")]
                switches.append({"field": field, "value": val("messages", i, "content")})
    if switches:
        call.extra["thinking_switches"] = switches


def _is_prompt(p: Any) -> bool:
    if isinstance(p, str):
        return True
    if isinstance(p, list) and p:
        return all(isinstance(x, str) for x in p) or all(
            isinstance(x, int) and not isinstance(x, bool) for x in p
        )
    return False
