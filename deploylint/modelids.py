"""Comparing model references: is the adapter's base the model it is served on?"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUANT = re.compile(
    r"[-_.](?:awq|gptq(?:[-_.]int[48])?|int[48]|fp8|bnb[-_.]?4bit|4bit|8bit|gguf|exl2|"
    r"q[2-8]_k(?:_[msl])?|q[48]_0|w4a16|w8a8|mlx)$",
    re.I,
)


def canonical(ref: str) -> str:
    r = ref.strip().rstrip("/")
    for p in ("hf://", "huggingface://", "https://huggingface.co/"):
        if r.startswith(p):
            r = r[len(p) :]
    r = r.replace("___", ".")
    return r


def leaf(ref: str) -> str:
    return canonical(ref).rsplit("/", 1)[-1]


def _strip_quant(name: str) -> str:
    prev = None
    while prev != name:
        prev = name
        name = _QUANT.sub("", name)
    return name


@dataclass
class Comparison:
    verdict: str  # "same" | "variant" (same checkpoint, quantized/renamed) | "sibling" (same
    # family and size, other checkpoint: base vs instruct) | "different" | "unknown"
    reasons: list[str]


def compare(a: str, b: str) -> Comparison:
    """Compare two model references (hub ids or paths) by id, family, size and kind."""
    from .knowledge import models

    ca, cb = canonical(a), canonical(b)
    if ca.lower() == cb.lower():
        return Comparison("same", ["identical reference"])
    ia, ib = models.lookup(ca), models.lookup(cb)
    if ia is not None and ib is not None and ia.id == ib.id:
        return Comparison("same", [f"both are {ia.id}"])
    la, lb = _strip_quant(leaf(ca)).lower(), _strip_quant(leaf(cb)).lower()
    if la == lb and la:
        return Comparison(
            "variant",
            [f"`{leaf(a)}` and `{leaf(b)}` are the same checkpoint (quantized or renamed copy)"],
        )
    ga, gb = models.guess(ca), models.guess(cb)
    fa, fb = ga.family, gb.family
    sa, sb = models.parameter_size(leaf(ca)), models.parameter_size(leaf(cb))
    reasons: list[str] = []
    if fa and fb and fa != fb:
        reasons.append(f"family {fa} vs {fb}")
    if sa and sb and sa.lower() != sb.lower():
        reasons.append(f"size {sa} vs {sb}")
    if reasons:
        return Comparison("different", reasons)
    if fa and fb and fa == fb and sa and sb:
        if ga.kind and gb.kind and ga.kind != gb.kind:
            return Comparison("sibling", [f"{ga.kind} vs {gb.kind} checkpoint of {fa} {sa}"])
        return Comparison("unknown", [])
    return Comparison("unknown", [])


def match_keys(ref: str) -> set[str]:
    """Keys under which two references compare "same" or "variant" (see ``compare``): the
    built-in knowledge id and the lower-cased name without quantization suffixes."""
    from .knowledge import models

    keys = {"leaf:" + _strip_quant(leaf(ref)).lower()}
    info = models.lookup(canonical(ref))
    if info is not None:
        keys.add("id:" + info.id.lower())
    return keys
