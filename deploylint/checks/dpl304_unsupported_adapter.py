"""DPL304 unsupported-adapter: an adapter the serving engine (or library version) cannot apply."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..facts import Launch, ParsedArgs
from ..findings import Finding
from ..lineage import adapter_info, adapter_uses, path_ref
from ..versions import Version
from . import Context, version_phrase

PROMPT_LEARNING = {"PROMPT_TUNING", "P_TUNING", "PREFIX_TUNING", "MULTITASK_PROMPT_TUNING"}
# Engines whose adapter loaders take LoRA-type adapters only (flags and docs list LoRA only;
# ../shared/research/domain.md §6 — an explicit statement is UNCONFIRMED for SGLang/LMDeploy/TGI).
LORA_ONLY = {
    "sglang": "SGLang",
    "lmdeploy": "LMDeploy",
    "tgi": "TGI",
    "ollama": "Ollama",
    "llamacpp": "llama.cpp",
}
PEFT_FIXED = "0.14.0"
PEFT_FACT = (
    "peft ≤ 0.12 injected the virtual tokens only when past_key_values was None (Qwen2's empty "
    "DynamicCache skipped it: QwenLM/Qwen3 issue #882; fixed by peft PR #1969 in 0.13.0); "
    "0.13.0–0.13.2 skipped it again because transformers 4.45 made an empty Cache truthy "
    "(peft issue #2123; fixed by PR #2106, first released in 0.14.0)"
)


def _vllm_version(launch) -> Version | None:
    v = launch.version.version if launch.version else None
    return Version.parse(v) if v else None


def check(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for use in adapter_uses(project):
        owner = use.owner
        if use.kind != "launch" or not isinstance(owner, Launch):
            continue
        info = adapter_info(project, use.ref)
        cfg = info.config
        ptype = info.peft_type()
        if owner.engine == "vllm":
            from ..engines.vllm import LORA_REJECTS

            problems = []
            mts = cfg.get("modules_to_save")
            if mts:
                problems.append(("modules_to_save", f"modules_to_save = {mts}"))
            elif info.training is not None and info.training.get("additional_target"):
                problems.append(
                    (
                        "modules_to_save",
                        "trained with additional_target = "
                        f"{info.training.get('additional_target')} (PEFT "
                        "modules_to_save)",
                    )
                )
            if cfg.get("use_dora") is True or (
                info.training is not None and info.training.get("use_dora") is True
            ):
                problems.append(("use_dora", "use_dora = true"))
            for key, what in problems:
                fact = LORA_REJECTS[key]
                yield ctx.finding(
                    use.loc,
                    f"adapter `{use.ref.text}` has {what}: {version_phrase(owner)} rejects it at "
                    f'load ("{fact.value}")',
                    fix="merge the adapter into the base model (merge_and_unload / "
                    "llamafactory-cli export) and serve the merged model",
                    evidence={"adapter": use.ref.text, "problem": what, "source": fact.source},
                    anchor=f"{key} {use.ref.text}",
                )
            if ptype in PROMPT_LEARNING:
                v = _vllm_version(owner)
                removed = v is None or v >= Version.parse("0.10.0")
                why = (
                    "prompt adapters were removed in v0.10.0 (vLLM PR #20588)"
                    if removed
                    else "--lora-modules loads LoRA adapters only; prompt adapters need "
                    "--enable-prompt-adapter --prompt-adapters (v0.5–v0.9)"
                )
                yield ctx.finding(
                    use.loc,
                    f"adapter `{use.ref.text}` is a {ptype} (prompt-learning) adapter: "
                    f"{version_phrase(owner)} cannot apply it as configured — {why}",
                    fix="serve it with transformers + PEFT (peft ≥ 0.14.0), or retrain as LoRA",
                    evidence={"adapter": use.ref.text, "peft_type": ptype},
                    anchor=f"prompt adapter {use.ref.text}",
                )
        elif owner.engine in LORA_ONLY and ptype in PROMPT_LEARNING:
            yield ctx.finding(
                use.loc,
                f"adapter `{use.ref.text}` is a {ptype} (prompt-learning) adapter; "
                f"{LORA_ONLY[owner.engine]} loads LoRA adapters only, so it cannot be served",
                fix="serve it with transformers + PEFT (peft ≥ 0.14.0), or retrain as LoRA",
                evidence={"adapter": use.ref.text, "peft_type": ptype},
                anchor=f"prompt adapter {use.ref.text}",
            )
    yield from _prompt_tuning_generate(ctx)


def _peft_version(project, path: Path):
    fake = Launch("peft", "pins", project_loc(path), [], ParsedArgs(), "", path.parent)
    return project._version(fake)


def project_loc(path: Path):
    from ..location import Loc

    return Loc(path, 1, 1, 1, 2)


def _prompt_tuning_generate(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    ops = project.peft_ops
    by_file: dict[Path, list] = {}
    for op in ops:
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
            pv = _peft_version(project, path)
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
