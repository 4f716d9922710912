"""DPL203 eos-token-mismatch: generate with the engine's stop set (token ids) past the template's
end-of-turn token: confirmed when the model writes the end-of-turn token and generation goes on
(new turns), as the finding says."""

from __future__ import annotations

from . import CONFIRMED, NOT_CONFIRMED, SKIPPED, Skip, Verdict
from .common import CONVERSATION, token_ids


def decide(output: list[int], eot_id: int, stop_ids: set[int]) -> tuple[str, str]:
    if eot_id in output:
        i = output.index(eot_id)
        after = len(output) - i - 1
        if after > 0:
            return (
                CONFIRMED,
                f"the model ended its turn at generated token {i}, and generation went on for "
                f"{after} more token{'s' if after != 1 else ''}",
            )
        return NOT_CONFIRMED, "generation stopped at the end-of-turn token"
    if output and output[-1] in stop_ids:
        return NOT_CONFIRMED, "generation stopped on the engine's stop token before the turn ended"
    return SKIPPED, f"inconclusive: the model did not end its turn within {len(output)} tokens"


def run(subject, ctx):
    ctx.require_model(subject.model_dir, subject.model_ref)
    ev0 = subject.evidence
    eot = ev0.get("end_of_turn")
    if not isinstance(eot, str):
        raise Skip("the finding names no end-of-turn token")
    p = subject.engine_prompting()
    if p is None or p.kind in ("none", "unknown"):
        raise Skip("the engine's prompt format is not known")
    from ...templates.resolve import RenderError

    try:
        prompt = p.render([dict(m) for m in CONVERSATION], True)
    except RenderError as e:
        raise Skip(f"the template does not render: {e}") from None
    be = ctx.backend
    tok = be.tokenizer(subject.tokenizer_dir, subject.model_ref)
    eot_ids, unknown = token_ids(tok, [eot])
    if not eot_ids:
        raise Skip(f"{eot!r} is not a token of this tokenizer")
    eot_id = next(iter(eot_ids))
    stop, not_tokens = token_ids(tok, ev0.get("stop_tokens") or [])
    model = be.model(subject.model_dir, subject.model_ref)
    out = be.generate(
        model, be.encode(tok, prompt), max_new_tokens=ctx.opts.max_new_tokens, stop=stop
    )
    status, reason = decide(out, eot_id, stop)
    ev = {
        "prompt": prompt,
        "stop_token_ids": sorted(stop),
        "end_of_turn_id": eot_id,
        "output": be.decode(tok, out),
        "output_ids": out,
    }
    if not_tokens:
        ev["stop_strings_not_tokens"] = not_tokens
    return Verdict(status, reason, ev)
