"""Helpers shared by the probes: first differing token, prompt-pair generation, token texts."""

from __future__ import annotations

import re
from typing import Any

from . import CONFIRMED, NOT_CONFIRMED, Skip, Verdict

CONVERSATION = [{"role": "user", "content": "What is the capital of France?"}]


def first_differing_token(a: list[int], b: list[int]) -> int | None:
    """Index of the first position where the two id sequences differ (None: identical)."""
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return None if len(a) == len(b) else n


def decide_outputs_differ(a: list[int], b: list[int]) -> tuple[str, str]:
    """Confirmed when the two greedy outputs differ: the prompts lead the model to answer
    differently. Not confirmed when they are identical token for token."""
    i = first_differing_token(a, b)
    if i is None:
        return NOT_CONFIRMED, f"both prompts produce the same {len(a)} tokens"
    return CONFIRMED, f"the outputs part at generated token {i}"


def token_view(backend, tok, ids: list[int]) -> list[str]:
    return [backend.decode(tok, [i]) for i in ids]


def compare_prompts(
    subject, ctx, prompt_a: str, prompt_b: str, label_a: str, label_b: str
) -> Verdict:
    """Greedy-generate from both prompts with the served model; evidence: both prompts and
    outputs, the first differing output token."""
    if not isinstance(prompt_a, str) or not isinstance(prompt_b, str):
        raise Skip("the finding carries no rendered prompts to compare")
    ctx.require_model(subject.model_dir, subject.model_ref)
    be = ctx.backend
    tok = be.tokenizer(subject.tokenizer_dir, subject.model_ref)
    model = be.model(subject.model_dir, subject.model_ref)
    ia, ib = be.encode(tok, prompt_a), be.encode(tok, prompt_b)
    n = ctx.opts.max_new_tokens
    oa = be.generate(model, ia, max_new_tokens=n)
    ob = be.generate(model, ib, max_new_tokens=n)
    status, reason = decide_outputs_differ(oa, ob)
    i = first_differing_token(oa, ob)
    ev: dict[str, Any] = {
        f"prompt_{label_a}": prompt_a,
        f"prompt_{label_b}": prompt_b,
        f"output_{label_a}": be.decode(tok, oa),
        f"output_{label_b}": be.decode(tok, ob),
        "first_differing_token": None
        if i is None
        else {
            "index": i,
            label_a: {"id": oa[i] if i < len(oa) else None, "text": be.decode(tok, oa[i : i + 1])},
            label_b: {"id": ob[i] if i < len(ob) else None, "text": be.decode(tok, ob[i : i + 1])},
        },
    }
    if status == CONFIRMED:
        reason = f"the {label_a} prompt and the {label_b} prompt get different answers ({reason})"
    return Verdict(status, reason, ev)


_ID = re.compile(r"^<id (\d+)>$")


def token_ids(tok, texts) -> tuple[set[int], list[str]]:
    """Special-token texts (or `<id N>`) as ids in this tokenizer; the texts it does not know."""
    ids: set[int] = set()
    unknown: list[str] = []
    vocab = tok.get_vocab()
    for t in texts:
        if not isinstance(t, str):
            continue
        m = _ID.match(t)
        if m:
            ids.add(int(m.group(1)))
        elif t in vocab:
            ids.add(int(vocab[t]))
        elif t.isdigit():
            ids.add(int(t))
        else:
            unknown.append(t)
    return ids, unknown
