"""DPL702 pixel-budget-mismatch: images are resized to a different pixel budget at serving time
than in fine-tuning or evaluation.

* a deployment serving the output of a fine-tuning run (LLaMA-Factory ``image_max_pixels``)
  whose engine resizes images to another ``max_pixels`` (``--mm-processor-kwargs``, the model's
  ``preprocessor_config.json``);
* a script in the same project that loads the served model's processor with its own
  ``max_pixels``/``min_pixels`` (an evaluation) while the deployment uses another budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..deployment import Deployment
from ..facts import PeftOp, Value
from ..findings import Finding
from ..knowledge.vision import PixelBudget
from . import Context
from .multimodal_common import local_dir, script_budget, served_budget, training_budget

#: token counts closer than this ratio are not reported (rounding, not a different budget)
MIN_RATIO = 1.25


def _differs(a: PixelBudget, b: PixelBudget) -> bool:
    hi, lo = max(a.max_tokens, b.max_tokens), min(a.max_tokens, b.max_tokens)
    return hi >= lo * MIN_RATIO


def _fix(lim, want: PixelBudget, how: str) -> str:
    if lim.pixels_option:
        return (
            f"serve with the budget the model was {how} with: "
            f"{lim.pixels_option.replace('N', str(want.max_pixels))}"
        )
    return f"serve with max_pixels {want.max_pixels}"


def _anchor(d: Deployment, lim):
    """The serving side's pixel setting when written, else the served model."""
    if lim.max_pixels is not None and lim.max_pixels.loc is not None:
        return lim.max_pixels.loc
    return d.model_loc


def _training(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        hit = d.training
        if hit is None:
            continue
        run, how = hit
        served = served_budget(d, run)
        trained = training_budget(d, run)
        if served is None or trained is None:
            continue
        serve_b, lim = served
        train_b, _ = trained
        if not _differs(serve_b, train_b):
            continue
        assert d.model is not None
        ev = d.evidence()
        ev.update(
            {
                "training_config": run.loc,
                "training_link": how,
                "training_pixel_budget": train_b.describe(),
                "serving_pixel_budget": serve_b.describe(),
            }
        )
        loc = _anchor(d, lim)
        more = "more" if serve_b.max_tokens > train_b.max_tokens else "fewer"
        yield ctx.finding(
            loc,
            f"{d.phrase} serves `{d.model.ref}` ({how}) "
            f"with images resized to {serve_b.describe()}, but training resized them to "
            f"{train_b.describe()}: large images become {more} tokens than the model was "
            "trained on, so answers about them drift from the evaluated behaviour (Qwen-VL "
            "grounding coordinates are in the resized image's pixels and shift outright)",
            fix=_fix(lim, train_b, "fine-tuned"),
            evidence=ev,
            anchor=f"pixel budget training {d.model.ref}",
        )


def _same_model(ctx: Context, d: Deployment, op: PeftOp) -> bool:
    mv = op.model
    if d.model is None or mv is None or not isinstance(mv.value, str):
        return False
    if not ctx.project.same_project(op.loc.path, d.loc.path):
        return False
    ref = mv.value.strip().rstrip("/")
    if ref == d.model.ref.strip().rstrip("/"):
        return True
    md = local_dir(ctx.project, ref, op.loc.path.parent)
    return md is not None and d.model_dir is not None and md.path == d.model_dir.path


def _script_enc(op: PeftOp) -> dict[str, Any] | None:
    enc: dict[str, Any] = {"processor_model": op.model}
    found = False
    for k in ("max_pixels", "min_pixels", "size"):
        v = op.extra.get(k)
        if isinstance(v, Value) and v.resolved:
            enc["load_" + k] = v
            found = found or k in ("max_pixels", "size")
    return enc if found else None


def _scripts(ctx: Context) -> Iterator[Finding]:
    loads = [
        op
        for op in ctx.project.peft_ops
        if op.op == "load-base" and op.what == "processor" and op.model is not None
    ]
    if not loads:
        return
    for d in ctx.deployments:
        served = served_budget(d)
        if served is None:
            continue
        serve_b, lim = served
        for op in loads:
            if op.loc.path == d.loc.path or not _same_model(ctx, d, op):
                continue
            enc = _script_enc(op)
            if enc is None:
                continue
            script_b = script_budget(ctx.project, enc, Path(op.loc.path))
            if script_b is None or not _differs(serve_b, script_b):
                continue
            assert d.model is not None
            ev = d.evidence()
            ev.update(
                {
                    "script": op.loc,
                    "script_pixel_budget": script_b.describe(),
                    "serving_pixel_budget": serve_b.describe(),
                }
            )
            loc = _anchor(d, lim)
            yield ctx.finding(
                loc,
                f"{d.phrase} serves `{d.model.ref}` with images resized to {serve_b.describe()}, "
                f"but {op.loc.path.name}:{op.loc.line} loads its processor with "
                f"{script_b.describe()}: what the script measures is not what the server does "
                "with the same image (different token counts, different answers)",
                fix=_fix(lim, script_b, "evaluated"),
                evidence=ev,
                anchor=f"pixel budget script {d.model.ref} {op.loc.path.name}",
            )


def check(ctx: Context) -> Iterator[Finding]:
    yield from _training(ctx)
    yield from _scripts(ctx)
