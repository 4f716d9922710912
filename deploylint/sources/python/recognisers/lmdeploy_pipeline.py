"""LMDeploy's Python API: ``pipeline(model, backend_config=..., chat_template_config=...)`` → a
``Launch`` (as ``lmdeploy serve api_server`` would be given the same options); calls of the
pipeline with ``GenerationConfig`` → ``ClientCall`` (api "lmdeploy")."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ....facts import ClientCall, Messages, Value
from ....location import Loc
from ..astutil import src
from ..launch import Option, Positional, engine_var, synth_launch
from ..recogniser import Recogniser, method, object_call
from ..values import (
    CallArgs,
    DictV,
    GenConfig,
    Item,
    KwargsObj,
    LaunchObj,
    ListV,
    Member,
    Obj,
    Response,
    Sc,
    Val,
    loc_of,
)

if TYPE_CHECKING:
    from ..evaluator import Evaluator

# LMDeploy's GenerationConfig samples only when asked to.
DO_SAMPLE_DEFAULT = (
    "LMDeploy GenerationConfig default do_sample=False: greedy decoding unless "
    "do_sample=True (lmdeploy/messages.py, v0.6.0+)"
)


@dataclass(eq=False, kw_only=True)
class EngineConfig(KwargsObj):
    """``TurbomindEngineConfig(...)`` / ``PytorchEngineConfig(...)``."""

    kind = "lmdeploy-backend"
    backend: str  # "turbomind" | "pytorch"
    nodes: dict[str, ast.expr]


@dataclass(eq=False, kw_only=True)
class ChatTemplateConfig(KwargsObj):
    kind = "lmdeploy-template"
    nodes: dict[str, ast.expr]


@dataclass(eq=False, kw_only=True)
class Pipeline(LaunchObj):
    kind = "lmdeploy-pipe"


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    last = qual.rsplit(".", 1)[-1]
    node = ca.node
    if last in ("TurbomindEngineConfig", "PytorchEngineConfig"):
        return EngineConfig(
            ev.loc(node.func),
            last,
            kwargs=dict(ca.kwargs),
            locs=dict(ca.kw_locs),
            backend="turbomind" if last.startswith("Turbomind") else "pytorch",
            nodes=dict(ca.kw_nodes),
        )
    if last == "ChatTemplateConfig":
        kw = dict(ca.kwargs)
        locs = dict(ca.kw_locs)
        nodes = dict(ca.kw_nodes)
        if "model_name" not in kw and ca.args:
            kw["model_name"] = ca.args[0]
            locs["model_name"] = ev.loc(ca.arg_nodes[0])
            nodes["model_name"] = ca.arg_nodes[0]
        return ChatTemplateConfig(ev.loc(node.func), last, kwargs=kw, locs=locs, nodes=nodes)
    if last == "GenerationConfig":
        return GenConfig(
            ev.loc(node.func),
            "lmdeploy.GenerationConfig",
            kwargs=dict(ca.kwargs),
            locs=dict(ca.kw_locs),
        )
    if last == "pipeline":
        return _pipeline(ev, ca)
    return None


def _pipeline(ev: Evaluator, ca: CallArgs) -> Pipeline:
    node = ca.node
    positionals: list[Positional] = []
    model = ca.get("model_path", 0)
    mnode = ca.node_of("model_path", 0)
    if model is not None:
        positionals.append((model, ev.loc(mnode) if mnode else ev.loc(node), mnode))
    options: list[Option] = []
    notes: list[str] = []
    template_config: dict[str, Value] | Value | None = None
    backend = ca.get("backend_config", 1)
    bnode = ca.node_of("backend_config", 1)
    if isinstance(backend, EngineConfig):
        options.append(("backend", Sc(backend.backend, backend.loc), backend.loc, None))
        for k, v in backend.kwargs.items():
            kloc = backend.locs.get(k, backend.loc)
            vnode = backend.nodes.get(k)
            if k == "adapters":
                options.append(("adapters", _adapters_list(ev, v, kloc), kloc, vnode))
            elif k == "device_type":
                options.append(("device", v, kloc, vnode))
            else:
                options.append((k, v, kloc, vnode))
    elif backend is not None and bnode is not None:
        notes.append(f"backend_config `{src(bnode)}` is not resolved")
    tmpl = ca.get("chat_template_config", 2)
    if isinstance(tmpl, ChatTemplateConfig):
        template_config = {k: ev.value(v, tmpl.locs.get(k)) for k, v in tmpl.kwargs.items()}
        if "model_name" in tmpl.kwargs:
            mloc = tmpl.locs.get("model_name", tmpl.loc)
            name = tmpl.kwargs["model_name"]
            options.append(("chat_template", name, mloc, tmpl.nodes.get("model_name")))
    elif tmpl is not None:
        template_config = ev.value(tmpl, ca.kw_locs.get("chat_template_config"))
    for k, v in ca.kwargs.items():
        if k in ("model_path", "backend_config", "chat_template_config"):
            continue
        options.append((k, v, ca.kw_locs[k], ca.kw_nodes.get(k)))
    launch = synth_launch(
        ev,
        "lmdeploy",
        "lmdeploy.pipeline",
        node.func,
        positionals,
        options,
        ca,
        template_config,
        notes,
    )
    return Pipeline(ev.loc(node.func), "lmdeploy.pipeline", launch=launch, model=model)


def _adapters_list(ev: Evaluator, v: Val, at: Loc) -> Val:
    """``adapters={"name": "path"}`` as the words of ``--adapters name=path ...``."""
    if not isinstance(v, DictV):
        return v
    items: list[Item] = []
    for name, path in v.entries.items():
        p = path if isinstance(path, Sc) else Sc(None, at, False, "adapter path")
        text = p.value if p.resolved else None
        items.append(
            Sc(
                f"{name}={text}" if text is not None else None,
                p.loc,
                p.resolved,
                ev.origin_of(p),
                None if p.resolved else f"{name}={{{ev.origin_of(p) or 'path'}}}",
            )
        )
    return ListV(items, v.loc, ev.here)


def _run(ev: Evaluator, meth: str, pipe: Pipeline, ca: CallArgs) -> Val:
    """``pipe(prompts)``, ``pipe.chat(prompt)``, ``pipe.stream_infer(...)`` ..."""
    call = ClientCall("chat", "lmdeploy", ev.loc(ca.node.func), context="Python lmdeploy.pipeline")
    launch = pipe.launch
    call.engine_var = engine_var(launch, f"<lmdeploy.pipeline@{launch.loc.line}>")
    if pipe.model is not None:
        call.model = ev.value(pipe.model)
    prompts = ca.get("prompts" if meth != "chat" else "prompt", 0)
    gen_pos = 2 if meth == "chat" else 1
    gen = ca.get("gen_config", gen_pos)
    pre = ca.get("do_preprocess")
    if isinstance(pre, Sc) and pre.resolved and pre.value is False:
        call.kind = "completion"
        call.extra["do_preprocess"] = ev.value(pre, ca.kw_locs.get("do_preprocess"))
    source, _, markup = (
        ev.prompt_source(prompts) if prompts is not None else ("unknown", None, False)
    )
    if call.kind == "chat":
        if source == "raw":
            # LMDeploy wraps a plain string as one user turn and applies the chat template
            call.messages = Messages(loc_of(prompts, call.loc), ["user"], False, None, True)
            call.extra["prompt_is_raw_text"] = True
        else:
            call.messages = ev.conversation(prompts, call.loc)
    else:
        call.extra["prompt_is_raw_text"] = {"raw": True, "chat": False}.get(source)
    if markup:
        call.extra["prompt_has_chat_markup"] = True
    if isinstance(gen, GenConfig):
        call.sampling = ev.sampling(gen.kwargs, gen.locs)
        call.extra["gen_config"] = {k: ev.value(v, gen.locs.get(k)) for k, v in gen.kwargs.items()}
        call.extra["default_sampling"] = False
        at = gen.loc
    elif gen is not None:
        call.extra["gen_config"] = ev.value(gen)
        call.extra["default_sampling"] = False
        at = call.loc
    else:
        call.extra["default_sampling"] = True
        at = call.loc
    if "do_sample" not in call.sampling and not (gen is not None and not isinstance(gen, Obj)):
        call.extra["do_sample"] = Value(False, at, True, DO_SAMPLE_DEFAULT)
    ev.add_call(call)
    return Response(call.loc)


def pipeline_method(
    ev: Evaluator, pipe: Pipeline, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) == 1 and attrs[0] in ("chat", "stream_infer", "infer", "batch_infer"):
        return _run(ev, attrs[0], pipe, ca)
    return None


def pipeline_call(ev: Evaluator, pipe: Pipeline, ca: CallArgs) -> Val | None:
    return _run(ev, "__call__", pipe, ca)


RECOGNISER = Recogniser(
    name="lmdeploy",
    libs=("lmdeploy",),
    call=library_call,
    methods=(method(Pipeline, pipeline_method),),
    object_calls=(object_call(Pipeline, pipeline_call),),
)
