"""DPL202 low-temperature-base-model: where the near-greedy default comes from the model's
generation_config.json, launch vLLM with `--generation-config vllm` (unsafe: every default the
model ships is dropped, not only the temperature)."""

from __future__ import annotations

from .. import UNSAFE, Fix
from ..text import insert_words, replace_in_word


def fix(finding, ctx) -> Fix | None:
    ev = finding.evidence
    if ev.get("engine") != "vllm" or "generation_config.json" not in str(
        ev.get("temperature_source", "")
    ):
        return None
    launch = ctx.launch_at(finding.loc)
    if launch is None:
        return None
    from ...engines.registry import module

    table = module("vllm").option_table(launch.version.version if launch.version else None)
    if table.lookup("--generation-config")[0] is None:
        return None  # this release has no such option
    occ = launch.args.last("generation_config")
    if occ is not None:
        if not occ.values:
            return None
        tok = occ.values[0]
        edit = replace_in_word(ctx, tok.loc, tok.text, "vllm")
    else:
        edit = insert_words(ctx, finding.loc, ["--generation-config", "vllm"], after=True)
    if edit is None:
        return None
    return Fix(
        "launch with --generation-config vllm (the model's generation_config.json defaults are "
        "not applied)",
        [edit],
        UNSAFE,
    )
