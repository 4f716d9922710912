"""DPL303 lora-rank-exceeds-max: an adapter's rank above the engine's maximum LoRA rank."""

from __future__ import annotations

from collections.abc import Iterator

from ..engines.base import AdapterLoading, NotApplicable
from ..findings import Finding
from ..link.lineage import adapter_info, adapter_uses
from . import Context


def check(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    # 1. A rank limit set to a value the engine does not accept.
    for d in ctx.deployments:
        loading = d.adapter_loading
        if isinstance(loading, NotApplicable) or loading.rank_setting_value is None:
            continue
        choices = loading.rank_choices
        value = loading.rank_setting_value
        if choices and value not in choices and loading.rank_setting_loc is not None:
            flag = loading.rank_limit.flag if loading.rank_limit else "the maximum LoRA rank"
            yield ctx.finding(
                loading.rank_setting_loc,
                f"{flag} {value} is not a value {d.phrase} accepts "
                f"(one of {', '.join(map(str, choices))}): the server refuses to start",
                fix="use the next allowed value at or above the adapters' rank",
                evidence={"allowed": list(choices), "source": loading.rank_choices_source},
                anchor=f"{flag} {value}",
            )
    # 2. Adapters above the limit.
    for use in adapter_uses(project):
        loading: AdapterLoading | NotApplicable | None = None
        engine = ""
        launch = project.launch_of_use(use)
        if launch is not None:
            d = project.deployment_of(launch)
            if d is not None:
                loading, engine = d.adapter_loading, d.phrase
            else:
                from ..engines.registry import engine_for

                impl = engine_for(launch.engine)
                if impl is not None:
                    loading, engine = impl.adapter_loading(launch), impl.display
        if loading is None or isinstance(loading, NotApplicable) or loading.rank_limit is None:
            continue
        info = adapter_info(project, use.ref)
        rank, rank_src = info.rank()
        if rank is None:
            continue
        limit = loading.rank_limit
        if rank <= limit.limit:
            continue
        msg = (
            f"adapter `{use.ref.text}` has rank {rank} ({rank_src}), above {limit.source}: "
            f'{engine} refuses to load it ("LoRA rank {rank} is greater than max_lora_rank '
            f'{limit.limit}", vllm issue #2847)'
        )
        ev = {
            "adapter": use.ref.text,
            "rank": rank,
            "rank_source": rank_src,
            "max": limit.limit,
            "max_source": limit.source,
        }
        if limit.loc is not None:
            ev["max_location"] = limit.loc
        yield ctx.finding(
            use.loc,
            msg,
            fix=f"set {limit.flag} to at least {rank}",
            evidence=ev,
            anchor=f"rank {use.ref.text}",
        )
