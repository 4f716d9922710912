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
    ev["adapter_dir"] = md.path
    ev["adapter_config"] = (
        md.docs["adapter_config.json"].loc("peft_type")
        if ("adapter_config.json" in md.docs)
        else None
    )
    ev["base_model_name_or_path"] = acfg.get("base_model_name_or_path")
    missing = "no config.json and no model weights" if not md.has_config else "no model weights"
    engine = version_phrase(launch)
    consequence = (
        "`ollama create` cannot build a model from it (it needs a full model's config.json and "
        "weights; adapters go in ADAPTER)"
        if launch.engine == "ollama"
        else 'the engine needs a full model there and fails to start ("config.json not found" '
        '/ "No supported config format", vllm issues #1129, unsloth #1191)'
    )
    msg = (
        f"`{mr.ref}` is a {ptype} adapter directory ({missing}; adapter_config.json trained on "
        f"{base}) given to {engine} as the model: {consequence}"
    )
    if launch.engine == "vllm":
        fix = (
            f"serve the base model and load the adapter: `vllm serve {base} --enable-lora "
            f"--lora-modules <name>={mr.ref}`, and send `model: <name>` in requests; or merge it "
            "first (PeftModel.merge_and_unload / llamafactory-cli export) and serve the merged "
            "directory"
        )
    elif launch.engine == "ollama":
        fix = (
            f"`FROM {base}` and `ADAPTER {mr.ref}` (Ollama applies a Safetensors LoRA adapter on "
            "the base it was tuned from), or merge first and `FROM` the merged directory"
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


def _same_model(a: str, b: str) -> bool:
    from ..modelids import compare

    return compare(a, b).verdict in ("same", "variant")


def _training_never_served(ctx: Context) -> Iterator[Finding]:
    """A LoRA fine-tune whose adapter nothing merges or loads, while its base model is served."""
    from ..lineage import exports_of, index, launches_serving, lora_trainings, same_dir
    from ..modelids import match_keys

    project = ctx.project
    by_key: dict[str, list] = {}
    order = {id(lc): i for i, lc in enumerate(project.launches)}
    for launch in project.launches:
        if launch.model is not None and launch.model.resolved:
            for key in match_keys(launch.model.ref):
                by_key.setdefault(key, []).append(launch)
    for run, out_ref in lora_trainings(project):
        base = run.get("model_name_or_path")
        if not isinstance(base, str):
            continue
        loaded = [
            u
            for u in index(project).uses_of(out_ref.leaf)
            if u.kind in ("launch", "infer", "python") and same_dir(u.ref, out_ref)
        ]
        if loaded:
            continue
        exports = exports_of(project, out_ref)
        if any(launches_serving(project, ref) for _, ref in exports):
            continue
        candidates = {id(lc): lc for k in match_keys(base) for lc in by_key.get(k, [])}
        for launch in sorted(candidates.values(), key=lambda lc: order[id(lc)]):
            mr = launch.model
            if mr is None or not project.same_project(run.loc.path, launch.path):
                continue  # the same public base model in an unrelated project
            if not _same_model(mr.ref, base):
                continue
            od = run.keys["output_dir"]
            if exports:
                exp_run, exp_ref = exports[0]
                what = (
                    f"it is merged into `{exp_ref.text}` by {exp_run.loc.path.name}, but "
                    f"nothing serves that directory"
                )
            else:
                what = "no export config merges it and nothing loads it as an adapter"
            ev = launch_evidence(launch)
            ev.update(
                {
                    "training_config": run.loc,
                    "output_dir": od.value,
                    "output_dir_location": od.loc,
                    "base_model": base,
                }
            )
            msg = (
                f"{launch.context} serves the bare base model `{mr.ref}`, but the LoRA fine-tune "
                f"of that model in {run.loc.path.name} writes its adapter to `{od.value}` and "
                f"{what}: the fine-tune never reaches users"
            )
            if launch.engine == "vllm":
                fix = (
                    f"load it: --enable-lora --lora-modules <name>={od.value} (and send "
                    "`model: <name>`), or merge it (llamafactory-cli export with "
                    f"adapter_name_or_path: {od.value}) and serve the merged directory"
                )
            else:
                fix = (
                    "load the adapter in the serving engine, or merge it (llamafactory-cli "
                    "export) and serve the merged directory"
                )
            yield ctx.finding(
                model_loc(launch), msg, fix=fix, evidence=ev, anchor=f"unserved adapter {od.value}"
            )


def _python_unmerged(ctx: Context) -> Iterator[Finding]:
    """PeftModel loaded, then saved (or the base saved) without merge_and_unload."""
    from ..lineage import launches_serving, path_ref

    project = ctx.project
    by_file: dict = {}
    for op in project.peft_ops:
        by_file.setdefault(op.loc.path, []).append(op)
    for path, ops in by_file.items():
        peft_vars: dict[str, object] = {}
        base_of: dict[str, str] = {}
        merged: set[str] = set()
        for op in ops:
            if op.op == "load-adapter" and op.var:
                peft_vars[op.var] = op
                if op.source_var:
                    base_of[op.var] = op.source_var
            elif op.op == "merge" and op.source_var:
                merged.add(op.source_var)
                if op.var:
                    merged.add(op.var)
        if not peft_vars:
            continue
        bases = set(base_of.values())
        for op in ops:
            if op.op != "save" or op.target is None or op.what == "tokenizer":
                continue
            var = op.var or ""
            if var in merged or (var in base_of and base_of[var] in merged):
                continue
            if var in peft_vars:
                problem = (
                    "saves only the adapter (adapter_config.json + adapter weights), not "
                    "a merged model"
                )
            elif var in bases:
                problem = (
                    "saves the base model object the adapter was injected into, without "
                    "merge_and_unload(): the LoRA weights are left as separate layers"
                )
            else:
                continue
            target = op.target.value if isinstance(op.target.value, str) else None
            served = []
            if target:
                served = launches_serving(
                    project, path_ref(project, target, op.target.loc, path.parent)
                )
            intended = bool(target) and "merge" in target.lower()
            if not served and not intended:
                continue
            who = (
                f"{served[0].context} serves `{target}` as a full model"
                if served
                else f"the target `{target}` is named as a merged model"
            )
            yield ctx.finding(
                op.loc,
                f"`{var}.save_pretrained(...)` {problem}, and {who}",
                fix=f"merged = {var}.merge_and_unload(); merged.save_pretrained({target!r}) "
                "(and save the tokenizer next to it)",
                evidence={"script": path, "target": target, "served_by": [lc.loc for lc in served]},
                anchor=f"save {var} {target}",
            )


def check(ctx: Context) -> Iterator[Finding]:
    for launch in ctx.project.launches:
        yield from _adapter_dir_as_model(ctx, launch)
        if launch.engine == "vllm":
            yield from _vllm_lora_not_enabled(ctx, launch)
        elif launch.engine == "lmdeploy":
            yield from _lmdeploy_adapters_turbomind(ctx, launch)
    yield from _training_never_served(ctx)
    yield from _python_unmerged(ctx)
