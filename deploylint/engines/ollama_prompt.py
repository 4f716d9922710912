"""Ollama's prompt building: how Ollama turns a chat request and a Modelfile into a prompt.

:func:`render_ollama` — what Ollama does to turn an ``/api/chat`` (or OpenAI-compatible
``/v1/chat/completions``) request into a prompt with a Modelfile ``TEMPLATE``.  Mirrors
``ollama/ollama`` at commit ``fb30760996871fa9460115c753afd2c60d4ab0f7`` (2026-08-21):

* ``server/routes.go`` ChatHandler: Modelfile ``MESSAGE``s are put before the request's
  messages and the Modelfile ``SYSTEM`` becomes a leading system message when the first
  request message is not a system message;
* ``server/prompt.go`` chatPrompt/imageTaggedMessages: ``[img-N]`` tags for images;
* ``template/template.go`` Parse: a template that mentions neither ``Messages`` nor
  ``Response`` gets ``{{ .Response }}`` appended; Execute: consecutive messages of the same
  role (except ``tool``) are merged with ``"\\n\\n"``, all system contents joined into
  ``.System``; templates that mention ``.Messages`` are executed once with ``.Messages``,
  ``.System``, ``.Tools``, ``.Response`` (empty), ``.Think``, ``.ThinkLevel``,
  ``.IsThinkSet``; other ("legacy") templates are executed once per system/user/assistant
  turn with ``.System``/``.Prompt``/``.Response`` and a last time with everything after the
  first ``.Response`` field cut away (that last execution runs without Ollama's FuncMap and
  with Go's default ``missingkey``, as Ollama's does);
* the data passed is Ollama's ``templateMessage``/``templateTool``/``templateToolCall``
  structs (so an unknown field such as ``.Foo`` on a message is an execution error,
  ``.Function.Arguments`` prints as JSON, and so on).

Consequences worth knowing, all reproduced by the Go goldens: ``{{ .Function }}`` on a tool
prints Go struct syntax, not JSON, because ``templateToolFunction`` has no ``String()`` at
this commit (ollama/ollama#14601, open); a legacy template that calls ``currentDate`` (or any
FuncMap function) before ``.Response`` fails on its last execution; ``{{ template "x" }}``
without a pipeline makes Ollama's Parse fail; ``.Prompt`` in a ``.Messages`` template prints
``<no value>``.

Not mirrored: prompt truncation to ``num_ctx`` (needs the model's tokenizer; the whole
conversation is rendered), ``filterThinkTags`` for qwen3/deepseek-r1 models, models that use a
built-in Go ``RENDERER`` instead of a template, ``/api/generate`` with ``suffix``.

The Go ``text/template`` itself is :mod:`deploylint.templates.gotmpl`; Ollama's built-in
templates and their autodetection are :mod:`deploylint.engines.ollama_templates`.  Verified byte
for byte against real Go by ``tests/test_gotmpl.py``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json as _json
from typing import Any

from ..templates.gotmpl import (
    GoMap,
    GoNilPtr,
    GoSlice,
    GoStruct,
    GoTemplate,
    GoTemplateError,
    Limits,
    parse,
)
from ..templates.gotmpl.fmt import _json_string, _JSONError, go_json
from ..templates.gotmpl.funcs import _ts_type
from ..templates.gotmpl.limits import MAX_STEPS
from ..templates.gotmpl.parser import (
    ActionNode,
    BranchNode,
    CommandNode,
    FieldNode,
    ListNode,
    PipeNode,
    _copy_node,
)

__all__ = [
    "DEFAULT_TEMPLATE",
    "OLLAMA_COMMIT",
    "OLLAMA_REPO",
    "ollama_template_data",
    "render_ollama",
]

OLLAMA_REPO = "ollama/ollama"
OLLAMA_COMMIT = "fb30760996871fa9460115c753afd2c60d4ab0f7"
DEFAULT_TEMPLATE = "{{ .Prompt }}"


def _go_any(v: Any) -> Any:
    """A JSON value as encoding/json decodes it into interface{} (numbers are float64)."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, dict):
        return {str(k): _go_any(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_go_any(x) for x in v]
    raise TypeError(f"not a JSON value: {type(v).__name__}")


def _prop_type(v: Any) -> GoSlice:
    def string(s: GoSlice) -> str:
        if len(s) == 0:
            return ""
        if len(s) == 1:
            return s[0]
        return "[" + " ".join(s) + "]"

    def marshal(s: GoSlice) -> str:
        if len(s) == 1:
            return _json_string(s[0])
        return go_json(GoSlice(s, type_name="[]string", nil=s.nil))

    if v is None:
        items: list[str] = []
        nil = True
    elif isinstance(v, str):
        items, nil = [v], False
    elif isinstance(v, list) and all(isinstance(x, str) for x in v):
        items, nil = list(v), False
    else:
        raise ValueError(f"tool property type must be a string or list of strings, got {v!r}")
    return GoSlice(items, type_name="api.PropertyType", nil=nil, stringer=string, marshal=marshal)


_TOOL_PROPERTY_FIELDS = ("AnyOf", "Type", "Items", "Description", "Enum", "Properties", "Required")


def _string_slice(v: Any, what: str) -> GoSlice:
    if v is None:
        return GoSlice(type_name="[]string", nil=True)
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError(f"{what} must be a list of strings")
    return GoSlice(v, type_name="[]string")


def _props_map(v: Any, *, ordered: bool) -> Any:
    """Tool properties: ordered=True -> api.ToolPropertiesMap (insertion order kept), else
    template.templateProperties (a plain Go map)."""
    if ordered:
        if v is None:
            return GoNilPtr("*api.ToolPropertiesMap")
        if not isinstance(v, dict):
            raise ValueError("tool properties must be an object")
        inner = GoMap(
            {str(k): _tool_property(p) for k, p in v.items()},
            type_name="map[string]api.ToolProperty",
            ordered=True,
        )
        return GoStruct(
            "api.ToolPropertiesMap",
            {"om": inner},
            pointer=True,
            marshal=lambda s: go_json(s.fields["om"]),
        )
    if v is None:
        items: dict[str, Any] = {}
        nil = True
    else:
        if not isinstance(v, dict):
            raise ValueError("tool properties must be an object")
        items = {str(k): _tool_property(p) for k, p in v.items()}
        nil = False
    return GoMap(
        items,
        type_name="template.templateProperties",
        nil=nil,
        stringer=lambda m: "{}" if m.nil else _json_or_empty(m),
        elem_zero=lambda: _tool_property({}),
    )


def _json_or_empty(v: Any) -> str:
    try:
        return go_json(v)
    except _JSONError:
        return ""


def _tool_property(p: Any) -> GoStruct:
    if not isinstance(p, dict):
        raise ValueError("a tool property must be an object")
    any_of = p.get("anyOf")
    enum = p.get("enum")
    fields = {
        "AnyOf": GoSlice(
            [_tool_property(x) for x in any_of] if any_of else [],
            type_name="[]api.ToolProperty",
            nil=any_of is None,
        ),
        "Type": _prop_type(p.get("type")),
        "Items": _go_any(p.get("items")),
        "Description": p.get("description") or "",
        "Enum": GoSlice(
            [_go_any(x) for x in enum] if enum else [],
            type_name="[]interface {}",
            nil=enum is None,
        ),
        "Properties": _props_map(p.get("properties"), ordered=True),
        "Required": _string_slice(p.get("required"), "required"),
    }
    prop = GoStruct(
        "api.ToolProperty",
        fields,
        json_fields=[
            ("AnyOf", "anyOf", True),
            ("Type", "type", True),
            ("Items", "items", True),
            ("Description", "description", True),
            ("Enum", "enum", True),
            ("Properties", "properties", True),
            ("Required", "required", True),
        ],
    )
    prop.methods = {"ToTypeScriptType": lambda s: _ts_type(s)}
    return prop


def _template_tool(tool: Any) -> GoStruct:
    if not isinstance(tool, dict):
        raise ValueError("a tool must be an object")
    fn = tool.get("function") or {}
    params = fn.get("parameters") or {}
    parameters = GoStruct(
        "template.templateToolFunctionParameters",
        {
            "Type": params.get("type") or "",
            "Defs": _go_any(params.get("$defs")),
            "Items": _go_any(params.get("items")),
            "Required": _string_slice(params.get("required"), "required"),
            "Properties": _props_map(params.get("properties"), ordered=False),
        },
        json_fields=[
            ("Type", "type", False),
            ("Defs", "$defs", True),
            ("Items", "items", True),
            ("Required", "required", True),
            ("Properties", "properties", False),
        ],
    )
    function = GoStruct(
        "template.templateToolFunction",
        {
            "Name": fn.get("name") or "",
            "Description": fn.get("description") or "",
            "Parameters": parameters,
        },
        json_fields=[
            ("Name", "name", False),
            ("Description", "description", False),
            ("Parameters", "parameters", False),
        ],
    )
    return GoStruct(
        "template.templateTool",
        {"Type": tool.get("type") or "", "Items": _go_any(tool.get("items")), "Function": function},
        stringer=_json_or_empty,
        json_fields=[
            ("Type", "type", False),
            ("Items", "items", True),
            ("Function", "function", False),
        ],
    )


def _template_args(args: Any) -> GoMap:
    if args is None:
        return GoMap(
            type_name="template.templateArgs",
            nil=True,
            stringer=lambda m: "{}",
        )
    if not isinstance(args, dict):
        raise ValueError("tool call arguments must be an object")
    return GoMap(
        {str(k): _go_any(v) for k, v in args.items()},
        type_name="template.templateArgs",
        stringer=lambda m: "{}" if m.nil else _json_or_empty(m),
    )


def _template_message(m: dict[str, Any]) -> GoStruct:
    calls = []
    for tc in m.get("tool_calls") or []:
        fn = tc.get("function") or {}
        index = fn.get("index", 0)
        calls.append(
            GoStruct(
                "template.templateToolCall",
                {
                    "ID": tc.get("id") or "",
                    "Function": GoStruct(
                        "template.templateToolCallFunction",
                        {
                            "Index": int(index) if index is not None else 0,
                            "Name": fn.get("name") or "",
                            "Arguments": _template_args(fn.get("arguments")),
                        },
                    ),
                },
            )
        )
    images = m.get("images") or []
    return GoStruct(
        "template.templateMessage",
        {
            "Role": m["role"],
            "Content": m["content"],
            "Thinking": m.get("thinking") or "",
            "Images": GoSlice(images, type_name="[]api.ImageData", nil=not images),
            "ToolCalls": GoSlice(calls, type_name="[]template.templateToolCall", nil=not calls),
            "ToolName": m.get("tool_name") or "",
            "ToolCallID": m.get("tool_call_id") or "",
        },
        pointer=True,
    )


def _tools_value(tools: list[Any] | None) -> GoSlice:
    def marshal(s: GoSlice) -> str:
        if s.nil:
            return "null"
        return "[" + ",".join(go_json(t) for t in s) + "]"

    return GoSlice(
        [_template_tool(t) for t in tools or []],
        type_name="template.templateTools",
        nil=tools is None,
        stringer=lambda s: _json_or_empty(s),
        marshal=marshal,
    )


def _image_bytes(v: Any) -> bytes:
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    if isinstance(v, str):
        try:
            return base64.b64decode(v, validate=False)
        except (ValueError, TypeError):
            return v.encode("utf-8")
    raise ValueError("an image must be bytes or a base64 string")


def _normalize_messages(messages: list[dict[str, Any]], endpoint: str) -> list[dict[str, Any]]:
    """Turn request messages into api.Message-like dicts as the endpoint's decoder does."""
    out: list[dict[str, Any]] = []
    if endpoint == "/api/chat":
        for m in messages:
            content = m.get("content")
            if content is None:
                content = ""
            if not isinstance(content, str):
                raise ValueError("/api/chat message content must be a string")
            calls = []
            for tc in m.get("tool_calls") or []:
                fn = dict(tc.get("function") or {})
                args = fn.get("arguments")
                if isinstance(args, str):
                    raise ValueError("/api/chat tool call arguments must be a JSON object")
                calls.append({"id": tc.get("id"), "function": fn})
            out.append(
                {
                    "role": str(m.get("role", "")).lower(),
                    "content": content,
                    "thinking": m.get("thinking") or "",
                    "images": [_image_bytes(i) for i in m.get("images") or []],
                    "tool_calls": calls,
                    "tool_name": m.get("tool_name") or "",
                    "tool_call_id": m.get("tool_call_id") or "",
                }
            )
        return out
    if endpoint != "/v1/chat/completions":
        raise ValueError(f"unknown endpoint {endpoint!r}")

    def openai_calls(tcs: Any) -> list[dict[str, Any]]:
        calls = []
        for tc in tcs or []:
            fn = tc.get("function") or {}
            raw = fn.get("arguments")
            try:
                args = _json.loads(raw, object_pairs_hook=dict) if isinstance(raw, str) else raw
            except ValueError:
                raise ValueError("invalid tool call arguments") from None
            if args is not None and not isinstance(args, dict):
                raise ValueError("invalid tool call arguments")
            calls.append(
                {"id": tc.get("id"), "function": {"name": fn.get("name"), "arguments": args}}
            )
        return calls

    def name_from_id(call_id: str) -> str:
        for m in reversed(messages):
            for tc in m.get("tool_calls") or []:
                if tc.get("id") == call_id:
                    return (tc.get("function") or {}).get("name") or ""
        return ""

    for m in messages:
        role = m.get("role", "")
        tool_name = ""
        if str(role).lower() == "tool":
            tool_name = m.get("name") or ""
            if not tool_name and m.get("tool_call_id"):
                tool_name = name_from_id(m["tool_call_id"])
        content = m.get("content")
        base = {
            "role": role,
            "thinking": "",
            "images": [],
            "tool_calls": [],
            "tool_name": "",
            "tool_call_id": "",
        }
        if isinstance(content, str):
            out.append(
                {
                    **base,
                    "content": content,
                    "thinking": m.get("reasoning") or "",
                    "tool_calls": openai_calls(m.get("tool_calls")),
                    "tool_name": tool_name,
                    "tool_call_id": m.get("tool_call_id") or "",
                }
            )
        elif isinstance(content, list):
            for part in content:
                if not isinstance(part, dict):
                    raise ValueError("invalid message format")
                if part.get("type") == "text":
                    if not isinstance(part.get("text"), str):
                        raise ValueError("invalid message format")
                    out.append({**base, "content": part["text"]})
                elif part.get("type") in ("image_url", "input_audio"):
                    out.append({**base, "content": "", "images": [b""]})
                else:
                    raise ValueError("invalid message format")
            if out and m.get("tool_calls"):
                out[-1]["tool_calls"] = openai_calls(m.get("tool_calls"))
                out[-1]["tool_name"] = tool_name
                out[-1]["tool_call_id"] = m.get("tool_call_id") or ""
                out[-1]["thinking"] = m.get("reasoning") or ""
        else:
            if m.get("tool_calls") is None:
                raise ValueError(f"invalid message content type: {type(content).__name__}")
            out.append(
                {
                    **base,
                    "content": "",
                    "thinking": m.get("reasoning") or "",
                    "tool_calls": openai_calls(m.get("tool_calls")),
                    "tool_call_id": m.get("tool_call_id") or "",
                }
            )
    return out


def _image_tags(msgs: list[dict[str, Any]]) -> None:
    """server/prompt.go imageTaggedMessages for template models: [img-N] tags."""
    counter = 0
    for m in msgs:
        prefix = ""
        prompt = m["content"]
        for _ in m.get("images") or []:
            tag = f"[img-{counter}]"
            counter += 1
            if "[img]" not in prompt:
                prefix += tag
            else:
                prompt = prompt.replace("[img]", tag, 1)
        m["content"] = prefix + prompt


def _collate(msgs: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    system: list[str] = []
    collated: list[dict[str, Any]] = []
    for m in msgs:
        if m["role"] == "system":
            system.append(m["content"])
        if collated and collated[-1]["role"] == m["role"] and m["role"] != "tool":
            collated[-1]["content"] += "\n\n" + m["content"]
        else:
            collated.append(m)
    return "\n\n".join(system), collated


_RESPONSE_NODE_LINE = 0


def _response_action() -> ActionNode:
    pipe = PipeNode(_RESPONSE_NODE_LINE)
    pipe.cmds = [CommandNode(_RESPONSE_NODE_LINE, [FieldNode(_RESPONSE_NODE_LINE, ["Response"])])]
    return ActionNode(_RESPONSE_NODE_LINE, pipe)


class _OllamaPanic(Exception):
    pass


def _cut_after_response(root: ListNode) -> ListNode:
    """template.go deleteNode on a copy of the tree: keep everything up to and including the
    first ``.Response`` field, drop what follows.  Ollama's implementation panics (nil
    interface conversion) when that field sits in an if/with/range body that has an else
    branch; that is reported as an execution error."""
    cut = False

    def fn(n: Any) -> bool:
        nonlocal cut
        if isinstance(n, FieldNode) and "Response" in n.ident:
            cut = True
            return False
        return cut

    def walk(n: Any) -> Any:
        if fn(n):
            return None
        if isinstance(n, ListNode):
            n.nodes = [c for c in (walk(c) for c in n.nodes) if c is not None]
            return n
        if isinstance(n, BranchNode):
            # IfNode/WithNode/RangeNode -> BranchNode (fn is evaluated on it too)
            if fn(n):
                raise _OllamaPanic("interface conversion: parse.Node is nil")
            lst = walk(n.list)
            if lst is None:
                raise _OllamaPanic("interface conversion: parse.Node is nil")
            n.list = lst
            if n.else_list is not None:
                el = walk(n.else_list)
                if el is None:
                    raise _OllamaPanic(
                        "interface conversion: parse.Node is nil, not *parse.ListNode"
                    )
                n.else_list = el
            return n
        if isinstance(n, ActionNode):
            p = walk(n.pipe)
            if p is None:
                return None
            n.pipe = p
            return n
        if isinstance(n, PipeNode):
            cmds = []
            for c in n.cmds:
                args = [a for a in (walk(a) for a in c.args) if a is not None]
                if not args:
                    return None
                c.args = args
                cmds.append(c)
            if not cmds:
                return None
            n.cmds = cmds
            return n
        return n

    res = walk(_copy_node(root))
    if res is None:  # cannot happen: the root list is visited before anything is cut
        return ListNode(root.line)
    return res


def ollama_template_data(
    messages: list[dict[str, Any]],
    *,
    system: str | None = None,
    tools: list[Any] | None = None,
    modelfile_messages: list[dict[str, Any]] | None = None,
    think: bool | str | None = None,
    endpoint: str = "/api/chat",
) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """The request side of :func:`render_ollama`: (collated system text, collated messages as
    api.Message-like dicts, the ``.Messages``-template data map)."""
    req_msgs = _normalize_messages(list(messages), endpoint)
    mf_msgs = _normalize_messages(list(modelfile_messages or []), "/api/chat")
    # routes.go ChatHandler: msgs = m.Messages + req.Messages; if req.Messages[0].Role !=
    # "system" && m.System != "" -> prepend {system, m.System}.
    msgs = mf_msgs + req_msgs
    if req_msgs and system and req_msgs[0]["role"] != "system":
        msgs = [
            {
                "role": "system",
                "content": system,
                "thinking": "",
                "images": [],
                "tool_calls": [],
                "tool_name": "",
                "tool_call_id": "",
            }
        ] + msgs
    _image_tags(msgs)
    sys_text, collated = _collate(msgs)
    think_val, think_level = _think_values(think)
    data = {
        "System": sys_text,
        "Messages": GoSlice(
            [_template_message(m) for m in collated],
            type_name="[]*template.templateMessage",
            nil=not collated,
        ),
        "Tools": _tools_value(tools),
        "Response": "",
        "Think": think_val,
        "ThinkLevel": think_level,
        "IsThinkSet": think is not None,
    }
    return sys_text, collated, data


def _think_values(think: bool | str | None) -> tuple[bool, str]:
    if think is None:
        return False, ""
    if isinstance(think, bool):
        return think, "medium" if think else ""
    if isinstance(think, str):
        return think in ("high", "medium", "low", "max"), think
    raise ValueError("think must be a bool, a level string or None")


def render_ollama(
    template: str,
    messages: list[dict[str, Any]],
    *,
    system: str | None = None,
    tools: list[Any] | None = None,
    current_date: str = "2026-01-01",
    add_generation_prompt: bool = True,
    modelfile_messages: list[dict[str, Any]] | None = None,
    think: bool | str | None = None,
    endpoint: str = "/api/chat",
    max_steps: int = MAX_STEPS,
    max_output: int = 4_000_000,
    timeout: float | None = 10.0,
) -> str:
    """The prompt Ollama builds for a chat request with a Modelfile ``TEMPLATE``.

    ``template``: the TEMPLATE text (``DEFAULT_TEMPLATE`` when a model has none and no template
    was autodetected).  ``messages``: the request's messages, shaped for ``endpoint``
    (``"/api/chat"``: string content, ``tool_calls[].function.arguments`` objects, ``images``,
    ``tool_name``; ``"/v1/chat/completions"``: OpenAI shapes, content parts, JSON-string
    arguments).  ``system``: the Modelfile ``SYSTEM``.  ``modelfile_messages``: Modelfile
    ``MESSAGE`` lines.  ``think``: the request's ``think`` (None = not set).  ``current_date``
    is what ``currentDate`` returns (``yesterdayDate`` is the day before).

    ``add_generation_prompt`` exists for parity with the other renderers; Ollama has no such
    switch (the template alone decides whether an assistant header ends the prompt), so it has
    no effect here.

    Raises :class:`GoTemplateError` where Ollama fails to parse or execute the template, and
    ``ValueError`` for request shapes the endpoint rejects."""
    del add_generation_prompt  # Ollama has no equivalent; see docstring
    _dt.date.fromisoformat(current_date)
    t = parse(template)
    names = t.identifiers()
    root = t.root
    if "messages" not in names and "response" not in names:
        # template.go Parse: touch up the template and append {{ .Response }}
        root = ListNode(root.line, [*root.nodes, _response_action()])
        names = sorted({*names, "response"})
    _, collated, data = ollama_template_data(
        messages,
        system=system,
        tools=tools,
        modelfile_messages=modelfile_messages,
        think=think,
        endpoint=endpoint,
    )
    from ..budget import charge_render_steps, render_steps_cap

    limits = Limits(render_steps_cap(max_steps), max_output, timeout)
    try:
        return _execute_ollama(t, root, names, data, collated, think, current_date, limits)
    finally:
        charge_render_steps(limits.steps)


def _execute_ollama(
    t: GoTemplate,
    root: ListNode,
    names: list[str],
    data: dict[str, Any],
    collated: list[dict[str, Any]],
    think: bool | str | None,
    current_date: str,
    limits: Limits,
) -> str:
    """render_ollama's executions: once with ``.Messages``, or once per turn for a legacy
    template and a last time cut after ``.Response``."""
    if "messages" in names:
        return t.execute(data, current_date=current_date, limits=limits, root=root)

    think_val, think_level = data["Think"], data["ThinkLevel"]
    out: list[str] = []
    sys_text = prompt = response = ""

    def values() -> dict[str, Any]:
        return {
            "System": sys_text,
            "Prompt": prompt,
            "Response": response,
            "Think": think_val,
            "ThinkLevel": think_level,
            "IsThinkSet": think is not None,
        }

    def execute() -> None:
        nonlocal sys_text, prompt, response
        out.append(t.execute(values(), current_date=current_date, limits=limits, root=root))
        sys_text = prompt = response = ""

    for m in collated:
        role = m["role"]
        if role == "system":
            if prompt or response:
                execute()
            sys_text = m["content"]
        elif role == "user":
            if response:
                execute()
            prompt = m["content"]
        elif role == "assistant":
            response = m["content"]
    try:
        cut_root = _cut_after_response(root)
    except _OllamaPanic as e:
        raise GoTemplateError(
            "exec", f"Ollama panics cutting the template after .Response: {e}", None
        ) from None
    # The last execution uses a fresh template built from the cut tree: no FuncMap, no
    # {{define}}d templates, Go's default missingkey.
    out.append(
        t.execute(
            values(),
            missingkey="invalid",
            ollama_funcs_enabled=False,
            limits=limits,
            root=cut_root,
            trees={},
        )
    )
    return "".join(out)
