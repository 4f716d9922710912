"""An engine started from Python (``vllm.LLM(...)``, ``lmdeploy.pipeline(...)``) as a ``Launch``:
its keyword arguments are written as the command-line words they stand for (``max_model_len=``
→ ``--max-model-len``), so the launch reads like ``vllm serve`` to the rest of deploylint."""

from __future__ import annotations

import ast
import json
from typing import TYPE_CHECKING, Any, TypeAlias

from ...engines.cli import Token
from ...facts import Launch, Value
from ...launch_details import PythonArgs
from ...location import Loc
from .astutil import src
from .values import CallArgs, Sc, Val

if TYPE_CHECKING:
    from .evaluator import Evaluator

# (value, where, expression) of a positional argument; (name, value, where, expression) of an
# option: the expression is None for values that are not written in the call.
Positional: TypeAlias = tuple[Val, Loc, ast.expr | None]
Option: TypeAlias = tuple[str, Val, Loc, ast.expr | None]


def synth_launch(
    ev: Evaluator,
    engine: str,
    form: str,
    head: ast.expr,
    positionals: list[Positional],
    options: list[Option],
    ca: CallArgs,
    chat_template_config: dict[str, Value] | Value | None = None,
    notes: list[str] | None = None,
) -> Launch:
    from ...engines import registry
    from ...shell import Env, EnvValue
    from ..commands import LaunchContext, build_launch

    table = registry.module(engine).option_table(None)
    tokens = [Token(form, ev.loc(head))]
    for val, loc, vnode in positionals:
        tokens.extend(_value_tokens(ev, val, loc, vnode, multi=False))
    notes = list(notes or [])
    for name, val, kloc, vnode in options:
        if isinstance(val, Sc) and val.resolved and val.value is None:
            continue
        flag = "--" + name.replace("_", "-")
        spec, _ = table.lookup(flag)
        vloc = ev.loc(vnode) if vnode is not None else kloc
        if isinstance(val, Sc) and isinstance(val.value, bool) and val.resolved:
            if spec is not None and spec.arity == "flag":
                if val.value:
                    tokens.append(Token(flag, kloc, True, val.origin))
                elif spec.negatable:
                    tokens.append(Token("--no-" + flag[2:], kloc, True, val.origin))
                else:
                    notes.append(f"{name}=False in Python (the same as not giving {flag})")
                continue
            tokens.append(Token(flag, kloc))
            tokens.append(Token(str(val.value), vloc, True, val.origin))
            continue
        if spec is not None and spec.arity == "flag":
            v = ev.value(val)
            tokens.append(
                Token(flag, kloc, v.resolved and bool(v.value), v.origin or ev.src_of(vnode))
            )
            if not v.resolved:
                notes.append(f"{name}= is not resolved; {flag} may or may not be set")
            continue
        tokens.append(Token(flag, kloc))
        multi = spec is not None and spec.arity == "multi"
        tokens.extend(_value_tokens(ev, val, vloc, vnode, multi=multi))
    if ca.spreads or ca.star:
        notes.append(
            "keyword arguments from "
            + ", ".join(f"`**{t}`" for t in ca.spread_texts or ["*args"])
            + " could not be resolved"
        )
    env = Env()
    for k, w in ev.env_writes.items():
        text = str(w.value) if w.resolved else (w.partial or "")
        env.set(k, EnvValue(text, w.origin or "", w.resolved))
    path = ev.path
    ctx = LaunchContext(path, f"Python {form}", path.parent, env, notes=notes)
    launch = build_launch(engine, form, tokens, 1, ctx)
    launch.engine_args = PythonArgs(
        kwargs={n: ev.value(v, kl) for n, v, kl, _ in options},
        chat_template_config=chat_template_config,
    )
    ev.facts.launches.append(launch)
    return launch


def engine_var(launch: Launch, unnamed: str) -> str:
    """The variable holding the engine object a launch made in Python is (``unnamed`` when it is
    not bound to a name): calls on it link to the launch."""
    pa = launch.args_of(PythonArgs)
    if pa is None:  # not made by synth_launch
        pa = launch.engine_args = PythonArgs()
    if pa.var is None:
        pa.var = unnamed
    return pa.var


def _value_tokens(
    ev: Evaluator, val: Val, loc: Loc, vnode: ast.expr | None, multi: bool
) -> list[Token]:
    v = ev.value(val, loc)
    if not v.resolved:
        text = val.partial if isinstance(val, Sc) and val.partial else None
        if text is None:
            text = "${" + (src(vnode, 60) if vnode is not None else "?") + "}"
        return [Token(text, loc, False, v.origin or ev.src_of(vnode))]
    data = v.value
    if multi and isinstance(data, list):
        return [Token(_tok_text(d), loc, True, v.origin) for d in data]
    return [Token(_tok_text(data), loc, True, v.origin)]


def _tok_text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, (dict, list)):
        return json.dumps(data)
    return str(data)
