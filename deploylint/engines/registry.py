"""Which engine a command line starts."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from .cli import Token

# Order matters only when two engines could claim the same words (none do today).
ENGINE_MODULES = {
    "vllm": "deploylint.engines.vllm",
    "lmdeploy": "deploylint.engines.lmdeploy",
}

_loaded: dict[str, ModuleType] = {}


def module(engine: str) -> ModuleType:
    mod = _loaded.get(engine)
    if mod is None:
        mod = import_module(ENGINE_MODULES[engine])
        _loaded[engine] = mod
    return mod


def recognize(words: list[Token]) -> tuple[str, str, int] | None:
    """(engine, form, index of the first argument) for the first engine that claims ``words``."""
    for engine in ENGINE_MODULES:
        hit = module(engine).recognize(words)
        if hit is not None:
            return engine, hit[0], hit[1]
    return None
