"""DPL205 context-truncated: the context window the server really uses is smaller than the
configuration means or the clients need — context settings the engine never reads, a Modelfile
num_ctx that overrides the server's, a default window under requests whose output alone does not
fit, a llama.cpp window split over parallel slots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..deployment import Deployment
from ..engines.base import ContextLength
from ..facts import ClientCall
from ..findings import Finding
from . import Context


def _tokens(value: int | str | None) -> tuple[int | None, str]:
    """(the smallest window a value can mean, how to say it): an int, or a tiered default
    ("4k/32k/256k by VRAM" -> 4096 on the smallest tier)."""
    if isinstance(value, int):
        return value, f"{value} tokens"
    if isinstance(value, str):
        m = re.match(r"\s*(\d+)\s*([kK])?", value)
        if m:
            n = int(m.group(1)) * (1024 if m.group(2) else 1)
            return n, f"{value} (as little as {n} tokens)"
    return None, ""


def _cannot_send_window(call: ClientCall) -> bool:
    """An OpenAI-compatible request: it has no field for the server's context window."""
    if call.api == "openai":
        return True
    url = call.base_url.value if call.base_url is not None else None
    return call.api == "http" and isinstance(url, str) and "/v1" in url


def _max_tokens(call: ClientCall) -> tuple[int, Any] | None:
    for key in ("max_tokens", "max_completion_tokens", "num_predict"):
        v = call.sampling.get(key)
        if v is not None and v.resolved and isinstance(v.value, int) and v.value > 0:
            return v.value, v
    return None


def check(ctx: Context) -> Iterator[Finding]:
    serves = [d for d in ctx.deployments if isinstance(d.context_length, ContextLength)]
    for d in serves:
        cl = d.context_length
        assert isinstance(cl, ContextLength)
        yield from _ignored(ctx, d, cl)
        yield from _clients(ctx, d, cl)
    yield from _modelfile_overrides(ctx, serves)


def _ignored(ctx: Context, d: Deployment, cl: ContextLength) -> Iterator[Finding]:
    for name, loc, why in cl.ignored:
        have, said = _tokens(cl.value)
        window = f"{said} ({cl.source})" if have is not None else cl.source
        yield ctx.finding(
            loc,
            f"{why}: {d.phrase} keeps its context window at {window}, and prompts beyond it are "
            "cut without an error",
            fix=f"set {cl.setting} (a whole number of tokens), or PARAMETER num_ctx in the "
            "Modelfile",
            evidence={**d.evidence(), "ignored": name, "context_source": cl.source},
            severity="warning",
            anchor=f"unread {name}",
        )


def _clients(ctx: Context, d: Deployment, cl: ContextLength) -> Iterator[Finding]:
    if not cl.when_full:
        return  # the engine refuses what does not fit: the client sees an error
    window, said = _tokens(cl.value)
    if window is None:
        return
    per_slot = window
    slot_note = ""
    if cl.slots is not None and isinstance(cl.slots.value, int) and cl.slots.value > 1:
        per_slot = window // cl.slots.value
        slot_note = f", split over {cl.slots.value} slots ({cl.slots.source}): {per_slot} each"
    for call in d.clients:
        if cl.default and not _cannot_send_window(call):
            continue  # a native request can carry its own num_ctx
        mt = _max_tokens(call)
        if mt is None or mt[0] < per_slot:
            continue
        n, v = mt
        where = "the server's default" if cl.default else cl.source
        yield ctx.finding(
            v.loc,
            f"the request asks for up to {n} new tokens, but {d.phrase} gives each request "
            f"{per_slot} tokens of context in all ({where}: {said}{slot_note}): the prompt and the "
            f"answer must share it, and {cl.when_full}"
            + (
                "; an OpenAI-compatible request cannot send num_ctx"
                if cl.default and _cannot_send_window(call)
                else ""
            ),
            fix=f"raise {cl.setting}"
            + (" (per slot: × the number of slots)" if slot_note else "")
            + " to cover the prompt plus max_tokens, or lower max_tokens",
            evidence={
                **d.evidence(),
                "max_tokens": n,
                "context": per_slot,
                "context_source": cl.source,
                "client": call.link or call.context,
                **({"slots": cl.slots.source} if cl.slots is not None else {}),
            },
            severity="warning",
            anchor=f"max_tokens {n} over context {per_slot}",
        )


def _modelfile_overrides(ctx: Context, serves: list[Deployment]) -> Iterator[Finding]:
    """A Modelfile's num_ctx wins over the server's OLLAMA_CONTEXT_LENGTH for the models it
    defines: smaller, it silently undoes the server setting."""
    servers = [
        d
        for d in serves
        if d.context_length.setting == "OLLAMA_CONTEXT_LENGTH"  # type: ignore[union-attr]
        and not d.context_length.default  # type: ignore[union-attr]
        and isinstance(d.context_length.value, int)  # type: ignore[union-attr]
    ]
    for mf in serves:
        cl = mf.context_length
        assert isinstance(cl, ContextLength)
        if cl.setting != "PARAMETER num_ctx" or cl.default or not isinstance(cl.value, int):
            continue
        for srv in servers:
            scl = srv.context_length
            assert isinstance(scl, ContextLength)
            if not ctx.project.same_project(srv.launch.path, mf.launch.path):
                continue
            if cl.value >= scl.value:  # type: ignore[operator]
                continue
            yield ctx.finding(
                cl.loc or mf.loc,
                f"PARAMETER num_ctx {cl.value} overrides {scl.source} (at {srv.launch.path.name}:"
                f"{srv.launch.loc.line}) for the model this Modelfile defines: it runs with "
                f"{cl.value} tokens, not {scl.value}",
                fix="raise or remove PARAMETER num_ctx, so that the server setting applies",
                evidence={
                    **mf.evidence(),
                    "modelfile_num_ctx": cl.value,
                    "server_context": scl.value,
                    "server": srv.launch.loc,
                },
                severity="warning",
                anchor=f"num_ctx {cl.value} over {scl.value}",
            )
