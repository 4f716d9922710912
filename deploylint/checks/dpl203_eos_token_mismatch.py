"""DPL203 eos-token-mismatch: the token that ends an assistant turn in the template in use is not
one the engine stops on, so generation runs on into new turns."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..knowledge import models
from ..templates.resolve import RenderError
from ..tokenizers import added_token_ids, special_tokens
from . import Context, launch_evidence, model_loc, version_phrase

ANSWER = "The capital is Paris."
# Token ids whose text is fixed across the families deploylint knows (domain.md §5).
KNOWN_IDS = {
    151643: "<|endoftext|>",
    151645: "<|im_end|>",
    128001: "<|end_of_text|>",
    128008: "<|eom_id|>",
    128009: "<|eot_id|>",
}


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


def _id_to_text(md) -> dict[int, str]:
    out = dict(KNOWN_IDS)
    for t, i in added_token_ids(md).items():
        out[i] = t
    return out


def stop_tokens(launch, md) -> tuple[set[str], list[str]]:
    """Token texts the engine stops on by default, with where each comes from."""
    stops: set[str] = set()
    why: list[str] = []
    st = special_tokens(md)
    eos = st.get("eos_token")
    if eos:
        stops.add(eos)
        why.append(f"tokenizer eos_token {eos!r}")
    gc = md.json("generation_config.json")
    ids = gc.get("eos_token_id")
    id_list = ids if isinstance(ids, list) else ([ids] if isinstance(ids, int) else [])
    names = _id_to_text(md)
    for i in id_list:
        if isinstance(i, int):
            t = names.get(i)
            stops.add(t or f"<id {i}>")
            why.append(f"generation_config.json eos_token_id {i}" + (f" ({t})" if t else ""))
    if launch.engine == "ollama":
        mf = launch.extra.get("modelfile") or {}
        for s in mf.get("stops") or []:
            v = getattr(s, "value", s)
            if isinstance(v, str):
                stops.add(v)
                why.append(f"Modelfile PARAMETER stop {v!r}")
    for v in launch.args.values("stop") + launch.args.values("stop_token_ids"):
        stops.add(v.text)
    return stops, why


def check(ctx: Context) -> Iterator[Finding]:
    project = ctx.project
    for launch in project.launches:
        mr = launch.model
        if mr is None or not mr.resolved:
            continue
        md = (
            launch.tokenizer.directory
            if (launch.tokenizer is not None and launch.tokenizer.directory is not None)
            else (mr.directory)
        )
        if md is None or not (
            "tokenizer_config.json" in md.docs or "generation_config.json" in md.docs
        ):
            continue
        if launch.engine not in ("vllm", "tgi", "sglang", "ollama"):
            continue
        p = project.prompting(launch)
        if p.kind not in ("jinja", "ollama"):
            continue
        specials = {t for t in added_token_ids(md)} | set(special_tokens(md).values())
        info = models.guess(mr.ref)
        if info.end_of_turn:
            specials.add(info.end_of_turn)
        eot, rendered = end_of_turn_and_prompt(p, specials)
        if eot is None:
            continue
        stops, why = stop_tokens(launch, md)
        if eot in stops:
            continue
        gc_doc = md.docs.get("generation_config.json")
        ev = launch_evidence(launch)
        ev.update(
            {
                "end_of_turn": eot,
                "template": p.source,
                "stop_tokens": sorted(stops),
                "stop_sources": why,
            }
        )
        if gc_doc is not None:
            ev["generation_config"] = gc_doc.loc("eos_token_id")
        eot_id = next((i for t, i in added_token_ids(md).items() if t == eot), None)
        msg = (
            f"the template in use ({p.source}) ends each assistant turn with {eot!r}, but "
            f"{version_phrase(launch)} stops only on {', '.join(sorted(stops)) or 'nothing'} "
            f"({'; '.join(why) or 'no eos configured'}): the model writes {eot!r} and keeps "
            "generating new turns until max_tokens"
        )
        fix = (
            "add its id to generation_config.json eos_token_id"
            + (f" ({eot_id})" if eot_id is not None else "")
            + f", or set the tokenizer's eos_token to {eot!r}"
        )
        if launch.engine == "ollama":
            fix = f'add `PARAMETER stop "{eot}"` to the Modelfile'
        yield ctx.finding(
            model_loc(launch), msg, fix=fix, evidence=ev, anchor=f"eot {eot} {mr.ref}"
        )
