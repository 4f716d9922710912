"""Shared by the multimodal rules (DPL701, DPL702, DPL703): the pixel budget a deployment, a
fine-tuning run or a script's processor resizes images to, as far as the files show it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..deployment import Deployment
from ..engines.base import NotApplicable, Setting
from ..engines.multimodal import ImageLimits
from ..engines.registry import engine_for
from ..facts import ModelDir, TrainingRun, Value
from ..knowledge.vision import PixelBudget, model_budget, pixel_kwargs, with_override

#: tokens around each image besides its placeholders (Qwen-VL: <|vision_start|>, <|vision_end|>)
MARKERS_PER_IMAGE = 2


def _override(s: Setting | None) -> tuple[int, str, Any] | None:
    if s is None or not isinstance(s.value, int):
        return None
    return s.value, s.source, s.loc


def apply_limits(base: PixelBudget, lim: ImageLimits) -> PixelBudget:
    return with_override(
        base, _override(lim.max_pixels), _override(lim.min_pixels), caps=lim.resizes_first
    )


def image_limits(d: Deployment) -> ImageLimits | None:
    got = d.engine.image_limits(d.launch)
    return None if isinstance(got, NotApplicable) else got


def served_budget(
    d: Deployment, run: TrainingRun | None = None
) -> tuple[PixelBudget, ImageLimits] | None:
    """(the pixel budget images get at serving time, the engine's answer) for a deployment of a
    model whose image processor is of the smart_resize kind; None when not known. ``run``: the
    fine-tuning run whose output is served, whose base model's processor the output carries
    when the served directory is not in the scan."""
    lim = image_limits(d)
    if lim is None or d.model is None or not d.model.resolved:
        return None
    base = model_budget(d.model_dir, d.model.ref)
    if base is None and d.model_dir is None and run is not None:
        ref = run.get("model_name_or_path")
        if isinstance(ref, str):
            base = model_budget(local_dir(d.project, ref, run.loc.path.parent), ref)
    if base is None:
        return None
    return apply_limits(base, lim), lim


def training_budget(d: Deployment, run: TrainingRun) -> tuple[PixelBudget, ImageLimits] | None:
    """The pixel budget a fine-tuning run resized its images to (its own bound over the base
    model's processor)."""
    impl = engine_for(run.tool)
    if impl is None:
        return None
    lim = impl.training_image_limits(run)
    if isinstance(lim, NotApplicable):
        return None
    base_ref = run.get("model_name_or_path")
    base_dir = None
    if isinstance(base_ref, str):
        base_dir = local_dir(d.project, base_ref, run.loc.path.parent)
    base = model_budget(base_dir, base_ref if isinstance(base_ref, str) else None)
    if base is None:  # the served directory's processor config (an export of the run)
        base = model_budget(d.model_dir, d.model.ref if d.model is not None else None)
    if base is None:
        return None
    return apply_limits(base, lim), lim


def local_dir(project: Any, ref: str, base: Path) -> ModelDir | None:
    """The model directory a path written in a script or config names, inside the scan."""
    if not ref or "\n" in ref or len(ref) > 400:
        return None
    looks_local = ref.startswith(("/", "./", "../", "~")) or os.sep in ref.rstrip("/")
    if not looks_local:
        return None
    p = Path(ref).expanduser() if not ref.startswith("/") else Path(ref)
    if not p.is_absolute():
        p = base / p
    if not project.inside_roots(p):
        return None
    return project.model_dir(p)


def script_budget(project: Any, enc: dict[str, Any], path: Path) -> PixelBudget | None:
    """The pixel budget a script's processor call resizes images to: the model's processor
    config, with the keyword arguments given when the processor was loaded or called."""
    model = enc.get("processor_model")
    ref = model.value if isinstance(model, Value) and isinstance(model.value, str) else None
    md = local_dir(project, ref, path.parent) if ref else None
    base = model_budget(md, ref)
    if base is None:
        return None
    for prefix in ("load_", "call_"):
        kw: dict[str, Any] = {}
        where: dict[str, Any] = {}
        for k in ("max_pixels", "min_pixels", "size"):
            v = enc.get(prefix + k)
            if isinstance(v, Value) and v.resolved:
                kw[k] = v.value
                where[k] = v.loc
        hi, lo = pixel_kwargs(kw)
        how = "loaded with" if prefix == "load_" else "called with"
        mx = (hi, f"the processor {how} max_pixels={hi}", where.get("max_pixels")) if hi else None
        mn = (lo, f"the processor {how} min_pixels={lo}", where.get("min_pixels")) if lo else None
        base = with_override(base, mx, mn)
    return base


def padding_side(enc: dict[str, Any], project: Any, path: Path) -> tuple[str, str]:
    """(side, why) the processor's tokenizer pads on."""
    for key, why in (
        ("padding_side", "padding_side= in the call"),
        ("load_padding_side", "padding_side= when the processor was loaded"),
    ):
        v = enc.get(key)
        if isinstance(v, Value) and v.resolved and v.value in ("left", "right"):
            return v.value, why
    code = enc.get("padding_side_in_code")
    if code in ("left", "right"):
        return code, f"padding_side = {code!r} set in the script"
    model = enc.get("processor_model")
    ref = model.value if isinstance(model, Value) and isinstance(model.value, str) else None
    md = local_dir(project, ref, path.parent) if ref else None
    if md is not None:
        side = md.json("tokenizer_config.json").get("padding_side")
        if side in ("left", "right"):
            return side, f"padding_side {side!r} in {md.path.name}/tokenizer_config.json"
    return "right", "transformers' default padding_side; the script never sets it"


__all__ = [
    "MARKERS_PER_IMAGE",
    "apply_limits",
    "image_limits",
    "local_dir",
    "padding_side",
    "script_budget",
    "served_budget",
    "training_budget",
]
