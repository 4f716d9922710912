"""DPL503 max-len-exceeds-positions: a configured context window beyond the positions the model
was trained for (times the RoPE scaling actually configured); a guard switched off to allow it;
static YaRN switched on for a window that stays within the original positions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engines.base import ContextLength
from ..findings import Finding
from . import Context
from .checkpoint import derived_length, positions, rope_type


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        cl = d.context_length
        if not isinstance(cl, ContextLength) or d.model is None:
            continue
        pos = positions(d.model)
        if pos is None:
            continue
        rope = cl.rope_scaling if cl.rope_scaling is not None else pos.extra.get("rope_scaling")
        rope_from = (
            cl.rope_source
            if cl.rope_scaling is not None
            else ("config.json `rope_scaling`" if rope is not None else "")
        )
        allowed, how = derived_length(pos.value, rope)
        ev: dict[str, Any] = d.evidence()
        ev.update(
            {
                "context_length": cl.value,
                "context_source": cl.source,
                "positions": pos.value,
                "positions_source": pos.source,
                "allowed": allowed,
                "allowed_how": how,
            }
        )
        if rope is not None:
            ev["rope_scaling"] = dict(rope)
            ev["rope_scaling_source"] = rope_from
        if cl.guard_bypass is not None:
            ev["guard_bypass"] = cl.guard_bypass.source
        value = cl.value if isinstance(cl.value, int) else None
        if value is not None and not cl.default and cl.loc is not None and value > allowed:
            if cl.refuses_above and cl.guard_bypass is None:
                severity = "error"
                effect = cl.above_positions
            elif cl.guard_bypass is not None:
                severity = "warning"
                effect = (
                    f"{cl.guard_bypass.source} switches off the check, so it starts and runs "
                    "positions the model never saw: NaN or garbage past them, CUDA asserts"
                )
            elif "lowers it" in cl.above_positions:
                severity = "info"
                effect = cl.above_positions
            else:
                severity = "warning"
                effect = cl.above_positions
            yield ctx.finding(
                cl.loc,
                f"{cl.source} is above the {allowed} tokens `{d.model.ref}` can address "
                f"({how}; {pos.source}): {effect}",
                fix=f"set {cl.setting} to at most {allowed}, or enable RoPE scaling the model "
                "supports (e.g. YaRN through the engine's config override) for longer inputs",
                evidence=ev,
                severity=severity,
                anchor=f"max len {value} > {allowed}",
            )
            continue
        # only a YaRN the launch adds (models trained with YaRN in config.json, like DeepSeek-V3,
        # are not second-guessed)
        if (
            cl.rope_scaling is not None
            and rope_type(rope) == "yarn"
            and value is not None
            and not cl.default
        ):
            orig = rope.get("original_max_position_embeddings") if rope else None
            if isinstance(orig, int) and value <= orig:
                yield ctx.finding(
                    cl.rope_loc or cl.loc or d.loc,
                    f"static YaRN is on ({rope_from}) but {cl.source} stays within the "
                    f"{orig} positions the model was trained on: the scaling only changes how "
                    "short inputs are encoded (Qwen: add rope_scaling only when long contexts are "
                    "needed, it may hurt shorter texts)",
                    fix="remove the YaRN rope_scaling for windows up to "
                    f"{orig} tokens, or raise {cl.setting} to the length it is meant for",
                    evidence=ev,
                    severity="info",
                    anchor=f"yarn within {orig}",
                )
