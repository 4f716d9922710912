"""A LLaMA-Factory config that the repository never runs still describes how it will be run:
`llamafactory-cli api|export CONFIG`. The linker synthesises that launch when a question needs
the engine's answer (its adapter loading, its version)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..engines.base import Engine
from ..engines.cli import ParsedArgs
from ..facts import Launch, PeftOp, TrainingRun
from ..launch_details import LlamaFactoryArgs

if TYPE_CHECKING:
    from .project import Project


def launch_for_run(run: TrainingRun) -> Launch:
    form = "llamafactory-cli export" if run.role == "export" else "llamafactory-cli api"
    launch = Launch(
        "llamafactory",
        form,
        run.loc,
        [],
        ParsedArgs(),
        f"{run.loc.path.name} (a LLaMA-Factory {run.role} config)",
        run.loc.path.parent,
        engine_args=LlamaFactoryArgs(training=run),
    )
    launch.version = run.version
    return launch


# -- Python model loads (DPL601, DPL502) ---------------------------------------------------------


@dataclass(frozen=True)
class ModelLoad:
    """`from_pretrained(...)` in Python as a launch of the library that loads it, so that rules
    ask its engine (remote code, dtype) like any other."""

    op: PeftOp
    launch: Launch
    engine: Engine


_LOAD_KEYS = ("trust_remote_code", "torch_dtype", "dtype")


def model_loads(project: Project) -> list[ModelLoad]:
    """Every `from_pretrained` model, tokenizer or processor load with a model reference."""
    cached = getattr(project, "_model_loads", None)
    if cached is not None:
        return cached
    from ..engines.registry import engine_for

    impl = engine_for("transformers")
    out: list[ModelLoad] = []
    for op in project.peft_ops:
        if op.op != "load-base" or op.model is None or impl is None:
            continue
        out.append(ModelLoad(op, _load_launch(project, op), impl))
    project._model_loads = out
    return out


def _load_launch(project: Project, op: PeftOp) -> Launch:
    from ..engines.cli import ArgOcc, OptSpec, Token

    args = ParsedArgs()
    for key in _LOAD_KEYS:
        v = op.extra.get(key)
        if v is None:
            continue
        if key == "trust_remote_code":
            if v.resolved and v.value is True:
                spec = OptSpec("--" + key, "flag")
                args.options[key] = [ArgOcc(spec, Token(f"{key}=True", v.loc))]
            continue
        text = v.value if isinstance(v.value, str) else str(v.value)
        spec = OptSpec("--" + key)
        args.options[key] = [
            ArgOcc(spec, Token(key, v.loc), [Token(text, v.loc, v.resolved, v.origin)])
        ]
    model = op.model
    assert model is not None
    ref = model.value if isinstance(model.value, str) else ""
    tok = Token(ref, model.loc, model.resolved and bool(ref), model.origin)
    args.positionals.append(tok)
    launch = Launch(
        "transformers",
        "from_pretrained",
        op.loc,
        [Token("from_pretrained", op.loc)],
        args,
        f"Python {op.what or 'model'} load",
        op.loc.path.parent,
    )
    launch.version = project.library_version("transformers", op.loc.path)
    if ref:
        launch.model = project.resolve_ref(launch, tok, ref)
    return launch
