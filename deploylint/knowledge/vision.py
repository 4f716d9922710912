"""Image processors: how many tokens an image can become, from a model's processor settings.

Qwen2-VL, Qwen2.5-VL, Qwen3-VL and Qwen3.5 resize every image with ``smart_resize``
(transformers ``models/qwen2_vl/image_processing_qwen2_vl.py``, v4.45.0 and later): both sides
are rounded to a multiple of ``factor = patch_size * merge_size`` and the area is scaled into
``[min_pixels, max_pixels]``; the image then becomes ``(h / patch) * (w / patch) / merge**2``
tokens. So the most tokens one image can take is ``max_pixels // factor**2`` (the rounding never
leaves the area above ``max_pixels``), and the fewest ``ceil(min_pixels / factor**2)``.

The settings come from, in order: what a launch or a script passes (``--mm-processor-kwargs``,
``AutoProcessor.from_pretrained(..., max_pixels=...)``), the model directory's
``preprocessor_config.json`` (or ``processor_config.json``), the published configuration of a
known hub checkpoint (``CHECKPOINTS`` below), and the image processor class's own defaults.
Each value carries where it came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..facts import ModelDir
from ..location import Loc


@dataclass(frozen=True)
class PixelBudget:
    """The pixel bounds an image processor resizes each image into, and its token geometry."""

    max_pixels: int
    min_pixels: int | None
    patch_size: int
    merge_size: int
    source: str  # where max_pixels comes from ("preprocessor_config.json of ./model", ...)
    loc: Loc | None = None  # where max_pixels is written, when it is in a file we read
    min_source: str = ""
    label: str = ""  # a short name of the source for messages (``source`` when empty)

    @property
    def factor(self) -> int:
        return self.patch_size * self.merge_size

    @property
    def max_tokens(self) -> int:
        """The most tokens one image becomes (placeholder tokens, not counting the two
        vision start/end markers)."""
        return max_image_tokens(self.max_pixels, self.patch_size, self.merge_size)

    @property
    def min_tokens(self) -> int | None:
        if self.min_pixels is None:
            return None
        return max(1, math.ceil(self.min_pixels / self.factor**2))

    def describe(self) -> str:
        side = int(math.isqrt(self.max_pixels))
        return (
            f"max_pixels {self.max_pixels:,} (about {side}×{side}, {self.label or self.source})"
            f" → up to {self.max_tokens:,} tokens per image"
        )


def max_image_tokens(max_pixels: int, patch_size: int, merge_size: int) -> int:
    factor = patch_size * merge_size
    return max(1, max_pixels // (factor * factor))


# -- published facts --------------------------------------------------------------------------

#: Qwen2VLImageProcessor's own defaults, used when a processor config names it without pixel
#: bounds (transformers v4.47.0 models/qwen2_vl/image_processing_qwen2_vl.py, __init__:
#: min_pixels=56*56, max_pixels=28*28*1280, patch_size=14, merge_size=2).
CLASS_DEFAULT = PixelBudget(
    max_pixels=28 * 28 * 1280,
    min_pixels=56 * 56,
    patch_size=14,
    merge_size=2,
    source="Qwen2VLImageProcessor's default max_pixels 28*28*1280 (transformers "
    "models/qwen2_vl/image_processing_qwen2_vl.py)",
    min_source="Qwen2VLImageProcessor's default min_pixels 56*56",
    label="Qwen2VLImageProcessor's default",
)


@dataclass(frozen=True)
class _Checkpoint:
    pattern: re.Pattern[str]
    display: str
    budget: PixelBudget


def _ckpt(pattern: str, display: str, mx: int, mn: int, patch: int, src: str) -> _Checkpoint:
    return _Checkpoint(
        re.compile(pattern, re.I),
        display,
        PixelBudget(mx, mn, patch, 2, src, None, src, f"{display}'s published preprocessor_config"),
    )


#: The preprocessor_config.json every official checkpoint of a family ships (hub ids only; a
#: local directory is read instead).
CHECKPOINTS: tuple[_Checkpoint, ...] = (
    _ckpt(
        r"qwen2[._-]?5[._-]?vl",
        "Qwen2.5-VL",
        12845056,
        3136,
        14,
        "preprocessor_config.json of the Qwen2.5-VL checkpoints (hf:Qwen/Qwen2.5-VL-7B-Instruct: "
        "min_pixels 3136, max_pixels 12845056, patch_size 14, merge_size 2)",
    ),
    _ckpt(
        r"qwen2[._-]?vl",
        "Qwen2-VL",
        12845056,
        3136,
        14,
        "preprocessor_config.json of the Qwen2-VL checkpoints (hf:Qwen/Qwen2-VL-7B-Instruct: "
        "min_pixels 3136, max_pixels 12845056, patch_size 14, merge_size 2)",
    ),
    _ckpt(
        r"qwen3[._-]?vl",
        "Qwen3-VL",
        16777216,
        65536,
        16,
        "preprocessor_config.json of the Qwen3-VL checkpoints (hf:Qwen/Qwen3-VL-8B-Instruct: "
        "size.shortest_edge 65536, size.longest_edge 16777216, patch_size 16, merge_size 2)",
    ),
    _ckpt(
        r"qwen3[._]5(?!\d)",
        "Qwen3.5",
        16777216,
        65536,
        16,
        "preprocessor_config.json of the Qwen3.5 checkpoints (hf:Qwen/Qwen3.5-2B: "
        "size.shortest_edge 65536, size.longest_edge 16777216, patch_size 16, merge_size 2, "
        "Qwen3VLProcessor)",
    ),
)


def checkpoint_budget(model_id: str | None) -> PixelBudget | None:
    """The published processor settings of a known hub checkpoint (by its id or a path that
    names it)."""
    if not isinstance(model_id, str) or not model_id.strip():
        return None
    name = model_id.strip().lower()
    for c in CHECKPOINTS:
        if c.pattern.search(name):
            return c.budget
    return None


def family_display(model_id: str | None) -> str | None:
    if not isinstance(model_id, str):
        return None
    name = model_id.strip().lower()
    return next((c.display for c in CHECKPOINTS if c.pattern.search(name)), None)


# -- reading a model directory ----------------------------------------------------------------

_QWEN_PROCESSORS = ("Qwen2VLProcessor", "Qwen2_5_VLProcessor", "Qwen3VLProcessor")


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int) and v > 0:
        return v
    if isinstance(v, float) and v > 0 and v == int(v):
        return int(v)
    return None


def _image_section(md: ModelDir) -> tuple[str, dict[str, Any]] | None:
    """(file name, the image processor's settings) of a model directory."""
    pre = md.json("preprocessor_config.json")
    if pre:
        return "preprocessor_config.json", pre
    proc = md.json("processor_config.json")
    sub = proc.get("image_processor") if proc else None
    if isinstance(sub, dict):
        merged = dict(sub)
        merged.setdefault("processor_class", proc.get("processor_class"))
        return "processor_config.json", merged
    return None


def is_smart_resize(cfg: Mapping[str, Any]) -> bool:
    """Whether an image processor config is of the Qwen2-VL kind (smart_resize by pixel area)."""
    ipt = cfg.get("image_processor_type")
    if isinstance(ipt, str) and ipt.startswith("Qwen2VLImageProcessor"):
        return True
    return cfg.get("processor_class") in _QWEN_PROCESSORS


def _pixel_keys(cfg: Mapping[str, Any]) -> tuple[int | None, int | None, str, str]:
    """(max_pixels, min_pixels, key of max, key of min) as a processor config writes them:
    top-level ``max_pixels``/``min_pixels`` win over ``size`` (transformers reads them as
    overrides of ``size``)."""
    raw = cfg.get("size")
    size: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    mx, mx_key = _int(cfg.get("max_pixels")), "max_pixels"
    if mx is None:
        mx, mx_key = _int(size.get("longest_edge")), "size.longest_edge"
    if mx is None:
        mx, mx_key = _int(size.get("max_pixels")), "size.max_pixels"
    mn, mn_key = _int(cfg.get("min_pixels")), "min_pixels"
    if mn is None:
        mn, mn_key = _int(size.get("shortest_edge")), "size.shortest_edge"
    if mn is None:
        mn, mn_key = _int(size.get("min_pixels")), "size.min_pixels"
    return mx, mn, mx_key, mn_key


def model_dir_budget(md: ModelDir, label: str | None = None) -> PixelBudget | None:
    """The pixel budget a model directory's own processor config sets (None: not a
    smart_resize processor, or no processor config)."""
    hit = _image_section(md)
    if hit is None:
        return None
    fname, cfg = hit
    if not is_smart_resize(cfg):
        return None
    where = f"{fname} of {label or md.path.name}"
    patch = _int(cfg.get("patch_size")) or CLASS_DEFAULT.patch_size
    merge = _int(cfg.get("merge_size")) or CLASS_DEFAULT.merge_size
    mx, mn, mx_key, mn_key = _pixel_keys(cfg)
    loc = None
    doc = md.doc(fname)
    if doc is not None and mx is not None:
        path = ("size", mx_key.split(".", 1)[1]) if "." in mx_key else (mx_key,)
        loc = doc.loc(*path)
    if mx is None:
        budget = replace(CLASS_DEFAULT, patch_size=patch, merge_size=merge)
        return replace(
            budget,
            source=f"{where} sets no max_pixels: {CLASS_DEFAULT.source}",
            label=f"{where}: the class default",
        )
    return PixelBudget(
        mx,
        mn if mn is not None else CLASS_DEFAULT.min_pixels,
        patch,
        merge,
        f"{mx_key} in {where}",
        loc,
        f"{mn_key} in {where}" if mn is not None else CLASS_DEFAULT.min_source,
    )


def model_budget(md: ModelDir | None, model_id: str | None) -> PixelBudget | None:
    """The model's own pixel budget: its directory's processor config, else the published one
    of a known checkpoint."""
    if md is not None:
        got = model_dir_budget(md, model_id)
        if got is not None:
            return got
        if _image_section(md) is not None:  # a processor config of another kind
            return None
    return checkpoint_budget(model_id)


def with_override(
    base: PixelBudget,
    max_pixels: tuple[int, str, Loc | None] | None,
    min_pixels: tuple[int, str, Loc | None] | None,
    caps: bool = False,
) -> PixelBudget:
    """``base`` with bounds a launch or a script sets. ``caps``: the images are resized to the
    bound before the model's processor runs (its own bounds still apply after), so the effective
    maximum is the smaller of the two."""
    out = base
    if max_pixels is not None:
        value, source, loc = max_pixels
        if not caps or value < base.max_pixels:
            out = replace(out, max_pixels=value, source=source, loc=loc, label="")
    if min_pixels is not None:
        value, source, _ = min_pixels
        if not caps or base.min_pixels is None or value > base.min_pixels:
            out = replace(out, min_pixels=value, min_source=source)
    return out


def pixel_kwargs(data: Any) -> tuple[int | None, int | None]:
    """(max_pixels, min_pixels) of processor keyword arguments as a dict (``max_pixels``,
    ``min_pixels``, or ``size`` with ``longest_edge``/``shortest_edge``)."""
    if not isinstance(data, Mapping):
        return None, None
    mx, mn, _, _ = _pixel_keys(data)
    return mx, mn


__all__ = [
    "CHECKPOINTS",
    "CLASS_DEFAULT",
    "PixelBudget",
    "checkpoint_budget",
    "family_display",
    "is_smart_resize",
    "max_image_tokens",
    "model_budget",
    "model_dir_budget",
    "pixel_kwargs",
    "with_override",
]
