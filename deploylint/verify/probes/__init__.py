"""One probe per rule. Each module has ``run(subject, ctx) -> Verdict`` (loads what it needs,
generates) and a pure ``decide(...)`` over generated token ids, unit-tested on fixed inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBES = {
    "DPL101": "deploylint.verify.probes.dpl101",
    "DPL102": "deploylint.verify.probes.dpl102",
    "DPL103": "deploylint.verify.probes.dpl103",
    "DPL201": "deploylint.verify.probes.dpl201",
    "DPL202": "deploylint.verify.probes.dpl202",
    "DPL203": "deploylint.verify.probes.dpl203",
    "DPL301": "deploylint.verify.probes.dpl301",
    "DPL302": "deploylint.verify.probes.dpl302",
    "DPL303": "deploylint.verify.probes.dpl303",
    "DPL304": "deploylint.verify.probes.dpl304",
    "DPL401": "deploylint.verify.probes.dpl401",
}

CONFIRMED, NOT_CONFIRMED, SKIPPED = "confirmed", "not-confirmed", "skipped"


@dataclass
class Verdict:
    status: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    backend: str | None = None  # overrides the context's backend name (e.g. "safetensors")


class Skip(Exception):
    """Raised by a probe that cannot run; str(e) is the reason."""


def load_probe(code: str):
    from importlib import import_module

    mod = PROBES.get(code)
    return import_module(mod) if mod else None
