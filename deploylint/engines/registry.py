"""Which engine a command line starts, and the small helpers engine modules share.

``recognize`` asks each engine module in ``ENGINE_MODULES`` whether it claims the words of a
command line. The helpers below are used by several engine modules:

- ``ArgparseOptionTable``: an option table that also accepts the unambiguous prefixes of long
  options, as Python's ``argparse`` does by default (``allow_abbrev=True``): SGLang, LMDeploy and
  LLaMA-Factory parse their command lines with argparse, so ``--tp 2`` is ``--tp-size 2`` there.
- ``env_occurrence``: an option read from an environment variable (TGI's ``MODEL_ID``,
  llama.cpp's ``LLAMA_ARG_*``, Ollama's ``OLLAMA_HOST`` ...) as an ``ArgOcc`` whose tokens say
  which variable and where it was set.
- ``set_launch_details``: what an engine's ``options_from_env`` hook finds besides options (the
  model given as a positional, an ``EngineArgs`` record such as LLaMA-Factory's config path) for
  the one launch being built.
"""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..location import Loc
from ..versions import Entry, Range, Timeline
from .cli import ArgOcc, OptionTable, OptSpec, ParsedArgs, Token

if TYPE_CHECKING:
    from ..launch_details import EngineArgs
    from .base import Engine

# Order matters only when two engines could claim the same words (none do today).
ENGINE_MODULES = {
    "vllm": "deploylint.engines.vllm",
    "lmdeploy": "deploylint.engines.lmdeploy",
    "sglang": "deploylint.engines.sglang",
    "tgi": "deploylint.engines.tgi",
    "llamacpp": "deploylint.engines.llamacpp",
    "ollama": "deploylint.engines.ollama",
    "llamafactory": "deploylint.engines.llamafactory",
}

#: Every engine that answers the Engine questions (``engines/base.py``): the servers above and
#: transformers, the reference (it has no command line to recognise).
ALL_ENGINE_MODULES = {**ENGINE_MODULES, "transformers": "deploylint.engines.transformers"}

_loaded: dict[str, ModuleType] = {}


def module(engine: str) -> ModuleType:
    mod = _loaded.get(engine)
    if mod is None:
        mod = import_module(ALL_ENGINE_MODULES[engine])
        _loaded[engine] = mod
    return mod


def engine_for(name: str) -> Engine | None:
    """The ``Engine`` named ``name`` (None for a name no engine module has)."""
    if name not in ALL_ENGINE_MODULES:
        return None
    impl: Engine = module(name).ENGINE_IMPL
    return impl


def all_engines() -> list[Engine]:
    return [e for e in (engine_for(n) for n in ALL_ENGINE_MODULES) if e is not None]


_last_words: list[Token] | None = None
_last_hit: tuple[str, str, int] | None = None


def recognize(words: list[Token]) -> tuple[str, str, int] | None:
    """(engine, form, index of the first argument) for the first engine that claims ``words``."""
    global _last_words, _last_hit
    for engine in ENGINE_MODULES:
        hit = module(engine).ENGINE_IMPL.recognize(words)
        if hit is not None:
            _last_words = words
            _last_hit = (engine, hit[0], hit[1])
            return _last_hit
    return None


# -- helpers shared by engine modules ----------------------------------------------------------


class ArgparseOptionTable(OptionTable):
    """Option lookup as Python's argparse does it: exact names first, then a long option may be
    abbreviated to any prefix that names exactly one option (``allow_abbrev=True``)."""

    def __init__(self, specs: list[OptSpec], underscores: bool = True):
        super().__init__(specs, underscores)
        self._longs = sorted(n for n in self.by_name if n.startswith("--"))

    def lookup(self, word: str) -> tuple[OptSpec | None, bool]:
        spec, negated = super().lookup(word)
        if spec is not None or not word.startswith("--") or len(word) < 3:
            return spec, negated
        prefix = "--" + word[2:].replace("_", "-") if self.underscores else word
        hits = {id(self.by_name[n]): self.by_name[n] for n in self._longs if n.startswith(prefix)}
        if len(hits) == 1:
            return next(iter(hits.values())), False
        return None, False


_ORIGIN_LINE = re.compile(r"^(?P<name>[^\s:()]+):(?P<line>\d+)$")
_DOCKERFILE_LINE = re.compile(r"\(line (?P<line>\d+)\)")


def env_loc(name: str, value: Any, ctx: Any) -> Loc | None:
    """Where the environment variable ``name`` was set, when the launch context knows it."""
    loc = getattr(value, "loc", None)
    if isinstance(loc, Loc):
        return loc
    known = getattr(getattr(ctx, "origin", None), "env_var_locs", None) or {}
    if isinstance(known.get(name), Loc):
        return known[name]  # compose `environment:`, Kubernetes `env:`
    origin = getattr(value, "origin", "") or ""
    path: Path | None = getattr(ctx, "path", None)
    if path is None:
        return None
    m = _ORIGIN_LINE.match(origin)
    if m and m.group("name") == path.name:
        return Loc(path, int(m.group("line")))
    m = _DOCKERFILE_LINE.search(origin)
    if (
        m
        and origin.startswith(("Dockerfile ENV", "ARG at"))
        and path.name.lower().startswith("dockerfile")
    ):
        return Loc(path, int(m.group("line")))
    return None


