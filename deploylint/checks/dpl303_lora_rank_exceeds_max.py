"""DPL303 lora-rank-exceeds-max: an adapter's rank above the engine's maximum LoRA rank."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..lineage import adapter_info, adapter_uses
from . import Context, version_phrase

LF_VLLM_MAX_LORA_RANK = (
    32,
    "LLaMA-Factory ModelArguments.vllm_max_lora_rank defaults to 32 (src/llamafactory/hparams/"
    "model_args.py; LlamaFactory issue #9512)",
)


def _vllm_limit(launch) -> tuple[int, object, str]:
    from ..engines.vllm import max_lora_rank

    version = launch.version.version if launch.version else None
    default, _choices, source = max_lora_rank(version)
    occ = launch.args.last("max_lora_rank")
    if occ is not None and occ.value and occ.value.isdigit() and len(occ.value) <= 18:
        return int(occ.value), occ, f"--max-lora-rank {occ.value}"
    return default, None, f"the default --max-lora-rank {default} ({source})"


def check(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    # 1. --max-lora-rank values vLLM does not accept.
    for launch in project.launches:
        if launch.engine != "vllm":
            continue
        occ = launch.args.last("max_lora_rank")
        if occ is None or not occ.value or not occ.value.isdigit() or len(occ.value) > 18:
            continue  # (a number too long for int(): not a rank anyone means)
        from ..engines.vllm import max_lora_rank

        _, choices, source = max_lora_rank(launch.version.version if launch.version else None)
        if choices and int(occ.value) not in choices:
            yield ctx.finding(
                occ.loc,
                f"--max-lora-rank {occ.value} is not a value {version_phrase(launch)} accepts "
                f"(one of {', '.join(map(str, choices))}): the server refuses to start",
                fix="use the next allowed value at or above the adapters' rank",
                evidence={"allowed": list(choices), "source": source},
                anchor=f"--max-lora-rank {occ.value}",
            )
    # 2. Adapters above the limit.
    for use in adapter_uses(project):
        owner = use.owner
        info = adapter_info(project, use.ref)
        rank, rank_src = info.rank()
        if rank is None:
            continue
        limit = flag = None
        limit_src = ""
        engine = None
        if use.kind == "launch" and getattr(owner, "engine", None) == "vllm":
            limit, flag, limit_src = _vllm_limit(owner)
            engine = version_phrase(owner)
        elif use.kind == "launch" and getattr(owner, "engine", None) == "sglang":
            occ = owner.args.last("max_lora_rank")
            if occ is not None and occ.value and occ.value.isdigit():
                limit, flag, limit_src = int(occ.value), occ, f"--max-lora-rank {occ.value}"
                engine = version_phrase(owner)
        elif use.kind in ("infer", "export") and str(owner.get("infer_backend")) == "vllm":
            v = owner.keys.get("vllm_max_lora_rank")
            if v is not None and isinstance(v.value, int):
                limit, flag, limit_src = v.value, v, f"vllm_max_lora_rank {v.value}"
            else:
                limit, limit_src = LF_VLLM_MAX_LORA_RANK[0], LF_VLLM_MAX_LORA_RANK[1]
            engine = "LLaMA-Factory's vLLM backend"
        if limit is None or rank <= limit:
            continue
        loc = use.loc
        msg = (
            f"adapter `{use.ref.text}` has rank {rank} ({rank_src}), above {limit_src}: "
            f'{engine} refuses to load it ("LoRA rank {rank} is greater than max_lora_rank '
            f'{limit}", vllm issue #2847)'
        )
        ev = {
            "adapter": use.ref.text,
            "rank": rank,
            "rank_source": rank_src,
            "max": limit,
            "max_source": limit_src,
        }
        if flag is not None:
            ev["max_location"] = flag.loc
        fix_flag = "vllm_max_lora_rank" if use.kind in ("infer", "export") else "--max-lora-rank"
        yield ctx.finding(
            loc,
            msg,
            fix=f"set {fix_flag} to at least {rank}",
            evidence=ev,
            anchor=f"rank {use.ref.text}",
        )
