"""Shared by the chat-template rules (DPL101, DPL102, DPL103, DPL203): the training template a
served model was fine-tuned with, and prompt comparison helpers."""

from __future__ import annotations

from typing import Any

from ..deployment import Deployment
from ..templates.resolve import Prompting, lf_prompting


def training_prompting(d: Deployment) -> tuple[Prompting, Any, str] | None:
    """(the fine-tuning template, the run, how the run is linked) for a deployment serving a
    fine-tune whose template is known."""
    hit = d.training
    if hit is None:
        return None
    run, how = hit
    name = run.get("template")
    if not isinstance(name, str) or not name:
        return None
    version = run.version.version if run.version else None
    ds = run.get("default_system")
    p = lf_prompting(
        name, version, ds if isinstance(ds, str) else None, d.model_dir, run.keys["template"].loc
    )
    if p.kind == "unknown":
        return None
    return p, run, how


def lf_version_phrase(run) -> str:
    v = run.version
    if v is None or v.version is None:
        return "LLaMA-Factory (version unknown)"
    if v.pinned:
        return f"LLaMA-Factory {v.version}"
    return f"LLaMA-Factory (version not pinned; {v.version}, the newest known, assumed)"


def strip_bos(text: str, p: Prompting) -> str:
    bos = p.bos_token
    if bos and text.startswith(bos):
        return text[len(bos) :]
    return text
