"""DPL202 low-temperature-base-model: sample the base model at the configured temperature and at
a sane one (0.7), with fixed seeds, and compare distinct-2 and the longest repetition loop:
confirmed when the configured temperature falls into a loop the sane one does not."""

from __future__ import annotations

from . import CONFIRMED, NOT_CONFIRMED, Verdict
from .common import CONVERSATION

SANE = 0.7
MIN_TOKENS = 48
PLAIN_PROMPT = "The capital of France is"


def distinct_2(ids: list[int]) -> float:
    pairs = list(zip(ids, ids[1:], strict=False))
    return len(set(pairs)) / len(pairs) if pairs else 1.0


def loop_fraction(ids: list[int], max_period: int = 8) -> tuple[float, int]:
    """(share of the output covered by a trailing loop, its period): the longest suffix that
    repeats one block of at most max_period tokens at least twice."""
    best, best_p = 0, 0
    n = len(ids)
    for p in range(1, min(max_period, n // 2) + 1):
        length = p
        while length < n and ids[n - 1 - length] == ids[n - 1 - length + p]:
            length += 1
        if length >= 2 * p and length > best:
            best, best_p = length, p
    return (best / n if n else 0.0), best_p


def decide(configured: list[int], sane: list[int]) -> tuple[str, str, dict]:
    lc, pc = loop_fraction(configured)
    ls, _ = loop_fraction(sane)
    dc, ds = distinct_2(configured), distinct_2(sane)
    metrics = {
        "configured": {"distinct_2": round(dc, 3), "loop_fraction": round(lc, 3), "period": pc},
        "sane": {"distinct_2": round(ds, 3), "loop_fraction": round(ls, 3)},
    }
    if lc >= 0.5 and lc > ls:
        return (
            CONFIRMED,
            f"at the configured temperature {lc:.0%} of the output is a loop of {pc} "
            f"token{'s' if pc != 1 else ''} (at {SANE}: {ls:.0%})",
            metrics,
        )
    if dc <= 0.5 * ds:
        return (
            CONFIRMED,
            f"the configured temperature repeats itself: distinct-2 {dc:.2f} vs {ds:.2f} at {SANE}",
            metrics,
        )
    return NOT_CONFIRMED, f"no repetition loop (distinct-2 {dc:.2f} vs {ds:.2f})", metrics


def run(subject, ctx):
    ctx.require_model(subject.model_dir, subject.model_ref)
    temp = subject.evidence.get("temperature")
    temp = float(temp) if isinstance(temp, (int, float)) else 0.0
    p = subject.engine_prompting()
    prompt = PLAIN_PROMPT
    if p is not None and p.kind not in ("none", "unknown"):
        from ...templates.resolve import RenderError

        try:
            prompt = p.render([dict(m) for m in CONVERSATION], True)
        except RenderError:
            prompt = PLAIN_PROMPT
    be = ctx.backend
    tok = be.tokenizer(subject.tokenizer_dir, subject.model_ref)
    model = be.model(subject.model_dir, subject.model_ref)
    ids = be.encode(tok, prompt)
    n = max(MIN_TOKENS, ctx.opts.max_new_tokens)
    seed = ctx.opts.seed
    conf = be.generate(model, ids, max_new_tokens=n, temperature=temp, seed=seed)
    sane = be.generate(model, ids, max_new_tokens=n, temperature=SANE, seed=seed)
    status, reason, metrics = decide(conf, sane)
    ev = {
        "prompt": prompt,
        "temperature": temp,
        "sane_temperature": SANE,
        "seed": seed,
        "output_configured": be.decode(tok, conf),
        "output_sane": be.decode(tok, sane),
        "metrics": metrics,
    }
    return Verdict(status, reason, ev)
