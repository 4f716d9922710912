"""DPL304 unsupported-adapter. Prompt tuning with peft < 0.14: generate with the prompt-tuning
model with the KV cache on and off, and with the base model alone — confirmed when the cached
output equals the base model's while the uncached one differs (the learned virtual tokens are
skipped). The installed peft/transformers decide what is measured: when they are not the versions
the finding is about, the measurement is recorded and the verdict is `skipped`. Adapters vLLM
rejects (modules_to_save, DoRA, prompt learning) need vLLM's own validation."""

from __future__ import annotations

from . import CONFIRMED, NOT_CONFIRMED, SKIPPED, Skip, Verdict

PLAIN_PROMPT = "What is the capital of France?"


def decide(cached: list[int], uncached: list[int], base: list[int]) -> tuple[str, str]:
    if uncached == base:
        return SKIPPED, "inconclusive: the prompt-tuning adapter does not change the greedy output"
    if cached == base:
        return (
            CONFIRMED,
            "with the cache on the output equals the base model's; with use_cache=False the "
            "virtual tokens change it",
        )
    return NOT_CONFIRMED, "the virtual tokens change the output with the cache on and off"


def _vllm_validation(subject, ctx):
    try:
        from vllm.lora.peft_helper import PEFTHelper  # noqa: F401
    except Exception:  # noqa: BLE001 - vLLM missing, or it does not import on this machine
        raise Skip(
            "vLLM's own adapter validation (vllm/lora/peft_helper.py) needs vLLM, which does "
            "not import here"
        ) from None
    use = subject.adapter_use()
    d = subject.adapter_dir_of(use) if use is not None else None
    if d is None:
        raise Skip("the adapter directory is not on this machine")
    from vllm.config import LoRAConfig
    from vllm.lora.peft_helper import PEFTHelper

    error = None
    try:
        helper = PEFTHelper.from_local_dir(str(d), max_position_embeddings=None)
        helper.validate_legal(LoRAConfig(max_lora_rank=max(8, int(helper.r))))
    except Exception as e:  # noqa: BLE001 - the engine's refusal is the evidence
        error = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300]}"
    if error is not None:
        return Verdict(CONFIRMED, f"vLLM rejects the adapter: {error}", {"error": error}, "vllm")
    return Verdict(NOT_CONFIRMED, "vLLM's validation accepts the adapter", {}, "vllm")


def run(subject, ctx):
    ev0 = subject.evidence
    if "peft_version" not in ev0:
        if subject.engine == "vllm":
            return _vllm_validation(subject, ctx)
        raise Skip(f"{subject.engine or 'this engine'} cannot run here to show its refusal")
    adapter, base = subject.prompt_tuning_target()
    if adapter is None:
        raise Skip("the prompt-tuning adapter directory is not on this machine")
    be = ctx.backend
    tok = be.tokenizer(base, None)
    plain = be.model(base, None)
    tuned = be.model(base, None, adapter=adapter)
    ids = be.encode(tok, PLAIN_PROMPT)
    n = ctx.opts.max_new_tokens
    cached = be.generate_hf(tuned, ids, max_new_tokens=n, use_cache=True)
    uncached = be.generate_hf(tuned, ids, max_new_tokens=n, use_cache=False)
    base_out = be.generate_hf(plain, ids, max_new_tokens=n, use_cache=True)
    status, reason = decide(cached, uncached, base_out)
    installed = be.versions()
    ev = {
        "adapter": adapter,
        "prompt": PLAIN_PROMPT,
        "output_cache_on": be.decode(tok, cached),
        "output_cache_off": be.decode(tok, uncached),
        "output_base": be.decode(tok, base_out),
        "installed": installed,
        "finding_peft_version": ev0.get("peft_version"),
    }
    pinned = ev0.get("peft_version")
    if pinned and installed.get("peft") != pinned:
        return Verdict(
            SKIPPED,
            f"measured with peft {installed.get('peft')} and transformers "
            f"{installed.get('transformers')} (installed here: {reason}); the finding is about "
            f"peft {pinned}: install the pinned versions to reproduce it",
            ev,
        )
    return Verdict(status, reason, ev)
