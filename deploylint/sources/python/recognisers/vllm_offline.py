"""vLLM offline inference: ``LLM(...)`` → a ``Launch`` built from the command-line words its
keywords stand for (so it reads like ``vllm serve``); ``llm.chat`` / ``llm.generate`` with
``SamplingParams`` and ``LoRARequest`` → ``ClientCall`` (api "vllm-offline")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ....facts import ClientCall
from ..launch import Option, engine_var, synth_launch
from ..recogniser import Recogniser, method
from ..values import (
    CallArgs,
    ChatText,
    KwargsObj,
    LaunchObj,
    ListV,
    Member,
    Obj,
    Response,
    Val,
    template_call,
)

if TYPE_CHECKING:
    from ..evaluator import Evaluator

_CHAT_KEYS = (
    "chat_template",
    "chat_template_kwargs",
    "add_generation_prompt",
    "continue_final_message",
    "chat_template_content_format",
)


@dataclass(eq=False, kw_only=True)
class VllmLLM(LaunchObj):
    kind = "vllm-llm"


@dataclass(eq=False, kw_only=True)
class SamplingParams(KwargsObj):
    kind = "sampling-params"
    complete: bool = True  # False: **kwargs or positional arguments we cannot map


@dataclass(eq=False, kw_only=True)
class LoraRequest(Obj):
    kind = "lora-request"
    name: Val | None
    path: Val | None


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    last = qual.rsplit(".", 1)[-1]
    node = ca.node
    if last == "LLM":
        options: list[Option] = []
        model = ca.get(None, 0)
        if model is not None and "model" not in ca.kwargs:
            mloc = ev.loc(ca.arg_nodes[0])
            options.append(("model", model, mloc, ca.arg_nodes[0]))
        for k, v in ca.kwargs.items():
            options.append((k, v, ca.kw_locs[k], ca.kw_nodes.get(k)))
        launch = synth_launch(ev, "vllm", "vllm.LLM", node.func, [], options, ca)
        return VllmLLM(ev.loc(node.func), "vllm.LLM", launch=launch, model=ca.get("model", 0))
    if last == "SamplingParams":
        return SamplingParams(
            ev.loc(node.func),
            last,
            kwargs=dict(ca.kwargs),
            locs=dict(ca.kw_locs),
            complete=not (ca.spreads or ca.star or ca.args),
        )
    if last == "LoRARequest":
        path = ca.get("lora_path", 2)
        if path is None:
            path = ca.get("lora_local_path")
        return LoraRequest(ev.loc(node.func), last, name=ca.get("lora_name", 0), path=path)
    return None


def llm_method(
    ev: Evaluator, llm: VllmLLM, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) != 1 or attrs[0] not in ("chat", "generate"):
        return None
    kind = "chat" if attrs[0] == "chat" else "completion"
    call = ClientCall(kind, "vllm-offline", ev.loc(ca.node.func), context="Python vllm.LLM")
    launch = llm.launch
    call.engine_var = engine_var(launch, f"<vllm.LLM@{launch.loc.line}>")
    if llm.model is not None:
        call.model = ev.value(llm.model)
    first = ca.get("messages" if kind == "chat" else "prompts", 0)
    if first is None and kind == "completion":
        first = ca.get("prompt_token_ids")
        if first is not None:
            call.extra["prompt_is_raw_text"] = None
    if kind == "completion":
        _note_template_text(first, call)
    if kind == "chat":
        call.messages = ev.conversation(first, call.loc)
        ev.copy_request_keys(call, ca.kwargs, ca.kw_locs, _CHAT_KEYS)
    elif first is not None and "prompt_is_raw_text" not in call.extra:
        src, msgs, markup = ev.prompt_source(first)
        call.extra["prompt_is_raw_text"] = {"raw": True, "chat": False}.get(src)
        if markup:
            call.extra["prompt_has_chat_markup"] = True
        if msgs is not None:
            call.messages = msgs
    sp: Val | None = ca.get("sampling_params", 1)
    if isinstance(sp, ListV):
        sp = next((i for i in sp.items if isinstance(i, Obj)), None) or sp
    if sp is None:
        call.extra["default_sampling"] = True
    elif isinstance(sp, SamplingParams):
        _note_sampling_params(call, sp)
        call.sampling = ev.sampling(sp.kwargs, sp.locs)
        call.extra["sampling_params"] = {
            k: ev.value(v, sp.locs.get(k)) for k, v in sp.kwargs.items()
        }
        call.extra["default_sampling"] = False
    else:
        call.extra["default_sampling"] = False
        call.extra["sampling_params"] = ev.value(sp)
    lr = ca.get("lora_request")
    if isinstance(lr, LoraRequest):
        call.extra["lora_request"] = ev.value(lr.path, lr.loc)
        if lr.name is not None:
            call.extra["lora_name"] = ev.value(lr.name, lr.loc)
    elif lr is not None:
        call.extra["lora_request"] = ev.value(lr, ca.kw_locs.get("lora_request"))
    ev.note_spreads(call, ca)
    ev.add_call(call)
    return Response(call.loc)


# -- issue 13 (DPL206, DPL104) ------------------------------------------------------------------


def _note_sampling_params(call: ClientCall, sp: SamplingParams) -> None:
    """Where the SamplingParams object was made, and whether all its arguments are known."""
    call.extra["sampling_params_loc"] = sp.loc
    call.extra["sampling_params_complete"] = sp.complete


def _note_template_text(prompt: Val | None, call: ClientCall) -> None:
    """``llm.generate(<apply_chat_template output>)``: the template call feeds generation, and its
    text (not token ids) is tokenized again by vLLM."""
    tc = template_call(prompt)
    if tc is None:
        return
    tc.extra.setdefault("feeds_generation", call.loc)
    if _is_text(prompt):
        tc.extra.setdefault("text_sent_to", call)


def _is_text(x: Val | None) -> bool:
    if isinstance(x, ChatText):
        return True
    if isinstance(x, ListV):
        return any(isinstance(i, ChatText) for i in [*x.items, x.elem])
    return False


RECOGNISER = Recogniser(
    name="vllm",
    libs=("vllm",),
    call=library_call,
    methods=(method(VllmLLM, llm_method),),
)
