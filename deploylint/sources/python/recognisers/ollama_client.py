"""The Ollama Python client: ``ollama.chat`` / ``ollama.generate`` and ``Client(host=...)`` /
``AsyncClient`` → ``ClientCall`` (api "ollama")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ....facts import ClientCall, Messages
from ..keys import REQUEST_EXTRA_KEYS
from ..recogniser import Recogniser, method
from ..thinking import record_request
from ..values import CallArgs, DictV, Member, Obj, Response, Val

if TYPE_CHECKING:
    from ..evaluator import Evaluator


@dataclass(eq=False, kw_only=True)
class OllamaClient(Obj):
    kind = "ollama-client"
    base_url: Val | None


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    last = qual.rsplit(".", 1)[-1]
    if last in ("Client", "AsyncClient"):
        return OllamaClient(ev.loc(ca.node.func), last, base_url=ca.get("host", 0))
    if last in ("chat", "generate"):
        base = ev.env_base_url(("OLLAMA_HOST",), "the ollama module")
        client = OllamaClient(ev.loc(ca.node.func), "ollama", base_url=base)
        return request(ev, last, client, ca)
    return None


def request(ev: Evaluator, meth: str, client: OllamaClient, ca: CallArgs) -> Val:
    kind = "chat" if meth == "chat" else "completion"
    call = ClientCall(kind, "ollama", ev.loc(ca.node.func))
    model = ca.get("model", 0)
    if model is not None:
        call.model = ev.value(model, ca.kw_locs.get("model"))
    if client.base_url is not None:
        call.base_url = ev.value(client.base_url)
    if kind == "chat":
        msgs = ca.get("messages", 1)
        call.messages = (
            ev.messages(msgs, call.loc)
            if msgs is not None
            else Messages(call.loc, [], None, None, False)
        )
    else:
        prompt = ca.get("prompt", 1)
        if prompt is not None:
            call.extra["prompt"] = ev.value(prompt, ca.kw_locs.get("prompt"))
    opts = ca.get("options")
    if isinstance(opts, DictV):
        call.extra["options"] = ev.values_of(opts)
        call.sampling = ev.sampling(opts.entries, opts.key_locs)
    elif opts is not None:
        call.extra["options"] = ev.value(opts, ca.kw_locs.get("options"))
    ev.copy_request_keys(call, ca.kwargs, ca.kw_locs, REQUEST_EXTRA_KEYS)
    record_request(ev, call, ca.kwargs, ca.kw_locs)
    ev.note_spreads(call, ca)
    ev.add_call(call)
    return Response(call.loc)


def client_method(
    ev: Evaluator, client: OllamaClient, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) == 1 and attrs[0] in ("chat", "generate"):
        return request(ev, attrs[0], client, ca)
    return None


RECOGNISER = Recogniser(
    name="ollama",
    libs=("ollama",),
    call=library_call,
    methods=(method(OllamaClient, client_method),),
)
