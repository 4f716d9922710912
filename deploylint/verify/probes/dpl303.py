"""DPL303 lora-rank-exceeds-max: read the adapter's real rank from its weights (the shapes of the
lora_A matrices in the safetensors header; nothing is loaded) and compare it with the engine's
maximum — confirmed when the weights' rank is above it."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from . import CONFIRMED, NOT_CONFIRMED, Skip, Verdict

HEADER_LIMIT = 64 * 1024 * 1024


def safetensors_shapes(path: Path) -> dict[str, list[int]]:
    """Tensor name -> shape, from the file's JSON header only."""
    with open(path, "rb") as fh:
        raw = fh.read(8)
        if len(raw) != 8:
            raise ValueError("not a safetensors file")
        (n,) = struct.unpack("<Q", raw)
        if n > HEADER_LIMIT:
            raise ValueError("safetensors header too large")
        header = json.loads(fh.read(n))
    return {
        k: list(v.get("shape") or [])
        for k, v in header.items()
        if k != "__metadata__" and isinstance(v, dict)
    }


def weight_rank(shapes: dict[str, list[int]]) -> int | None:
    ranks = [s[0] for k, s in shapes.items() if "lora_A" in k and s]
    return max(ranks) if ranks else None


def decide(rank: int | None, limit: int) -> tuple[str, str]:
    if rank is None:
        return NOT_CONFIRMED, "no LoRA matrices in the adapter weights"
    if rank > limit:
        return CONFIRMED, f"the adapter weights have rank {rank}, above the limit {limit}"
    return NOT_CONFIRMED, f"the adapter weights have rank {rank}, within the limit {limit}"


def run(subject, ctx):
    limit = subject.evidence.get("max")
    if not isinstance(limit, int):
        raise Skip("no rank limit in the finding (an invalid --max-lora-rank value)")
    use = subject.adapter_use()
    d = subject.adapter_dir_of(use) if use is not None else None
    if d is None:
        raise Skip("the adapter directory is not on this machine")
    files = sorted(d.glob("*.safetensors"))
    if not files:
        raise Skip(f"{d.name}: no safetensors adapter weights")
    shapes: dict[str, list[int]] = {}
    for f in files:
        shapes.update(safetensors_shapes(f))
    rank = weight_rank(shapes)
    status, reason = decide(rank, limit)
    a = next((k for k in sorted(shapes) if "lora_A" in k), None)
    ev = {"adapter": d, "weight_rank": rank, "max": limit}
    if a:
        ev["example_tensor"] = {"name": a, "shape": shapes[a]}
    return Verdict(status, reason, ev, backend="safetensors header")
