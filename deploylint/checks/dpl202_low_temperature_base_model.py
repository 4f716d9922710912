"""DPL202 low-temperature-base-model: near-greedy sampling configured for a base model."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..sampling import server_defaults
from . import Context, launch_evidence, model_loc, version_phrase


def check(ctx: Context) -> Iterator[Finding]:
    threshold = ctx.config.low_temperature
    for launch in ctx.project.launches:
        mr = launch.model
        if mr is None or not mr.resolved or mr.is_default or mr.info is None:
            continue
        if not mr.info.is_base:
            continue
        temp = server_defaults(launch).get("temperature")
        if temp is None or temp.value >= threshold:
            continue
        ev = launch_evidence(launch)
        ev["temperature"] = temp.value
        ev["temperature_source"] = temp.source
        ev["threshold"] = threshold
        if temp.loc is not None:
            ev["temperature_location"] = temp.loc
        greedy = "greedy decoding" if temp.value == 0 else f"temperature {temp.value:g}"
        msg = (
            f"{version_phrase(launch)} serves the base model `{mr.ref}` with a default "
            f"{greedy} (from {temp.source}); base models at low temperature fall into "
            "repetition loops and echo the prompt (threshold `low-temperature` = "
            f"{threshold:g})"
        )
        if temp.loc is not None and temp.loc.path == launch.loc.path:
            loc = temp.loc
        else:
            loc = model_loc(launch)
        fix = (
            "sample base models at temperature ≥ 0.7 (e.g. --override-generation-config "
            "'{\"temperature\": 0.7}'), or serve the instruction-tuned checkpoint"
        )
        if "generation_config.json" in temp.source:
            fix = (
                "launch with --generation-config vllm (ignore the model's generation_config.json) "
                "or --override-generation-config '{\"temperature\": 0.7}'; or serve the "
                "instruction-tuned checkpoint"
            )
        yield ctx.finding(loc, msg, fix=fix, evidence=ev, anchor=f"{mr.ref} temperature")
