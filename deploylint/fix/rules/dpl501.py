"""DPL501 model-argument-ignored: a positional model given to vLLM's api_server module, which
reads only `--model`, becomes `--model MODEL`."""

from __future__ import annotations

from .. import SAFE, Fix
from ..text import insert_words


def fix(finding, ctx) -> Fix | None:
    if not finding.anchor.startswith("positional "):
        return None
    edit = insert_words(ctx, finding.loc, ["--model"])
    if edit is None:
        return None
    return Fix("pass the model with --model", [edit], SAFE)
