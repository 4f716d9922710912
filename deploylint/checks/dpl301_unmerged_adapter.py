"""DPL301 unmerged-adapter: an adapter that the engine will not load as configured."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..engines.base import NotApplicable
from ..findings import Finding
from . import Context, Deployment


def _adapter_dir_as_model(ctx: Context, d: Deployment) -> Iterator[Finding]:
    mr = d.model
    if mr is None or mr.directory is None:
        return
    md = mr.directory
    if not md.is_adapter or md.has_full_weights:
        return
    acfg = md.json("adapter_config.json")
    base = acfg.get("base_model_name_or_path") or "its base model"
    ptype = acfg.get("peft_type") or "PEFT"
    ev = d.evidence()
    ev["adapter_dir"] = md.path
    ev["adapter_config"] = (
        md.docs["adapter_config.json"].loc("peft_type")
        if ("adapter_config.json" in md.docs)
        else None
    )
    ev["base_model_name_or_path"] = acfg.get("base_model_name_or_path")
    missing = "no config.json and no model weights" if not md.has_config else "no model weights"
    msg = (
        f"`{mr.ref}` is a {ptype} adapter directory ({missing}; adapter_config.json trained on "
        f"{base}) given to {d.phrase} as the model: it needs a full model there (config.json and "
        'weights) and cannot load it ("config.json not found" / "No supported config format", '
        "vllm issues #1129, unsloth #1191)"
    )
    yield ctx.finding(
        d.model_loc,
        msg,
        fix=d.fix("adapter-as-model", adapter=mr.ref, base=base),
        evidence=ev,
        anchor=f"adapter {mr.ref}",
    )


def _adapters_not_loaded(ctx: Context, d: Deployment) -> Iterator[Finding]:
    """The engine will not load the adapters the launch gives it (its own reason)."""
    loading = d.adapter_loading
    if isinstance(loading, NotApplicable) or loading.problem is None:
        return
    p = loading.problem
    ev = d.evidence()
    ev.update(p.evidence)
    yield ctx.finding(p.loc, p.message, fix=p.fix, evidence=ev, anchor=p.anchor or p.kind)


def _same_model(a: str, b: str) -> bool:
    from ..modelids import compare

    return compare(a, b).verdict in ("same", "variant")


_TOKEN = re.compile(r"[a-z0-9]+")
# Name parts that say nothing about which fine-tune a deployment is for.
_VAGUE = {
    "lora",
    "qlora",
    "sft",
    "dpo",
    "orpo",
    "kto",
    "ppo",
    "rm",
    "pt",
    "adapter",
    "adapters",
    "model",
    "models",
    "saves",
    "save",
    "output",
    "outputs",
    "checkpoint",
    "checkpoints",
    "train",
    "training",
    "finetune",
    "finetuned",
    "tuned",
    "merged",
    "export",
    "final",
    "base",
    "instruct",
    "chat",
    "test",
    "demo",
    "data",
    "dataset",
    "default",
    "serve",
    "server",
    "vllm",
    "llm",
    "api",
    "mnt",
    "workspace",
    "home",
    "root",
    "tmp",
    "alpaca",
    "sharegpt",
    "identity",
}


def _tokens(text: str, drop: set[str]) -> set[str]:
    return {
        t
        for t in _TOKEN.findall(text.lower())
        if len(t) >= 4 and t not in _VAGUE and t not in drop and not t.isdigit()
    }


def _evidence_for(d: Deployment, run, od: str, base: str) -> list[str]:
    """Positive evidence that ``d`` is meant to serve the fine-tune of ``run``: the adapter is
    written into a volume the server mounts, or the names the deployment answers to (its served
    names, its clients' `model`, its service) name what the run trained."""
    out: list[str] = []
    if od.startswith("/"):
        for vol in d.launch.volumes:
            target = vol.target.rstrip("/") or "/"
            if od == target or od.startswith(target + "/"):
                out.append(
                    f"the server mounts `{vol.target}` ({vol.source}), where the adapter is "
                    "written, without loading it"
                )
                break
    drop = _tokens(base, set())
    trained = _tokens(od, drop)
    ds = run.get("dataset")
    if isinstance(ds, str):
        trained |= _tokens(ds.replace(",", " "), drop)
    names = [n for n, _ in d.served_names]
    names += [
        c.model.value for c in d.clients if c.model is not None and isinstance(c.model.value, str)
    ]
    if d.launch.service:
        names.append(d.launch.service)
    for name in names:
        shared = sorted(_tokens(name, drop) & trained)
        if shared:
            out.append(f"it answers to `{name}`, named like the fine-tune ({', '.join(shared)})")
            break
    return out


def _training_never_served(ctx: Context) -> Iterator[Finding]:
    """A LoRA fine-tune whose adapter nothing merges or loads, while a deployment that shows it
    is meant to serve the fine-tune serves the bare base model.

    "Never" is a claim of absence, so each step needs positive evidence: the run is read
    completely (its output_dir is a plain path), no adapter use, export or script in the project
    mentions that output (an unresolved path anywhere makes it unknown), and the deployment
    itself points at the fine-tune (it mounts the adapter's volume, or answers to its name).
    """
    from ..link.lineage import (
        adapter_uses,
        exports_of,
        index,
        lora_trainings,
        mentions,
    )
    from ..modelids import match_keys

    project = ctx.project
    by_key: dict[str, list[Deployment]] = {}
    order = {id(d): i for i, d in enumerate(ctx.deployments)}
    for d in ctx.deployments:
        if d.model is not None and d.model.resolved and not d.model.is_default:
            for key in match_keys(d.model.ref):
                by_key.setdefault(key, []).append(d)
    if not by_key:
        return
    unresolved_in = {
        project.boundary.project_of(u.owner_path) for u in adapter_uses(project) if not u.resolved
    }
    for run, out_ref in lora_trainings(project):
        base = run.get("model_name_or_path")
        od_value = run.get("output_dir")
        if not isinstance(base, str) or not isinstance(od_value, str):
            continue
        if str(run.get("stage") or "sft").lower() == "pt":
            continue  # continued pretraining, not a model meant for users as it is
        if any(c in od_value for c in "${}`"):
            continue  # the output path is not known
        candidates = {id(d): d for k in match_keys(base) for d in by_key.get(k, [])}
        candidates = {
            k: d
            for k, d in candidates.items()
            if project.same_project(run.loc.path, d.loc.path) and _same_model(d.model.ref, base)
        }
        if not candidates:
            continue
        if project.boundary.project_of(run.loc.path) in unresolved_in:
            continue  # an adapter loaded from a path we cannot read may be this one
        loaded = [
            u
            for u in index(project).uses_matching(out_ref)
            if u.kind in ("launch", "infer", "python")
        ]
        if loaded:
            continue
        exports = exports_of(project, out_ref)
        if exports:
            continue  # merged somewhere: DPL301 does not guess what serves the merge
        if mentions(project, run, od_value):
            continue  # another file names the output: a script may load or merge it
        od = run.keys["output_dir"]
        for d in sorted(candidates.values(), key=lambda x: order[id(x)]):
            why = _evidence_for(d, run, od_value, base)
            if not why:
                continue
            mr = d.model
            ev = d.evidence()
            ev.update(
                {
                    "training_config": run.loc,
                    "output_dir": od.value,
                    "output_dir_location": od.loc,
                    "base_model": base,
                    "meant_for_the_fine_tune": why,
                }
            )
            msg = (
                f"{d.context} serves the bare base model `{mr.ref}`, but the LoRA fine-tune of "
                f"that model in {run.loc.path.name} writes its adapter to `{od.value}` and nothing "
                f"in the repository loads it as an adapter or merges it, while {why[0]}: the "
                "fine-tune never reaches users"
            )
            yield ctx.finding(
                d.model_loc,
                msg,
                fix=d.fix("load-adapter", adapter=od.value, base=mr.ref),
                evidence=ev,
                anchor=f"unserved adapter {od.value}",
            )


def _python_unmerged(ctx: Context) -> Iterator[Finding]:
    """PeftModel loaded, then saved (or the base saved) without merge_and_unload."""
    from ..link.lineage import launches_serving, path_ref

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


_PEFT_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")
#: Packages that install PEFT (transformers loads an adapter directory through it).
_BRINGS_PEFT = (
    "peft",
    "unsloth",
    "llamafactory",
    "axolotl",
    "xtuner",
    "ms-swift",
    "autotrain-advanced",
)


def _python_adapter_as_model(ctx: Context) -> Iterator[Finding]:
    """`AutoModelForCausalLM.from_pretrained(<adapter directory>)` in Python code: transformers
    loads an adapter directory only through PEFT (base model from adapter_config.json, then the
    adapter from adapter_model.*); without PEFT, or without adapter weights under that name, the
    load fails."""
    from ..link.py_lineage import model_dir_at

    project = ctx.project
    for op in project.peft_ops:
        if op.op != "load-base" or op.what != "model" or op.model is None:
            continue
        if not isinstance(op.model.value, str) or not op.model.resolved:
            continue
        loader = op.extra.get("loader")
        if loader is not None and getattr(loader, "value", None) == "unsloth":
            continue  # Unsloth loads adapter directories itself
        md = model_dir_at(project, op.model.value, op.model.loc, op.loc.path.parent)
        if md is None or not md.is_adapter or md.has_config:
            continue
        acfg = md.json("adapter_config.json")
        base = acfg.get("base_model_name_or_path") or "its base model"
        weights = [n for n in _PEFT_WEIGHTS if n in md.names]
        others = sorted(n for n in md.names if n.endswith((".safetensors", ".bin")))
        if weights:
            why = _no_peft(ctx, op)
            if why is None:
                continue  # with PEFT installed, transformers loads it (base + adapter)
            problem = (
                f"transformers reads an adapter directory through PEFT only, and {why}: the load "
                'fails ("does not appear to have a file named config.json")'
            )
        else:
            found = f" (its weights are saved as {', '.join(others)})" if others else ""
            problem = (
                "there is no config.json for a full model, and no adapter_model.safetensors / "
                f"adapter_model.bin for PEFT{found}: the load fails either way "
                '("does not appear to have a file named config.json" without PEFT, "Can\'t '
                'find weights" with it)'
            )
        ev = {
            "directory": md.path,
            "files": sorted(md.names),
            "base_model_name_or_path": acfg.get("base_model_name_or_path"),
        }
        msg = (
            f"`{op.model.value}` is an adapter directory (adapter_config.json trained on {base}, "
            f"no config.json) loaded as a full model with from_pretrained; {problem}"
        )
        yield ctx.finding(
            op.loc,
            msg,
            fix=f"load `{base}` and apply the adapter: PeftModel.from_pretrained(base_model, "
            f"{op.model.value!r}) (save the adapter with save_pretrained so its weights are "
            "adapter_model.safetensors), or merge it and save a full model",
            evidence=ev,
            anchor=f"adapter as model {op.model.value}",
        )


def _no_peft(ctx: Context, op) -> str | None:
    """Why PEFT is known not to be installed for the script (None: it may be)."""
    project = ctx.project
    pins = [p for p in project.pins if project.same_project(p.loc.path, op.loc.path)]
    names = {p.package for p in pins}
    if "transformers" not in names:
        return None  # the requirements do not describe this script's environment
    if any(n in names for n in _BRINGS_PEFT):
        return None
    files = sorted({p.loc.path.name for p in pins if p.package == "transformers"})
    return f"{', '.join(files)} installs transformers without peft"


_ADAPTERISH = re.compile(r"lora|adapter", re.I)


def _adapter_by_other_means(ctx: Context, d: Deployment) -> Iterator[Finding]:
    """A request that names the base model in `model` and asks for an adapter some other way
    (a header) on an engine that selects adapters by `model` alone: the base model answers."""
    loading = d.adapter_loading
    if isinstance(loading, NotApplicable) or loading.selected_by_model is not True:
        return
    names = {a.name for a in d.adapters}
    if not names:
        return
    for call in d.clients:
        headers = call.extra.get("headers")
        if not isinstance(headers, dict) or d.selects_adapter(call):
            continue
        for key, value in headers.items():
            text = getattr(value, "value", None)
            if not isinstance(text, str):
                continue
            if text not in names and not (_ADAPTERISH.search(str(key)) and text):
                continue
            where = call.model.loc if call.model is not None else call.loc
            model = call.model.value if call.model is not None else None
            ev = d.evidence()
            ev.update(
                {
                    "header": {str(key): text},
                    "adapters": sorted(names),
                    "request_model": model,
                    "fact": loading.selection_source,
                    "link": call.link,
                }
            )
            wanted = f"`{text}`" if text in names else f"an adapter (`{text}`)"
            yield ctx.finding(
                where,
                f"this request asks for {wanted} in the header `{key}` but names "
                f"`{model}` as its model: {d.phrase} selects a LoRA adapter only by the "
                "request's `model` field, so the bare base model answers and the fine-tune is "
                "never used",
                fix=f"send `model: {text if text in names else '<adapter name>'}` (one of "
                f"{', '.join(sorted(names))}) instead of the header",
                evidence=ev,
                anchor=f"adapter header {key} {text}",
            )
            break


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        yield from _adapter_dir_as_model(ctx, d)
        yield from _adapters_not_loaded(ctx, d)
        yield from _adapter_by_other_means(ctx, d)
    yield from _training_never_served(ctx)
    yield from _python_unmerged(ctx)
    yield from _python_adapter_as_model(ctx)
