"""DPL303 lora-rank-exceeds-max: a `--max-lora-rank` (vLLM, SGLang) or `vllm_max_lora_rank`
(LLaMA-Factory) the adapter fits — the next value the engine accepts at or above its rank."""

from __future__ import annotations

import re

from ...location import Loc
from .. import SAFE, Fix
from ..text import append_line, insert_words, replace_in_word
from .dpl301 import allowed_at_least


def _choices(launch):
    if launch is None or launch.engine != "vllm":
        return None
    from ...engines.vllm import max_lora_rank

    return max_lora_rank(launch.version.version if launch.version else None)[1]


def fix(finding, ctx) -> Fix | None:
    ev = finding.evidence
    if finding.anchor.startswith("--max-lora-rank "):  # a value vLLM does not accept
        launch = ctx.launch_at(finding.loc)
        occ = launch.args.last("max_lora_rank") if launch is not None else None
        choices = ev.get("allowed") or []
        if occ is None or not occ.values or not occ.value.isdigit() or not choices:
            return None
        want = allowed_at_least(max(int(occ.value), 1), choices)
        if want == int(occ.value) or want not in choices:
            return None
        edit = replace_in_word(ctx, occ.values[0].loc, occ.value, str(want))
        return Fix(f"--max-lora-rank {want}", [edit], SAFE) if edit else None
    rank = ev.get("rank")
    if not isinstance(rank, int):
        return None
    where = ev.get("max_location")
    if isinstance(where, Loc):  # the limit is written: raise it
        launch = ctx.launch_at(where)
        want = allowed_at_least(rank, _choices(launch))
        current = str(ev.get("max"))
        m = None
        line = ctx.line(where.path, where.line)
        if line is not None and where.col is not None:
            end = where.end_col - 1 if where.end_col and where.end_line == where.line else None
            m = list(re.finditer(re.escape(current), line[where.col - 1 : end]))
        if not m:
            return None
        edit = replace_in_word(ctx, where, current, str(want))
        flag = "vllm_max_lora_rank" if ctx.kind(where.path) == "yaml" and launch is None else None
        name = flag or "--max-lora-rank"
        return Fix(f"{name} {current} → {want}", [edit], SAFE) if edit else None
    # the engine's default applies: add the setting
    loc = finding.loc
    if ctx.kind(loc.path) == "yaml" and str(ev.get("max_source", "")).startswith("LLaMA-Factory"):
        line = ctx.line(loc.path, loc.line)
        if line is None or line[:1].isspace() or ":" not in line:
            return None
        edit = append_line(ctx, loc.path, loc.line, f"vllm_max_lora_rank: {rank}")
        return Fix(f"add vllm_max_lora_rank: {rank}", [edit], SAFE) if edit else None
    launch = ctx.launch_at(loc)
    if launch is None or not launch.tokens:
        return None
    want = allowed_at_least(rank, _choices(launch))
    edit = insert_words(ctx, launch.tokens[-1].loc, ["--max-lora-rank", str(want)], after=True)
    return Fix(f"add --max-lora-rank {want}", [edit], SAFE) if edit else None
