"""`deploylint show`: the linked picture of each deployment found, with file:line for each fact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .facts import Launch, ModelRef
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


def describe_launch(project: Any, launch: Launch, cwd: Path) -> list[str]:
    from .sampling import server_defaults

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
    names = [t.text for t in launch.args.values("served_model_name")]
    if names:
        out.append(f"  served as: {', '.join(names)}")
    adapters = [t.text for t in launch.args.values("lora_modules")] + [
        t.text for t in launch.args.values("adapters")
    ]
    if adapters:
        out.append(f"  adapters: {', '.join(adapters)}")
    defaults = server_defaults(launch)
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
    return "\n".join(lines).rstrip("\n") + "\n"
