"""DPL101 implicit-system-prompt: generate with the prompt the engine builds for a request without
a system message and with the reference prompt (the model's own or the fine-tuning template);
confirmed when the answers differ (evidence: both prompts, both outputs, the first differing
token)."""

from __future__ import annotations

from .common import compare_prompts, decide_outputs_differ

decide = decide_outputs_differ


def run(subject, ctx):
    ev = subject.evidence
    return compare_prompts(
        subject, ctx, ev.get("prompt_engine"), ev.get("prompt_reference"), "engine", "reference"
    )
