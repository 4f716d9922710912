"""DPL301 unmerged-adapter: `--enable-lora` where vLLM gets `--lora-modules` without it;
`--backend pytorch` where LMDeploy gets `--adapters` without it (unsafe: another backend)."""

from __future__ import annotations

from .. import SAFE, UNSAFE, Fix
from ..text import insert_words, replace_in_word


def fix(finding, ctx) -> Fix | None:
    if finding.anchor == "--lora-modules without --enable-lora":
        return _enable_lora(finding, ctx)
    if finding.anchor == "--adapters without --backend pytorch":
        return _backend_pytorch(finding, ctx)
    return None


def _enable_lora(finding, ctx) -> Fix | None:
    launch = ctx.launch_at(finding.loc)
    if launch is None or launch.engine != "vllm":
        return None
    occ = launch.args.options["lora_modules"][0]
    # An adapter above the default --max-lora-rank is DPL303's finding, and its fix.
    edit = insert_words(ctx, occ.flag.loc, ["--enable-lora"])
    if edit is None:
        return None
    return Fix("add --enable-lora", [edit], SAFE)


def allowed_at_least(rank: int, choices) -> int:
    if choices:
        fitting = [c for c in sorted(choices) if c >= rank]
        if fitting:
            return fitting[0]
    return rank


def _backend_pytorch(finding, ctx) -> Fix | None:
    launch = ctx.launch_at(finding.loc)
    if launch is None or launch.engine != "lmdeploy":
        return None
    backend = launch.args.last("backend")
    if backend is not None:
        if not backend.values:
            return None
        tok = backend.values[0]
        edit = replace_in_word(ctx, tok.loc, tok.text, "pytorch")
        what = f"--backend {tok.text} → --backend pytorch"
    else:
        occ = launch.args.options["adapters"][0]
        edit = insert_words(ctx, occ.flag.loc, ["--backend", "pytorch"])
        what = "add --backend pytorch"
    if edit is None:
        return None
    return Fix(f"{what} (LMDeploy's PyTorch engine, the one that loads adapters)", [edit], UNSAFE)
