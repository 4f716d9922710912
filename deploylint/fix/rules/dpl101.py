"""DPL101 implicit-system-prompt: send the system message the model was trained with, as the first
element of the request's `messages` list (Python, through libcst; unsafe: the prompt changes)."""

from __future__ import annotations

from .. import UNSAFE, Fix


def fix(finding, ctx) -> Fix | None:
    text = finding.evidence.get("reference_system")
    if not isinstance(text, str) or not text or ctx.kind(finding.loc.path) != "python":
        return None
    from ..python import prepend_system_message

    edit = prepend_system_message(ctx, finding.loc, text)
    if edit is None:
        return None
    short = text if len(text) <= 60 else text[:57] + "…"
    return Fix(f'send the trained system message "{short}" first in `messages`', [edit], UNSAFE)
