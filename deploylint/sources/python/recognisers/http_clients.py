"""Raw HTTP requests (``requests``, ``httpx``, ``aiohttp``) to ``/chat/completions``,
``/v1/completions`` and Ollama's ``/api/chat`` / ``/api/generate`` → ``ClientCall`` (api "http"
or "ollama"), read from the JSON body (``json=`` or ``data=json.dumps(...)``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ....facts import ClientCall, Messages, Value
from ....location import Loc
from ..context import markup_of
from ..keys import REQUEST_EXTRA_KEYS
from ..recogniser import Recogniser, method
from ..thinking import record_request
from ..values import CallArgs, DictV, JsonText, Member, Obj, Response, Sc, Val
from .hf_transformers import note_template_prompt

if TYPE_CHECKING:
    from ..evaluator import Evaluator

_ROUTES = (
    # (suffix, kind, api, part stripped for base_url)
    ("/chat/completions", "chat", "http", "/chat/completions"),
    ("/v1/completions", "completion", "http", "/completions"),
    ("/api/chat", "chat", "ollama", "/api/chat"),
    ("/api/generate", "completion", "ollama", "/api/generate"),
)
_SCHEME = re.compile(r"^[a-zA-Z][\w+.-]*://")


@dataclass(eq=False, kw_only=True)
class HttpSession(Obj):
    """``requests.Session()``, ``httpx.Client(base_url=...)``, ``aiohttp.ClientSession()``."""

    kind = "http-session"
    base_url: Val | None


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    last = qual.rsplit(".", 1)[-1]
    if last in ("Session", "Client", "AsyncClient", "ClientSession") and qual.count(".") == 1:
        return HttpSession(ev.loc(ca.node.func), qual, base_url=ca.get("base_url"))
    if qual.count(".") == 1 and last in ("post", "request", "stream"):
        return request(ev, None, last, ca, require_body=False)
    return None


def request(
    ev: Evaluator, session: HttpSession | None, meth: str, ca: CallArgs, require_body: bool
) -> Val | None:
    node = ca.node
    if meth in ("request", "stream"):
        method_ = ca.get("method", 0)
        if not (
            isinstance(method_, Sc)
            and isinstance(method_.value, str)
            and method_.value.upper() == "POST"
        ):
            return None
        url = ca.get("url", 1)
    else:
        url = ca.get("url", 0)
    body = ca.get("json")
    if body is None:
        raw = ca.get("data") or ca.get("content")
        if isinstance(raw, JsonText):
            body = raw.body
    if require_body and body is None:
        return None
    if not isinstance(url, Sc):
        return None
    text = url.text
    if text is None:
        return None
    base_sc = session.base_url if session is not None else None
    if not _SCHEME.match(text) and not text.startswith("{"):
        if isinstance(base_sc, Sc) and base_sc.text is not None:
            joined = base_sc.text.rstrip("/") + "/" + text.lstrip("/")
            known = base_sc.resolved and url.resolved
            url = Sc(
                joined if known else None,
                url.loc,
                known,
                f"base_url {base_sc.text!r} + {text!r}",
                None if known else joined,
            )
            text = joined
    path = text.split("?", 1)[0].rstrip("/")
    route = next((r for r in _ROUTES if path.endswith(r[0])), None)
    if route is None:
        return None
    suffix, kind, api, strip = route
    call = ClientCall(kind, api, ev.loc(node.func))
    base_text = path[: len(path) - len(strip)]
    if url.resolved:
        call.base_url = Value(base_text, url.loc, True, url.origin)
    else:
        call.base_url = Value(None, url.loc, False, f"URL with unresolved parts: {url.partial!r}")
    call.extra["route"] = suffix
    call.extra["transport"] = "http"
    _headers(ev, call, ca.get("headers"))
    _fill_from_body(ev, call, body, kind, ev.loc(node))
    ev.add_call(call)
    return Response(call.loc)


def _headers(ev: Evaluator, call: ClientCall, headers: Val | None) -> None:
    """The request's headers, when they are a literal mapping (what a server may read from
    them: an adapter name a server does not read there, an API key)."""
    if isinstance(headers, DictV):
        call.extra["headers"] = ev.values_of(headers)


def _fill_from_body(ev: Evaluator, call: ClientCall, body: Val | None, kind: str, at: Loc) -> None:
    if not isinstance(body, DictV):
        if kind == "chat":
            call.messages = Messages(
                body.loc if isinstance(body, Sc) else at, [], None, None, False
            )
        call.extra["body"] = "unresolved"
        return
    e, kl = body.entries, body.key_locs
    if "model" in e:
        call.model = ev.value(e["model"], kl.get("model"))
    if kind == "chat":
        if "messages" in e:
            call.messages = ev.messages(e["messages"], kl.get("messages", body.loc))
        else:
            call.messages = Messages(body.loc, [], None, None, False)
    elif "prompt" in e:
        call.extra["prompt"] = ev.value(e["prompt"], kl.get("prompt"))
        call.extra["prompt_has_chat_markup"] = markup_of(e["prompt"])
        note_template_prompt(ev, e["prompt"], call)
    call.sampling = ev.sampling(e, kl)
    opts = e.get("options")
    if isinstance(opts, DictV):
        call.extra["options"] = ev.values_of(opts)
        for k, v in ev.sampling(opts.entries, opts.key_locs).items():
            call.sampling.setdefault(k, v)
    ev.copy_request_keys(call, e, kl, REQUEST_EXTRA_KEYS)
    record_request(ev, call, e, kl)
    if not body.complete:
        call.extra["body_incomplete"] = True


def session_method(
    ev: Evaluator, session: HttpSession, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) == 1 and attrs[0] in ("post", "request", "stream"):
        return request(ev, session, attrs[0], ca, require_body=False)
    return None


def unseen_session(
    ev: Evaluator, attrs: tuple[str, ...], ca: CallArgs, recv: str | None
) -> Val | None:
    """``x.post(url, json=body)`` on something the module does not show: a request only when it
    sends a body to a recognised route."""
    if len(attrs) == 1 and attrs[0] in ("post", "stream"):
        return request(ev, None, attrs[0], ca, require_body=True)
    return None


RECOGNISER = Recogniser(
    name="http",
    libs=("requests", "httpx", "aiohttp"),
    call=library_call,
    methods=(method(HttpSession, session_method),),
    unknown_receiver=unseen_session,
)
