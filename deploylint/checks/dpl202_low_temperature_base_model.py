"""DPL202 low-temperature-base-model: near-greedy sampling configured for a base model."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..sampling import server_defaults
from . import Context, launch_evidence, model_loc, version_phrase

_WHY = "base models at low temperature fall into repetition loops and echo the prompt"


def _num(v) -> float | None:
    val = getattr(v, "value", v)
    if isinstance(val, (int, float)) and not isinstance(val, bool):
        return float(val)
    if isinstance(val, str):
        try:
            return float(val)
        except ValueError:
            return None
    return None


def _launch_level(ctx: Context, threshold: float) -> Iterator[Finding]:
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
            f"{greedy} (from {temp.source}); {_WHY} (threshold `low-temperature` = "
            f"{threshold:g})"
        )
        loc = (
            temp.loc
            if temp.loc is not None and temp.loc.path == launch.loc.path
            else (model_loc(launch))
        )
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


def _call_level(ctx: Context, threshold: float) -> Iterator[Finding]:
    seen: set = set()
    for call in ctx.project.clients:
        launch = call.launch
        if launch is None or launch.model is None or launch.model.info is None:
            continue
        mr = launch.model
        if not mr.resolved or not mr.info.is_base:
            continue
        model = call.model.value if call.model is not None else None
        if isinstance(model, str) and ctx.project.adapter_named(launch, model) is not None:
            continue
        temp = call.sampling.get("temperature")
        value = _num(temp) if temp is not None else None
        source = "the request's temperature"
        if call.api == "lmdeploy":
            ds = call.sampling.get("do_sample") or call.extra.get("do_sample")
            if ds is None or getattr(ds, "value", None) is not True:
                # LMDeploy's GenerationConfig defaults to do_sample=False: greedy decoding
                # whatever the temperature (lmdeploy/messages.py, domain.md §2.3).
                value = 0.0
                source = "LMDeploy GenerationConfig do_sample=False (the default): greedy"
        if value is None or value >= threshold:
            continue
        where = temp.loc if temp is not None else call.loc
        if (where, mr.ref) in seen:
            continue
        seen.add((where, mr.ref))
        greedy = "greedy decoding" if value == 0 else f"temperature {value:g}"
        ev = launch_evidence(launch)
        ev.update(
            {
                "temperature": value,
                "temperature_source": source,
                "threshold": threshold,
                "link": call.link,
            }
        )
        yield ctx.finding(
            where,
            f"this request samples the base model `{mr.ref}` ({version_phrase(launch)}, "
            f"{call.link}) with {greedy}; {_WHY} (threshold `low-temperature` = {threshold:g})",
            fix="sample base models at temperature ≥ 0.7, or use the instruction-tuned checkpoint",
            evidence=ev,
            anchor=f"request temperature {mr.ref}",
        )


def check(ctx: Context) -> Iterator[Finding]:
    threshold = ctx.config.low_temperature
    yield from _launch_level(ctx, threshold)
    yield from _call_level(ctx, threshold)
