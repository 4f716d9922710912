"""DPL302 adapter-base-mismatch: an adapter served on a different base than it was trained on."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..link.lineage import adapter_info, adapter_uses
from ..modelids import compare
from . import Context


def check(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    seen: set[tuple] = set()
    for use in adapter_uses(project):
        if not use.base or not isinstance(use.base, str):
            continue
        info = adapter_info(project, use.ref)
        trained_on, where = info.base_model()
        if not trained_on:
            continue
        cmp = compare(trained_on, use.base)
        if cmp.verdict in ("same", "variant", "unknown"):
            continue
        key = (use.loc, trained_on, use.base)
        if key in seen:
            continue
        seen.add(key)
        severity = "error" if cmp.verdict == "different" else "warning"
        served_by = {
            "launch": "the launch loads it on",
            "infer": "the inference config applies it to",
            "export": "the export config merges it into",
            "python": "the script applies it to",
        }[use.kind]
        msg = (
            f"adapter `{use.ref.text}` was trained on `{trained_on}` ({where}) but {served_by} "
            f"`{use.base}` ({'; '.join(cmp.reasons)}): "
            + (
                "LoRA deltas only fit the weights they were trained against, so the output is "
                "degraded or the load fails on a shape mismatch"
                if cmp.verdict == "different"
                else "the deltas were learned against the other checkpoint's weights; quality "
                "drops without any error"
            )
        )
        ev = {
            "adapter": use.ref.text,
            "trained_on": trained_on,
            "trained_on_source": where,
            "served_on": use.base,
            "differences": cmp.reasons,
        }
        if info.training is not None:
            ev["training_config"] = info.training.loc
        yield ctx.finding(
            use.loc or use.ref.loc,
            msg,
            severity=severity,
            fix=f"serve the adapter on `{trained_on}` (or retrain it on `{use.base}`)",
            evidence=ev,
            anchor=f"{use.ref.text} on {use.base}",
        )
