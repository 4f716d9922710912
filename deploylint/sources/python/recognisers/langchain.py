"""LangChain chat models and LLMs (``ChatOpenAI``, ``AzureChatOpenAI``, ``OpenAI``,
``ChatOllama``, ``OllamaLLM``) and their ``invoke``/``stream``/``batch`` → ``ClientCall`` (api
"openai" or "ollama", ``extra["framework"] = "langchain"``); message classes (``SystemMessage``
...) evaluate to ``{"role": ..., "content": ...}``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ....facts import ClientCall, Messages
from ....location import Loc
from ..keys import SAMPLING_KEYS
from ..recogniser import Recogniser, method
from ..thinking import record_thinking, soft_switch
from ..values import MORE, CallArgs, DictV, ListV, Member, Obj, Response, Sc, Val

if TYPE_CHECKING:
    from ..evaluator import Evaluator

LIBS = (
    "langchain_openai",
    "langchain_community",
    "langchain",
    "langchain_ollama",
    "langchain_core",
    "langgraph",
)
MESSAGE_ROLES = {
    "SystemMessage": "system",
    "HumanMessage": "user",
    "AIMessage": "assistant",
    "ToolMessage": "tool",
}
_MODELS = ("ChatOpenAI", "AzureChatOpenAI", "OpenAI", "ChatOllama", "OllamaLLM")


@dataclass(eq=False, kw_only=True)
class LangchainLLM(Obj):
    kind = "langchain-llm"
    base_url: Val | None
    api: str  # "openai" | "ollama"
    chat: bool  # a chat model (messages in), else a completion LLM (text in)
    model: Val | None
    sampling: dict[str, Val]  # sampling keywords, also from model_kwargs= and extra_body=
    locs: dict[str, Loc]
    # issue 13: the constructor's request keywords (extra_body=, model_kwargs= ...) and tools
    # bound with bind_tools()
    request_kw: dict[str, Val] = field(default_factory=dict)
    tools: Val | None = None
    tool_choice: Val | None = None
    tools_loc: Loc | None = None

    def model_ref(self) -> Val | None:
        return self.model


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    last = qual.rsplit(".", 1)[-1]
    node = ca.node
    if last in MESSAGE_ROLES:
        content = ca.get("content", 0)
        d = DictV({}, ev.loc(node), depth=ev.here)
        d.entries["role"] = Sc(MESSAGE_ROLES[last], ev.loc(node.func))
        if content is not None:
            d.entries["content"] = content
        return d
    if last not in _MODELS:
        _llm_passed(ev, qual, ca)
        return None
    kw = dict(ca.kwargs)
    if "model_name" in kw and "model" not in kw:
        kw["model"] = kw["model_name"]
        ca.kw_locs["model"] = ca.kw_locs["model_name"]
    base: Val | None
    if last in ("ChatOllama", "OllamaLLM"):
        base = kw.get("base_url") or ev.env_base_url(("OLLAMA_HOST",), "langchain")
        api = "ollama"
    else:
        base = (
            kw.get("base_url")
            or kw.get("openai_api_base")
            or kw.get("azure_endpoint")
            or ev.env_base_url(("OPENAI_API_BASE", "OPENAI_BASE_URL"), "langchain")
        )
        api = "openai"
    sampling_src = {k: v for k, v in kw.items() if k in SAMPLING_KEYS}
    locs = dict(ca.kw_locs)
    for k in ("model_kwargs", "extra_body"):
        inner = kw.get(k)
        if isinstance(inner, DictV):
            for ik, iv in inner.entries.items():
                if ik in SAMPLING_KEYS:
                    sampling_src.setdefault(ik, iv)
                    locs.setdefault(ik, inner.key_locs.get(ik, inner.loc))
    return LangchainLLM(
        ev.loc(node.func),
        last,
        base_url=base,
        api=api,
        chat=last.startswith(("Chat", "AzureChat")),
        model=kw.get("model"),
        sampling=sampling_src,
        locs=locs,
        request_kw={k: v for k, v in kw.items() if k in _REQUEST_KW},
    )


def llm_method(
    ev: Evaluator, llm: LangchainLLM, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    meth = attrs[-1]
    if len(attrs) != 1 or meth not in (
        "invoke",
        "ainvoke",
        "stream",
        "astream",
        "batch",
        "abatch",
        "predict",
    ):
        return None
    chat = llm.chat
    call = ClientCall("chat" if chat else "completion", llm.api, ev.loc(ca.node.func))
    if llm.model is not None:
        call.model = ev.value(llm.model)
    if llm.base_url is not None:
        call.base_url = ev.value(llm.base_url)
    call.sampling = ev.sampling(llm.sampling, llm.locs)
    arg = ca.get("input", 0)
    if meth in ("batch", "abatch") and isinstance(arg, ListV):
        arg = next((i for i in arg.items if i is not MORE), arg.elem)
    if chat:
        if isinstance(arg, Sc) and (arg.resolved or arg.partial is not None):
            call.messages = Messages(arg.loc, ["user"], False, None, True)
        elif arg is not None:
            call.messages = ev.messages(arg, call.loc)
        else:
            call.messages = Messages(call.loc, [], None, None, False)
    elif arg is not None:
        call.extra["prompt"] = ev.value(arg)
    call.extra["framework"] = "langchain"
    _request_extras(ev, call, llm, ca)
    if llm.var:
        call.extra["client_var"] = llm.var
    ev.add_call(call)
    return Response(call.loc)


# -- issue 13: tools and thinking switches ---------------------------------------------------

_REQUEST_KW = ("extra_body", "model_kwargs", "reasoning_effort", "reasoning")
# Agent constructors that call the model with tool definitions (bind_tools under the hood):
# langgraph.prebuilt.create_react_agent(model, tools), langchain.agents.create_agent(model,
# tools), create_tool_calling_agent(llm, tools, prompt), create_openai_tools_agent(...).
_TOOL_AGENTS = {
    "create_react_agent": ("model", "tools"),
    "create_agent": ("model", "tools"),
    "create_tool_calling_agent": ("llm", "tools"),
    "create_openai_tools_agent": ("llm", "tools"),
    "create_openai_functions_agent": ("llm", "tools"),
}


def _request_extras(ev: Evaluator, call: ClientCall, llm: LangchainLLM, ca: CallArgs) -> None:
    call.extra["constructed_at"] = llm.loc
    record_thinking(ev, call, llm.request_kw, llm.locs)
    arg = ca.get("input", 0)
    soft = soft_switch(arg) if arg is not None else None
    if soft is not None:
        switches = list(call.extra.get("thinking_switches") or [])
        switches.append({"field": soft[0], "value": ev.value(soft[1])})
        call.extra["thinking_switches"] = switches
    if llm.tools is not None:
        req = {"tools": ev.value(llm.tools, llm.tools_loc), "via": "bind_tools"}
        if llm.tool_choice is not None:
            req["tool_choice"] = ev.value(llm.tool_choice)
        call.extra["tool_request"] = req


def tools_method(
    ev: Evaluator, llm: LangchainLLM, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    """``llm.bind_tools(tools, tool_choice=...)``: the same model, sending those tools."""
    if attrs != ("bind_tools",) or not llm.chat:
        return None
    tools = ca.get("tools", 0)
    if tools is None:
        return None
    bound = replace(llm, var=None, tools=tools, tool_choice=ca.get("tool_choice"))
    bound.tools_loc = ca.kw_locs.get("tools") or ev.loc(ca.node)
    return bound


def _llm_passed(ev: Evaluator, qual: str, ca: CallArgs) -> None:
    """A chat model handed to a LangChain/LangGraph function (an agent, a toolkit, a chain) is
    used for chat requests: one ``ClientCall`` per hand-over (messages unknown), with the tools
    when the function is an agent that calls tools."""
    llms = [v for v in (*ca.args, *ca.kwargs.values()) if isinstance(v, LangchainLLM) and v.chat]
    if len(llms) != 1:
        return
    llm = llms[0]
    last = qual.rsplit(".", 1)[-1]
    call = ClientCall("chat", llm.api, ev.loc(ca.node.func))
    if llm.model is not None:
        call.model = ev.value(llm.model)
    if llm.base_url is not None:
        call.base_url = ev.value(llm.base_url)
    call.sampling = ev.sampling(llm.sampling, llm.locs)
    call.messages = Messages(call.loc, [], None, None, False)
    call.extra["framework"] = "langchain"
    call.extra["used_by"] = qual
    if llm.var:
        call.extra["client_var"] = llm.var
    call.extra["constructed_at"] = llm.loc
    record_thinking(ev, call, llm.request_kw, llm.locs)
    tools = None
    if last in _TOOL_AGENTS:
        _model_kw, tools_kw = _TOOL_AGENTS[last]
        tools = ca.get(tools_kw, 1)
        if tools is not None and not (isinstance(tools, ListV) and not tools.items):
            call.extra["tool_request"] = {
                "tools": ev.value(tools, ca.kw_locs.get(tools_kw) or call.loc),
                "via": "agent",
            }
    if tools is None and llm.tools is not None:
        call.extra["tool_request"] = {
            "tools": ev.value(llm.tools, llm.tools_loc),
            "via": "bind_tools",
        }
    ev.add_call(call)


RECOGNISER = Recogniser(
    name="langchain",
    libs=LIBS,
    call=library_call,
    methods=(method(LangchainLLM, llm_method), method(LangchainLLM, tools_method)),
)
