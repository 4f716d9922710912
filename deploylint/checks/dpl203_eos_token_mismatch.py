"""DPL203 eos-token-mismatch: the token that ends an assistant turn in the template in use is not
one the engine stops on, so generation runs on into new turns."""

from __future__ import annotations

from collections.abc import Iterator

from ..engines.base import NotApplicable
from ..findings import Finding
from ..knowledge import models
from ..templates.resolve import RenderError
from ..tokenizers import added_token_ids, special_tokens
from . import Context

ANSWER = "The capital is Paris."


def end_of_turn(p, specials: set[str]) -> str | None:
    """The special token right after an assistant message in the rendered multi-turn probe."""
    return end_of_turn_and_prompt(p, specials)[0]


def end_of_turn_and_prompt(p, specials: set[str]) -> tuple[str | None, str | None]:
    msgs = [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": ANSWER},
        {"role": "user", "content": "And of Germany?"},
    ]
    try:
        text = p.render(msgs)
    except RenderError:
        return None, None
    i = text.find(ANSWER)
    if i < 0:
        return None, text
    rest = text[i + len(ANSWER) :]
    best = None
    for tok in specials:
        if tok and rest.startswith(tok) and (best is None or len(tok) > len(best)):
            best = tok
    return best, text


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        mr = d.model
        if mr is None or not mr.resolved:
            continue
        md = d.tokenizer_dir
        if md is None or not (
            "tokenizer_config.json" in md.docs or "generation_config.json" in md.docs
        ):
            continue
        if d.clients and not d.chat_calls() and not d.chat_uis:
            continue  # the repository shows completion requests only: no chat template applies
        stop = d.stop_set
        if isinstance(stop, NotApplicable):
            continue
        p = d.prompting
        if not p.text_template:
            continue
        specials = {t for t in added_token_ids(md)} | set(special_tokens(md).values())
        info = models.guess(mr.ref)
        if info.end_of_turn:
            specials.add(info.end_of_turn)
        eot, _rendered = end_of_turn_and_prompt(p, specials)
        if eot is None or eot in stop.tokens:
            continue
        gc_doc = md.docs.get("generation_config.json")
        ev = d.evidence()
        ev.update(
            {
                "end_of_turn": eot,
                "template": p.source,
                "stop_tokens": sorted(stop.tokens),
                "stop_sources": list(stop.why),
            }
        )
        if gc_doc is not None:
            ev["generation_config"] = gc_doc.loc("eos_token_id")
        eot_id = next((i for t, i in added_token_ids(md).items() if t == eot), None)
        msg = (
            f"the template in use ({p.source}) ends each assistant turn with {eot!r}, but "
            f"{d.phrase} stops only on {', '.join(sorted(stop.tokens)) or 'nothing'} "
            f"({'; '.join(stop.why) or 'no eos configured'}): the model writes {eot!r} and keeps "
            "generating new turns until max_tokens"
        )
        fix = d.fix("stop-token", token=eot, id=eot_id)
        yield ctx.finding(d.model_loc, msg, fix=fix, evidence=ev, anchor=f"eot {eot} {mr.ref}")
