"""DPL102 chat-template-drift: generate with the serving template's prompt and the training (or
the model's own) template's prompt for the same conversation; confirmed when the answers differ."""

from __future__ import annotations

from .common import compare_prompts, decide_outputs_differ

decide = decide_outputs_differ


def run(subject, ctx):
    ev = subject.evidence
    if "prompt_training" in ev:
        other, label = ev.get("prompt_training"), "training"
    else:
        other, label = ev.get("prompt_model"), "model"
    return compare_prompts(subject, ctx, ev.get("prompt_serving"), other, "serving", label)
