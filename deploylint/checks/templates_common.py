"""Shared by the chat-template rules (DPL101, DPL102, DPL103, DPL203): the training template a
served model was fine-tuned with, and prompt comparison helpers."""

from __future__ import annotations

from dataclasses import dataclass
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


# -- fine-tunes written in Python (TRL / transformers / Unsloth) -----------------------------------


@dataclass
class PythonTraining:
    """What a deployment serving a Python fine-tune is compared with."""

    served: Any  # link.py_lineage.Served: the run, the product served, how it is linked
    training: Any  # templates.learned.LearnedPrompting: the learned format
    serving: Prompting | None  # what the deployment applies (None: not known)
    serving_note: str  # how the serving side is known, when not from the engine directly
    knowledge_only: tuple[str, str] | None = None  # (end-of-turn marker, source) fallback


def python_training(d: Deployment) -> PythonTraining | None:
    """The learned format of the Python fine-tune this deployment serves, and the serving
    template to compare it with; None when no such fine-tune is linked or its format is unknown
    (a LLaMA-Factory run linked to the deployment takes precedence)."""
    from ..templates.learned import end_of_turn_missing

    got = python_learned(d)
    if got is None:
        return None
    served, training = got
    fmt = served.run.format
    serving = d.prompting
    if serving.renders:
        return PythonTraining(served, training, serving, "")
    if serving.override or serving.kind != "unknown" or served.product.kind == "gguf":
        return None
    # The engine applies the model's own template, whose files are not in the repository: the
    # tokenizer saved with the result (the training tokenizer, or the base model's).
    if served.product.tokenizer is False:
        return None  # no tokenizer there at all (DPL401)
    own = d.reference
    if own.renders:
        return PythonTraining(served, training, own, f"the model's own template ({own.source})")
    ids = _own_template_ids(d, served)
    for ref in ids:
        p = _template_of(d, ref, served.run.loc.path.parent)
        if p is not None:
            return PythonTraining(
                served, training, p, f"the model's own template, `{ref}`'s ({p.source})"
            )
    if fmt.kind == "text":
        for ref in ids:
            hit = end_of_turn_missing(fmt, ref)
            if hit is not None:
                return PythonTraining(served, training, None, hit[1], knowledge_only=hit)
    return None


def python_learned(d: Deployment) -> tuple[Any, Any] | None:
    """(link.py_lineage.Served, templates.learned.LearnedPrompting) of the Python fine-tune this
    deployment serves, when its learned format renders (a LLaMA-Factory run linked to the
    deployment takes precedence)."""
    from ..templates.learned import learned_prompting

    if d.training is not None:
        return None
    served = d.python_training
    if served is None or served.run.format is None:
        return None
    training = learned_prompting(d.project, served.run.format, served.run.loc.path.parent)
    if not training.renders:
        return None
    return served, training


def _own_template_ids(d: Deployment, served: Any) -> list[str]:
    if served.as_adapter:
        return [d.model.ref] if d.model is not None and d.model.resolved else []
    out = []
    if served.product.tokenizer_from:
        out.append(served.product.tokenizer_from)  # saved next to the merge
    elif served.run.format is not None and served.run.format.kind != "text":
        return []  # the training tokenizer is saved there: the learned template itself
    base = served.run.base
    if base is not None and isinstance(base.value, str) and base.value not in out:
        out.append(base.value)
    return out


def _template_of(d: Deployment, ref: str, base_dir) -> Prompting | None:
    from ..templates.learned import tokenizer_dir
    from ..templates.resolve import knowledge_reference, resolve_transformers

    md = tokenizer_dir(d.project, ref, base_dir)
    if md is not None:
        p = resolve_transformers(md)
        return p if p.renders else None
    p = knowledge_reference(ref)
    return p if p.renders else None


def chat_use(d: Deployment) -> list[tuple[str, Any]]:
    """(what, location) of the chat use the repository shows for a deployment."""
    out: list[tuple[str, Any]] = []
    for call in d.chat_calls():
        out.append((f"a chat request ({call.link or call.api})", call.loc))
    for link in d.chat_uis:
        out.append((f"Open WebUI ({link.ui.context}) sends chat requests to {link.url}", link.loc))
    return out
