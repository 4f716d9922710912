"""The OpenAI Python SDK: clients (``OpenAI``, ``AsyncOpenAI``, ``AzureOpenAI``), the module-level
client (``openai.chat.completions.create``) and the pre-1.0 ``openai.ChatCompletion`` /
``openai.Completion`` → ``ClientCall`` (api "openai")."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ....facts import ClientCall, Messages
from ..context import markup_of
from ..keys import REQUEST_EXTRA_KEYS, SAMPLING_KEYS
from ..recogniser import Recogniser, method
from ..thinking import record_request
from ..values import CallArgs, DictV, Member, Obj, Response, Val
from .hf_transformers import note_template_prompt

if TYPE_CHECKING:
    from ..evaluator import Evaluator

OPENAI_CLIENTS = frozenset({"OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI"})


@dataclass(eq=False, kw_only=True)
class OpenAIClient(Obj):
    kind = "openai-client"
    base_url: Val | None


def is_request_path(attrs: tuple[str, ...]) -> bool:
    """``chat.completions.create`` (or ``stream``/``parse``, also under ``beta``) or
    ``completions.create``, with or without ``with_raw_response``/``with_streaming_response``."""
    a = [x for x in attrs if x not in ("with_raw_response", "with_streaming_response")]
    if a[:1] == ["beta"]:
        a = a[1:]
    if len(a) == 3 and a[0] == "chat" and a[1] == "completions":
        return a[2] in ("create", "stream", "parse")
    if len(a) == 2 and a[0] == "completions":
        return a[1] == "create"
    return False


def _kind(attrs: tuple[str, ...]) -> str:
    return "completion" if attrs[0] == "completions" else "chat"


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    parts = qual.split(".")[1:]
    last = parts[-1] if parts else ""
    node = ca.node
    if last in OPENAI_CLIENTS or (last in ("Client", "AsyncClient") and len(parts) == 1):
        base = ca.get("base_url") or ca.get("azure_endpoint")
        if base is None:
            base = ev.env_base_url(("OPENAI_BASE_URL", "OPENAI_API_BASE"), "the OpenAI SDK")
        return OpenAIClient(ev.loc(node.func), qual, base_url=base)
    # module-level client: openai.chat.completions.create(...), openai.ChatCompletion.create
    if is_request_path(tuple(parts)):
        return request(ev, _kind(tuple(parts)), _module_client(ev, node, False), ca, "openai")
    if parts in (["ChatCompletion", "create"], ["ChatCompletion", "acreate"]):
        return request(ev, "chat", _module_client(ev, node, True), ca, "openai")
    if parts in (["Completion", "create"], ["Completion", "acreate"]):
        return request(ev, "completion", _module_client(ev, node, True), ca, "openai")
    return None


def _module_client(ev: Evaluator, node: ast.AST, legacy: bool) -> OpenAIClient:
    """The client behind ``openai.<...>.create``: ``openai.base_url = ...`` (``api_base`` before
    1.0) set in the module, else the environment variable the SDK reads."""
    keys = ("openai.api_base", "openai.base_url") if legacy else ("openai.base_url",)
    base: Val | None = None
    for k in keys:
        if k in ev.module_attrs:
            base = ev.module_attrs[k]
    if base is None:
        names = ("OPENAI_API_BASE",) if legacy else ("OPENAI_BASE_URL",)
        base = ev.env_base_url(names, "the openai module")
    return OpenAIClient(ev.loc(node), "openai", base_url=base)


def request(
    ev: Evaluator, kind: str, client: OpenAIClient | None, ca: CallArgs, recv: str | None
) -> Val:
    """``<client>.chat.completions.create(...)`` / ``<client>.completions.create(...)``."""
    node = ca.node
    kw, locs = ca.kwargs, ca.kw_locs
    call = ClientCall(kind, "openai", ev.loc(node.func))
    if "model" in kw or "engine" in kw:
        call.model = ev.value(kw.get("model", kw.get("engine")), locs.get("model"))
    if client is not None and client.base_url is not None:
        call.base_url = ev.value(client.base_url)
    if kind == "chat":
        msgs = kw.get("messages")
        if msgs is not None:
            call.messages = ev.messages(msgs, locs.get("messages", call.loc))
        else:
            call.messages = Messages(call.loc, [], None, None, False)
    else:
        prompt = kw.get("prompt")
        if prompt is not None:
            call.extra["prompt"] = ev.value(prompt, locs.get("prompt"))
            call.extra["prompt_has_chat_markup"] = markup_of(prompt)
            note_template_prompt(ev, prompt, call)
    call.sampling = ev.sampling(kw, locs)
    eb = kw.get("extra_body")
    if eb is not None:
        if isinstance(eb, DictV):
            ebv = ev.values_of(eb)
            call.extra["extra_body"] = ebv
            for k, v in ebv.items():
                if k in SAMPLING_KEYS and k not in call.sampling:
                    call.sampling[k] = v
            if not eb.complete:
                call.extra["extra_body_incomplete"] = True
        else:
            call.extra["extra_body"] = ev.value(eb, locs.get("extra_body"))
    ev.copy_request_keys(call, kw, locs, REQUEST_EXTRA_KEYS)
    eh = kw.get("extra_headers")
    if isinstance(eh, DictV):
        call.extra["headers"] = ev.values_of(eh)
    if "tools" in kw:
        call.extra["tools"] = True
    record_request(ev, call, kw, locs)
    if recv:
        call.extra["client_var"] = recv
    if client is None:
        call.extra["client"] = "unresolved"
    ev.note_spreads(call, ca)
    ev.add_call(call)
    return Response(call.loc)


def client_method(
    ev: Evaluator, client: OpenAIClient, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) == 1 and attrs[0] in ("with_options", "copy"):
        return client
    if is_request_path(attrs):
        return request(ev, _kind(attrs), client, ca, m.base_name or client.var)
    return None


def unseen_client(
    ev: Evaluator, attrs: tuple[str, ...], ca: CallArgs, recv: str | None
) -> Val | None:
    """A request through a client the module does not show (a parameter, ``self.client``)."""
    if is_request_path(attrs):
        return request(ev, _kind(attrs), None, ca, recv)
    return None


RECOGNISER = Recogniser(
    name="openai",
    libs=("openai",),
    call=library_call,
    methods=(method(OpenAIClient, client_method),),
    unknown_receiver=unseen_client,
    instance_attribute=unseen_client,
)
