"""DPL301 unmerged-adapter: an adapter that the engine will not load as configured."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from . import Context, launch_evidence, model_loc, version_phrase


def _adapter_dir_as_model(ctx: Context, launch) -> Iterator[Finding]:
    mr = launch.model
    if mr is None or mr.directory is None:
        return
    md = mr.directory
    if not md.is_adapter or md.has_full_weights:
        return
    acfg = md.json("adapter_config.json")
    base = acfg.get("base_model_name_or_path") or "its base model"
    ptype = acfg.get("peft_type") or "PEFT"
    ev = launch_evidence(launch)
    ev["adapter_dir"] = str(md.path)
    ev["adapter_config"] = (
        md.docs["adapter_config.json"].loc("peft_type")
        if ("adapter_config.json" in md.docs)
        else None
    )
    ev["base_model_name_or_path"] = acfg.get("base_model_name_or_path")
    missing = "no config.json and no model weights" if not md.has_config else "no model weights"
    engine = version_phrase(launch)
    msg = (
        f"`{mr.ref}` is a {ptype} adapter directory ({missing}; adapter_config.json trained on "
        f"{base}) given to {engine} as the model: the engine needs a full model there and fails "
        'to start ("config.json not found" / "No supported config format", vllm issues '
        "#1129, unsloth #1191)"
    )
    if launch.engine == "vllm":
        fix = (
            f"serve the base model and load the adapter: `vllm serve {base} --enable-lora "
            f"--lora-modules <name>={mr.ref}`, and send `model: <name>` in requests; or merge it "
            "first (PeftModel.merge_and_unload / llamafactory-cli export) and serve the merged "
            "directory"
        )
    elif launch.engine == "lmdeploy":
        fix = (
            f"serve the base model with `--backend pytorch --adapters <name>={mr.ref}`, or merge "
            "the adapter into the base first"
        )
    else:
        fix = "merge the adapter into its base model and serve the merged directory"
    yield ctx.finding(model_loc(launch), msg, fix=fix, evidence=ev, anchor=f"adapter {mr.ref}")


def _vllm_lora_not_enabled(ctx: Context, launch) -> Iterator[Finding]:
    from ..engines.vllm import LORA_MODULES_NEED_ENABLE_LORA

    occs = launch.args.options.get("lora_modules")
    if not occs or launch.args.flag("enable_lora"):
        return
    occ = occs[0]
    ev = launch_evidence(launch)
    ev["lora_modules"] = [v.text for o in occs for v in o.values]
    ev["fact"] = LORA_MODULES_NEED_ENABLE_LORA.source
    msg = (
        f"--lora-modules is given without --enable-lora: {version_phrase(launch)} loads static "
        "adapters at startup through the LoRA manager, which is off, so the server stops with "
        "`LoRA is not enabled` and the adapter is never served"
    )
    yield ctx.finding(
        occ.loc,
        msg,
        fix="add --enable-lora (and --max-lora-rank ≥ the adapter's r)",
        evidence=ev,
        anchor="--lora-modules without --enable-lora",
    )


def _lmdeploy_adapters_turbomind(ctx: Context, launch) -> Iterator[Finding]:
    from ..engines.lmdeploy import ADAPTERS_NEED_PYTORCH, DEFAULT_BACKEND

    occs = launch.args.options.get("adapters")
    if not occs:
        return
    backend = launch.args.value("backend")
    if backend == "pytorch":
        return
    if backend is None:
        chosen = f"the default backend ({DEFAULT_BACKEND.value})"
    else:
        chosen = f"--backend {backend}"
    ev = launch_evidence(launch)
    ev["adapters"] = [v.text for o in occs for v in o.values]
    ev["backend"] = backend or DEFAULT_BACKEND.value
    ev["fact"] = ADAPTERS_NEED_PYTORCH.source
    msg = (
        f"--adapters is only honoured by LMDeploy's PyTorch engine; with {chosen} the adapters "
        "are silently dropped and every request is answered by the base model"
    )
    yield ctx.finding(
        occs[0].loc,
        msg,
        fix="add --backend pytorch",
        evidence=ev,
        anchor="--adapters without --backend pytorch",
    )


def check(ctx: Context) -> Iterator[Finding]:
    for launch in ctx.project.launches:
        yield from _adapter_dir_as_model(ctx, launch)
        if launch.engine == "vllm":
            yield from _vllm_lora_not_enabled(ctx, launch)
        elif launch.engine == "lmdeploy":
            yield from _lmdeploy_adapters_turbomind(ctx, launch)
