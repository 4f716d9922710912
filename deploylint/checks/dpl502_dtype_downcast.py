"""DPL502 dtype-downcast: float16 configured for a checkpoint saved in bfloat16 (activations the
model learned in bf16's range overflow fp16's), or for an architecture the engine refuses to run
in float16."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..engines.base import Engine, Setting
from ..facts import Launch, ModelRef
from ..findings import Finding
from ..launch_details import training_of
from ..location import read_text
from . import Context, launch_evidence
from .checkpoint import model_type, quantized, saved_dtype

#: Quantisation methods whose kernels compute in float16: a float16 dtype is what they need
#: (bitsandbytes computes in the dtype it is given, bfloat16 included: not listed).
FP16_KERNELS = (
    "awq",
    "gptq",
    "marlin",
    "exl2",
    "squeezellm",
    "aqlm",
    "gguf",
    "int4",
    "int8",
    "w4a16",
    "w8a16",
)


#: A GPU without bfloat16 (compute capability below 8.0: Pascal, Volta, Turing), named where the
#: dtype is set: in a comment, a node selector (`nvidia.com/gpu.product: Tesla-V100-SXM2-16GB`,
#: GKE's `cloud.google.com/gke-accelerator: nvidia-tesla-t4`) or a file name. There float16 is
#: the only half precision: vLLM refuses bfloat16 ("Bfloat16 is only supported on GPUs with compute
#: capability of at least 8.0 ... You can use float16 instead ... --dtype=half").
_NO_BF16_GPU = re.compile(
    r"(?<![a-z0-9])(?:(?:tesla|nvidia)[- _]?)?(?:v100|t4|p100|p40|k80|titan[- _]?v"
    r"|rtx[- _]?20[6-8]0|quadro[- _]rtx[- _]?[4-8]000|gtx[- _]?1[06][5-8]0)(?![a-z0-9])|\bvolta\b"
    r"|\bcompute capability (?:of )?[67]\.\d|\bno (?:native )?(?:bf16|bfloat16)\b"
    r"|\b(?:bf16|bfloat16) (?:is )?not supported\b",
    re.I,
)


def _no_bf16_gpu(*paths: Path) -> str | None:
    """The words in the files (or their names) that say the GPU has no bfloat16, if any."""
    for path in dict.fromkeys(paths):
        m = _NO_BF16_GPU.search(path.name)
        if m is None:
            try:
                m = _NO_BF16_GPU.search(read_text(path))
            except (OSError, ValueError):
                continue
        if m is not None:
            return f"{path.name}: {m.group(0)!r}"
    return None


def _subjects(ctx: Context) -> Iterator[tuple[Launch, Engine, ModelRef | None]]:
    for d in ctx.deployments:
        yield d.launch, d.engine, d.model
    from ..link.run_launch import model_loads

    for ld in model_loads(ctx.project):
        if ld.op.what == "model":
            yield ld.launch, ld.engine, ld.launch.model
    # inference configs nothing in the repository launches (`llamafactory-cli chat CONFIG` by hand)
    from ..engines.registry import engine_for
    from ..link.run_launch import launch_for_run

    launched = {id(training_of(d.launch)) for d in ctx.deployments}
    for run in ctx.project.trainings:
        if run.role != "infer" or id(run) in launched:
            continue
        ref = run.get("model_name_or_path")
        launch = launch_for_run(run)
        impl = engine_for(launch.engine)
        if impl is None or not isinstance(ref, str) or not ref:
            continue
        launch.model = ctx.project.resolve_ref(launch, None, ref)
        yield launch, impl, launch.model


def _quantisation(launch: Launch, model: ModelRef, op_extra: dict[str, Any]) -> str | None:
    q = launch.args.value("quantization")
    if q:
        return q
    qc = op_extra.get("quantization_config")
    if qc is not None and isinstance(qc.value, dict):
        return str(qc.value.get("quant_method") or "")
    return quantized(model)


def check(ctx: Context) -> Iterator[Finding]:
    from ..link.run_launch import model_loads

    extras = {id(ld.launch): ld.op.extra for ld in model_loads(ctx.project)}
    for launch, engine, model in _subjects(ctx):
        dt = engine.dtype(launch)
        if not isinstance(dt, Setting) or dt.value != "float16" or dt.loc is None:
            continue
        if model is None or not model.resolved:
            continue
        ev: dict[str, Any] = launch_evidence(launch)
        ev.update({"model": model.ref, "dtype": dt.source})
        if model.how:
            ev["model_resolution"] = model.how
        refused = engine.refuses_float16(launch)
        mt = model_type(model)
        if isinstance(refused, dict) and mt is not None:
            hit = next((t for t in mt.value if t in refused), None)
            if hit is not None:
                message, source = refused[hit]
                ev.update({"model_type": hit, "model_type_source": mt.source, "fact": source})
                yield ctx.finding(
                    dt.loc,
                    f"{dt.source}: {engine.display} refuses float16 for model type `{hit}` "
                    f"(`{model.ref}`) and stops at startup: \"The model type '{hit}' does not "
                    f'support float16. Reason: {message}"',
                    fix="use bfloat16 (or float32 on GPUs without bf16)",
                    evidence=ev,
                    severity="error",
                    anchor=f"fp16 refused {model.ref}",
                )
                continue
        q = _quantisation(launch, model, extras.get(id(launch), {}))
        if q is not None and any(k in q.lower() for k in FP16_KERNELS):
            continue  # fp16 kernels: float16 is what the quantised weights need
        saved = saved_dtype(model)
        if saved is None or saved.value != "bfloat16":
            continue
        if _no_bf16_gpu(dt.loc.path, launch.loc.path) is not None:
            continue  # a GPU without bfloat16: float16 is the only half precision it has
        ev.update({"checkpoint_dtype": saved.value, "checkpoint_dtype_source": saved.source})
        if saved.loc is not None:
            ev["checkpoint_dtype_location"] = saved.loc
        how = "built-in knowledge" if saved.loc is None else saved.source
        yield ctx.finding(
            dt.loc,
            f"{dt.source} runs `{model.ref}` in float16, but it was trained and saved in bfloat16 "
            f"({how}): float16 ends at 65504 where bfloat16 reaches ~3.4e38, so activations the "
            "model learned overflow to inf/NaN — empty or '!!!!' answers, or quietly worse ones",
            fix="use `auto` or bfloat16 (float32 on GPUs without bf16, e.g. T4/V100)",
            evidence=ev,
            severity="warning",
            anchor=f"fp16 on bf16 {model.ref}",
        )
