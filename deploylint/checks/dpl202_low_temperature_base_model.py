"""DPL202 low-temperature-base-model: near-greedy sampling configured for a base model."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from . import Context, Deployment

_WHY = "base models at low temperature fall into repetition loops and echo the prompt"


def _num(v) -> float | None:
    val = getattr(v, "value", v)
    if isinstance(val, bool):
        return None
    if isinstance(val, (int, float)):
        return float(val)
    if isinstance(val, str) and len(val) < 40:
        try:
            return float(val)
        except (ValueError, OverflowError):
            return None
    return None


def _base(d: Deployment) -> bool:
    mr = d.model
    return (
        mr is not None
        and mr.resolved
        and not mr.is_default
        and mr.info is not None
        and mr.info.is_base
    )


def _launch_level(ctx: Context, threshold: float) -> Iterator[Finding]:
    for d in ctx.deployments:
        if not _base(d):
            continue
        mr = d.model
        assert mr is not None
        temp = d.sampling.get("temperature")
        value = _num(temp) if temp is not None else None
        if temp is None or value is None or value >= threshold:
            continue
        ev = d.evidence()
        ev["temperature"] = value
        ev["temperature_source"] = temp.source
        ev["threshold"] = threshold
        if temp.loc is not None:
            ev["temperature_location"] = temp.loc
        greedy = "greedy decoding" if value == 0 else f"temperature {value:g}"
        msg = (
            f"{d.phrase} serves the base model `{mr.ref}` with a default "
            f"{greedy} (from {temp.source}); {_WHY} (threshold `low-temperature` = "
            f"{threshold:g})"
        )
        # At the setting when the launch's own files hold it (its command line, the config file it
        # reads); at the model when it comes from elsewhere (the model's generation_config.json).
        own = {d.loc.path, d.launch.config_file}
        loc = temp.loc if temp.loc is not None and temp.loc.path in own else d.model_loc
        fix = d.fix("low-temperature")
        if "generation_config.json" in temp.source:
            fix = (
                "ignore the model's generation_config.json sampling fields (vLLM: "
                "--generation-config vllm) or override the temperature (≥ 0.7); or serve the "
                "instruction-tuned checkpoint"
            )
        yield ctx.finding(loc, msg, fix=fix, evidence=ev, anchor=f"{mr.ref} temperature")


def _request_temperature(d: Deployment, call) -> tuple[float | None, str, object]:
    """(temperature the request is sampled at, where that comes from, the value's fact)."""
    temp = call.sampling.get("temperature")
    ds_default = d.sampling.get("do_sample")
    if ds_default is not None and ds_default.value is False:
        ds = call.sampling.get("do_sample") or call.extra.get("do_sample")
        if ds is None or getattr(ds, "value", None) is not True:
            return 0.0, ds_default.source, temp
    if temp is not None:
        return _num(temp), "the request's temperature", temp
    return None, "", None


def _call_level(ctx: Context, threshold: float) -> Iterator[Finding]:
    seen: set = set()
    for d in ctx.deployments:
        if not _base(d):
            continue
        mr = d.model
        assert mr is not None
        for call in d.clients:
            if d.selects_adapter(call):
                continue
            value, source, temp = _request_temperature(d, call)
            if value is None or value >= threshold:
                continue
            where = getattr(temp, "loc", None) or call.loc
            if (where, mr.ref) in seen:
                continue
            seen.add((where, mr.ref))
            greedy = "greedy decoding" if value == 0 else f"temperature {value:g}"
            ev = d.evidence()
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
                f"this request samples the base model `{mr.ref}` ({d.phrase}, "
                f"{call.link}) with {greedy}; {_WHY} (threshold `low-temperature` = "
                f"{threshold:g})",
                fix="sample base models at temperature ≥ 0.7, or use the instruction-tuned "
                "checkpoint",
                evidence=ev,
                anchor=f"request temperature {mr.ref}",
            )


def check(ctx: Context) -> Iterator[Finding]:
    threshold = ctx.config.low_temperature
    yield from _launch_level(ctx, threshold)
    yield from _call_level(ctx, threshold)
