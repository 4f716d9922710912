"""DPL703 processor-attribute-missing: a tokenizer attribute read from a multimodal processor.

``processor.pad_token_id`` (``eos_token_id``, ``padding_side`` ...) raises ``AttributeError``:
a processor (ProcessorMixin) wraps a tokenizer and an image processor and forwards only a few
methods (``decode``, ``batch_decode``, ``apply_chat_template``); its token ids live on
``processor.tokenizer``. For a text-only model ``AutoProcessor`` returns the tokenizer itself,
which has them: the rule reports only processors of models known to be multimodal.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..facts import PeftOp, Value
from ..findings import Finding
from ..knowledge.models import guess
from ..knowledge.vision import checkpoint_budget, family_display
from . import Context
from .multimodal_common import local_dir


def _multimodal(ctx: Context, op: PeftOp) -> str | None:
    """Why the processor is a multimodal one (None: not known to be)."""
    cls = str(op.extra.get("processor_class") or "")
    if cls.endswith("Processor") and not cls.startswith("Auto") and "." not in cls:
        return f"`{cls}` is a multimodal processor class"
    mv = op.model
    ref = mv.value if isinstance(mv, Value) and isinstance(mv.value, str) else None
    if not ref:
        return None
    md = local_dir(ctx.project, ref, op.loc.path.parent)
    if md is not None:
        for name in ("preprocessor_config.json", "processor_config.json"):
            if name in md.names:
                return f"{md.path.name} has a {name}, so AutoProcessor builds a processor"
        return None
    if checkpoint_budget(ref) is not None:
        return f"`{ref}` is a {family_display(ref)} checkpoint, whose AutoProcessor is multimodal"
    info = guess(ref)
    if info.confidence == "known" and info.modality == "vision":
        return f"`{ref}` is a vision-language model (AutoProcessor returns its processor)"
    return None


def check(ctx: Context) -> Iterator[Finding]:
    for op in ctx.project.peft_ops:
        if op.op != "attribute" or op.what != "processor":
            continue
        why = _multimodal(ctx, op)
        if why is None:
            continue
        attr = str(op.extra.get("attribute"))
        recv = op.extra.get("receiver") or "processor"
        ev = {
            "attribute": attr,
            "receiver": recv,
            "processor_loaded_at": op.extra.get("processor_loc"),
            "why_multimodal": why,
        }
        if op.model is not None and isinstance(op.model.value, str):
            ev["model"] = op.model.value
        yield ctx.finding(
            op.loc,
            f"`{recv}.{attr}` raises AttributeError: {why}, and processors do not have "
            f"`{attr}` (transformers' ProcessorMixin forwards no tokenizer attributes); it is "
            f"`{recv}.tokenizer.{attr}`",
            fix=f"use `{recv}.tokenizer.{attr}`",
            evidence=ev,
            anchor=f"{recv}.{attr}",
        )
