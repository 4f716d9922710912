"""The answer engines give about images (issue 12: DPL701, DPL702), and the parsing they share.

``ImageLimits`` says what a launch (or a fine-tuning run) does to images before the model sees
them: the pixel bounds it gives the model's image processor, how many images one prompt may
carry and the context length the image tokens must fit in. The model's own processor settings
are not the engine's to know: deploylint/knowledge/vision.py reads them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..location import Loc
from .base import Setting


@dataclass(frozen=True)
class ImageLimits:
    max_pixels: Setting | None = None  # None: the model's processor config decides
    min_pixels: Setting | None = None
    #: the engine resizes images to ``max_pixels`` itself before the model's processor runs (whose
    #: own bounds still apply after), instead of passing the bounds to that processor
    resizes_first: bool = False
    pixels_default: str = ""  # what decides the bounds when the launch sets none
    per_prompt: Setting | None = None  # images one prompt may carry, when the launch sets it
    context: Setting | None = None  # the context length the launch configures (None: the model's)
    #: how a fix names the settings, in the engine's own terms
    pixels_option: str = ""  # e.g. `--mm-processor-kwargs '{"max_pixels": N}'`
    context_option: str = ""  # e.g. `--max-model-len`


def parse_count(text: str) -> int | None:
    """An integer as vLLM's ``human_readable_int`` reads it (``8192``, ``8k`` = 8000,
    ``8K`` = 8192, ``1m`` / ``1M``)."""
    t = text.strip().replace("_", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgG]?)", t)
    if m is None:
        return None
    num, unit = float(m.group(1)), m.group(2)
    mult = {"": 1, "k": 1000, "K": 1024, "m": 10**6, "M": 1 << 20, "g": 10**9, "G": 1 << 30}[unit]
    n = num * mult
    return int(n) if n == int(n) and n > 0 else None


def json_object(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def image_count(text: str) -> int | None:
    """The image limit of a ``--limit-mm-per-prompt`` value: JSON (``{"image": 4}``) or the
    older ``image=4,video=1`` form."""
    data = json_object(text)
    if data is not None:
        v = data.get("image")
        if isinstance(v, dict):  # newer releases also take {"image": {"count": 4, ...}}
            v = v.get("count")
        return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None
    for part in text.split(","):
        k, _, v = part.partition("=")
        if k.strip() == "image" and v.strip().isdigit():
            return int(v.strip())
    return None


def setting(value: Any, source: str, loc: Loc | None) -> Setting:
    return Setting(value, source, loc)


__all__ = ["ImageLimits", "image_count", "json_object", "parse_count", "setting"]
