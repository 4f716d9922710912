"""DPL701 image-tokens-truncated: image tokens cut, right-padded or not fitting the context.

* A processor call (``apply_chat_template`` or ``processor(...)``) on a prompt with images whose
  ``padding="max_length"`` pads on the right before ``generate``, or whose ``truncation`` with
  ``max_length`` can cut the image's tokens.
* A serving launch whose context length (vLLM ``--max-model-len``, LLaMA-Factory
  ``vllm_maxlen``) is smaller than the tokens the images one prompt may carry can take at the
  pixel budget in force.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..facts import ClientCall, Value
from ..findings import Finding
from . import Context
from .multimodal_common import MARKERS_PER_IMAGE, padding_side, script_budget, served_budget


def _val(enc: dict[str, Any], key: str) -> Value | None:
    v = enc.get(key)
    return v if isinstance(v, Value) and v.resolved else None


def _truncates(v: Value | None) -> bool:
    return v is not None and (v.value is True or v.value in ("longest_first", "only_first"))


def _script_findings(ctx: Context) -> Iterator[Finding]:
    seen: set = set()
    for call in ctx.project.clients:
        enc = call.extra.get("input_encoding") if call.api == "transformers" else None
        if not isinstance(enc, dict):
            continue
        key = (enc["loc"].path, enc["loc"].line)
        if key in seen:
            continue
        seen.add(key)
        yield from _script_call(ctx, call, enc)


def _script_call(ctx: Context, call: ClientCall, enc: dict[str, Any]) -> Iterator[Finding]:
    path = enc["loc"].path
    images = int(enc.get("images") or 1)
    padding = _val(enc, "padding")
    max_length = _val(enc, "max_length")
    trunc = _val(enc, "truncation")
    m = max_length.value if max_length is not None else None
    m = m if isinstance(m, int) and not isinstance(m, bool) and m > 0 else None
    budget = script_budget(ctx.project, enc, path)
    need = budget.max_tokens * images if budget is not None else None
    model = enc.get("processor_model")
    model_ref = model.value if isinstance(model, Value) and isinstance(model.value, str) else None
    ev: dict[str, Any] = {
        "processor_call": enc["loc"],
        "generate_call": call.loc,
        "images_in_prompt": images,
    }
    if model_ref:
        ev["model"] = model_ref
    if budget is not None:
        ev["pixel_budget"] = budget.describe()
        ev["max_image_tokens"] = budget.max_tokens
    img = "an image" if images == 1 else f"{images} images"
    if _truncates(trunc) and m is not None and need is not None and need > m:
        assert trunc is not None and budget is not None
        ev["max_length"] = m
        yield ctx.finding(
            trunc.loc,
            f"truncation=True with max_length={m} on a prompt with {img}: at "
            f"{budget.describe()}, the image tokens alone can exceed {m}, so truncation cuts "
            "them (and the generation prompt after them); the processor then fails with an "
            "image-token mismatch, or the model sees a cut image",
            fix="drop truncation/max_length from the processor call (or lower max_pixels so the "
            "prompt fits), and let generate() bound the output with max_new_tokens",
            evidence=ev,
            anchor=f"truncation max_length={m} images",
        )
        return
    if padding is None or padding.value != "max_length":
        return
    side, why = padding_side(enc, ctx.project, path)
    if side != "right":
        return
    ev["padding"] = "max_length"
    ev["padding_side"] = side
    ev["padding_side_source"] = why
    length = f" to max_length={m}" if m is not None else " to max_length"
    over = ""
    if m is not None and need is not None and need + MARKERS_PER_IMAGE * images > m:
        over = (
            f"; max_length does not even bound the prompt: at {budget.describe()}"
            if budget is not None
            else ""
        )
    yield ctx.finding(
        padding.loc,
        f'padding="max_length" pads this prompt with {img}{length} on the right ({why}) '
        "and generate() continues from the padded batch: the next token is predicted after the "
        f"pad tokens, not after the prompt, so the answer is garbled or empty{over}",
        fix='drop padding="max_length"/max_length for generation (one prompt needs no '
        'padding); for batches pad with padding=True and padding_side="left" '
        '(processor.tokenizer.padding_side = "left")',
        evidence=ev,
        anchor="padding=max_length images generate",
    )


def _serving_findings(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        got = served_budget(d)
        if got is None:
            continue
        budget, lim = got
        if lim.context is None or not isinstance(lim.context.value, int):
            continue
        n_ctx = lim.context.value
        per = lim.per_prompt
        images = per.value if per is not None and isinstance(per.value, int) else 1
        if images <= 0:
            continue
        need = (budget.max_tokens + MARKERS_PER_IMAGE) * images
        if need <= n_ctx:
            continue
        assert d.model is not None
        ev = d.evidence()
        ev.update(
            {
                "context_length": n_ctx,
                "context_source": lim.context.source,
                "images_per_prompt": images,
                "images_per_prompt_source": per.source
                if per is not None
                else "not set: one image counted",
                "pixel_budget": budget.describe(),
                "max_image_tokens": budget.max_tokens,
                "image_tokens_needed": need,
            }
        )
        img = f"{images} images per prompt ({per.source})" if per is not None else "a single image"
        # the largest max_pixels whose images fit in half the context (the rest for text)
        fit_tokens = max(1, (n_ctx // 2) // images - MARKERS_PER_IMAGE)
        fit_pixels = fit_tokens * budget.factor**2
        loc = lim.context.loc or (per.loc if per is not None else None) or d.loc
        fixes = []
        if lim.pixels_option:
            fixes.append(
                f"cap the pixel budget: {lim.pixels_option.replace('N', str(fit_pixels))} "
                f"(≈{fit_tokens} tokens per image)"
            )
        if lim.context_option:
            fixes.append(f"or raise {lim.context_option} above {need} plus the text")
        yield ctx.finding(
            loc,
            f"{d.phrase} serves `{d.model.ref}` with a context of {n_ctx} tokens "
            f"({lim.context.source}), but {img} at {budget.describe()} need up to {need} "
            "tokens: prompts with large images are rejected ('The decoder prompt ... is longer "
            "than the maximum model length') although their text is short",
            fix="; ".join(fixes) or None,
            evidence=ev,
            anchor=f"image tokens > context {d.model.ref}",
        )


def check(ctx: Context) -> Iterator[Finding]:
    yield from _script_findings(ctx)
    yield from _serving_findings(ctx)
