"""`deploylint show --format json`: the linked picture of each deployment as data (the same
content as the text of show.py), for scripts and dashboards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .facts import ClientCall, Launch, ModelRef
from .location import Loc, display_path

SCHEMA_VERSION = 1


def _loc(loc: Loc | None, cwd: Path) -> dict[str, Any] | None:
    if loc is None:
        return None
    out: dict[str, Any] = {"path": display_path(loc.path, cwd), "line": loc.line}
    if loc.col is not None:
        out["column"] = loc.col
    return out


def _plain(v: Any) -> Any:
    v = getattr(v, "value", v)
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return str(v)


def _model(mr: ModelRef | None, cwd: Path) -> dict[str, Any] | None:
    if mr is None:
        return None
    out: dict[str, Any] = {
        "ref": mr.ref,
        "location": _loc(mr.token.loc, cwd) if mr.token is not None else None,
        "resolved": mr.resolved,
        "resolution": mr.how or None,
        "directory": display_path(mr.directory.path, cwd) if mr.directory is not None else None,
        "default": mr.is_default,
    }
    if mr.info is not None:
        out["kind"] = mr.info.kind or "unknown"
        out["kind_confidence"] = mr.info.confidence
        out["kind_reasons"] = list(mr.info.reasons or [])
    return out


def _client(call: ClientCall, cwd: Path) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": call.kind,
        "api": call.api,
        "location": _loc(call.loc, cwd),
        "model": _plain(call.model) if call.model is not None else None,
        "sampling": {k: _plain(v) for k, v in sorted(call.sampling.items())},
        "link": call.link or None,
    }
    if call.messages is not None:
        out["has_system_message"] = call.messages.has_system
    return out


def _launch(project: Any, launch: Launch, cwd: Path) -> dict[str, Any]:
    from .link.lineage import adapter_info, path_ref

    v = launch.version
    out: dict[str, Any] = {
        "engine": launch.engine,
        "form": launch.form,
        "context": launch.context,
        "location": _loc(launch.loc, cwd),
        "version": None
        if v is None
        else {
            "version": v.version,
            "pinned": v.pinned,
            "source": v.source,
            "location": _loc(v.loc, cwd),
        },
        "image": launch.image,
        "service": launch.service,
        "model": _model(launch.model, cwd),
        "tokenizer": _model(launch.tokenizer, cwd),
        "served_names": [n for n, _ in project.served_names(launch)],
    }
    adapters = []
    for name, tok in project.adapters(launch):
        info = adapter_info(project, path_ref(project, tok.text, tok.loc, launch.base_dir, launch))
        base, _ = info.base_model()
        rank, _ = info.rank()
        adapters.append(
            {
                "name": name,
                "path": tok.text,
                "location": _loc(tok.loc, cwd),
                "directory": display_path(info.directory.path, cwd) if info.directory else None,
                "trained_by": _loc(info.training.loc, cwd) if info.training else None,
                "base_model": base,
                "rank": rank,
            }
        )
    out["adapters"] = adapters
    lineage = project.training_for(launch)
    out["fine_tuned"] = (
        None if lineage is None else {"how": lineage[1], "training": _loc(lineage[0].loc, cwd)}
    )
    if lineage is None:
        py = project.python_training_for(launch)  # a fine-tune written in Python
        if py is not None:
            out["fine_tuned"] = {"how": py.how, "training": _loc(py.run.loc, cwd)}
    try:
        p = project.prompting(launch)
        out["chat_template"] = {"source": p.source, "failure": p.failure or None}
    except Exception:  # noqa: BLE001 - show never fails on a template it cannot resolve
        out["chat_template"] = None
    out["sampling_defaults"] = {
        k: {"value": _plain(s.value), "source": s.source}
        for k, s in sorted(_sampling(project, launch).items())
    }
    out["reached_by"] = [
        {"ui": ui.kind, "context": ui.context, "url": url, "location": _loc(loc, cwd)}
        for ui, url, loc, target in project.ui_links
        if target is launch
    ]
    out["clients"] = [_client(c, cwd) for c in project.clients if c.launch is launch]
    out["notes"] = list(launch.notes)
    out["config_file"] = display_path(launch.config_file, cwd) if launch.config_file else None
    return out


def render(project: Any, cwd: Path) -> str:
    from . import __version__

    trainings = []
    for run in project.trainings:
        trainings.append(
            {
                "tool": run.tool,
                "role": run.role,
                "location": _loc(run.loc, cwd),
                "keys": {k: _plain(v) for k, v in sorted(run.keys.items())},
                "version": run.version.version if run.version is not None else None,
            }
        )
    doc = {
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
        "deployments": [_launch(project, lc, cwd) for lc in project.launches],
        "trainings": trainings,
        "unlinked_clients": [_client(c, cwd) for c in project.clients if c.launch is None],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def _sampling(project: Any, launch: Launch) -> dict[str, Any]:
    d = project.deployment_of(launch)
    return d.sampling if d is not None else {}
