"""`deploylint show`: the linked picture of each deployment found, with file:line for each fact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .facts import ClientCall, Launch, ModelRef
from .location import Loc, display_path


def _where(loc: Loc | None, cwd: Path) -> str:
    if loc is None:
        return ""
    s = display_path(loc.path, cwd)
    if loc.line is not None:
        s += f":{loc.line}"
    return s


def _model_lines(label: str, mr: ModelRef, cwd: Path) -> list[str]:
    out = [f"  {label}: {mr.ref}" + (f"  ({_where(mr.token.loc, cwd)})" if mr.token else "")]
    if mr.how:
        out.append(f"    resolved: {mr.how}")
    if mr.directory is not None:
        out.append(f"    directory: {display_path(mr.directory.path, cwd)}")
    a = mr.info
    if a is not None:
        kind = a.kind or "unknown"
        out.append(
            f"    kind: {kind} ({a.confidence})" + (f" — {a.describe()}" if a.reasons else "")
        )
    return out


def _value(v: Any) -> str:
    val = getattr(v, "value", v)
    return repr(val) if isinstance(val, str) else str(val)


def _client_line(call: ClientCall, cwd: Path) -> str:
    parts = [f"{call.kind} via {call.api}"]
    if call.model is not None:
        parts.append(f"model={_value(call.model)}")
    for key in ("temperature", "top_p", "max_tokens"):
        if key in call.sampling:
            parts.append(f"{key}={_value(call.sampling[key])}")
    if call.messages is not None:
        system = {True: "with system message", False: "no system message", None: "system: ?"}
        parts.append(system[call.messages.has_system])
    line = f"  client: {', '.join(parts)}  ({_where(call.loc, cwd)})"
    if call.link:
        line += f"\n    linked: {call.link}"
    return line


def describe_launch(project: Any, launch: Launch, cwd: Path) -> list[str]:
    from .link.lineage import adapter_info, path_ref

    out = [f"{launch.engine}: {launch.form} — {launch.context}  ({_where(launch.loc, cwd)})"]
    v = launch.version
    if v is not None:
        out.append(
            f"  version: {v.version or 'unknown'} — {v.source}"
            + (f"  ({_where(v.loc, cwd)})" if v.loc else "")
        )
    if launch.image:
        out.append(f"  image: {launch.image}")
    if launch.model is not None:
        out.extend(_model_lines("model", launch.model, cwd))
    if launch.tokenizer is not None:
        out.extend(_model_lines("tokenizer", launch.tokenizer, cwd))
    names = [n for n, _ in project.served_names(launch)]
    if names:
        out.append(f"  served as: {', '.join(names)}")
    for name, tok in project.adapters(launch):
        info = adapter_info(project, path_ref(project, tok.text, tok.loc, launch.base_dir, launch))
        base, base_src = info.base_model()
        rank, _ = info.rank()
        bits = []
        if info.directory is not None:
            bits.append(f"directory {display_path(info.directory.path, cwd)}")
        if info.training is not None:
            bits.append(f"trained by {_where(info.training.loc, cwd)}")
        if base:
            bits.append(f"base {base}")
        if rank is not None:
            bits.append(f"rank {rank}")
        out.append(
            f"  adapter: {name} = {tok.text}  ({_where(tok.loc, cwd)})"
            + (f" — {', '.join(bits)}" if bits else "")
        )
    lineage = project.training_for(launch)
    if lineage is not None:
        run, how = lineage
        out.append(f"  fine-tuned: {how}  ({_where(run.loc, cwd)})")
    else:
        py = project.python_training_for(launch)  # a fine-tune written in Python
        if py is not None:
            out.append(f"  fine-tuned: {py.how}  ({_where(py.run.loc, cwd)})")
            fmt = py.run.format
            if fmt is not None:
                shown = (fmt.text or "").replace("\n", "\\n") if fmt.kind == "text" else None
                what = f"`{shown}`" if shown else (fmt.template_name or "apply_chat_template")
                out.append(f"    trained on: {what}  ({_where(fmt.loc, cwd)})")
            elif py.run.format_note:
                out.append(f"    training format not known: {py.run.format_note}")
    try:
        p = project.prompting(launch)
        out.append(f"  chat template: {p.source}" + (f" — {p.failure}" if p.failure else ""))
    except Exception:  # noqa: BLE001 - show never fails on a template it cannot resolve
        pass
    d = project.deployment_of(launch)
    defaults = d.sampling if d is not None else {}
    if defaults:
        out.append(
            "  sampling defaults: "
            + ", ".join(
                f"{k}={s.value} ({s.source.split(',')[0]})" for k, s in sorted(defaults.items())
            )
        )
    for ui, url, loc, target in project.ui_links:
        if target is launch:
            out.append(f"  reached by: Open WebUI {ui.context} → {url}  ({_where(loc, cwd)})")
    for call in project.clients:
        if call.launch is launch:
            out.append(_client_line(call, cwd))
    for note in launch.notes:
        out.append(f"  note: {note}")
    if launch.config_file is not None:
        out.append(f"  config file: {display_path(launch.config_file, cwd)}")
    return out


def render(project: Any, cwd: Path) -> str:
    lines: list[str] = []
    for launch in project.launches:
        lines.extend(describe_launch(project, launch, cwd))
        lines.append("")
    if not project.launches:
        lines.append("No deployments found.")
        lines.append("")
    if project.trainings:
        lines.append("Fine-tuning runs:")
        for run in project.trainings:
            model = run.get("model_name_or_path")
            bits = [run.role, f"model {model}"]
            for key in (
                "template",
                "finetuning_type",
                "output_dir",
                "export_dir",
                "adapter_name_or_path",
            ):
                if run.get(key) is not None:
                    bits.append(f"{key} {run.get(key)}")
            if run.version is not None and run.version.version:
                bits.append(f"LLaMA-Factory {run.version.version}")
            lines.append(f"  {_where(run.loc, cwd)}: " + ", ".join(str(b) for b in bits))
        lines.append("")
    unlinked = [c for c in project.clients if c.launch is None]
    if unlinked:
        lines.append("Clients not linked to a deployment in the repository:")
        for call in unlinked:
            lines.append(_client_line(call, cwd))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
