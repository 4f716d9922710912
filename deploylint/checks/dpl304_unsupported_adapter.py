"""DPL304 unsupported-adapter: an adapter the serving engine (or library version) cannot apply."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..engines.base import NotApplicable
from ..findings import Finding
from ..link.lineage import adapter_info, adapter_uses, path_ref
from ..versions import Version
from . import Context

PROMPT_LEARNING = {"PROMPT_TUNING", "P_TUNING", "PREFIX_TUNING", "MULTITASK_PROMPT_TUNING"}
PEFT_FIXED = "0.14.0"
PEFT_FACT = (
    "peft ≤ 0.12 injected the virtual tokens only when past_key_values was None (Qwen2's empty "
    "DynamicCache skipped it: QwenLM/Qwen3 issue #882; fixed by peft PR #1969 in 0.13.0); "
    "0.13.0–0.13.2 skipped it again because transformers 4.45 made an empty Cache truthy "
    "(peft issue #2123; fixed by PR #2106, first released in 0.14.0)"
)
# LLaMA-Factory training keys that produce the adapter_config.json fields engines refuse.
TRAINING_KEYS = {"modules_to_save": "additional_target", "use_dora": "use_dora"}


def _has(value) -> bool:
    return value is True or (isinstance(value, (list, str, dict)) and bool(value))


def check(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for use in adapter_uses(project):
        if use.kind != "launch":
            continue
        launch = project.launch_of_use(use)
        d = project.deployment_of(launch) if launch is not None else None
        if d is None:
            continue
        loading = d.adapter_loading
        if isinstance(loading, NotApplicable):
            continue
        info = adapter_info(project, use.ref)
        cfg = info.config
        ptype = info.peft_type()
        for key, (message, source) in loading.rejects.items():
            what = None
            if _has(cfg.get(key)):
                what = f"{key} = {cfg.get(key)}"
            elif info.training is not None and _has(info.training.get(TRAINING_KEYS.get(key, key))):
                tkey = TRAINING_KEYS.get(key, key)
                what = f"trained with {tkey} = {info.training.get(tkey)} (PEFT {key})"
            if what is None:
                continue
            yield ctx.finding(
                use.loc,
                f'adapter `{use.ref.text}` has {what}: {d.phrase} rejects it at load ("{message}")',
                fix="merge the adapter into the base model (merge_and_unload / "
                "llamafactory-cli export) and serve the merged model",
                evidence={"adapter": use.ref.text, "problem": what, "source": source},
                anchor=f"{key} {use.ref.text}",
            )
        if ptype in PROMPT_LEARNING and loading.peft_types is not None:
            if ptype in loading.peft_types:
                continue
            why = loading.prompt_adapters or f"{d.engine.display} loads LoRA adapters only"
            yield ctx.finding(
                use.loc,
                f"adapter `{use.ref.text}` is a {ptype} (prompt-learning) adapter: "
                f"{d.phrase} cannot apply it as configured — {why}",
                fix="serve it with transformers + PEFT (peft ≥ 0.14.0), or retrain as LoRA",
                evidence={
                    "adapter": use.ref.text,
                    "peft_type": ptype,
                    "source": loading.peft_types_source,
                },
                anchor=f"prompt adapter {use.ref.text}",
            )
    yield from _prompt_tuning_generate(ctx)


def _prompt_tuning_generate(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    by_file: dict[Path, list] = {}
    for op in project.peft_ops:
        by_file.setdefault(op.loc.path, []).append(op)
    for path, file_ops in by_file.items():
        prompt_vars: dict[str, str] = {}  # var -> why it holds a prompt-learning model
        for op in file_ops:
            if op.op == "get-peft-model" and op.peft_type in PROMPT_LEARNING and op.var:
                prompt_vars[op.var] = f"get_peft_model with a {op.peft_type} config"
            elif (
                op.op == "load-adapter"
                and op.var
                and op.adapter is not None
                and isinstance(op.adapter.value, str)
            ):
                info = adapter_info(
                    project, path_ref(project, op.adapter.value, op.adapter.loc, path.parent)
                )
                if info.peft_type() in PROMPT_LEARNING:
                    prompt_vars[op.var] = (
                        f"PeftModel.from_pretrained of the {info.peft_type()} "
                        f"adapter `{op.adapter.value}`"
                    )
            elif op.op in ("merge",) and op.source_var in prompt_vars and op.var:
                prompt_vars[op.var] = prompt_vars[op.source_var]
        for op in file_ops:
            if op.op != "generate" or op.var not in prompt_vars:
                continue
            uc = op.extra.get("use_cache")
            if uc is not None and getattr(uc, "value", None) is False:
                continue
            pv = project.library_version("peft", path)
            v = Version.parse(pv.version) if pv.version else None
            if v is None or v >= Version.parse(PEFT_FIXED):
                continue
            yield ctx.finding(
                op.loc,
                f"`{op.var}.generate(...)` runs a prompt-tuning model ({prompt_vars[op.var]}) "
                f"with the KV cache on under peft {pv.version} ({pv.source}): the learned "
                "virtual tokens are silently skipped and the output equals the base model's",
                fix="pass use_cache=False to generate(), or upgrade to peft>=0.14.0",
                evidence={
                    "peft_version": pv.version,
                    "peft_version_source": pv.source,
                    "fact": PEFT_FACT,
                },
                anchor=f"{op.var}.generate prompt tuning",
            )