def _current(args: ParsedArgs, ctx: Any) -> bool:
    """Whether the last recognised command line is the one ``args`` were parsed from (the hook
    ``options_from_env`` runs inside ``build_launch``, right after ``recognize``)."""
    words = _last_words
    if not words:
        return False
    ids = {id(t) for t in words}
    mine = [o.flag for occs in args.options.values() for o in occs] + list(args.positionals)
    return all(id(t) in ids for t in mine) and (
        not mine or words[0].loc.path == getattr(ctx, "path", words[0].loc.path)
    )


def current_form(args: ParsedArgs, ctx: Any, engine: str) -> str | None:
    """The form of the launch being built (for hooks that are not given it)."""
    if _last_hit is not None and _last_hit[0] == engine and _current(args, ctx):
        return _last_hit[1]
    return None


def first_word_loc(args: ParsedArgs, ctx: Any) -> Loc:
    """The location of the command's first word for the launch being built."""
    if _last_words and _current(args, ctx):
        return _last_words[0].loc
    image_loc = getattr(ctx, "image_loc", None)
    if isinstance(image_loc, Loc):
        return image_loc
    return Loc(getattr(ctx, "path", Path(".")))


def env_occurrence(
    spec: OptSpec | None, name: str, value: Any, ctx: Any, args: ParsedArgs, *, text: str = ""
) -> ArgOcc:
    """An option given by the environment variable ``name`` (``value``: an ``EnvValue``)."""
    where = env_loc(name, value, ctx) or first_word_loc(args, ctx)
    raw = getattr(value, "value", str(value))
    origin = f"environment variable {name}={raw!r} ({getattr(value, 'origin', 'environment')})"
    resolved = bool(getattr(value, "resolved", True))
    flag = Token(text or name, where, resolved, origin)
    val = Token(raw, where, resolved, origin)
    return ArgOcc(spec, flag, [val])


def add_env_options(
    args: ParsedArgs,
    env: dict[str, Any],
    ctx: Any,
    env_names: dict[str, OptSpec],
) -> list[str]:
    """Add each option whose environment variable is set and that the command line does not give.
    Returns the names of the variables used."""
    used = []
    for name, spec in env_names.items():
        value = env.get(name)
        if value is None or args.has(spec.dest):
            continue
        args.options.setdefault(spec.dest, []).append(env_occurrence(spec, name, value, ctx, args))
        used.append(name)
    return used


def set_launch_details(
    ctx: Any, *, model_token: Token | None = None, engine_args: EngineArgs | None = None
) -> None:
    """Give the launch being built (from an engine's ``options_from_env``) its model token or its
    record of engine arguments. ``build_launch`` puts them into that launch and then clears them
    from ``ctx``: nothing leaks into later launches that share the context."""
    if model_token is not None and hasattr(ctx, "model_token"):
        ctx.model_token = model_token
    if engine_args is not None and hasattr(ctx, "engine_args"):
        ctx.engine_args = engine_args


def option_available(
    ranges: dict[str, Timeline[bool]], name: str, version: str | None
) -> bool | None:
    """Whether option ``name`` exists at ``version`` (``Timeline.covers`` of its presence ranges
    from ``parse_option_table``: True / False / None = not known, e.g. past an UNCONFIRMED bound
    or for text that is not a version). With no version: whether the newest releases have it."""
    presence = ranges.get(name)
    if presence is None:
        return None
    return presence.covers(version)


def parse_option_table(text: str) -> tuple[list[OptSpec], dict[str, Timeline[bool]]]:
    """Option specs and presence ranges from a compact table, one option per line::

        ARITY NAME[@SINCE..UNTIL[;SINCE..UNTIL]] [ALIAS[@...]] ...

    ARITY is ``value``, ``flag``, ``negflag`` (``--x`` / ``--no-x``), ``multi`` or ``optional``;
    a name without ``@`` exists in every version the table covers. ``SINCE..UNTIL`` is a
    ``versions.Range`` [SINCE, UNTIL), either end may be empty (open); a bound written ``~X`` is
    UNCONFIRMED ("at some release after X"; see ``deploylint.versions``). Each name's presence is
    a ``Timeline`` of True over its ranges."""
    specs: list[OptSpec] = []
    ranges: dict[str, Timeline[bool]] = {}
    for line in text.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        arity, *names = line.split()
        plain = []
        for item in names:
            name, _, spans = item.partition("@")
            plain.append(name)
            rngs = [Range.parse(span) for span in spans.split(";")] if spans else [Range()]
            ranges[name] = Timeline((Entry(r, True) for r in rngs), name)
        negatable = arity == "negflag"
        kind = "flag" if negatable else arity
        specs.append(OptSpec(plain[0], kind, tuple(plain[1:]), negatable))
    return specs, ranges
