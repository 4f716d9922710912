"""Effective server-side sampling defaults of a launch: what a request that does not set a field
gets, and where that value comes from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .facts import Launch
from .location import Loc


@dataclass
class Setting:
    value: Any
    source: str
    loc: Loc | None


def server_defaults(launch: Launch) -> dict[str, Setting]:
    if launch.engine == "vllm":
        return _vllm(launch)
    return {}


def _vllm(launch: Launch) -> dict[str, Setting]:
    from .engines import vllm

    out: dict[str, Setting] = {}
    version = launch.version.version if launch.version else None
    occ = launch.args.last("generation_config")
    flag = occ.value if occ is not None else None
    mode, why = vllm.generation_config_mode(version, flag)
    md = launch.model.directory if launch.model is not None else None
    if mode is not None and mode != "vllm":
        gc: dict[str, Any] = {}
        doc = None
        where = "generation_config.json"
        if mode == "auto" and md is not None and "generation_config.json" in md.docs:
            doc = md.docs["generation_config.json"]
            gc = md.json("generation_config.json")
        elif mode == "auto" and md is None and launch.model is not None and launch.model.info:
            from .knowledge import models

            info = models.lookup(launch.model.ref)
            if info is not None and info.generation_defaults:
                gc = dict(info.generation_defaults)
                where = f"{info.id} generation_config.json (built-in knowledge)"
        for key, dest in vllm.GENERATION_CONFIG_KEYS.items():
            if key in gc and isinstance(gc[key], (int, float)) and not isinstance(gc[key], bool):
                loc = doc.loc(key) if doc is not None else None
                out[dest] = Setting(gc[key], f"{where} `{key}`, applied because {why}", loc)
    ovr = launch.args.last("override_generation_config")
    if ovr is not None and ovr.values and ovr.resolved:
        try:
            data = json.loads(ovr.values[0].text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            for key, dest in vllm.GENERATION_CONFIG_KEYS.items():
                v = data.get(key)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out[dest] = Setting(v, f"--override-generation-config `{key}`", ovr.loc)
    return out
