"""LangChain chat models and LLMs (``ChatOpenAI``, ``AzureChatOpenAI``, ``OpenAI``,
``ChatOllama``, ``OllamaLLM``) and their ``invoke``/``stream``/``batch`` → ``ClientCall`` (api
"openai" or "ollama", ``extra["framework"] = "langchain"``); message classes (``SystemMessage``
...) evaluate to ``{"role": ..., "content": ...}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ....facts import ClientCall, Messages
from ....location import Loc
from ..keys import SAMPLING_KEYS
from ..recogniser import Recogniser, method
from ..values import MORE, CallArgs, DictV, ListV, Member, Obj, Response, Sc, Val

if TYPE_CHECKING:
    from ..evaluator import Evaluator

LIBS = (
    "langchain_openai",
    "langchain_community",
    "langchain",
    "langchain_ollama",
    "langchain_core",
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
    if llm.var:
        call.extra["client_var"] = llm.var
    ev.add_call(call)
    return Response(call.loc)


RECOGNISER = Recogniser(
    name="langchain",
    libs=LIBS,
    call=library_call,
    methods=(method(LangchainLLM, llm_method),),
)
