"""Shared by the chat-template rules (DPL101, DPL102, DPL103, DPL203): the training template a
served model was fine-tuned with, and prompt comparison helpers."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ..deployment import Deployment
from ..templates.resolve import OllamaForm, Prompting, launch_special_tokens, lf_prompting


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
    tokens = launch_special_tokens(d.launch) if d.model_dir is None else None
    p = lf_prompting(
        name,
        version,
        ds if isinstance(ds, str) else None,
        d.model_dir,
        run.keys["template"].loc,
        tokens=tokens,
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


# -- comparing what the model sees ------------------------------------------------------------


def _without_deliberate_content(p: Prompting) -> Prompting:
    """``p`` without the conversation a deployment adds on purpose (an Ollama Modelfile's
    ``MESSAGE`` turns): those are content, not the prompt format."""
    if isinstance(p.form, OllamaForm) and p.form.messages:
        return dataclasses.replace(p, form=dataclasses.replace(p.form, messages=()))
    return p


def _without_default_system(p: Prompting) -> Prompting:
    if isinstance(p.form, OllamaForm) and p.form.system is not None:
        return dataclasses.replace(p, form=dataclasses.replace(p.form, system=None))
    return p


def renders(p: Prompting, messages: list[dict], alternatives: bool = False) -> list[str]:
    """What ``p`` turns ``messages`` into, BOS stripped: one prompt or, with ``alternatives`` and
    a built-in format, one per published revision of the official template and per official mode
    (Qwen3's ``enable_thinking=False``). Empty when the template refuses the conversation."""
    from ..templates.resolve import RenderError

    p = _without_deliberate_content(p)
    sets: list[dict[str, Any] | None] = [None]
    if p.knowledge is not None:
        sets = list(p.knowledge.format.variable_sets(alternatives=alternatives))
    out: list[str] = []
    for vs in sets:
        q = p
        if vs is not None:
            q = dataclasses.replace(p, template_vars={**vs, **p.template_vars})
        try:
            text = strip_bos(q.render([dict(m) for m in messages]), q)
        except RenderError:
            continue
        if text not in out:
            out.append(text)
    return out


_WS = re.compile(r"\s+")


def _tolerant(p: Prompting) -> bool:
    """Whitespace differences are not taken as drift when a side is a built-in format (a compact
    rendering of the official template whose revisions differ in whitespace) or a hand-written
    Ollama template: the same turn markers and contents in the same order."""
    return p.knowledge is not None or isinstance(p.form, OllamaForm)


def _comparable(text: str, a: Prompting, b: Prompting) -> str:
    for p in (a, b):
        if p.knowledge is not None:
            text = p.knowledge.format.normalise(text)
    if _tolerant(a) or _tolerant(b):
        text = _WS.sub("", text)
        for p in (a, b):  # a BOS after leading blanks is still the tokenizer's BOS
            bos = p.bos_token
            if bos and text.startswith(bos):
                text = text[len(bos) :]
                break
    return text


def compare_prompts(
    a: Prompting,
    b: Prompting,
    probes: dict[str, list[dict]],
    fallback: dict[str, list[dict]] | None = None,
    b_alternatives: bool = False,
) -> tuple[str, str, str] | None:
    """The first probe ``a`` and ``b`` render differently: (probe name, a's prompt, b's prompt),
    or None. Probes one side refuses are skipped; when every probe was refused by a side (a
    template without a system role), the ``fallback`` probes are compared instead, without
    default system prompts set on purpose (DPL101's subject). ``b_alternatives`` accepts any
    published revision or official mode of a built-in format on ``b``'s side (the model's own
    template, against which a hand-written override is judged); otherwise a built-in format is
    its current official revision in its default mode."""
    compared = False
    for name, msgs in probes.items():
        ra = renders(a, msgs)
        rb = renders(b, msgs, alternatives=b_alternatives)
        if not ra or not rb:
            continue
        compared = True
        if any(_comparable(x, a, b) == _comparable(y, a, b) for x in ra for y in rb):
            continue
        return name, ra[0], rb[0]
    if compared or not fallback:
        return None
    a2, b2 = _without_default_system(a), _without_default_system(b)
    for name, msgs in fallback.items():
        ra = renders(a2, msgs)
        rb = renders(b2, msgs, alternatives=b_alternatives)
        if not ra or not rb:
            continue
        if any(_comparable(x, a2, b2) == _comparable(y, a2, b2) for x in ra for y in rb):
            continue
        return name, ra[0], rb[0]
    return None


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
