"""DPL302 adapter-base-mismatch: apply the adapter to the base model it is served on — confirmed
when that fails (shape mismatch). When it loads, the outputs on both bases are recorded; whether
they are worse is not something a probe can judge, so the verdict is `skipped`."""

from __future__ import annotations

from ..backend import LoadError
from . import CONFIRMED, SKIPPED, Skip, Verdict
from .common import CONVERSATION


def decide(load_error: str | None) -> tuple[str, str]:
    if load_error is not None:
        return CONFIRMED, f"the adapter does not fit the served base: {load_error}"
    return (
        SKIPPED,
        "inconclusive: the adapter loads onto the served base; output quality is not judged",
    )


def run(subject, ctx):
    use = subject.adapter_use()
    if use is None:
        raise Skip("the adapter use is not found in the scan")
    adapter = subject.adapter_dir_of(use)
    if adapter is None:
        raise Skip(f"adapter `{use.ref.text}` is not on this machine")
    served = subject.base_dir_of(use)
    be = ctx.backend
    error = None
    try:
        model = be.model(served, use.base, adapter=adapter)
    except LoadError as e:
        error = str(e)
        model = None
    status, reason = decide(error)
    ev = {"adapter": adapter, "served_on": use.base, "error": error}
    if model is not None:
        tok = be.tokenizer(served, use.base)
        ids = be.encode(tok, CONVERSATION[0]["content"])
        ev["output_served_base"] = be.decode(
            tok, be.generate(model, ids, max_new_tokens=ctx.opts.max_new_tokens)
        )
    return Verdict(status, reason, ev)
