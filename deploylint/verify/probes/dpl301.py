"""DPL301 unmerged-adapter. An adapter directory given as the model: load it the way an engine
loads a model (its config first) — confirmed when that fails. Adapters the deployment drops or
never loads (LMDeploy `--adapters` on TurboMind, a fine-tune nothing serves): generate with the
base model and with base + adapter — confirmed when the adapter changes the answer, i.e. users
get the base model's answer instead of the fine-tune's."""

from __future__ import annotations

from . import CONFIRMED, NOT_CONFIRMED, Skip, Verdict
from .common import CONVERSATION, decide_outputs_differ, first_differing_token


def decide_load(error: str | None) -> tuple[str, str]:
    if error is not None:
        return CONFIRMED, f"loading it as a model fails: {error}"
    return NOT_CONFIRMED, "the directory loads as a model"


def decide(base_out: list[int], adapter_out: list[int]) -> tuple[str, str]:
    status, reason = decide_outputs_differ(base_out, adapter_out)
    if status == CONFIRMED:
        return status, f"the adapter changes the answer ({reason}); the deployment serves the base"
    return NOT_CONFIRMED, f"the adapter does not change the greedy answer ({reason})"


def _as_model(subject, ctx):
    d = subject.evidence.get("adapter_dir")
    if d is None:
        raise Skip("the finding names no adapter directory")
    from pathlib import Path

    ctx.backend  # noqa: B018 - sets the offline environment before transformers loads
    from transformers import AutoConfig

    error = None
    try:
        AutoConfig.from_pretrained(
            str(Path(d)),
            local_files_only=not ctx.opts.allow_download,
            trust_remote_code=ctx.opts.trust_remote_code,
        )
    except (OSError, ValueError, KeyError) as e:
        error = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300]}"
    status, reason = decide_load(error)
    return Verdict(status, reason, {"adapter_dir": Path(d), "error": error})


def _base_vs_adapter(subject, ctx, adapter):
    ctx.require_model(subject.model_dir, subject.model_ref)
    be = ctx.backend
    tok = be.tokenizer(subject.tokenizer_dir, subject.model_ref)
    base = be.model(subject.model_dir, subject.model_ref)
    tuned = be.model(subject.model_dir, subject.model_ref, adapter=adapter)
    p = subject.engine_prompting()
    prompt = "The capital of France is"
    if p is not None and p.kind not in ("none", "unknown"):
        try:
            prompt = p.render([dict(m) for m in CONVERSATION], True)
        except Exception:  # noqa: BLE001 - fall back to a plain prompt
            pass
    ids = be.encode(tok, prompt)
    n = ctx.opts.max_new_tokens
    a = be.generate(base, ids, max_new_tokens=n)
    b = be.generate(tuned, ids, max_new_tokens=n)
    status, reason = decide(a, b)
    i = first_differing_token(a, b)
    return Verdict(
        status,
        reason,
        {
            "adapter": adapter,
            "prompt": prompt,
            "output_base": be.decode(tok, a),
            "output_with_adapter": be.decode(tok, b),
            "first_differing_token": i,
        },
    )


def run(subject, ctx):
    ev = subject.evidence
    if "adapter_dir" in ev:
        return _as_model(subject, ctx)
    if "adapters" in ev:
        dirs = subject.lmdeploy_adapters()
        if not dirs:
            raise Skip("the adapter directories are not on this machine")
        return _base_vs_adapter(subject, ctx, dirs[0])
    if "output_dir" in ev:
        d = subject.training_output()
        if d is None:
            raise Skip(f"the fine-tune's output `{ev.get('output_dir')}` is not on this machine")
        return _base_vs_adapter(subject, ctx, d)
    if "lora_modules" in ev:
        raise Skip("only vLLM itself can show `LoRA is not enabled` (its engine start-up)")
    raise Skip("no probe for this form (save_pretrained without merge_and_unload)")
