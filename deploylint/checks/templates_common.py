"""Shared by the chat-template rules (DPL101, DPL102, DPL103, DPL203): who sends chat requests
to a launch, and the training template a served model was fine-tuned with."""

from __future__ import annotations

from ..templates.resolve import Prompting, lf_prompting


def chat_calls(project, launch) -> list:
    out = []
    for call in project.clients:
        if call.launch is launch and call.kind == "chat":
            out.append(call)
    return out


def ui_links(project, launch) -> list:
    return [(ui, url, loc) for ui, url, loc, target in project.ui_links if target is launch]


def training_prompting(project, launch) -> tuple[Prompting, object, str] | None:
    hit = project.training_for(launch)
    if hit is None:
        return None
    run, how = hit
    name = run.get("template")
    if not isinstance(name, str) or not name:
        return None
    version = run.version.version if run.version else None
    md = launch.model.directory if launch.model is not None else None
    ds = run.get("default_system")
    p = lf_prompting(
        name, version, ds if isinstance(ds, str) else None, md, run.keys["template"].loc
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
    bos = None
    if p.jinja is not None:
        bos = p.jinja.special_tokens.get("bos_token")
    elif p.llamafactory is not None:
        bos = p.llamafactory[2]
    if bos and text.startswith(bos):
        return text[len(bos) :]
    return text
