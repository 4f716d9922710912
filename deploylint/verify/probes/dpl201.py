"""DPL201 base-model-chat-endpoint: the chat-format probe. Render a one-question conversation the
way the engine does, generate greedily with the template's end-of-turn token as the only stop,
and look at what the model does with the chat format: confirmed when it does not end its turn
within the budget, writes role markers (invents turns) or echoes the question."""

from __future__ import annotations

from . import CONFIRMED, NOT_CONFIRMED, Skip, Verdict
from .common import CONVERSATION, token_ids

ECHO_SPAN = 4  # this many consecutive question tokens repeated in the answer is an echo


def _contains(seq: list[int], sub: list[int]) -> bool:
    n = len(sub)
    return n > 0 and any(seq[i : i + n] == sub for i in range(len(seq) - n + 1))


def decide(
    output: list[int],
    stop_ids: set[int],
    marker_ids: set[int],
    question_ids: list[int],
    max_new_tokens: int,
) -> tuple[str, str, list[str]]:
    """(status, reason, signs). Signs: `no-end-of-turn`, `role-markers`, `echo`."""
    signs: list[str] = []
    body = output[:-1] if output and output[-1] in stop_ids else output
    ended = bool(output) and output[-1] in stop_ids
    if not ended and len(output) >= max_new_tokens:
        signs.append("no-end-of-turn")
    if any(t in marker_ids for t in body):
        signs.append("role-markers")
    if len(question_ids) >= ECHO_SPAN and any(
        _contains(body, question_ids[i : i + ECHO_SPAN])
        for i in range(len(question_ids) - ECHO_SPAN + 1)
    ):
        signs.append("echo")
    if signs:
        what = {
            "no-end-of-turn": f"no end of turn within {max_new_tokens} tokens",
            "role-markers": "role markers in the answer (it writes turns of its own)",
            "echo": "it echoes the question",
        }
        return CONFIRMED, "; ".join(what[s] for s in signs), signs
    return NOT_CONFIRMED, f"the model answered and ended its turn after {len(output)} tokens", signs


def run(subject, ctx):
    ctx.require_model(subject.model_dir, subject.model_ref)
    p = subject.engine_prompting()
    if p is None:
        raise Skip("the engine's prompt format is not known")
    if p.kind == "none":
        from .dpl103 import run as reproduce_refusal

        v = reproduce_refusal(subject, ctx)
        v.reason = "no chat template: " + v.reason
        return v
    if p.kind == "unknown":
        raise Skip(f"the engine's prompt format is not known ({p.source})")
    from ...templates.resolve import RenderError

    try:
        prompt = p.render([dict(m) for m in CONVERSATION], True)
    except RenderError as e:
        raise Skip(f"the engine's template does not render: {e}") from None
    be = ctx.backend
    tok = be.tokenizer(subject.tokenizer_dir, subject.model_ref)
    model = be.model(subject.model_dir, subject.model_ref)
    eot, specials = subject.end_of_turn(p)
    eot_texts = {eot} if eot else set()
    if tok.eos_token:
        eot_texts.add(tok.eos_token)
    stop, _ = token_ids(tok, eot_texts)
    markers, _ = token_ids(tok, {s for s in specials if s not in eot_texts} - {tok.bos_token})
    ids = be.encode(tok, prompt)
    question = be.encode(tok, CONVERSATION[0]["content"])
    n = ctx.opts.max_new_tokens
    out = be.generate(model, ids, max_new_tokens=n, stop=stop)
    status, reason, signs = decide(out, stop, markers, question, n)
    ev = {
        "prompt": prompt,
        "output": be.decode(tok, out),
        "output_tokens": len(out),
        "end_of_turn": sorted(eot_texts),
        "signs": signs,
    }
    return Verdict(status, reason, ev)
